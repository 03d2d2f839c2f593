package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The benchmarks run against a database seeded with
//
//	go run ./server seed --scale province --as-of 2026-11-01 --database-url $BENCH_DATABASE_URL
//
// and are skipped without BENCH_DATABASE_URL (they are not part of CI).
// TestFloorMatchesEngine also runs without it, on a small seeded database
// (see openSeeded), so CI checks the engine against the floor.
var (
	benchAsOf   = civil.D(2026, 10, 31)
	benchPeriod = kpi.Point{AsOf: benchAsOf, From: civil.D(2026, 10, 1), To: civil.D(2026, 11, 1)}
)

type env struct {
	db           *db.DB
	client       *ent.Client
	engine       *kpi.Engine
	handler      http.Handler
	province     int
	provinceCode string
	district     []int
}

func open(tb testing.TB) *env {
	tb.Helper()
	url, path := os.Getenv("BENCH_DATABASE_URL"), os.Getenv("BENCH_SQLITE_PATH")
	if url == "" && path == "" {
		tb.Skip("BENCH_DATABASE_URL (or BENCH_SQLITE_PATH) not set: seed a province (see bench/RESULTS.md) to run")
	}
	cfg := db.Defaults()
	cfg.URL = url
	if url == "" {
		cfg.SQLitePath = path
	}
	cfg.StatementTimeout = 5 * time.Minute
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { d.Close() })
	return newEnv(d)
}

// openSeeded is open on BENCH_DATABASE_URL when it is set, else on a fresh
// PostgreSQL database from TEST_DATABASE_URL seeded with the district-scale
// demo as of 2026-11-01, the benchmarks' period (a small stand-in for the
// province, so CI runs the comparison). Without either it skips, except
// under CI, where testdb fails instead. The floor SQL is PostgreSQL's, so
// the SQLite pass (TEST_DIALECT=sqlite) leaves it to the PostgreSQL pass.
func openSeeded(t *testing.T) *env {
	t.Helper()
	if os.Getenv("BENCH_DATABASE_URL") != "" {
		return open(t)
	}
	if os.Getenv("TEST_DIALECT") == "sqlite" {
		t.Skip("the floor SQL is PostgreSQL-only: TestFloorMatchesEngine runs in the PostgreSQL pass")
	}
	d := testdb.OpenPostgres(t)
	hasher, err := pii.NewHasher([]byte("bench-key-0123456789abcdef0123456"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(testdb.Ctx(), d.DB.Client(), demo.Options{Scale: demo.ScaleDistrict, AsOf: civil.D(2026, 11, 1), Hasher: hasher}); err != nil {
		t.Fatalf("seeding the district demo: %v", err)
	}
	return newEnv(d.DB)
}

func newEnv(d *db.DB) *env {
	client := d.Client()
	hasher, _ := pii.NewHasher([]byte("bench-key-0123456789"))
	schema := graph.NewSchema(graph.Deps{Client: client, Hasher: hasher, Driver: d.Driver, Dialect: d.Dialect})
	e := &env{db: d, client: client, engine: kpi.New(client, d.Driver, d.Dialect), handler: graph.NewHandler(schema, client, graph.HandlerOptions{})}
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	province := client.Region.Query().Where(region.LevelEQ(region.LevelPROVINCE)).OnlyX(ctx)
	e.province, e.provinceCode = province.ID, province.Code
	e.district = client.Region.Query().Where(region.LevelEQ(region.LevelDISTRICT)).Order(ent.Asc(region.FieldID)).IDsX(ctx)
	return e
}

// post runs a GraphQL query through the real handler.
func (e *env) post(tb testing.TB, query string, vars map[string]any) []byte {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	// A province regulator: indicators are for regulators, within their region.
	req = req.WithContext(auth.NewContext(req.Context(), &auth.Viewer{Subject: "bench", Role: auth.ProvinceRegulator, RegionCode: e.provinceCode}))
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		tb.Fatalf("status %d: %.500s", rec.Code, rec.Body.String())
	}
	return rec.Body.Bytes()
}

func (e *env) districtIDs() []string {
	ids := make([]string, len(e.district))
	for i, id := range e.district {
		ids[i] = strconv.Itoa(id)
	}
	return ids
}

const dashboardQuery = `query Dashboard($ids: [ID!]!) {
  indicatorValues(keys: [SEATS_PER_1000, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE, ENROLMENT_RATE,
      SUBDISTRICT_INCLUSIVE_COVERAGE, KINDERGARTEN_CHILDCARE_SHARE, FILING_RATE, STAFF_CERTIFICATION_RATE,
      HEALTH_RECORD_RATE, DEV_SCREENING_RATE, DAILY_CHECK_RATE, SATISFACTION_RATE, PARENTING_KNOWLEDGE_RATE,
      GUIDANCE_CENTERS],
    regionIDs: $ids, asOf: "2026-10-31", from: "2026-10-01", to: "2026-11-01") {
    key region { code } value numerator denominator target { targetValue } attained gap
  }
}`

// BenchmarkDashboard: all 14 indicators for every district of the
// province through GraphQL (one request).
func BenchmarkDashboard(b *testing.B) {
	e := open(b)
	vars := map[string]any{"ids": e.districtIDs()}
	quantiles(b, func() { e.post(b, dashboardQuery, vars) })
}

// quantiles runs one request per iteration and reports, beside the mean,
// the median and the 95th percentile of the iterations (p50-ms, p95-ms):
// the goals speak of medians, and the first request of a process, on new
// database connections whose server processes have yet to load their
// catalog caches, costs a few times a warm one (bench/RESULTS.md).
func quantiles(b *testing.B, request func()) {
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		request()
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	at := func(q float64) float64 {
		return float64(took[int(q*float64(len(took)-1)+0.5)]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// BenchmarkDashboardDistrict: all 14 indicators for one district (the
// first by ID), through GraphQL: it must cost the district's share of the
// data, not the province's.
func BenchmarkDashboardDistrict(b *testing.B) {
	e := open(b)
	vars := map[string]any{"ids": e.districtIDs()[:1]}
	quantiles(b, func() { e.post(b, dashboardQuery, vars) })
}

// BenchmarkIndicator: each indicator alone for the province, through
// GraphQL (sub-benchmarks by key).
func BenchmarkIndicator(b *testing.B) {
	e := open(b)
	for _, key := range schematype.IndicatorKeys {
		ind, _ := kpi.Lookup(key)
		dates := `asOf: "2026-10-31"`
		if ind.Basis == kpi.Period {
			dates = `from: "2026-10-01", to: "2026-11-01"`
		}
		q := `query($r: [ID!]!) { indicatorValues(keys: [` + string(key) + `], regionIDs: $r, ` + dates + `) { value numerator denominator } }`
		vars := map[string]any{"r": []string{strconv.Itoa(e.province)}}
		b.Run(string(key), func(b *testing.B) {
			quantiles(b, func() { e.post(b, q, vars) })
		})
	}
}

// BenchmarkDashboardLive is BenchmarkDashboardEngine on the live engine
// (no precomputed data): the reference the fast path replaced.
func BenchmarkDashboardLive(b *testing.B) {
	e := open(b)
	live := e.engine.Live()
	for b.Loop() {
		if _, err := live.Evaluate(context.Background(), kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: e.district, Points: []kpi.Point{benchPeriod}, Targets: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDashboardEngine is the same without HTTP and GraphQL.
func BenchmarkDashboardEngine(b *testing.B) {
	e := open(b)
	for b.Loop() {
		if _, err := e.engine.Evaluate(context.Background(), kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: e.district, Points: []kpi.Point{benchPeriod}, Targets: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDashboardFloor runs the hand-written SQL for the same numbers.
func BenchmarkDashboardFloor(b *testing.B) {
	e := open(b)
	for b.Loop() {
		runFloor(b, e.db.SQL)
	}
}

// BenchmarkSeries36: one stock indicator for the province, 36 monthly points.
func BenchmarkSeries36(b *testing.B) {
	e := open(b)
	q := `query($r: ID!) { indicatorSeries(key: SEATS_PER_1000, regionID: $r, from: "2023-11-01", to: "2026-11-01", grain: MONTH) { asOf value numerator denominator } }`
	vars := map[string]any{"r": strconv.Itoa(e.province)}
	for b.Loop() {
		e.post(b, q, vars)
	}
}

// BenchmarkAsOfOne: the same indicator and region as of one day: the
// reference for the series target (series ≤ 3 × one as-of evaluation).
func BenchmarkAsOfOne(b *testing.B) {
	e := open(b)
	q := `query($r: [ID!]!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: $r, asOf: "2026-10-31") { value numerator denominator } }`
	vars := map[string]any{"r": []string{strconv.Itoa(e.province)}}
	for b.Loop() {
		e.post(b, q, vars)
	}
}

// BenchmarkSeries36Floor: hand-written SQL for the same 36 points (seats
// grouped by their open interval, then joined to the month ends).
func BenchmarkSeries36Floor(b *testing.B) {
	e := open(b)
	for b.Loop() {
		rows, err := e.db.SQL.Query(`WITH spans AS (
  SELECT GREATEST(s.opened_at, i.opened_at) AS a,
    LEAST(COALESCE(s.closed_at, 'infinity'::date), COALESCE(i.closed_at, 'infinity'::date)) AS b, COUNT(*) AS n
  FROM seats s JOIN institutions i ON i.id = s.institution_id GROUP BY 1, 2),
days AS (SELECT (date_trunc('month', g) + interval '1 month - 1 day')::date AS d
  FROM generate_series('2023-11-01'::date, '2026-10-01'::date, interval '1 month') g)
SELECT days.d, COALESCE(SUM(spans.n), 0) FROM days LEFT JOIN spans ON spans.a <= days.d AND spans.b > days.d
GROUP BY days.d ORDER BY days.d`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n != 36 {
			b.Fatalf("%d points", n)
		}
	}
}

// BenchmarkBreakdownChildRegion: HEALTH_RECORD_RATE for the province by the
// children's city of residence.
func BenchmarkBreakdownChildRegion(b *testing.B) {
	e := open(b)
	q := `query($r: ID!) { indicatorBreakdown(key: HEALTH_RECORD_RATE, regionID: $r, by: CHILD_REGION, asOf: "2026-10-31") { region { code } value { value numerator denominator } } }`
	vars := map[string]any{"r": strconv.Itoa(e.province)}
	for b.Loop() {
		e.post(b, q, vars)
	}
}

// BenchmarkBreakdownChildRegionFloor: the same numbers in hand-written SQL.
func BenchmarkBreakdownChildRegionFloor(b *testing.B) {
	e := open(b)
	for b.Loop() {
		rows, err := e.db.SQL.Query(`WITH city AS (
  SELECT s.id AS region_id, d.parent_id AS city_id FROM regions s JOIN regions d ON d.id = s.parent_id WHERE s.level = 'SUBDISTRICT'
  UNION ALL SELECT id, parent_id FROM regions WHERE level = 'DISTRICT'
  UNION ALL SELECT id, id FROM regions WHERE level = 'CITY')
SELECT city.city_id, COUNT(DISTINCT e.child_id),
  COUNT(DISTINCT e.child_id) FILTER (WHERE EXISTS (SELECT 1 FROM health_records h WHERE h.child_id = e.child_id AND h.kind = 'ENTRY_EXAM' AND h.date <= $1))
FROM enrolments e JOIN children c ON c.id = e.child_id LEFT JOIN city ON city.region_id = c.residence_region_id
WHERE e.start_date <= $1 AND (e.end_date IS NULL OR e.end_date > $1)
GROUP BY city.city_id`, benchAsOf)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
	}
}

// floorValues runs the hand-written statements and returns, per district,
// every indicator's numerator and denominator.
func runFloor(tb testing.TB, pool *sql.DB) map[int]map[kpi.Key][2]float64 {
	tb.Helper()
	dates := floorDates{asOf: benchAsOf, from: benchPeriod.From, to: benchPeriod.To, cutoff: kpi.Under36Cutoff(benchAsOf)}
	out := map[int]map[kpi.Key][2]float64{}
	set := func(district int, key kpi.Key, num, den float64) {
		if out[district] == nil {
			out[district] = map[kpi.Key][2]float64{}
		}
		v := out[district][key]
		out[district][key] = [2]float64{v[0] + num, v[1] + den}
	}
	for _, st := range floorSQL {
		rows, err := pool.Query(st.sql, st.args(dates)...)
		if err != nil {
			tb.Fatalf("%s: %v", st.name, err)
		}
		for rows.Next() {
			var (
				district int
				cols     []any
				vals     []sql.NullFloat64
			)
			switch st.name {
			case "seats", "staff", "screening", "daily checks":
				vals = make([]sql.NullFloat64, 2)
			case "children":
				vals = make([]sql.NullFloat64, 4)
			case "institutions":
				vals = make([]sql.NullFloat64, 6)
			case "population":
				vals = make([]sql.NullFloat64, 3)
			}
			cols = append(cols, &district)
			var kind string
			if st.name == "surveys" {
				vals = make([]sql.NullFloat64, 2)
				cols = append(cols, &kind)
			}
			for i := range vals {
				cols = append(cols, &vals[i])
			}
			if err := rows.Scan(cols...); err != nil {
				tb.Fatalf("%s: %v", st.name, err)
			}
			v := func(i int) float64 { return vals[i].Float64 }
			switch st.name {
			case "seats":
				set(district, schematype.SeatsPer1000, v(0), 0)
				set(district, schematype.InclusiveSeatShare, v(1), v(0))
				set(district, schematype.SeatUsageRate, 0, v(0))
			case "children":
				set(district, schematype.SeatUsageRate, v(0), 0)
				set(district, schematype.EnrolmentRate, v(1), 0)
				set(district, schematype.HealthRecordRate, v(3), v(2))
			case "institutions":
				set(district, schematype.FilingRate, v(1), v(0))
				set(district, schematype.KindergartenChildcareShare, v(3), v(2))
				set(district, schematype.GuidanceCenters, v(4), 0)
				set(district, schematype.SubdistrictInclusiveCoverage, v(5), 0)
			case "staff":
				set(district, schematype.StaffCertificationRate, v(1), v(0))
			case "screening":
				set(district, schematype.DevScreeningRate, v(1), v(0))
			case "daily checks":
				set(district, schematype.DailyCheckRate, v(1), v(0))
			case "surveys":
				key := schematype.SatisfactionRate
				if kind == "PARENTING_KNOWLEDGE" {
					key = schematype.ParentingKnowledgeRate
				}
				set(district, key, v(0), v(1))
			case "population":
				set(district, schematype.SeatsPer1000, 0, v(0))
				set(district, schematype.EnrolmentRate, 0, v(1))
				set(district, schematype.SubdistrictInclusiveCoverage, 0, v(2))
			}
		}
		if err := rows.Err(); err != nil {
			tb.Fatalf("%s: %v", st.name, err)
		}
		rows.Close()
	}
	return out
}

// TestFloorMatchesEngine proves the floor computes the same numbers as the
// engine on the province data: every numerator and denominator of every
// district (so the benchmark compares like with like, and the engine is
// checked against independent SQL at scale).
func TestFloorMatchesEngine(t *testing.T) {
	e := openSeeded(t)
	if len(e.district) == 0 {
		t.Fatal("no districts in the database")
	}
	res, err := e.engine.Evaluate(context.Background(), kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: e.district, Points: []kpi.Point{benchPeriod}})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(e.district) * len(schematype.IndicatorKeys); len(res) != want {
		t.Fatalf("engine returned %d values; want %d (%d districts × %d indicators)", len(res), want, len(e.district), len(schematype.IndicatorKeys))
	}
	// The supervision indicators (issue 10) count deadlines in working days
	// of the official calendar, which SQL alone cannot: they have no floor
	// and are checked against hand-computed values in internal/kpi
	// (TestFilingAndSupervisionIndicators).
	notInFloor := map[schematype.IndicatorKey]bool{
		schematype.FilingOnTimeRate:    true,
		schematype.RectificationRate:   true,
		schematype.ComplaintOnTimeRate: true,
	}
	floor := runFloor(t, e.db.SQL)
	if len(floor) != len(e.district) {
		t.Errorf("the floor covers %d districts; want %d", len(floor), len(e.district))
	}
	var diffs []string
	for _, r := range res {
		if notInFloor[r.Key] {
			continue
		}
		// A key the floor does not report is a difference, not 0/0: the
		// seeded data give every district a value for every indicator.
		want, ok := floor[r.RegionID][r.Key]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s district %d: engine %v/%v, missing from the floor", r.Key, r.RegionID, r.Numerator, r.Denominator))
			continue
		}
		den := 0.0
		if r.Denominator != nil {
			den = *r.Denominator
		}
		if math.Abs(r.Numerator-want[0]) > 1e-9 || math.Abs(den-want[1]) > 1e-9 {
			diffs = append(diffs, fmt.Sprintf("%s district %d: engine %v/%v, floor %v/%v", r.Key, r.RegionID, r.Numerator, den, want[0], want[1]))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Fatalf("%d differences, e.g.:\n%s", len(diffs), strings.Join(diffs[:min(len(diffs), 20)], "\n"))
	}
	t.Logf("%d values over %d districts agree", len(res), len(e.district))
}
