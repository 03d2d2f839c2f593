package kpi

import (
	"context"
	"fmt"
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
// check-point in the periods only) and the pairs are formed here.
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

	type stay struct {
		region     int
		group      string
		start, end time.Time // end zero = open
	}
	type child struct {
		birth    time.Time
		stays    []stay
		screened []time.Time
	}
	children := map[int]*child{}
	var order []int
	stmt := `SELECT en.child_id, c.birth_date, i.region_id, ` + groupExpr(e.dim) + ` AS g, en.start_date, en.end_date
FROM enrolments en
JOIN institutions i ON i.id = en.institution_id
JOIN children c ON c.id = en.child_id
WHERE en.start_date < ? AND (en.end_date IS NULL OR en.end_date > ?) AND ` + born + e.regionFilter("i.region_id") + `
ORDER BY en.child_id`
	if fromSpans {
		// The merged spans of kpistore (kpi_child_spans) carry the birth
		// date and region: a child is in a region on its check-point day
		// exactly when one of its spans there covers it, as for the
		// enrolments, without joining children and institutions.
		stmt = `SELECT c.child_id, c.birth_date, c.region_id, '' AS g, c.start_date, c.end_date
FROM ` + kpistore.ChildSpanTable + ` c
WHERE NOT c.care AND c.start_date < ? AND (c.end_date IS NULL OR c.end_date > ?) AND ` + born + e.regionFilter("c.region_id") + `
ORDER BY c.child_id`
	}
	args := append([]any{to, from.AddDate(0, 0, -1)}, rargs...)
	err := e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			id, region   int
			g            string
			birth, start time.Time
			end          entsql.NullTime
		)
		if err := rows.Scan(&id, &birth, &region, &g, &start, &end); err != nil {
			return err
		}
		ch := children[id]
		if ch == nil {
			ch = &child{birth: civil.Of(birth)}
			children[id] = ch
			order = append(order, id)
		}
		s := stay{region: region, group: g, start: civil.Of(start)}
		if end.Valid {
			s.end = civil.Of(end.Time)
		}
		ch.stays = append(ch.stays, s)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dev screening enrolments: %w", err)
	}
	if len(children) == 0 {
		return nil
	}
	// On SQLite, children first, then their screenings through the
	// (child_id, kind, date) index: CROSS JOIN keeps SQLite's planner from
	// scanning the window's morning checks by date (2.3 s → 0.12 s on the
	// city demo). PostgreSQL plans the plain join well.
	join := "JOIN health_records h ON h.child_id = c.id\nWHERE "
	if !e.run.postgres() {
		join = "CROSS JOIN health_records h\nWHERE h.child_id = c.id AND "
	}
	stmt = `SELECT h.child_id, h.date
FROM children c
` + join + `h.kind = 'DEV_SCREENING' AND h.date >= ? AND h.date < ? AND ` + born
	args = append([]any{from.Add(-screeningWindow), to.Add(screeningWindow + 24*time.Hour)}, rargs...)
	if !e.live {
		// kpistore's screening days, by date: the windows' screenings of
		// every child (a province's tens of thousands, read from one index
		// range), of which those of the candidates count below.
		stmt = `SELECT s.child_id, s.date FROM ` + kpistore.ScreeningTable + ` s WHERE s.date >= ? AND s.date < ?`
		args = args[:2]
	}
	if len(order) <= screeningProbeLimit {
		// A subtree's few children: their screenings by child, rather than
		// every child of the province born in the ranges.
		ids := make([]string, len(order))
		for i, id := range order {
			ids[i] = strconv.Itoa(id)
		}
		stmt = `SELECT h.child_id, h.date FROM health_records h
WHERE h.child_id IN (` + strings.Join(ids, ",") + `) AND h.kind = 'DEV_SCREENING' AND h.date >= ? AND h.date < ?`
		if !e.live {
			stmt = `SELECT s.child_id, s.date FROM ` + kpistore.ScreeningTable + ` s
WHERE s.child_id IN (` + strings.Join(ids, ",") + `) AND s.date >= ? AND s.date < ?`
		}
		args = args[:2]
	}
	err = e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			id  int
			day time.Time
		)
		if err := rows.Scan(&id, &day); err != nil {
			return err
		}
		if ch := children[id]; ch != nil {
			ch.screened = append(ch.screened, civil.Of(day))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dev screenings: %w", err)
	}
	for _, id := range order {
		ch := children[id]
		for mi, m := range screeningAges {
			c := civil.AddMonths(ch.birth, m)
			screened := 0.0
			for _, d := range ch.screened {
				if diff := d.Sub(c); diff <= screeningWindow && diff >= -screeningWindow {
					screened = 1
					break
				}
			}
			for k, p := range e.points {
				if c.Before(p.From) || !c.Before(p.To) {
					continue
				}
				seen := map[stay]bool{}
				var active []stay
				for _, s := range ch.stays {
					key := stay{region: s.region, group: s.group}
					if s.start.After(c) || (!s.end.IsZero() && !s.end.After(c)) || seen[key] {
						continue
					}
					seen[key] = true
					active = append(active, key)
				}
				for _, s := range active {
					if len(active) == 1 {
						e.acc.add(schematype.DevScreeningRate, k, s.region, s.group, screened, 1)
					} else {
						// The same pair under several regions: count it once per requested region.
						e.acc.addChild(schematype.DevScreeningRate, k, s.region, s.group, id<<4|mi, screened, 1)
					}
				}
			}
		}
	}
	return nil
}
