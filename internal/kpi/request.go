package kpi

import (
	"fmt"
	"time"

	"github.com/tuoyu/tuoyu/internal/apperr"
)

// MaxSeriesPoints bounds a series.
const MaxSeriesPoints = 240

// MaxPeriodYears bounds the period [from, to) of period indicators: 5
// calendar years (from + 5 years >= to). A longer period scans years of
// morning checks per request; use a series of shorter buckets instead.
const MaxPeriodYears = 5

// Grain is a series bucket size.
type Grain string

// Grains.
const (
	Month   Grain = "MONTH"
	Quarter Grain = "QUARTER"
	Year    Grain = "YEAR"
)

// Dates are the optional date arguments of a request.
type Dates struct {
	AsOf, From, To *time.Time
}

// Resolve turns the date arguments of a request for keys into one Point,
// applying the defaults: today for stock indicators, the last full calendar
// month for period indicators. asOf with only period keys, from/to with only
// stock keys, one of from/to alone, or from >= to are BAD_USER_INPUT.
func (d Dates) Resolve(keys []Key, today time.Time) (Point, error) {
	var stock, period bool
	for _, k := range keys {
		ind, ok := Lookup(k)
		if !ok {
			return Point{}, apperr.Invalid("key", "is not a known indicator")
		}
		stock = stock || ind.Basis == Stock
		period = period || ind.Basis == Period
	}
	switch {
	case d.AsOf != nil && !stock:
		return Point{}, apperr.Invalid("asOf", "is not taken by period indicators (they take from and to)")
	case (d.From != nil || d.To != nil) && !period:
		given := "from"
		if d.From == nil {
			given = "to" // name the argument the client sent
		}
		return Point{}, apperr.Invalid(given, "is not taken by stock indicators (they take asOf)")
	case (d.From == nil) != (d.To == nil):
		missing, given := "to", "from"
		if d.From == nil {
			missing, given = "from", "to"
		}
		return Point{}, apperr.Invalid(missing, "must be given together with "+given)
	case d.From != nil && !d.From.Before(*d.To):
		return Point{}, apperr.Invalid("to", "must be after from")
	case d.From != nil && d.From.AddDate(MaxPeriodYears, 0, 0).Before(*d.To):
		return Point{}, apperr.Invalid("to", fmt.Sprintf("must be at most %d years after from", MaxPeriodYears))
	}
	p := Point{AsOf: today}
	p.To = time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.From = p.To.AddDate(0, -1, 0)
	if d.AsOf != nil {
		p.AsOf = *d.AsOf
	}
	if d.From != nil {
		p.From, p.To = *d.From, *d.To
	}
	return p, nil
}

// SeriesPoints splits [from, to) into calendar buckets of grain. Each point
// has the bucket (cut by from and to) as its period and the bucket's last day
// as its as-of day.
func SeriesPoints(from, to time.Time, grain Grain) ([]Point, error) {
	if !from.Before(to) {
		return nil, apperr.Invalid("to", "must be after from")
	}
	months := map[Grain]int{Month: 1, Quarter: 3, Year: 12}[grain]
	if months == 0 {
		return nil, apperr.Invalid("grain", "is not a known grain")
	}
	// The bucket containing from.
	start := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	start = start.AddDate(0, -((int(start.Month()) - 1) % months), 0)
	var out []Point
	for b := start; b.Before(to); b = b.AddDate(0, months, 0) {
		if len(out) == MaxSeriesPoints {
			return nil, apperr.Invalid("grain", fmt.Sprintf("would give the series more than %d points; use a coarser grain or a shorter range", MaxSeriesPoints))
		}
		p := Point{From: b, To: b.AddDate(0, months, 0)}
		if p.From.Before(from) {
			p.From = from
		}
		if p.To.After(to) {
			p.To = to
		}
		p.AsOf = p.To.AddDate(0, 0, -1)
		out = append(out, p)
	}
	return out, nil
}

// Descendants returns the regions of a level in parent's subtree, ordered
// by ID, for rankings.
func (t *tree) descendants(parent int, level string) []int {
	var out []int
	var walk func(int, int)
	walk = func(id, depth int) {
		if depth > 64 {
			return
		}
		for _, k := range t.kids[id] {
			if t.level[k] == level {
				out = append(out, k)
			}
			walk(k, depth+1)
		}
	}
	walk(parent, 0)
	return out
}
