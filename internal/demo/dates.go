package demo

import (
	"math/rand/v2"
	"time"

	"github.com/tuoyu/tuoyu/internal/civil"
)

// day is one calendar day.
const day = 24 * time.Hour

// addDays returns d shifted by n days (UTC midnight stays UTC midnight).
func addDays(d time.Time, n int) time.Time { return d.AddDate(0, 0, n) }

// daysBetween is the number of days from a to b.
func daysBetween(a, b time.Time) int { return int(b.Sub(a) / day) }

// between returns a uniformly random day in [a, b]; a when b is before a.
func between(r *rand.Rand, a, b time.Time) time.Time {
	n := daysBetween(a, b)
	if n <= 0 {
		return a
	}
	return addDays(a, r.IntN(n+1))
}

// maxDate and minDate compare dates.
func maxDate(a time.Time, bs ...time.Time) time.Time {
	for _, b := range bs {
		if b.After(a) {
			a = b
		}
	}
	return a
}

func minDate(a time.Time, bs ...time.Time) time.Time {
	for _, b := range bs {
		if b.Before(a) {
			a = b
		}
	}
	return a
}

// weekday reports whether d is Monday to Friday.
func weekday(d time.Time) bool {
	w := d.Weekday()
	return w != time.Saturday && w != time.Sunday
}

// addWorkdays returns the n-th weekday after d.
func addWorkdays(d time.Time, n int) time.Time {
	for n > 0 {
		d = addDays(d, 1)
		if weekday(d) {
			n--
		}
	}
	return d
}

// months returns d plus n months with the clamping of design.md §3.1.
func months(d time.Time, n int) time.Time { return civil.AddMonths(d, n) }

// ageMonths is the child's age in whole months on d, as a float with the
// fraction of the current month, for growth curves.
func ageMonths(birth, d time.Time) float64 {
	m := civil.AgeInMonths(birth, d)
	if m < 0 {
		return 0
	}
	from := civil.AddMonths(birth, m)
	to := civil.AddMonths(birth, m+1)
	return float64(m) + float64(d.Sub(from))/float64(to.Sub(from))
}

// datePtr returns nil for the zero time, else a pointer to d.
func datePtr(d time.Time) *time.Time {
	if d.IsZero() {
		return nil
	}
	return &d
}
