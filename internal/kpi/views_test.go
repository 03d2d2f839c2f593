package kpi_test

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func setup(t *testing.T) (*testdb.DB, *kpifixture.Fixture, *kpi.Engine) {
	t.Helper()
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	return d, f, kpi.New(d.Client, d.Counter, d.Dialect)
}

func TestBreakdowns(t *testing.T) {
	_, f, engine := setup(t)
	d1, d2 := strconv.Itoa(f.D1.ID), strconv.Itoa(f.D2.ID)
	tests := []struct {
		name string
		key  schematype.IndicatorKey
		dim  kpi.Dimension
		p    kpi.Point
		want map[string]nd // group → numerator, denominator
	}{
		{
			// Open seats by band: TODDLER 4 (A), PRESCHOOL 3 (B) + 2 (K1); A's INFANT seat is closed.
			// The denominator stays the city's 150,000 residents.
			name: "seats per 1000 by age band", key: schematype.SeatsPer1000, dim: kpi.AgeBand, p: kpi.Point{AsOf: kpifixture.AsOf},
			want: map[string]nd{"TODDLER": {4, 150000}, "PRESCHOOL": {5, 150000}},
		},
		{
			// Residence at district level: c1 (S11), c2 (S12), c4 (S11) live in D1 — only c1 has an
			// exam by asOf; c3 (S21) in D2 has one; c5 has no residence ("" group) and has one.
			name: "health records by child region", key: schematype.HealthRecordRate, dim: kpi.ChildRegion, p: kpi.Point{AsOf: kpifixture.AsOf},
			want: map[string]nd{"": {1, 1}, d1: {1, 3}, d2: {1, 1}},
		},
		{
			// Providers by form: CENTER A (filed), B (cancelled); GUIDANCE_CENTER G (submitted); KINDERGARTEN K1 (filed).
			name: "filing rate by form", key: schematype.FilingRate, dim: kpi.InstitutionForm, p: kpi.Point{AsOf: kpifixture.AsOf},
			want: map[string]nd{"CENTER": {1, 2}, "GUIDANCE_CENTER": {0, 1}, "KINDERGARTEN": {1, 1}},
		},
		{
			// Enrolled children under 36 months by residence: D1 {c1, c4} (c2 is 36 months) over
			// D1's 2,000 under-3s; D2 {c3} over 1,000; c5 (no residence) has no population: null.
			name: "enrolment rate by child region", key: schematype.EnrolmentRate, dim: kpi.ChildRegion, p: kpi.Point{AsOf: kpifixture.AsOf},
			want: map[string]nd{"": {1, 0}, d1: {2, 2000}, d2: {1, 1000}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := engine.Evaluate(testdb.Ctx(), kpi.Query{Keys: []kpi.Key{tc.key}, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{tc.p}, Dimension: tc.dim})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(tc.want) {
				t.Fatalf("%d groups %+v; want %d", len(res), res, len(tc.want))
			}
			for i, r := range res {
				if i > 0 && res[i-1].Group >= r.Group {
					t.Errorf("groups not sorted: %q before %q", res[i-1].Group, r.Group)
				}
				w, ok := tc.want[r.Group]
				if !ok {
					t.Fatalf("unexpected group %q", r.Group)
				}
				assertResult(t, r, w)
			}
		})
	}
	t.Run("dimension not allowed", func(t *testing.T) {
		_, err := engine.Evaluate(testdb.Ctx(), kpi.Query{Keys: []kpi.Key{schematype.FilingRate}, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{{AsOf: kpifixture.AsOf}}, Dimension: kpi.AgeBand})
		var fe *apperr.FieldError
		if !errors.As(err, &fe) || fe.Field != "by" {
			t.Fatalf("err = %v; want a field error on by", err)
		}
	})
}

func TestSeriesAndTargets(t *testing.T) {
	d, f, engine := setup(t)
	ctx := testdb.Ctx()
	t.Run("stock series as of each bucket's last day", func(t *testing.T) {
		points, err := kpi.SeriesPoints(civil.D(2025, 4, 1), civil.D(2025, 7, 1), kpi.Month)
		if err != nil {
			t.Fatal(err)
		}
		var res []kpi.Result
		statements := d.Count(func() {
			res, err = engine.Evaluate(ctx, kpi.Query{Keys: []kpi.Key{schematype.SeatsPer1000}, RegionIDs: []int{f.C.ID}, Points: points, Targets: true})
		})
		if err != nil {
			t.Fatal(err)
		}
		// 30 April and 31 May: A 6 (its infant seat closes 15 June, a toddler seat on
		// the 16th), B 3, K1 2, K3 1 (closes on the 16th), X 2 = 14.
		// 30 June: A 4, B 3, K1 2, Y 1 (opened 17 June); X and K3's seat closed on the 16th = 10.
		wantDays := []time.Time{civil.D(2025, 4, 30), civil.D(2025, 5, 31), civil.D(2025, 6, 30)}
		wantSeats := []float64{14, 14, 10}
		if len(res) != 3 {
			t.Fatalf("%d points; want 3", len(res))
		}
		for i, r := range res {
			if !points[r.Point].AsOf.Equal(wantDays[i]) {
				t.Errorf("point %d as of %v; want %v", i, points[r.Point].AsOf, wantDays[i])
			}
			assertResult(t, r, nd{wantSeats[i], 150000})
		}
		// Tree, seats, population, targets: the same four statements as one as-of value.
		if statements != 4 {
			t.Errorf("series ran %d statements; want 4", statements)
		}
	})
	t.Run("period series", func(t *testing.T) {
		points, err := kpi.SeriesPoints(civil.D(2025, 6, 1), civil.D(2025, 7, 1), kpi.Month)
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.Evaluate(ctx, kpi.Query{Keys: []kpi.Key{schematype.SatisfactionRate}, RegionIDs: []int{f.D1.ID}, Points: points})
		if err != nil {
			t.Fatal(err)
		}
		// All of June: 90/100 (D1, 9th) + 40/50 (S11, 15th) + 0/1000 (D1, 16th).
		assertResult(t, res[0], nd{130, 1150})
	})
	t.Run("targets", func(t *testing.T) {
		eval := func(key kpi.Key, region int, p kpi.Point) kpi.Result {
			res, err := engine.Evaluate(ctx, kpi.Query{Keys: []kpi.Key{key}, RegionIDs: []int{region}, Points: []kpi.Point{p}, Targets: true})
			if err != nil {
				t.Fatal(err)
			}
			return res[0]
		}
		// City seats per 1000 on asOf = 9 / 150,000 × 1000 = 0.06 against the 2025 target 4.5 (GE).
		r := eval(schematype.SeatsPer1000, f.C.ID, kpi.Point{AsOf: kpifixture.AsOf})
		if r.Target == nil || r.Target.TargetYear != 2025 || *r.Attained || math.Abs(*r.Gap-(4.5-0.06)) > 1e-12 {
			t.Errorf("2025: target %+v attained %v gap %v", r.Target, deref2(r.Attained), deref(r.Gap))
		}
		// In 2026 the nearest target year >= 2026 is 2030 (6).
		r = eval(schematype.SeatsPer1000, f.C.ID, kpi.Point{AsOf: civil.D(2026, 1, 1)})
		if r.Target == nil || r.Target.TargetYear != 2030 {
			t.Errorf("2026: target %+v; want the 2030 one", r.Target)
		}
		// D1 filing rate 1/3 against EQ 1 by 2027: gap |1/3 − 1| = 2/3.
		r = eval(schematype.FilingRate, f.D1.ID, kpi.Point{AsOf: kpifixture.AsOf})
		if r.Target == nil || *r.Attained || math.Abs(*r.Gap-2.0/3) > 1e-12 {
			t.Errorf("filing: target %+v attained %v gap %v", r.Target, deref2(r.Attained), deref(r.Gap))
		}
		// No target for D2.
		if r = eval(schematype.FilingRate, f.D2.ID, kpi.Point{AsOf: kpifixture.AsOf}); r.Target != nil || r.Attained != nil {
			t.Errorf("D2 has no target; got %+v", r.Target)
		}
	})
	t.Run("ranking", func(t *testing.T) {
		res, err := engine.Rank(ctx, schematype.FilingRate, f.C.ID, "DISTRICT", kpi.Point{AsOf: kpifixture.AsOf}, false)
		if err != nil {
			t.Fatal(err)
		}
		// D2 1/1, D1 1/3, D3 no providers (null, last).
		want := []int{f.D2.ID, f.D1.ID, f.D3.ID}
		for i, r := range res {
			if r.RegionID != want[i] {
				t.Fatalf("rank %d = region %d; want %d", i, r.RegionID, want[i])
			}
		}
		asc, _ := engine.Rank(ctx, schematype.FilingRate, f.C.ID, "DISTRICT", kpi.Point{AsOf: kpifixture.AsOf}, true)
		if asc[0].RegionID != f.D1.ID || asc[2].RegionID != f.D3.ID {
			t.Errorf("ascending order = %d, %d, %d; want D1, D2, D3 (nulls last)", asc[0].RegionID, asc[1].RegionID, asc[2].RegionID)
		}
	})
}

// TestStatementsDoNotGrowWithRegions: every indicator for one region and
// for every region cost the same statements.
func TestStatementsDoNotGrowWithRegions(t *testing.T) {
	d, f, engine := setup(t)
	all := []int{f.P.ID, f.C.ID, f.D1.ID, f.D2.ID, f.D3.ID, f.S11.ID, f.S12.ID, f.S21.ID}
	p := kpi.Point{AsOf: kpifixture.AsOf, From: kpifixture.June[0], To: kpifixture.June[1]}
	count := func(regions []int) int64 {
		return d.Count(func() {
			if _, err := engine.Evaluate(testdb.Ctx(), kpi.Query{Keys: schematype.IndicatorKeys, RegionIDs: regions, Points: []kpi.Point{p}, Targets: true}); err != nil {
				t.Fatal(err)
			}
		})
	}
	// tree 1, seat counts 1, inclusive seats 1, care 1, children 1,
	// institutions 1, staff 1, screening 2, daily checks 2 (checks and
	// enrolment weekdays, side by side), surveys 1, filing receipts 1 + the
	// loaded working-day calendar 1, findings 1, complaints 1, population 1,
	// targets 1.
	const want = 18
	if one, every := count(all[:1]), count(all); one != want || every != want {
		t.Fatalf("statements: %d for one region, %d for %d regions; want %d", one, every, len(all), want)
	}
}

func TestDatesAndSeriesPoints(t *testing.T) {
	today := civil.D(2025, 6, 16)
	day := func(y int, m time.Month, d int) *time.Time { v := civil.D(y, m, d); return &v }
	stock := []kpi.Key{schematype.FilingRate}
	period := []kpi.Key{schematype.DailyCheckRate}
	tests := []struct {
		name      string
		keys      []kpi.Key
		dates     kpi.Dates
		wantField string
		want      kpi.Point
	}{
		{name: "defaults", keys: append(stock, period...), want: kpi.Point{AsOf: today, From: civil.D(2025, 5, 1), To: civil.D(2025, 6, 1)}},
		{name: "asOf for a period key", keys: period, dates: kpi.Dates{AsOf: day(2025, 1, 1)}, wantField: "asOf"},
		{name: "from/to for a stock key", keys: stock, dates: kpi.Dates{From: day(2025, 1, 1), To: day(2025, 2, 1)}, wantField: "from"},
		{name: "to alone for a stock key", keys: stock, dates: kpi.Dates{To: day(2025, 2, 1)}, wantField: "to"},
		{name: "from alone", keys: period, dates: kpi.Dates{From: day(2025, 1, 1)}, wantField: "to"},
		{name: "from equal to", keys: period, dates: kpi.Dates{From: day(2025, 1, 1), To: day(2025, 1, 1)}, wantField: "to"},
		{name: "explicit", keys: period, dates: kpi.Dates{From: day(2025, 1, 1), To: day(2025, 2, 1)}, want: kpi.Point{AsOf: today, From: civil.D(2025, 1, 1), To: civil.D(2025, 2, 1)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.dates.Resolve(tc.keys, today)
			var fe *apperr.FieldError
			if tc.wantField != "" {
				if !errors.As(err, &fe) || fe.Field != tc.wantField {
					t.Fatalf("err = %v; want a field error on %s", err, tc.wantField)
				}
				return
			}
			if err != nil || p != tc.want {
				t.Fatalf("point = %+v, %v; want %+v", p, err, tc.want)
			}
		})
	}
	t.Run("quarters cut by from and to", func(t *testing.T) {
		points, err := kpi.SeriesPoints(civil.D(2025, 2, 15), civil.D(2025, 8, 1), kpi.Quarter)
		if err != nil {
			t.Fatal(err)
		}
		want := []kpi.Point{
			{From: civil.D(2025, 2, 15), To: civil.D(2025, 4, 1), AsOf: civil.D(2025, 3, 31)},
			{From: civil.D(2025, 4, 1), To: civil.D(2025, 7, 1), AsOf: civil.D(2025, 6, 30)},
			{From: civil.D(2025, 7, 1), To: civil.D(2025, 8, 1), AsOf: civil.D(2025, 7, 31)},
		}
		if len(points) != len(want) {
			t.Fatalf("points = %+v", points)
		}
		for i := range want {
			if points[i] != want[i] {
				t.Errorf("point %d = %+v; want %+v", i, points[i], want[i])
			}
		}
	})
	t.Run("at most 240 points", func(t *testing.T) {
		if _, err := kpi.SeriesPoints(civil.D(2000, 1, 1), civil.D(2020, 1, 1), kpi.Month); err != nil {
			t.Errorf("240 months: %v", err)
		}
		_, err := kpi.SeriesPoints(civil.D(2000, 1, 1), civil.D(2020, 2, 1), kpi.Month)
		var fe *apperr.FieldError
		if !errors.As(err, &fe) || fe.Field != "grain" {
			t.Errorf("241 months: err = %v; want a field error on grain", err)
		}
	})
}

func deref2(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}
