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

// dailyCheckFacts computes DAILY_CHECK_RATE. The numerator sums the
// precomputed per-(institution, weekday) counts of kpi_daily_checks over
// the period; the denominator, the weekdays each care enrolment is active
// in the period, is closed-form per enrolment (weekdays in [a, b) are
// W(b) − W(a) with W(x) = 5·⌊x/7⌋ + min(x mod 7, 5) on day numbers counted
// from a Monday), so no calendar is joined. A CHILD_REGION breakdown needs
// the children behind the counts: it takes the live statement.
func (e *evaluation) dailyCheckFacts(ctx context.Context) error {
	if e.live || e.dim == ChildRegion {
		return e.dailyCheckFactsLive(ctx)
	}
	r := e.run
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("(VALUES ")
	for k, p := range e.points {
		if k > 0 {
			b.WriteString(", ")
		}
		// k, first and last+1 day numbers, and the same as dates.
		b.WriteString("(" + strconv.Itoa(k) + ", " + strconv.Itoa(DayNumber(p.From)) + ", " + strconv.Itoa(DayNumber(p.To)) + ", " + r.date() + ", " + r.date() + ")")
		args = append(args, p.From, p.To)
	}
	b.WriteString(")")
	// Columns of VALUES are column1… in both dialects. A group without a
	// single pair (enrolments active on weekend days only) has no row, as
	// in the live statement; nor does an enrolment that ends before it
	// starts (the write path allows it; it is never active).
	periods := "(SELECT column1 AS k, column2 AS f, column3 AS t, column4 AS df, column5 AS dt FROM " + b.String() + " v)"
	s, en := r.dayNumber("en.start_date"), "COALESCE("+r.dayNumber("en.end_date")+", 1000000)"
	g := groupExpr(e.dim)
	where := e.regionFilter("i.region_id")
	stmt := `SELECT p.k, i.region_id, ` + g + ` AS g, 0,
  SUM(` + r.weekdaysBefore(r.least(en, "p.t")) + ` - ` + r.weekdaysBefore(r.greatest(s, "p.f")) + `)
FROM enrolments en
JOIN institutions i ON i.id = en.institution_id
JOIN ` + periods + ` p ON ` + s + ` < p.t AND ` + en + ` > p.f AND ` + en + ` > ` + s + `
WHERE en.service_mode IN ('FULL_DAY', 'HALF_DAY')` + where + `
GROUP BY ` + groupBy(e.dim, "p.k, i.region_id") + `
HAVING SUM(` + r.weekdaysBefore(r.least(en, "p.t")) + ` - ` + r.weekdaysBefore(r.greatest(s, "p.f")) + `) > 0
UNION ALL
SELECT p.k, i.region_id, ` + g + ` AS g, 1, SUM(dc.checked)
FROM ` + kpistore.DailyCheckTable + ` dc
JOIN institutions i ON i.id = dc.institution_id
JOIN ` + periods + ` p ON dc.day >= p.df AND dc.day < p.dt
WHERE dc.checked > 0` + where + `
GROUP BY ` + groupBy(e.dim, "p.k, i.region_id")
	return r.query(ctx, stmt, append(args, args...), func(rows *entsql.Rows) error {
		var (
			k, region, part int
			g               string
			n               int64
		)
		if err := rows.Scan(&k, &region, &g, &part, &n); err != nil {
			return err
		}
		if part == 0 {
			e.acc.add(schematype.DailyCheckRate, k, region, g, 0, float64(n))
		} else {
			e.acc.add(schematype.DailyCheckRate, k, region, g, float64(n), 0)
		}
		return nil
	})
}

// regionFilter restricts a fact statement to the institutions (or surveys)
// of the requested subtrees: " AND col IN (…)", or "" when a requested
// region is a root (everything is needed) or the list would be long.
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
	if len(ids) == 0 || len(ids) > 3000 {
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
