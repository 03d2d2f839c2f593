package kpi

import (
	"context"
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// The fast paths read the precomputed data of internal/kpi/kpistore, kept
// exact by the write hooks; the live statements (dailyCheckFactsLive, the
// EXISTS probe of childFacts) stay as the reference that the randomized
// equivalence test and `tuoyu kpi verify` compare them with.

// dailyCheckFacts computes DAILY_CHECK_RATE's numerator: it sums the
// precomputed per-(institution, weekday) counts of kpi_daily_checks over
// the period. dailyCheckPairFacts computes the denominator, a separate
// statement run beside it. A CHILD_REGION breakdown needs the children
// behind the counts: it takes the live statement, which computes both.
func (e *evaluation) dailyCheckFacts(ctx context.Context) error {
	if e.live || e.dim == ChildRegion {
		return e.dailyCheckFactsLive(ctx)
	}
	periods, args := e.run.weekdayPeriods(e.points)
	// Summed per institution first and joined to institutions once per
	// institution, not once per institution-day (the join was half of
	// the statement's time at province scale, bench/RESULTS.md).
	stmt := `SELECT x.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, SUM(x.n)
FROM (
  SELECT p.k AS k, dc.institution_id AS institution_id, SUM(dc.checked) AS n
  FROM ` + kpistore.DailyCheckTable + ` dc
  JOIN ` + periods + ` p ON dc.day >= p.df AND dc.day < p.dt
  WHERE dc.checked > 0` + e.institutionsWithin("dc.institution_id") + `
  GROUP BY p.k, dc.institution_id
) x
JOIN institutions i ON i.id = x.institution_id
WHERE 1 = 1` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "x.k, i.region_id")
	return e.run.query(ctx, stmt, args, e.addCounts(schematype.DailyCheckRate, true))
}

// dailyCheckPairFacts computes DAILY_CHECK_RATE's denominator, the weekdays
// each care enrolment is active in the period. It is closed-form per
// enrolment (weekdays in [a, b) are W(b) − W(a) with W(x) = 5·⌊x/7⌋ +
// min(x mod 7, 5) on day numbers counted from a Monday), so no calendar is
// joined. The live path computes it in dailyCheckFacts.
func (e *evaluation) dailyCheckPairFacts(ctx context.Context) error {
	if e.live || e.dim == ChildRegion {
		return nil
	}
	r := e.run
	periods, args := e.run.weekdayPeriods(e.points)
	s, en := r.dayNumber("en.start_date"), "COALESCE("+r.dayNumber("en.end_date")+", 1000000)"
	// Most enrolments cover the whole period: theirs are the period's
	// weekdays, without the arithmetic (a fifth of the statement). The
	// periods are tested on the date columns, so the day numbers are
	// computed only for the rows that count.
	weekdays := `CASE WHEN en.start_date <= p.df AND (en.end_date IS NULL OR en.end_date >= p.dt) THEN p.wd
    ELSE ` + r.weekdaysBefore(r.least(en, "p.t")) + ` - ` + r.weekdaysBefore(r.greatest(s, "p.f")) + ` END`
	// Summed per institution first, as the numerator. A group without a
	// single pair (enrolments active on weekend days only) has no row, as
	// in the live statement; nor does an enrolment that ends on or before
	// it starts (the write path allows it; it is never active).
	if e.children {
		// Summed per child instead, for the children behind the pairs:
		// a child with pairs under one lowest region and group (nearly
		// all) is counted in the row's sum, one under several comes back
		// with its ID to be counted once per requested region (as
		// childFacts does).
		stmt := `WITH x AS (
  SELECT p.k AS k, en.child_id AS child_id, i.region_id AS region_id, ` + groupExpr(e.dim) + ` AS g, SUM(` + weekdays + `) AS n
  FROM enrolments en
  JOIN institutions i ON i.id = en.institution_id
  JOIN ` + periods + ` p ON en.start_date < p.dt AND (en.end_date IS NULL OR (en.end_date > p.df AND en.end_date > en.start_date))
  WHERE en.service_mode IN ('FULL_DAY', 'HALF_DAY')` + e.regionFilter("i.region_id") + `
  GROUP BY ` + groupBy(e.dim, "p.k, en.child_id, i.region_id") + `
  HAVING SUM(` + weekdays + `) > 0
), counted AS (
  SELECT x.*, COUNT(*) OVER (PARTITION BY x.k, x.child_id, x.g) AS m FROM x
)
SELECT k, region_id, g, CASE WHEN m > 1 THEN child_id ELSE 0 END, 0, SUM(n), COUNT(*)
FROM counted
GROUP BY k, region_id, g, CASE WHEN m > 1 THEN child_id ELSE 0 END`
		return r.query(ctx, stmt, args, e.scanDailyChildren)
	}
	stmt := `SELECT x.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, SUM(x.n)
FROM (
  SELECT p.k AS k, en.institution_id AS institution_id, SUM(` + weekdays + `) AS n
  FROM enrolments en
  JOIN ` + periods + ` p ON en.start_date < p.dt AND (en.end_date IS NULL OR (en.end_date > p.df AND en.end_date > en.start_date))
  WHERE en.service_mode IN ('FULL_DAY', 'HALF_DAY')` + e.institutionsWithin("en.institution_id") + `
  GROUP BY p.k, en.institution_id
) x
JOIN institutions i ON i.id = x.institution_id
WHERE 1 = 1` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "x.k, i.region_id") + `
HAVING SUM(x.n) > 0`
	return r.query(ctx, stmt, args, e.addCounts(schematype.DailyCheckRate, false))
}

// scanDailyChildren adds a row (k, region, group, child or 0, checked,
// pairs, children) of the daily-check statements that count children.
func (e *evaluation) scanDailyChildren(rows *entsql.Rows) error {
	var (
		k, region, child         int64
		g                        string
		checked, pairs, children int64
	)
	if err := rows.Scan(&k, &region, &g, &child, &checked, &pairs, &children); err != nil {
		return err
	}
	// The pairs of a child under several regions are distinct pairs (one
	// care enrolment a day): they add up; the child is counted once.
	e.acc.add(schematype.DailyCheckRate, int(k), int(region), g, float64(checked), float64(pairs))
	e.acc.addChildren(schematype.DailyCheckRate, int(k), int(region), g, int(child), float64(children))
	return nil
}

// addCounts scans (k, region, group, n) rows into key's numerator
// (numerator true) or denominator.
func (e *evaluation) addCounts(key Key, numerator bool) func(*entsql.Rows) error {
	return func(rows *entsql.Rows) error {
		var (
			k, region int
			g         string
			n         int64
		)
		if err := rows.Scan(&k, &region, &g, &n); err != nil {
			return err
		}
		if numerator {
			e.acc.add(key, k, region, g, float64(n), 0)
		} else {
			e.acc.add(key, k, region, g, 0, float64(n))
		}
		return nil
	}
}

// institutionsWithin restricts a statement to the institutions of the
// requested subtrees (" AND col IN (SELECT id FROM institutions …)"), for
// statements that sum per institution before joining institutions: the
// outer join takes regionFilter too, so that only those institutions are
// joined (a district's statement took twice as long without).
func (e *evaluation) institutionsWithin(col string) string {
	if f := e.regionFilter("region_id"); f != "" {
		return " AND " + col + " IN (SELECT id FROM institutions WHERE 1 = 1" + f + ")"
	}
	return ""
}

// regionFilter restricts a fact statement to the institutions (or surveys)
// of the requested subtrees: " AND col IN (…)", or "" when a requested
// region is a root (everything is needed), the list would be long, or the
// subtrees hold most of the regions. The filter only saves work: rows of
// other regions roll up into no requested region and are dropped. When it
// would keep most rows it is a hashed probe per row for nothing — the
// districts of a province are all of it but its root (measured: a third of
// the province dashboard's daily-check statement, bench/RESULTS.md).
func (e *evaluation) regionFilter(col string) string {
	if e.filter != nil {
		if *e.filter == "" {
			return ""
		}
		return " AND " + col + " IN (" + *e.filter + ")"
	}
	list := ""
	e.filter = &list
	var ids []int
	seen := map[int]bool{}
	var walk func(int, int)
	walk = func(id, depth int) {
		if seen[id] || depth > 64 {
			return
		}
		seen[id] = true
		ids = append(ids, id)
		for _, k := range e.tree.kids[id] {
			walk(k, depth+1)
		}
	}
	for id := range e.acc.roll.requested {
		if e.tree.parent[id] == 0 {
			return ""
		}
		walk(id, 0)
	}
	if len(ids) == 0 || len(ids) > 3000 || 2*len(ids) > len(e.tree.parent) {
		return ""
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
	list = b.String()
	return " AND " + col + " IN (" + list + ")"
}
