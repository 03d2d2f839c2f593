package kpi

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// screeningAges are the developmental check-points in months (design.md §3.2).
var screeningAges = []int{3, 6, 8, 12, 18, 24, 30, 36}

// screeningProbeLimit is the most candidate children whose screenings are
// read by ID (a district's); more are read by date. A variable so that the
// equivalence test can send its few children down both paths.
var screeningProbeLimit = 2000

// screeningWindow is how far a screening may be from its check-point.
const screeningWindow = 30 * 24 * time.Hour

// firstBirthReaching is the earliest birth date b with birth + m months >= x.
// Month addition clamps and is monotone in b, so a short walk finds it.
func firstBirthReaching(x time.Time, m int) time.Time {
	b := civil.AddMonths(x, -m).AddDate(0, 0, -4)
	for civil.AddMonths(b, m).Before(x) {
		b = b.AddDate(0, 0, 1)
	}
	return b
}

// birthRanges returns the birth-date intervals [lo, hi) of children with a
// check-point in [from, to), merged.
func birthRanges(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for i := len(screeningAges) - 1; i >= 0; i-- { // oldest check-point = earliest births first
		m := screeningAges[i]
		lo, hi := firstBirthReaching(from, m), firstBirthReaching(to, m)
		if !lo.Before(hi) {
			continue
		}
		if n := len(out); n > 0 && !lo.After(out[n-1][1]) {
			if hi.After(out[n-1][1]) {
				out[n-1][1] = hi
			}
			continue
		}
		out = append(out, [2]time.Time{lo, hi})
	}
	return out
}

// devScreeningFacts computes DEV_SCREENING_RATE. The (child, check-point)
// pairs depend on month arithmetic that the two dialects do differently, so
// the SQL fetches the candidate enrolments and screenings (children with a
// check-point in the periods only) and the pairs are formed here. Dates
// travel as day numbers (dayNumber) and check-points are computed once per
// birth date: a province has tens of thousands of candidates and
// screenings, and parsing their dates and adding months per child was most
// of this fact's time (bench/RESULTS.md).
func (e *evaluation) devScreeningFacts(ctx context.Context) error {
	from, to := e.span()
	ranges := birthRanges(from, to)
	if len(ranges) == 0 {
		return nil
	}
	var (
		cond  []string
		rargs []any
	)
	for _, r := range ranges {
		cond = append(cond, "(c.birth_date >= ? AND c.birth_date < ?)")
		rargs = append(rargs, r[0], r[1])
	}
	born := "(" + strings.Join(cond, " OR ") + ")"
	fromSpans := !e.live && e.dim == ""
	day := e.run.dayNumber

	// A stay is one candidate enrolment (or span) of a child: [start, end)
	// in day numbers, end openEnd while open. Sorted by child (here: Go
	// sorts the few tens of thousands of rows in a fraction of what the
	// database's sort took), a child's stays are the run stays[lo:hi].
	const openEnd = math.MaxInt32
	type stay struct {
		child, birth int
		region       int
		group        string
		start, end   int
	}
	type child struct {
		id, birth, lo, hi int
		screened          []int // days, a run of screenings
	}
	var stays []stay
	stmt := `SELECT en.child_id, ` + day("c.birth_date") + `, i.region_id, ` + groupExpr(e.dim) + ` AS g, ` + day("en.start_date") + `, ` + day("en.end_date") + `
FROM enrolments en
JOIN institutions i ON i.id = en.institution_id
JOIN children c ON c.id = en.child_id
WHERE en.start_date < ? AND (en.end_date IS NULL OR en.end_date > ?) AND ` + born + e.regionFilter("i.region_id")
	if fromSpans {
		// The merged spans of kpistore (kpi_child_spans) carry the birth
		// date and region: a child is in a region on its check-point day
		// exactly when one of its spans there covers it, as for the
		// enrolments, without joining children and institutions.
		stmt = `SELECT c.child_id, ` + day("c.birth_date") + `, c.region_id, '' AS g, ` + day("c.start_date") + `, ` + day("c.end_date") + `
FROM ` + kpistore.ChildSpanTable + ` c
WHERE NOT c.care AND c.start_date < ? AND (c.end_date IS NULL OR c.end_date > ?) AND ` + born + e.regionFilter("c.region_id")
	}
	args := append([]any{to, from.AddDate(0, 0, -1)}, rargs...)
	err := e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		// int64 destinations: database/sql converts an int64 into an int
		// through its decimal text.
		var (
			id, birth, region, start int64
			group                    string
			end                      entsql.NullInt64
		)
		if err := rows.Scan(&id, &birth, &region, &group, &start, &end); err != nil {
			return err
		}
		s := stay{child: int(id), birth: int(birth), region: int(region), group: group, start: int(start), end: openEnd}
		if end.Valid {
			s.end = int(end.Int64)
		}
		stays = append(stays, s)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dev screening enrolments: %w", err)
	}
	if len(stays) == 0 {
		return nil
	}
	slices.SortFunc(stays, func(a, b stay) int { return cmp.Compare(a.child, b.child) })
	children := make([]child, 0, len(stays)) // at most one per stay
	for i, s := range stays {
		if n := len(children); n == 0 || children[n-1].id != s.child {
			children = append(children, child{id: s.child, birth: s.birth, lo: i})
		}
		children[len(children)-1].hi = i + 1
	}
	// On SQLite, children first, then their screenings through the
	// (child_id, kind, date) index: CROSS JOIN keeps SQLite's planner from
	// scanning the window's morning checks by date (2.3 s → 0.12 s on the
	// city demo). PostgreSQL plans the plain join well.
	join := "JOIN health_records h ON h.child_id = c.id\nWHERE "
	if !e.run.postgres() {
		join = "CROSS JOIN health_records h\nWHERE h.child_id = c.id AND "
	}
	stmt = `SELECT h.child_id, ` + day("h.date") + `
FROM children c
` + join + `h.kind = 'DEV_SCREENING' AND h.date >= ? AND h.date < ? AND ` + born
	args = append([]any{from.Add(-screeningWindow), to.Add(screeningWindow + 24*time.Hour)}, rargs...)
	if !e.live {
		// kpistore's screening days, by date: the windows' screenings of
		// every child (a province's tens of thousands, read from one index
		// range), of which those of the candidates count below.
		stmt = `SELECT s.child_id, ` + day("s.date") + ` FROM ` + kpistore.ScreeningTable + ` s WHERE s.date >= ? AND s.date < ?`
		args = args[:2]
	}
	if len(children) <= screeningProbeLimit {
		// A subtree's few children: their screenings by child, rather than
		// every child of the province born in the ranges.
		ids := make([]string, len(children))
		for i, ch := range children {
			ids[i] = strconv.Itoa(ch.id)
		}
		stmt = `SELECT h.child_id, ` + day("h.date") + ` FROM health_records h
WHERE h.child_id IN (` + strings.Join(ids, ",") + `) AND h.kind = 'DEV_SCREENING' AND h.date >= ? AND h.date < ?`
		if !e.live {
			stmt = `SELECT s.child_id, ` + day("s.date") + ` FROM ` + kpistore.ScreeningTable + ` s
WHERE s.child_id IN (` + strings.Join(ids, ",") + `) AND s.date >= ? AND s.date < ?`
		}
		args = args[:2]
	}
	var screenings [][2]int // (child, day)
	err = e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var id, d int64
		if err := rows.Scan(&id, &d); err != nil {
			return err
		}
		screenings = append(screenings, [2]int{int(id), int(d)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("dev screenings: %w", err)
	}
	// Both sorted by child: each child's screenings are found by one walk
	// (the by-date read returns other children's too, skipped here).
	slices.SortFunc(screenings, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	days := make([]int, len(screenings))
	for i, j := 0, 0; i < len(children); i++ {
		for j < len(screenings) && screenings[j][0] < children[i].id {
			j++
		}
		lo := j
		for ; j < len(screenings) && screenings[j][0] == children[i].id; j++ {
			days[j] = screenings[j][1]
		}
		children[i].screened = days[lo:j]
	}

	// The check-points of a birth date, as day numbers, computed once per
	// birth date (a province's candidates share a few hundred).
	checkpoints := map[int][]int{}
	pointOf := func(birth int) []int {
		cps, ok := checkpoints[birth]
		if !ok {
			b := epoch.AddDate(0, 0, birth)
			cps = make([]int, len(screeningAges))
			for mi, m := range screeningAges {
				cps[mi] = DayNumber(civil.AddMonths(b, m))
			}
			checkpoints[birth] = cps
		}
		return cps
	}
	type period struct{ k, from, to int }
	periods := make([]period, len(e.points))
	for k, p := range e.points {
		periods[k] = period{k, DayNumber(p.From), DayNumber(p.To)}
	}
	first, last := DayNumber(from), DayNumber(to)
	window := int(screeningWindow / (24 * time.Hour))
	// The pairs of children counted under one region sum here and reach
	// the accumulator once per (point, region, group).
	type sumKey struct {
		k, region int
		group     string
	}
	sums := map[sumKey]*cell{}
	var active []stay
	// With Query.Children, the distinct (point, region, group) of a
	// child's pairs: it is one child behind each.
	var places []sumKey
	for _, ch := range children {
		places = places[:0]
		for mi, c := range pointOf(ch.birth) {
			if c < first || c >= last {
				continue // in no period
			}
			screened := 0.0
			for _, d := range ch.screened {
				if d-c <= window && c-d <= window {
					screened = 1
					break
				}
			}
			for _, p := range periods {
				if c < p.from || c >= p.to {
					continue
				}
				// The distinct (region, group) of the stays active on c.
				active = active[:0]
				for _, s := range stays[ch.lo:ch.hi] {
					if s.start > c || s.end <= c || slices.ContainsFunc(active, func(a stay) bool { return a.region == s.region && a.group == s.group }) {
						continue
					}
					active = append(active, s)
				}
				for _, s := range active {
					if e.children && !slices.Contains(places, sumKey{p.k, s.region, s.group}) {
						places = append(places, sumKey{p.k, s.region, s.group})
					}
					if len(active) > 1 {
						// The same pair under several regions: count it once per requested region.
						e.acc.addChild(schematype.DevScreeningRate, p.k, s.region, s.group, ch.id<<4|mi, screened, 1)
						continue
					}
					key := sumKey{p.k, s.region, s.group}
					sum := sums[key]
					if sum == nil {
						sum = &cell{}
						sums[key] = sum
					}
					sum.num += screened
					sum.den++
				}
			}
		}
		// A child under one region and group in a period adds to the
		// sums; under several, it is counted once per requested region.
		for _, pl := range places {
			if slices.ContainsFunc(places, func(o sumKey) bool { return o.k == pl.k && o != pl }) {
				e.acc.addChildren(schematype.DevScreeningRate, pl.k, pl.region, pl.group, ch.id, 1)
				continue
			}
			// Its pairs there are in the sums (two places at one
			// check-point would be two places here).
			sums[pl].children++
		}
	}
	for key, sum := range sums {
		e.acc.add(schematype.DevScreeningRate, key.k, key.region, key.group, sum.num, sum.den)
		if sum.children > 0 {
			e.acc.addChildren(schematype.DevScreeningRate, key.k, key.region, key.group, 0, sum.children)
		}
	}
	return nil
}
