// Package civil handles calendar dates: the GraphQL Date scalar (YYYY-MM-DD),
// the UTC-midnight convention used to store dates on both dialects, and the
// month arithmetic the KPI definitions rely on.
package civil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// Layout is the ISO calendar-date layout of the Date scalar.
const Layout = "2006-01-02"

// ErrDate reports a Date scalar that is not a valid YYYY-MM-DD calendar date.
var ErrDate = errors.New("must be a calendar date in the form YYYY-MM-DD")

// Of returns the calendar date of t in t's location, as UTC midnight: the
// form every date column holds.
func Of(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// D is shorthand for the UTC-midnight date y-m-d.
func D(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Parse parses a YYYY-MM-DD string into a UTC-midnight date.
func Parse(s string) (time.Time, error) {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return time.Time{}, ErrDate
	}
	return t, nil
}

// Today is the current calendar date in loc.
func Today(loc *time.Location) time.Time { return Of(time.Now().In(loc)) }

// AddMonths adds n months to the date d, clamping to the last day of the
// target month (2023-01-31 + 1 month = 2023-02-28), as design.md §3.1 defines.
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// AgeInMonths is the largest m with AddMonths(birth, m) <= on; negative
// before birth is reported as -1.
func AgeInMonths(birth, on time.Time) int {
	if on.Before(birth) {
		return -1
	}
	m := (on.Year()-birth.Year())*12 + int(on.Month()) - int(birth.Month())
	for m > 0 && AddMonths(birth, m).After(on) {
		m--
	}
	return m
}

// MarshalDate writes a time as the Date scalar.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(Layout)))
	})
}

// UnmarshalDate reads the Date scalar into a UTC-midnight time.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%w (got a %T)", ErrDate, v)
	}
	return Parse(s)
}

type locationKey struct{}

// WithLocation returns ctx carrying loc, the server's configured time zone,
// so code without the server's configuration (ent hooks dating a filing
// "today") takes the calendar day where the server is, not where the
// process's TZ happens to point.
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	if loc == nil {
		return ctx
	}
	return context.WithValue(ctx, locationKey{}, loc)
}

// Location is the time zone WithLocation put in ctx, or time.Local when none
// was (tools and tests that run without a configured zone).
func Location(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(locationKey{}).(*time.Location); ok {
		return loc
	}
	return time.Local
}

// TodayIn is the current calendar date in ctx's location (see Location).
func TodayIn(ctx context.Context) time.Time { return Today(Location(ctx)) }
