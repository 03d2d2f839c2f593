package kpi

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// Each fact is one SQL statement that serves one or more indicators for
// every point at once. Rows are keyed by the lowest region (an institution's
// or survey's region); acc rolls them up. Intervals are half-open: a record
// is active on d when start <= d and (end is null or end > d).

// openOn is the "open on d" predicate of a table alias with opened_at/closed_at.
func openOn(alias, day string) string {
	return alias + ".opened_at <= " + day + " AND (" + alias + ".closed_at IS NULL OR " + alias + ".closed_at > " + day + ")"
}

// activeOn is openOn for an interval with other column names.
func activeOn(alias, from, to, day string) string {
	return alias + "." + from + " <= " + day + " AND (" + alias + "." + to + " IS NULL OR " + alias + "." + to + " > " + day + ")"
}

// groupExpr is the SQL of a breakdown dimension's raw group value; the
// queries alias institutions i, seats s and children c.
func groupExpr(dim Dimension) string {
	switch dim {
	case InstitutionForm:
		return "i.form"
	case Ownership:
		return "i.ownership"
	case LegalNature:
		return "i.legal_nature"
	case AgeBand:
		return "s.age_band"
	case ChildRegion:
		return "CAST(COALESCE(c.residence_region_id, 0) AS TEXT)"
	}
	return "''"
}

// groupBy appends the dimension to a GROUP BY list.
func groupBy(dim Dimension, cols string) string {
	if dim == "" {
		return cols
	}
	return cols + ", " + groupExpr(dim)
}

// seatCountFacts: open seats (SEATS_PER_1000 numerator; INCLUSIVE_SEAT_SHARE
// and SEAT_USAGE_RATE denominators). A seat counts while both it and its
// institution are open, i.e. on [later opening, earlier closing). Rather than
// join every seat to every day, the statement groups seats by their four
// dates (seats of an institution mostly share them, so a province has a few
// thousand groups) and the points are placed here: a 36-point series costs
// the same one pass over the seats as a single day.
func (e *evaluation) seatCountFacts(ctx context.Context) error {
	order := e.pointsByDay()
	days := make([]time.Time, len(order))
	for pos, k := range order {
		days[pos] = e.points[k].AsOf
	}
	// position is the first point (in day order) on or after day.
	position := func(day time.Time) int {
		return sort.Search(len(days), func(pos int) bool { return !days[pos].Before(day) })
	}
	type regionGroup struct {
		region int
		g      string
	}
	// diffs[rg][pos] adds the seats opening at pos and removes those closing
	// there, so one running sum per region and group gives every point.
	diffs := map[regionGroup][]float64{}
	var groups []regionGroup
	// The fast path reads the seats already grouped per institution
	// (kpistore's kpi_seat_groups); the live one counts them.
	seats, count := "seats", "COUNT(*)"
	if !e.live {
		seats, count = kpistore.SeatGroupTable, "SUM(s.seats)"
	}
	stmt := `SELECT i.region_id, ` + groupExpr(e.dim) + ` AS g, s.opened_at, i.opened_at, s.closed_at, i.closed_at, ` + count + `
FROM ` + seats + ` s JOIN institutions i ON i.id = s.institution_id
WHERE 1 = 1` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "i.region_id") + `, s.opened_at, i.opened_at, s.closed_at, i.closed_at`
	err := e.run.query(ctx, stmt, nil, func(rows *entsql.Rows) error {
		var (
			rg                     regionGroup
			seatOpened, instOpened time.Time
			seatClosed, instClosed entsql.NullTime
			seats                  int64
		)
		if err := rows.Scan(&rg.region, &rg.g, &seatOpened, &instOpened, &seatClosed, &instClosed, &seats); err != nil {
			return err
		}
		first, last := position(latest(seatOpened, instOpened)), len(days)
		for _, closed := range []entsql.NullTime{seatClosed, instClosed} {
			if closed.Valid {
				// Closed on the day itself: not open from the first point on or after it.
				last = min(last, position(civil.Of(closed.Time)))
			}
		}
		if first >= last {
			return nil
		}
		d := diffs[rg]
		if d == nil {
			d = make([]float64, len(days)+1)
			diffs[rg] = d
			groups = append(groups, rg)
		}
		d[first] += float64(seats)
		d[last] -= float64(seats)
		return nil
	})
	if err != nil {
		return err
	}
	for _, rg := range groups {
		open := 0.0
		for pos, k := range order {
			if open += diffs[rg][pos]; open == 0 {
				continue
			}
			e.acc.add(schematype.SeatsPer1000, k, rg.region, rg.g, open, 0)
			e.acc.add(schematype.InclusiveSeatShare, k, rg.region, rg.g, 0, open)
			e.acc.add(schematype.SeatUsageRate, k, rg.region, rg.g, 0, open)
		}
	}
	return nil
}

// latest is the later of two dates, as a calendar date.
func latest(a, b time.Time) time.Time {
	if b.After(a) {
		a = b
	}
	return civil.Of(a)
}

// pointsByDay lists the point indexes in as-of order.
func (e *evaluation) pointsByDay() []int {
	order := make([]int, len(e.points))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return e.points[order[a]].AsOf.Before(e.points[order[b]].AsOf) })
	return order
}

// inclusiveSeatFacts: open inclusive seats at institutions holding a
// designation valid on the day (INCLUSIVE_SEAT_SHARE numerator).
func (e *evaluation) inclusiveSeatFacts(ctx context.Context) error {
	cal, args := e.run.calendar(e.points)
	seats, count := "seats", "COUNT(*)"
	if !e.live {
		seats, count = kpistore.SeatGroupTable, "SUM(s.seats)"
	}
	stmt := `SELECT cal.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, ` + count + `
FROM ` + seats + ` s
JOIN institutions i ON i.id = s.institution_id
JOIN ` + cal + ` cal ON ` + openOn("s", "cal.d") + ` AND ` + openOn("i", "cal.d") + `
WHERE s.inclusive AND EXISTS (
  SELECT 1 FROM inclusive_designations dz
  WHERE dz.institution_id = i.id AND ` + activeOn("dz", "valid_from", "valid_to", "cal.d") + `)` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "cal.k, i.region_id")
	return e.run.query(ctx, stmt, args, e.addCounts(schematype.InclusiveSeatShare, true))
}

// careFacts: children in FULL_DAY or HALF_DAY care (SEAT_USAGE_RATE
// numerator). A child has at most one such enrolment on a day (enforced on
// write), so counts per region add up without double counting.
func (e *evaluation) careFacts(ctx context.Context) error {
	if !e.live && e.dim == "" {
		return e.careFactsFromSpans(ctx)
	}
	cal, args := e.run.calendar(e.points)
	stmt := `SELECT cal.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, COUNT(DISTINCT en.child_id)
FROM enrolments en
JOIN institutions i ON i.id = en.institution_id
JOIN ` + cal + ` cal ON ` + activeOn("en", "start_date", "end_date", "cal.d") + `
WHERE en.service_mode IN ('FULL_DAY', 'HALF_DAY')` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "cal.k, i.region_id")
	return e.run.query(ctx, stmt, args, e.addCounts(schematype.SeatUsageRate, true))
}

// under36Calendar is the evaluation's as-of days as a derived table
// (k, d, u): point k's day d, and u, the birth date after which a child is
// under 36 months on d.
func (e *evaluation) under36Calendar() (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("(")
	for k, p := range e.points {
		if k > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, "SELECT %d AS k, %s AS d, %s AS u", k, e.run.date(), e.run.date())
		args = append(args, p.AsOf, Under36Cutoff(p.AsOf))
	}
	b.WriteString(")")
	return b.String(), args
}

// childFacts: distinct enrolled children (HEALTH_RECORD_RATE denominator),
// those with an entry exam (its numerator) and those under 36 months
// (ENROLMENT_RATE numerator). A child enrolled in several regions (hourly
// care beside full-day care) comes back once per region with its ID, so that
// every requested region counts it once.
func (e *evaluation) childFacts(ctx context.Context) error {
	if !e.live && e.dim == "" {
		return e.childFactsFromSpans(ctx)
	}
	cal, args := e.under36Calendar()
	if !e.live {
		// One pass: the child's birth date and first entry exam ride along
		// with its enrolments, and how many lowest regions a child appears
		// under is a window count rather than a self-join (at province scale
		// the join's misestimate cost seconds).
		// SQLite would range-scan enrolment_start_date, which matches
		// nearly every enrolment, and look each row up in the table: a plain
		// scan of enrolments does half the work (city demo).
		scan := "enrolments en"
		if !e.run.postgres() {
			scan += " NOT INDEXED"
		}
		stmt := `WITH active AS (
  SELECT DISTINCT cal.k AS k, cal.d AS d, cal.u AS u, en.child_id AS child_id, i.region_id AS region_id, ` + groupExpr(e.dim) + ` AS g,
    c.birth_date AS birth, cf.first_entry_exam AS exam
  FROM ` + scan + `
  JOIN institutions i ON i.id = en.institution_id
  JOIN children c ON c.id = en.child_id
  LEFT JOIN ` + kpistore.ChildFactTable + ` cf ON cf.child_id = en.child_id
  JOIN ` + cal + ` cal ON ` + activeOn("en", "start_date", "end_date", "cal.d") + `
  WHERE 1 = 1` + e.regionFilter("i.region_id") + `
), counted AS (
  SELECT a.*, COUNT(*) OVER (PARTITION BY a.k, a.child_id, a.g) AS n FROM active a
)
SELECT k, region_id, g, CASE WHEN n > 1 THEN child_id ELSE 0 END,
  COUNT(*),
  SUM(CASE WHEN birth > u THEN 1 ELSE 0 END),
  SUM(CASE WHEN exam <= d THEN 1 ELSE 0 END)
FROM counted
GROUP BY k, region_id, g, CASE WHEN n > 1 THEN child_id ELSE 0 END`
		return e.run.query(ctx, stmt, args, e.scanChildren)
	}
	// The live statement: entry exams probed in health records.
	examined := "EXISTS (SELECT 1 FROM health_records h WHERE h.child_id = a.child_id AND h.kind = 'ENTRY_EXAM' AND h.date <= a.d)"
	examJoin := ""
	stmt := `WITH active AS (
  SELECT DISTINCT cal.k AS k, cal.d AS d, cal.u AS u, en.child_id AS child_id, i.region_id AS region_id, ` + groupExpr(e.dim) + ` AS g
  FROM enrolments en
  JOIN institutions i ON i.id = en.institution_id
  JOIN children c ON c.id = en.child_id
  JOIN ` + cal + ` cal ON ` + activeOn("en", "start_date", "end_date", "cal.d") + `
  WHERE 1 = 1` + e.regionFilter("i.region_id") + `
), spread AS (
  SELECT k, child_id, g, COUNT(*) AS n FROM active GROUP BY k, child_id, g
)
SELECT a.k, a.region_id, a.g, CASE WHEN sp.n > 1 THEN a.child_id ELSE 0 END,
  COUNT(*),
  SUM(CASE WHEN c.birth_date > a.u THEN 1 ELSE 0 END),
  SUM(CASE WHEN ` + examined + ` THEN 1 ELSE 0 END)
FROM active a
JOIN spread sp ON sp.k = a.k AND sp.child_id = a.child_id AND sp.g = a.g
JOIN children c ON c.id = a.child_id` + examJoin + `
GROUP BY a.k, a.region_id, a.g, CASE WHEN sp.n > 1 THEN a.child_id ELSE 0 END`
	return e.run.query(ctx, stmt, args, e.scanChildren)
}

// scanChildren adds a row of the children statements.
func (e *evaluation) scanChildren(rows *entsql.Rows) error {
	// int64 destinations: database/sql converts an int64 into an int
	// through its decimal text, and a province has thousands of rows here.
	var (
		k64, region64, multi64     int64
		g                          string
		children, under3, examined int64
	)
	if err := rows.Scan(&k64, &region64, &g, &multi64, &children, &under3, &examined); err != nil {
		return err
	}
	k, region, multi := int(k64), int(region64), int(multi64)
	if multi == 0 {
		e.acc.add(schematype.EnrolmentRate, k, region, g, float64(under3), 0)
		e.acc.add(schematype.HealthRecordRate, k, region, g, float64(examined), float64(children))
		return nil
	}
	e.acc.addChild(schematype.EnrolmentRate, k, region, g, multi, float64(under3), 0)
	e.acc.addChild(schematype.HealthRecordRate, k, region, g, multi, float64(examined), float64(children))
	return nil
}

// Under36Cutoff is the latest birth date of a child aged 36 months or more
// on d: a child born after it is under 36 months on d. With month-end
// clamping, birth + 36 months <= d exactly when birth <= the cutoff.
func Under36Cutoff(d time.Time) time.Time {
	c := civil.AddMonths(d, -36)
	for civil.AddMonths(c.AddDate(0, 0, 1), 36).Compare(d) <= 0 {
		c = c.AddDate(0, 0, 1)
	}
	for civil.AddMonths(c, 36).After(d) {
		c = c.AddDate(0, 0, -1)
	}
	return c
}

// staffFacts: active caregivers and those holding a valid qualifying
// certificate (STAFF_CERTIFICATION_RATE).
func (e *evaluation) staffFacts(ctx context.Context) error {
	cal, args := e.run.calendar(e.points)
	stmt := `SELECT cal.k, i.region_id, ` + groupExpr(e.dim) + ` AS g, COUNT(*),
  SUM(CASE WHEN EXISTS (
    SELECT 1 FROM certifications ce
    WHERE ce.staff_id = st.id AND ce.type IN ('CHILDCARE_WORKER', 'INFANT_CARER', 'KINDERGARTEN_TEACHER')
      AND ` + activeOn("ce", "issued_at", "expires_at", "cal.d") + `) THEN 1 ELSE 0 END)
FROM staff st
JOIN institutions i ON i.id = st.institution_id
JOIN ` + cal + ` cal ON ` + activeOn("st", "hired_at", "left_at", "cal.d") + `
WHERE st.role = 'CAREGIVER'` + e.regionFilter("i.region_id") + `
GROUP BY ` + groupBy(e.dim, "cal.k, i.region_id")
	return e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			k, region         int
			g                 string
			active, certified int64
		)
		if err := rows.Scan(&k, &region, &g, &active, &certified); err != nil {
			return err
		}
		e.acc.add(schematype.StaffCertificationRate, k, region, g, float64(certified), float64(active))
		return nil
	})
}

// institutionFacts: childcare providers, filed providers, inclusive
// providers (for subdistrict coverage), kindergartens with and without
// seats, and guidance centres — all among institutions open on d.
func (e *evaluation) institutionFacts(ctx context.Context) error {
	cal, args := e.run.calendar(e.points)
	stmt := `SELECT x.k, x.region_id, x.g,
  SUM(CASE WHEN x.provider = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.provider = 1 AND x.filed = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.provider = 1 AND x.inclusive = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.form = 'KINDERGARTEN' THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.form = 'KINDERGARTEN' AND x.has_seat = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN x.form = 'GUIDANCE_CENTER' THEN 1 ELSE 0 END)
FROM (
  SELECT y.*, CASE WHEN y.form <> 'KINDERGARTEN' OR y.has_seat = 1 THEN 1 ELSE 0 END AS provider
  FROM (
    SELECT cal.k AS k, i.region_id AS region_id, i.form AS form, ` + groupExpr(e.dim) + ` AS g,
      CASE WHEN EXISTS (SELECT 1 FROM seats s WHERE s.institution_id = i.id AND ` + openOn("s", "cal.d") + `) THEN 1 ELSE 0 END AS has_seat,
      CASE WHEN EXISTS (` + filedOn("i.id", "cal.d") + `) THEN 1 ELSE 0 END AS filed,
      CASE WHEN EXISTS (SELECT 1 FROM inclusive_designations dz WHERE dz.institution_id = i.id AND ` + activeOn("dz", "valid_from", "valid_to", "cal.d") + `) THEN 1 ELSE 0 END AS inclusive
    FROM institutions i
    JOIN ` + cal + ` cal ON ` + openOn("i", "cal.d") + `
    WHERE 1 = 1` + e.regionFilter("i.region_id") + `
  ) y
) x
GROUP BY x.k, x.region_id, x.g`
	return e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			k, region                                             int
			g                                                     string
			providers, filed, inclusive, kgs, kgsWithSeats, guide int64
		)
		if err := rows.Scan(&k, &region, &g, &providers, &filed, &inclusive, &kgs, &kgsWithSeats, &guide); err != nil {
			return err
		}
		e.acc.add(schematype.FilingRate, k, region, g, float64(filed), float64(providers))
		e.acc.add(schematype.KindergartenChildcareShare, k, region, g, float64(kgsWithSeats), float64(kgs))
		e.acc.add(schematype.GuidanceCenters, k, region, g, float64(guide), 0)
		if inclusive > 0 {
			e.acc.mu.Lock()
			e.covered[k][region] = true
			e.acc.mu.Unlock()
		}
		return nil
	})
}

// surveyFacts: positive answers and respondents of surveys dated in each
// period, by kind (SATISFACTION_RATE, PARENTING_KNOWLEDGE_RATE).
func (e *evaluation) surveyFacts(ctx context.Context) error {
	periods, args := e.run.periods(e.points)
	stmt := `SELECT p.k, sv.region_id, sv.kind, SUM(sv.positive), SUM(sv.respondents)
FROM surveys sv
JOIN ` + periods + ` p ON sv.date >= p.f AND sv.date < p.t
WHERE 1 = 1` + e.regionFilter("sv.region_id") + `
GROUP BY p.k, sv.region_id, sv.kind`
	return e.run.query(ctx, stmt, args, func(rows *entsql.Rows) error {
		var (
			k, region             int
			kind                  string
			positive, respondents int64
		)
		if err := rows.Scan(&k, &region, &kind, &positive, &respondents); err != nil {
			return err
		}
		key := schematype.SatisfactionRate
		if kind == "PARENTING_KNOWLEDGE" {
			key = schematype.ParentingKnowledgeRate
		}
		e.acc.add(key, k, region, "", float64(positive), float64(respondents))
		return nil
	})
}

// dailyCheckFactsLive: (child, weekday) pairs of FULL_DAY/HALF_DAY care in each
// period and those with a morning check that day (DAILY_CHECK_RATE). One
// care enrolment per child and day means pairs are enrolment-days. The
// morning checks of the whole span are reduced to distinct (child, day) once
// and joined, rather than probed per pair: at province scale that is
// millions of index probes saved.
func (e *evaluation) dailyCheckFactsLive(ctx context.Context) error {
	days, args := e.run.weekdays(e.points)
	from, to := e.span()
	children := ""
	if e.dim == ChildRegion {
		children = "JOIN children c ON c.id = en.child_id\n"
	}
	stmt := `SELECT wd.k AS k, i.region_id AS region_id, ` + groupExpr(e.dim) + ` AS g, COUNT(*), COUNT(mc.child_id)
FROM enrolments en
JOIN institutions i ON i.id = en.institution_id
` + children + `JOIN ` + days + ` wd ON ` + activeOn("en", "start_date", "end_date", "wd.w") + `
LEFT JOIN (
  SELECT DISTINCT h.child_id AS child_id, h.date AS day FROM health_records h
  WHERE h.kind = 'DAILY_CHECK' AND h.session = 'MORNING' AND h.date >= ? AND h.date < ?
) mc ON mc.child_id = en.child_id AND mc.day = wd.w
WHERE en.service_mode IN ('FULL_DAY', 'HALF_DAY')` + e.regionFilter("i.region_id")
	if e.children {
		// Per child first, for the children behind the pairs (see
		// dailyCheckPairFacts).
		stmt = `WITH x AS (
  ` + strings.Replace(stmt, "COUNT(*), COUNT(mc.child_id)", "en.child_id AS child_id, COUNT(mc.child_id) AS checked, COUNT(*) AS pairs", 1) + `
  GROUP BY ` + groupBy(e.dim, "wd.k, en.child_id, i.region_id") + `
), counted AS (
  SELECT x.*, COUNT(*) OVER (PARTITION BY x.k, x.child_id, x.g) AS m FROM x
)
SELECT k, region_id, g, CASE WHEN m > 1 THEN child_id ELSE 0 END, SUM(checked), SUM(pairs), COUNT(*)
FROM counted
GROUP BY k, region_id, g, CASE WHEN m > 1 THEN child_id ELSE 0 END`
		return e.run.query(ctx, stmt, append(args, from, to), e.scanDailyChildren)
	}
	stmt += `
GROUP BY ` + groupBy(e.dim, "wd.k, i.region_id")
	return e.run.query(ctx, stmt, append(args, from, to), func(rows *entsql.Rows) error {
		var (
			k, region      int
			g              string
			pairs, checked int64
		)
		if err := rows.Scan(&k, &region, &g, &pairs, &checked); err != nil {
			return err
		}
		e.acc.add(schematype.DailyCheckRate, k, region, g, float64(checked), float64(pairs))
		return nil
	})
}

// span is the smallest period [from, to) covering every point's period.
func (e *evaluation) span() (from, to time.Time) {
	from, to = e.points[0].From, e.points[0].To
	for _, p := range e.points[1:] {
		if p.From.Before(from) {
			from = p.From
		}
		if p.To.After(to) {
			to = p.To
		}
	}
	return from, to
}
