package kpi

import (
	"context"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// rectificationFacts: findings whose rectification deadline falls in each
// period, and those rectified on or before it (RECTIFICATION_RATE). The
// rectification day is rectified_at (the institution's report, kept when a
// re-inspection verifies it and cleared when one rejects it), or, for a
// finding verified without a report, the verifying re-inspection's day
// corrected_at. The region is the inspected institution's.
func (e *evaluation) rectificationFacts(ctx context.Context) error {
	return e.deadlineFacts(ctx, schematype.RectificationRate,
		`COALESCE(fd.rectified_at, fd.corrected_at) <= fd.deadline`,
		`findings fd
JOIN inspections ins ON ins.id = fd.inspection_id
JOIN institutions i ON i.id = ins.institution_id`, `fd.deadline`)
}

// complaintFacts: complaints whose handling deadline (due_on) falls in each
// period, and those closed on or before it (COMPLAINT_ON_TIME_RATE).
func (e *evaluation) complaintFacts(ctx context.Context) error {
	return e.deadlineFacts(ctx, schematype.ComplaintOnTimeRate,
		`c.closed_at IS NOT NULL AND c.closed_at <= c.due_on`,
		`complaints c
JOIN institutions i ON i.id = c.institution_id`, `c.due_on`)
}

// deadlineFacts counts, per period, region and group, the rows of from
// whose deadline falls in the period (the denominator) and those meeting
// it (onTime, the numerator) for key. from must join institutions as i.
func (e *evaluation) deadlineFacts(ctx context.Context, key schematype.IndicatorKey, onTime, from, deadline string) error {
	periods, args := e.run.periods(e.points)
	stmt := `SELECT p.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, COUNT(*),
  SUM(CASE WHEN ` + onTime + ` THEN 1 ELSE 0 END)
FROM ` + from + `
JOIN ` + periods + ` p ON ` + deadline + ` >= p.f AND ` + deadline + ` < p.t
WHERE 1 = 1` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "p.k, i.region_id")
	return e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			k, region   int
			g           string
			due, ontime int64
		)
		if err := rows.Scan(&k, &region, &g, &due, &ontime); err != nil {
			return err
		}
		e.acc.add(key, k, region, g, float64(ontime), float64(due))
		return nil
	})
}
