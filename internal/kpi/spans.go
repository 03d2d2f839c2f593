package kpi

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// childFactsFromSpans is childFacts without a breakdown, on the merged
// enrolment spans of kpistore (kpi_child_spans): the spans active on a day
// are the distinct children of a region, each with its birth date and
// first entry exam beside it, so one narrow table is scanned with no join
// and no DISTINCT. Children with spans in several regions (shared) come
// back one row each, to be counted once per requested region.
func (e *evaluation) childFactsFromSpans(ctx context.Context) error {
	cal, args := e.under36Calendar()
	multi := "CASE WHEN s.shared THEN s.child_id ELSE 0 END"
	stmt := `SELECT cal.k, s.region_id, '', ` + multi + `,
  COUNT(*),
  SUM(CASE WHEN s.birth_date > cal.u THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.first_entry_exam <= cal.d THEN 1 ELSE 0 END)
FROM ` + kpistore.ChildSpanTable + ` s
JOIN ` + cal + ` cal ON ` + activeOn("s", "start_date", "end_date", "cal.d") + `
WHERE NOT s.care` + e.regionFilter("s.region_id") + `
GROUP BY cal.k, s.region_id, ` + multi
	return e.run.query(ctx, stmt, args, e.scanChildren)
}

// careFactsFromSpans is careFacts without a breakdown, on the care spans of
// kpistore: per region, the children with a FULL_DAY/HALF_DAY span active
// on the day (distinct per region, as careFacts counts them).
func (e *evaluation) careFactsFromSpans(ctx context.Context) error {
	cal, args := e.run.calendar(e.points)
	stmt := `SELECT cal.k, s.region_id, COUNT(*)
FROM ` + kpistore.ChildSpanTable + ` s
JOIN ` + cal + ` cal ON ` + activeOn("s", "start_date", "end_date", "cal.d") + `
WHERE s.care` + e.regionFilter("s.region_id") + `
GROUP BY cal.k, s.region_id`
	return e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			k, region int
			children  int64
		)
		if err := rows.Scan(&k, &region, &children); err != nil {
			return err
		}
		e.acc.add(schematype.SeatUsageRate, k, region, "", float64(children), 0)
		return nil
	})
}
