// Package workday counts working days (工作日) on the official calendar of
// the People's Republic of China: Monday to Friday, minus the public
// holidays (放假) of the State Council's yearly notice, plus its make-up
// workdays (调休上班) on weekends.
//
// The built-in source is the holiday table of github.com/6tail/lunar-go
// (HolidayUtil), a maintained transcription of the yearly notices. An
// operator loads a year into the database (WorkCalendarDay, via
// loadWorkCalendar or an import) when its notice is published, or to
// correct the table: a loaded year replaces the built-in one. A date in a
// year that neither source covers is refused with ErrUnknownYear rather
// than guessed, so a deadline is never computed on a calendar that may
// still change.
//
// Deadlines follow 托育机构登记和备案办法（试行） (国卫办人口发〔2019〕25号):
// "within 5 working days" of a day d is the 5th working day after d; d
// itself is not counted, whether or not it is a working day.
package workday

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"

	"github.com/tuoyu/tuoyu/internal/apperr"
)

// ErrUnknownYear reports a date in a year the calendar does not cover.
// The GraphQL layer answers it with the code CALENDAR_UNKNOWN.
var ErrUnknownYear = errors.New("workday: the working-day calendar does not cover this year; load it with loadWorkCalendar")

// UnknownYearError is ErrUnknownYear for one year, with the calendar's
// last known year (the client can tell the operator what to load).
type UnknownYearError struct{ Year, LastKnown int }

// Error implements error.
func (e *UnknownYearError) Error() string {
	return fmt.Sprintf("workday: no working-day calendar for %d (last known year %d); load it with loadWorkCalendar", e.Year, e.LastKnown)
}

// Is makes errors.Is(err, ErrUnknownYear) true.
func (e *UnknownYearError) Is(target error) bool { return target == ErrUnknownYear }

// Day is one exception to the Monday–Friday week.
type Day struct {
	// Date is the day, as UTC midnight.
	Date time.Time
	// Workday is true for a make-up workday on a weekend, false for a holiday.
	Workday bool
	// Name is the holiday's name, e.g. 国庆节.
	Name string
}

// Calendar is the working-day calendar: exceptions by date, and the years
// it covers. The zero value covers no year; use Builtin or Load.
type Calendar struct {
	exceptions map[time.Time]Day
	years      map[int]bool
	loaded     map[int]bool // years laid over the built-in table by Load
}

// Built-in coverage: lunar-go's table starts with a partial 2001, so the
// first year relied on is 2002; its last year is the newest notice it
// transcribes.
const (
	builtinFirst = 2002
	builtinLast  = 2100
)

// builtin is lunar-go's table, read once.
var builtin = func() *Calendar {
	c := &Calendar{exceptions: map[time.Time]Day{}, years: map[int]bool{}}
	for y := builtinFirst; y <= builtinLast; y++ {
		l := HolidayUtil.GetHolidaysByYear(y)
		if l.Len() == 0 {
			continue
		}
		c.years[y] = true
		for e := l.Front(); e != nil; e = e.Next() {
			h, ok := e.Value.(*HolidayUtil.Holiday)
			if !ok {
				continue
			}
			d, err := time.Parse("2006-01-02", h.GetDay())
			if err != nil {
				continue
			}
			c.exceptions[d] = Day{Date: d, Workday: h.IsWork(), Name: h.GetName()}
		}
	}
	return c
}()

// Builtin returns the calendar of lunar-go's holiday table alone.
func Builtin() *Calendar { return builtin.clone() }

func (c *Calendar) clone() *Calendar {
	out := &Calendar{exceptions: make(map[time.Time]Day, len(c.exceptions)), years: make(map[int]bool, len(c.years)), loaded: make(map[int]bool, len(c.loaded))}
	for k, v := range c.exceptions {
		out.exceptions[k] = v
	}
	for k, v := range c.years {
		out.years[k] = v
	}
	for k, v := range c.loaded {
		out.loaded[k] = v
	}
	return out
}

// WithYear returns a copy of c in which year's exceptions are exactly days
// (a loaded year replaces the built-in one) and year is covered.
func (c *Calendar) WithYear(year int, days []Day) *Calendar {
	out := c.clone()
	for d := range out.exceptions {
		if d.Year() == year {
			delete(out.exceptions, d)
		}
	}
	for _, d := range days {
		out.exceptions[dateOf(d.Date)] = Day{Date: dateOf(d.Date), Workday: d.Workday, Name: d.Name}
	}
	out.years[year] = true
	return out
}

// LastYear is the last year the calendar covers (0 when none).
func (c *Calendar) LastYear() int {
	last := 0
	for y := range c.years {
		last = max(last, y)
	}
	return last
}

// Years lists the covered years in order.
func (c *Calendar) Years() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// Days lists year's exceptions in date order (none when the year is not
// covered): what loadWorkCalendar or a work_calendar file would store.
func (c *Calendar) Days(year int) []Day {
	var out []Day
	for d, day := range c.exceptions {
		if d.Year() == year {
			out = append(out, day)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Loaded reports whether year was loaded into the database (and so
// replaces the built-in table), rather than built in or not covered.
func (c *Calendar) Loaded(year int) bool { return c.loaded[year] }

// Covers reports whether d's year is covered.
func (c *Calendar) Covers(d time.Time) bool { return c.years[d.Year()] }

func (c *Calendar) check(d time.Time) error {
	if !c.Covers(d) {
		return &UnknownYearError{Year: d.Year(), LastKnown: c.LastYear()}
	}
	return nil
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d time.Time) (bool, error) {
	d = dateOf(d)
	if err := c.check(d); err != nil {
		return false, err
	}
	return c.isWorkday(d), nil
}

func (c *Calendar) isWorkday(d time.Time) bool {
	if e, ok := c.exceptions[d]; ok {
		return e.Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Add returns the n-th working day after d (n >= 0; Add(d, 0) is d): the
// deadline "within n working days of d".
func (c *Calendar) Add(d time.Time, n int) (time.Time, error) {
	d = dateOf(d)
	if n < 0 {
		return time.Time{}, apperr.Invalid("within", "must not be negative")
	}
	if err := c.check(d); err != nil {
		return time.Time{}, err
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if err := c.check(d); err != nil {
			return time.Time{}, err
		}
		if c.isWorkday(d) {
			n--
		}
	}
	return d, nil
}

// Between counts the working days in (from, to] when to is after from, and
// minus those in (to, from] when to is before: how many working days from
// one day to another (0 on the same day).
func (c *Calendar) Between(from, to time.Time) (int, error) {
	from, to = dateOf(from), dateOf(to)
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	if err := c.check(from); err != nil {
		return 0, err
	}
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if err := c.check(d); err != nil {
			return 0, err
		}
		if c.isWorkday(d) {
			n++
		}
	}
	return sign * n, nil
}

// dateOf is the calendar date of t as UTC midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
