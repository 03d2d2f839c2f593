// Package bench holds tuoyu's benchmarks on province-scale demo data and the
// hand-written SQL they are measured against (the floor). See RESULTS.md.
package bench

// floorSQL computes, per district, every indicator's numerator and
// denominator with hand-written PostgreSQL on the registry alone (no
// precomputed tables): the fastest exact SQL we know per indicator
// (closed-form weekday counts, one pass over the entry exams, FILTER,
// make_interval). Each statement names its parameters.
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
	  COUNT(DISTINCT e.child_id) FILTER (WHERE fx.child_id IS NOT NULL) AS examined
	FROM enrolments e JOIN institutions i ON i.id = e.institution_id JOIN children c ON c.id = e.child_id
	JOIN dist ON dist.region_id = i.region_id
	LEFT JOIN (SELECT DISTINCT child_id FROM health_records WHERE kind = 'ENTRY_EXAM' AND date <= $1) fx ON fx.child_id = e.child_id
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
	// Morning checks, the fastest exact SQL we found on the registry alone:
	// the pairs are closed-form per enrolment (weekdays in [a, b) =
	// W(b) − W(a), W(x) = 5·⌊x/7⌋ + min(x mod 7, 5), x days since Monday
	// 1900-01-01), so no calendar is joined; the checked pairs are the
	// period's distinct weekday morning checks joined once to the care
	// enrolment active that day.
	{"daily checks", periodArgs, `WITH dist AS (SELECT id AS region_id, parent_id AS district_id FROM regions WHERE level = 'SUBDISTRICT'
	               UNION ALL SELECT id, id FROM regions WHERE level = 'DISTRICT'),
	en AS (SELECT e.child_id, dist.district_id, GREATEST(e.start_date, $1::date) AS a, LEAST(COALESCE(e.end_date, $2::date), $2::date) AS b
	       FROM enrolments e JOIN institutions i ON i.id = e.institution_id JOIN dist ON dist.region_id = i.region_id
	       WHERE e.service_mode IN ('FULL_DAY', 'HALF_DAY') AND e.start_date < $2 AND (e.end_date IS NULL OR e.end_date > $1)),
	pairs AS (SELECT district_id, SUM(5 * ((b - DATE '1900-01-01') / 7) + LEAST((b - DATE '1900-01-01') % 7, 5)
	                                - 5 * ((a - DATE '1900-01-01') / 7) - LEAST((a - DATE '1900-01-01') % 7, 5)) AS pairs
	          FROM en WHERE b > a GROUP BY district_id),
	checks AS (SELECT DISTINCT child_id, date FROM health_records
	           WHERE kind = 'DAILY_CHECK' AND session = 'MORNING' AND date >= $1 AND date < $2 AND EXTRACT(ISODOW FROM date) < 6),
	checked AS (SELECT en.district_id, COUNT(*) AS checked FROM checks JOIN en ON en.child_id = checks.child_id
	              AND checks.date >= en.a AND checks.date < en.b GROUP BY en.district_id)
	SELECT pairs.district_id, pairs.pairs, COALESCE(checked.checked, 0) FROM pairs LEFT JOIN checked USING (district_id)`},
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
