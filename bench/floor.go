// Package bench holds tuoyu's benchmarks on province-scale demo data and the
// hand-written SQL they are measured against (the floor). See RESULTS.md.
package bench

// floorSQL computes, per district, every indicator's numerator and
// denominator with hand-written PostgreSQL (generate_series, make_interval,
// COUNT DISTINCT, FILTER): the most direct way we know to get the same
// numbers as the KPI engine. Each statement names its parameters.
var floorSQL = []floorStmt{
	// Seats: SEATS_PER_1000 numerator, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE denominator.
	{"seats", asOfArg, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT')
	SELECT dist.district_id, COUNT(*) AS open_seats,
	  COUNT(*) FILTER (WHERE s.inclusive AND EXISTS (SELECT 1 FROM inclusive_designations dz WHERE dz.institution_id = i.id
	    AND dz.valid_from <= $1 AND (dz.valid_to IS NULL OR dz.valid_to > $1))) AS inclusive_seats
	FROM seats s JOIN institutions i ON i.id = s.institution_id JOIN dist ON dist.region_id = i.region_id
	WHERE s.opened_at <= $1 AND (s.closed_at IS NULL OR s.closed_at > $1)
	  AND i.opened_at <= $1 AND (i.closed_at IS NULL OR i.closed_at > $1)
	GROUP BY dist.district_id`},
	// Children: SEAT_USAGE_RATE numerator, ENROLMENT_RATE numerator, HEALTH_RECORD_RATE.
	// $2 is the latest birth date of a child aged 36 months or more on $1.
	{"children", asOfCutoffArgs, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT')
	SELECT dist.district_id,
	  COUNT(DISTINCT e.child_id) FILTER (WHERE e.service_mode IN ('FULL_DAY', 'HALF_DAY')) AS in_care,
	  COUNT(DISTINCT e.child_id) FILTER (WHERE c.birth_date > $2) AS under3,
	  COUNT(DISTINCT e.child_id) AS enrolled,
	  COUNT(DISTINCT e.child_id) FILTER (WHERE EXISTS (SELECT 1 FROM health_records h
	    WHERE h.child_id = e.child_id AND h.kind = 'ENTRY_EXAM' AND h.date <= $1)) AS examined
	FROM enrolments e JOIN institutions i ON i.id = e.institution_id JOIN children c ON c.id = e.child_id
	JOIN dist ON dist.region_id = i.region_id
	WHERE e.start_date <= $1 AND (e.end_date IS NULL OR e.end_date > $1)
	GROUP BY dist.district_id`},
	// Institutions: FILING_RATE, KINDERGARTEN_CHILDCARE_SHARE, GUIDANCE_CENTERS, and per-subdistrict coverage.
	{"institutions", asOfArg, `WITH x AS (
	  SELECT i.id, i.form, i.region_id,
	    EXISTS (SELECT 1 FROM seats s WHERE s.institution_id = i.id AND s.opened_at <= $1 AND (s.closed_at IS NULL OR s.closed_at > $1)) AS has_seat,
	    EXISTS (SELECT 1 FROM filings f WHERE f.institution_id = i.id AND f.status IN ('FILED', 'CHANGED') AND f.receipt_at <= $1) AS filed,
	    EXISTS (SELECT 1 FROM inclusive_designations dz WHERE dz.institution_id = i.id AND dz.valid_from <= $1 AND (dz.valid_to IS NULL OR dz.valid_to > $1)) AS inclusive
	  FROM institutions i WHERE i.opened_at <= $1 AND (i.closed_at IS NULL OR i.closed_at > $1)
	), p AS (SELECT x.*, (x.form <> 'KINDERGARTEN' OR x.has_seat) AS provider FROM x)
	SELECT r.parent_id AS district_id,
	  COUNT(*) FILTER (WHERE p.provider) AS providers,
	  COUNT(*) FILTER (WHERE p.provider AND p.filed) AS filed,
	  COUNT(*) FILTER (WHERE p.form = 'KINDERGARTEN') AS kindergartens,
	  COUNT(*) FILTER (WHERE p.form = 'KINDERGARTEN' AND p.has_seat) AS kindergartens_with_seats,
	  COUNT(*) FILTER (WHERE p.form = 'GUIDANCE_CENTER') AS guidance_centres,
	  COUNT(DISTINCT p.region_id) FILTER (WHERE p.provider AND p.inclusive AND r.level = 'SUBDISTRICT') AS covered_subdistricts
	FROM p JOIN regions r ON r.id = p.region_id
	GROUP BY r.parent_id`},
	// Staff: STAFF_CERTIFICATION_RATE.
	{"staff", asOfArg, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT')
	SELECT dist.district_id, COUNT(*) AS caregivers,
	  COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM certifications ce WHERE ce.staff_id = st.id
	    AND ce.type IN ('CHILDCARE_WORKER', 'INFANT_CARER', 'KINDERGARTEN_TEACHER')
	    AND ce.issued_at <= $1 AND (ce.expires_at IS NULL OR ce.expires_at > $1))) AS certified
	FROM staff st JOIN institutions i ON i.id = st.institution_id JOIN dist ON dist.region_id = i.region_id
	WHERE st.role = 'CAREGIVER' AND st.hired_at <= $1 AND (st.left_at IS NULL OR st.left_at > $1)
	GROUP BY dist.district_id`},
	// Developmental screening: (child, check-point) pairs with PostgreSQL's clamping month arithmetic.
	{"screening", periodArgs, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT'),
	pairs AS (
	  SELECT DISTINCT dist.district_id, c.id AS child_id, (c.birth_date + make_interval(months => m))::date AS cp
	  FROM children c CROSS JOIN unnest(ARRAY[3, 6, 8, 12, 18, 24, 30, 36]) AS m
	  JOIN enrolments e ON e.child_id = c.id
	  JOIN institutions i ON i.id = e.institution_id JOIN dist ON dist.region_id = i.region_id
	  WHERE (c.birth_date + make_interval(months => m))::date >= $1 AND (c.birth_date + make_interval(months => m))::date < $2
	    AND e.start_date <= (c.birth_date + make_interval(months => m))::date
	    AND (e.end_date IS NULL OR e.end_date > (c.birth_date + make_interval(months => m))::date)
	)
	SELECT district_id, COUNT(*) AS pairs,
	  COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM health_records h WHERE h.child_id = pairs.child_id
	    AND h.kind = 'DEV_SCREENING' AND h.date BETWEEN pairs.cp - 30 AND pairs.cp + 30)) AS screened
	FROM pairs GROUP BY district_id`},
	// Morning checks: (child, weekday) pairs of full/half-day care, joined to
	// the distinct (child, day) morning checks of the period.
	{"daily checks", periodArgs, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT'),
	days AS (SELECT d::date AS w FROM generate_series($1::date, $2::date - 1, interval '1 day') d WHERE EXTRACT(ISODOW FROM d) < 6),
	checks AS (SELECT DISTINCT child_id, date FROM health_records
	           WHERE kind = 'DAILY_CHECK' AND session = 'MORNING' AND date >= $1 AND date < $2)
	SELECT dist.district_id, COUNT(*) AS pairs, COUNT(checks.child_id) AS checked
	FROM enrolments e JOIN days ON e.start_date <= days.w AND (e.end_date IS NULL OR e.end_date > days.w)
	JOIN institutions i ON i.id = e.institution_id JOIN dist ON dist.region_id = i.region_id
	LEFT JOIN checks ON checks.child_id = e.child_id AND checks.date = days.w
	WHERE e.service_mode IN ('FULL_DAY', 'HALF_DAY')
	GROUP BY dist.district_id`},
	// Surveys held in the district or its subdistricts.
	{"surveys", periodArgs, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT')
	SELECT dist.district_id, sv.kind, SUM(sv.positive), SUM(sv.respondents)
	FROM surveys sv JOIN dist ON dist.region_id = sv.region_id
	WHERE sv.date >= $1 AND sv.date < $2
	GROUP BY dist.district_id, sv.kind`},
	// Population: the district's own latest figure, else the sum of its subdistricts' latest.
	{"population", asOfArg, `WITH latest AS (
	  SELECT DISTINCT ON (region_id) region_id, resident_population, under3_population
	  FROM population_stats WHERE year <= EXTRACT(YEAR FROM $1::date) ORDER BY region_id, year DESC
	)
	SELECT d.id,
	  COALESCE(own.resident_population, (SELECT SUM(l.resident_population) FROM regions s JOIN latest l ON l.region_id = s.id WHERE s.parent_id = d.id), 0),
	  COALESCE(own.under3_population, (SELECT SUM(l.under3_population) FROM regions s JOIN latest l ON l.region_id = s.id WHERE s.parent_id = d.id), 0),
	  (SELECT COUNT(*) FROM regions s WHERE s.parent_id = d.id AND s.level = 'SUBDISTRICT')
	FROM regions d LEFT JOIN latest own ON own.region_id = d.id
	WHERE d.level = 'DISTRICT'`},
}

// floorStmt is one hand-written statement and the parameters it takes.
type floorStmt struct {
	name string
	args func(floorDates) []any
	sql  string
}

// floorDates are the dates of a dashboard evaluation.
type floorDates struct {
	asOf, from, to, cutoff any
}

func asOfArg(d floorDates) []any        { return []any{d.asOf} }
func asOfCutoffArgs(d floorDates) []any { return []any{d.asOf, d.cutoff} }
func periodArgs(d floorDates) []any     { return []any{d.from, d.to} }
