package kpistore

import (
	"context"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
)

// The stock indicators over children and seats read two more tables:
//
//   - kpi_child_spans: per child and lowest region, the child's enrolments
//     there merged into disjoint spans (once over every service mode, once
//     over FULL_DAY/HALF_DAY care only), with the child's birth date and
//     first entry exam copied beside them. The spans active on a day are the
//     distinct children enrolled there that day, so ENROLMENT_RATE,
//     HEALTH_RECORD_RATE and SEAT_USAGE_RATE's numerator scan one narrow
//     table instead of joining enrolments, institutions and children and
//     de-duplicating. A child with spans in several regions is marked
//     shared; the engine de-duplicates those per requested region.
//   - kpi_seat_groups: seats counted per institution, opening and closing
//     day, age band and inclusive price.
//
// Both are recomputed, never incremented, for the children (institutions)
// a transaction touched: the rows of each are deleted and inserted again
// from the registry by the same SQL the rebuild and the verification use.

// expectedChildSpans is the SQL of the rows kpi_child_spans must hold:
// gaps and islands over each (child, region, care) group's enrolments
// ordered by start (an enrolment starting on or before the furthest end so
// far joins the island), then one row per island. Enrolments that end on
// or before their start are never active and are left out. extra restricts
// the enrolments (alias en), e.g. to some children.
func expectedChildSpans(dialectName, extra string) string {
	far := "'9999-12-31'"
	if dialectName == dialect.Postgres {
		far = "DATE '9999-12-31'"
	}
	enrolled := func(care, mode string) string {
		return `SELECT en.child_id AS child_id, i.region_id AS region_id, ` + care + ` AS care, en.start_date AS s, COALESCE(en.end_date, ` + far + `) AS t
  FROM enrolments en JOIN institutions i ON i.id = en.institution_id
  WHERE (en.end_date IS NULL OR en.end_date > en.start_date)` + mode + extra
	}
	part := "PARTITION BY x.child_id, x.region_id, x.care ORDER BY x.s, x.t"
	return `WITH e AS (
  ` + enrolled("0", "") + `
  UNION ALL
  ` + enrolled("1", " AND en.service_mode IN "+careModes) + `
), m AS (
  SELECT x.*, MAX(x.t) OVER (` + part + ` ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach FROM e x
), g AS (
  SELECT x.*, SUM(CASE WHEN x.reach IS NOT NULL AND x.s <= x.reach THEN 0 ELSE 1 END) OVER (` + part + ` ROWS UNBOUNDED PRECEDING) AS island FROM m x
), sp AS (
  SELECT child_id, region_id, care, MIN(s) AS s, MAX(t) AS t FROM g GROUP BY child_id, region_id, care, island
)
SELECT sp.child_id AS child_id, sp.region_id AS region_id, sp.care = 1 AS care, sp.s AS start_date, NULLIF(sp.t, ` + far + `) AS end_date,
  c.birth_date AS birth_date, cf.first_entry_exam AS first_entry_exam,
  (MIN(sp.region_id) OVER (PARTITION BY sp.child_id) <> MAX(sp.region_id) OVER (PARTITION BY sp.child_id)) AS shared
FROM sp
JOIN children c ON c.id = sp.child_id
LEFT JOIN ` + ChildFactTable + ` cf ON cf.child_id = sp.child_id`
}

// childSpanColumns are kpi_child_spans' columns in expectedChildSpans' order.
const childSpanColumns = `child_id, region_id, care, start_date, end_date, birth_date, first_entry_exam, shared`

// expectedSeatGroups is the SQL of the rows kpi_seat_groups must hold.
// extra restricts the seats (alias s).
func expectedSeatGroups(extra string) string {
	return `SELECT s.institution_id AS institution_id, s.opened_at AS opened_at, s.closed_at AS closed_at, s.age_band AS age_band, s.inclusive AS inclusive, COUNT(*) AS seats
FROM seats s WHERE 1 = 1` + extra + `
GROUP BY s.institution_id, s.opened_at, s.closed_at, s.age_band, s.inclusive`
}

const seatGroupColumns = `institution_id, opened_at, closed_at, age_band, inclusive, seats`

// refreshSpans recomputes the spans of children (after their first entry
// exams: the spans copy them), under the children's locks.
func refreshSpans(ctx context.Context, r runner, children []int) error {
	return chunk(children, 500, func(ids []int) error {
		if err := lockChildren(ctx, r, ids); err != nil {
			return err
		}
		list := ints(ids)
		if err := r.exec(ctx, `DELETE FROM `+ChildSpanTable+` WHERE child_id IN (`+list+`)`); err != nil {
			return err
		}
		return r.exec(ctx, `INSERT INTO `+ChildSpanTable+` (`+childSpanColumns+`) `+expectedChildSpans(r.dialect, " AND en.child_id IN ("+list+")"))
	})
}

// refreshSeatGroups recomputes the seat groups of institutions, under the
// institutions' locks.
func refreshSeatGroups(ctx context.Context, r runner, institutions []int) error {
	return chunk(institutions, 500, func(ids []int) error {
		ks := make([]int64, len(ids))
		for i, id := range ids {
			ks[i] = lockKey('s', id, time.Time{})
		}
		if err := lock(ctx, r, ks); err != nil {
			return err
		}
		list := ints(ids)
		if err := r.exec(ctx, `DELETE FROM `+SeatGroupTable+` WHERE institution_id IN (`+list+`)`); err != nil {
			return err
		}
		return r.exec(ctx, `INSERT INTO `+SeatGroupTable+` (`+seatGroupColumns+`) `+expectedSeatGroups(" AND s.institution_id IN ("+list+")"))
	})
}

// SeatHook keeps kpi_seat_groups exact across Seat mutations of every kind:
// the institutions of the seats before and after the write are recomputed.
func SeatHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		sm, ok := m.(*gen.SeatMutation)
		if !ok || skipped(ctx) {
			return next.Mutate(ctx, m)
		}
		return maintain(ctx, sm, m, next, func(ctx context.Context, r runner, p *pending, after bool) error {
			if sm.Op().Is(ent.OpCreate) {
				if after {
					inst, _ := sm.InstitutionID()
					p.seatInstitutions[inst] = true
				}
				return nil
			}
			ids, err := idsOf(ctx, sm, after)
			if err != nil {
				return err
			}
			return chunk(ids, 500, func(ids []int) error {
				return r.query(ctx, `SELECT DISTINCT institution_id FROM seats WHERE id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
					var inst int
					if err := rows.Scan(&inst); err != nil {
						return err
					}
					p.seatInstitutions[inst] = true
					return nil
				})
			})
		})
	})
}

// ChildHook keeps the birth dates of kpi_child_spans exact: a write that
// changes a child's birth date recomputes the child's spans. (A new child
// has no enrolments yet; a child with enrolments cannot be deleted.)
func ChildHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		cm, ok := m.(*gen.ChildMutation)
		if !ok || skipped(ctx) || cm.Op().Is(ent.OpCreate) {
			return next.Mutate(ctx, m)
		}
		if _, set := cm.BirthDate(); !set && !cm.Op().Is(ent.OpDelete|ent.OpDeleteOne) {
			return next.Mutate(ctx, m)
		}
		return maintain(ctx, cm, m, next, func(ctx context.Context, _ runner, p *pending, after bool) error {
			ids, err := idsOf(ctx, cm, after)
			if err != nil {
				return err
			}
			for _, id := range ids {
				p.spanChildren[id] = true
			}
			return nil
		})
	})
}

// InstitutionHook keeps the regions of kpi_child_spans exact: moving an
// institution to another region recomputes the spans of every child
// enrolled there.
func InstitutionHook(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		im, ok := m.(*gen.InstitutionMutation)
		if !ok || skipped(ctx) || im.Op().Is(ent.OpCreate) {
			return next.Mutate(ctx, m)
		}
		if _, set := im.RegionID(); !set {
			return next.Mutate(ctx, m)
		}
		return maintain(ctx, im, m, next, func(ctx context.Context, r runner, p *pending, after bool) error {
			// The IDs are taken before the write (it may change what its
			// predicates select); the children are read after it.
			ids, err := idsOf(ctx, im, after)
			if err != nil || !after {
				return err
			}
			return chunk(ids, 500, func(ids []int) error {
				return r.query(ctx, `SELECT DISTINCT child_id FROM enrolments WHERE institution_id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
					var child int
					if err := rows.Scan(&child); err != nil {
						return err
					}
					p.spanChildren[child] = true
					return nil
				})
			})
		})
	})
}
