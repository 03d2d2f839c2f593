package kpi_test

import (
	"math"
	"testing"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// nd is an expected numerator and denominator; den < 0 means no denominator (COUNT).
type nd struct{ num, den float64 }

// expected values on asOf (stock), over the check week (DAILY_CHECK, surveys)
// and over June (DEV_SCREENING), per region. Every number is derived in the
// comments from the fixture in kpifixture.
func expected(f *kpifixture.Fixture) map[schematype.IndicatorKey]map[int]nd {
	return map[schematype.IndicatorKey]map[int]nd{
		// Open seats: S11 4 (A's infant seat closed the day before and a toddler seat
		// closed on asOf; X closed on asOf), S12 3 (B), S21 2 (K1; K3's seat closed on
		// asOf; Y not open yet). D1 7, D2 2, D3 0, C 9.
		// Residents: D1 100,000 (its 2024 figure; the 2026 one is later than 2025), D2 50,000,
		// D3 none = sum of no children = 0, C = 150,000 (sum of districts).
		schematype.SeatsPer1000: {
			f.D1.ID: {7, 100000}, f.D2.ID: {2, 50000}, f.D3.ID: {0, 0}, f.C.ID: {9, 150000}, f.P.ID: {9, 150000},
		},
		// Inclusive seats at designated institutions: A 4; B's designation lapsed; K1's seats are not inclusive.
		schematype.InclusiveSeatShare: {
			f.D1.ID: {4, 7}, f.D2.ID: {0, 2}, f.D3.ID: {0, 0}, f.C.ID: {4, 9}, f.S11.ID: {4, 4},
		},
		// Children in FULL/HALF care on asOf: c1 (A) and c5 (X) in S11 — c3's half-day
		// ended on asOf — c2 (B) in S12, c4 (K1) in S21. Over open seats.
		schematype.SeatUsageRate: {
			f.D1.ID: {3, 7}, f.D2.ID: {1, 2}, f.D3.ID: {0, 0}, f.C.ID: {4, 9},
		},
		// Enrolled on asOf: S11 {c1, c4 (hourly at A), c5}, S12 {c2}, S21 {c3 (hourly at K1), c4}.
		// Under 36 months: all but c2 (36 months exactly). D1 {c1, c4, c5} = 3,
		// D2 {c3, c4} = 2, C {c1, c3, c4, c5} = 4 (c4 once). Under-3s: 2000, 1000, 3000.
		schematype.EnrolmentRate: {
			f.D1.ID: {3, 2000}, f.D2.ID: {2, 1000}, f.D3.ID: {0, 0}, f.C.ID: {4, 3000},
		},
		// Inclusive providers on asOf: A in S11, K1 in S21 (B lapsed, G not designated, K2 has no seats).
		// D1 {S11 yes, S12 no}, D2 {S21 yes}, D3 no subdistricts, C 2 of 3, S11 itself 1 of 1.
		schematype.SubdistrictInclusiveCoverage: {
			f.D1.ID: {1, 2}, f.D2.ID: {1, 1}, f.D3.ID: {0, 0}, f.C.ID: {2, 3}, f.S11.ID: {1, 1},
		},
		// Open kindergartens: K1 (2 seats), K2 (none) and K3 (its only seat closed on
		// asOf: no childcare that day), all in D2.
		schematype.KindergartenChildcareShare: {
			f.D1.ID: {0, 0}, f.D2.ID: {1, 3}, f.C.ID: {1, 3},
		},
		// Providers: A, B, G in D1; K1 in D2 (K2 and K3 have no open seat, so are no
		// provider on asOf; X closed, Y not open).
		// Filed: A, K1 (receipt on asOf; its cancellation on 2025-09-01 comes later and
		// must not rewrite this day); B cancelled on 2025-03-01, G only submitted.
		schematype.FilingRate: {
			f.D1.ID: {1, 3}, f.D2.ID: {1, 1}, f.D3.ID: {0, 0}, f.C.ID: {2, 4},
		},
		// Active caregivers: s1 (certified), s2 (expired on asOf), s3 (nurse only) in D1;
		// s6 (hired and certified on asOf) in D2; s4 left on asOf, s5 is a teacher.
		schematype.StaffCertificationRate: {
			f.D1.ID: {1, 3}, f.D2.ID: {1, 1}, f.C.ID: {2, 4},
		},
		// Entry exam on or before asOf: c1, c3, c5 (c2's is after asOf, c4 has none).
		// D1 {c1, c2, c4, c5} 2 of 4; D2 {c3, c4} 1 of 2; C 3 of 5; S11 {c1, c4, c5} 2 of 3.
		schematype.HealthRecordRate: {
			f.D1.ID: {2, 4}, f.D2.ID: {1, 2}, f.D3.ID: {0, 0}, f.C.ID: {3, 5}, f.S11.ID: {2, 3},
		},
		// June check-points with active enrolment: S11 c1 (screened), c5 (not), c6 (6 months,
		// clamped to 06-30, screened); S12 c2 (screened 37 days early: not); S21 c3 (screened).
		schematype.DevScreeningRate: {
			f.D1.ID: {2, 4}, f.D2.ID: {1, 1}, f.D3.ID: {0, 0}, f.C.ID: {3, 5},
		},
		// Check week, 5 weekdays. Care pairs: S11 c1, c3 (half-day until 16th), c5 = 15;
		// S12 c2 = 5; S21 c4 = 5. Morning checks: c1 5 (noon and Saturday ignored), c2 2,
		// c4 3, c5 1 (two records, one day). D1 (5+0+1+2)/(15+5), D2 3/5, C 11/25.
		schematype.DailyCheckRate: {
			f.D1.ID: {8, 20}, f.D2.ID: {3, 5}, f.D3.ID: {0, 0}, f.C.ID: {11, 25},
		},
		// Satisfaction: D1 90/100 + S11 40/50; the 06-16 survey is on the exclusive end.
		schematype.SatisfactionRate: {
			f.D1.ID: {130, 150}, f.D2.ID: {0, 0}, f.C.ID: {130, 150},
		},
		schematype.ParentingKnowledgeRate: {
			f.D1.ID: {0, 0}, f.D2.ID: {19, 20}, f.C.ID: {19, 20},
		},
		// Open guidance centres: G in D1.
		schematype.GuidanceCenters: {
			f.D1.ID: {1, -1}, f.D2.ID: {0, -1}, f.C.ID: {1, -1},
		},
	}
}

// TestIndicatorsMatchHandComputedFixture evaluates every indicator for
// several regions in one call and compares every numerator, denominator
// and value with the hand-derived table. It runs on SQLite and PostgreSQL.
func TestIndicatorsMatchHandComputedFixture(t *testing.T) {
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	engine := kpi.New(d.Client, d.Counter, d.Dialect)
	want := expected(f)
	regions := []int{f.P.ID, f.C.ID, f.D1.ID, f.D2.ID, f.D3.ID, f.S11.ID}
	eval := func(keys []schematype.IndicatorKey, p kpi.Point) []kpi.Result {
		t.Helper()
		res, err := engine.Evaluate(testdb.Ctx(), kpi.Query{Keys: keys, RegionIDs: regions, Points: []kpi.Point{p}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	var results []kpi.Result
	var stock, week []schematype.IndicatorKey
	for _, ind := range kpi.Catalogue {
		switch {
		case ind.Key == schematype.DevScreeningRate:
		case ind.Basis == kpi.Stock:
			stock = append(stock, ind.Key)
		default:
			week = append(week, ind.Key)
		}
	}
	results = append(results, eval(stock, kpi.Point{AsOf: kpifixture.AsOf})...)
	results = append(results, eval(week, kpi.Point{From: kpifixture.CheckWeek[0], To: kpifixture.CheckWeek[1]})...)
	results = append(results, eval([]schematype.IndicatorKey{schematype.DevScreeningRate}, kpi.Point{From: kpifixture.June[0], To: kpifixture.June[1]})...)
	checked := 0
	for _, r := range results {
		w, ok := want[r.Key][r.RegionID]
		if !ok {
			continue
		}
		checked++
		assertResult(t, r, w)
	}
	total := 0
	for _, byRegion := range want {
		total += len(byRegion)
	}
	if checked != total {
		t.Fatalf("%d results matched the table of %d; the query lost regions or keys", checked, total)
	}
}

func assertResult(t *testing.T, r kpi.Result, w nd) {
	t.Helper()
	ind, _ := kpi.Lookup(r.Key)
	if r.Numerator != w.num {
		t.Errorf("%s region %d: numerator %v; want %v", r.Key, r.RegionID, r.Numerator, w.num)
	}
	if w.den < 0 {
		if r.Denominator != nil || r.Value == nil || *r.Value != w.num {
			t.Errorf("%s region %d: a count has no denominator and value = numerator; got %+v", r.Key, r.RegionID, r)
		}
		return
	}
	if r.Denominator == nil || *r.Denominator != w.den {
		t.Errorf("%s region %d: denominator %v; want %v", r.Key, r.RegionID, deref(r.Denominator), w.den)
		return
	}
	if w.den == 0 {
		if r.Value != nil {
			t.Errorf("%s region %d: value %v with a zero denominator; want null", r.Key, r.RegionID, *r.Value)
		}
		return
	}
	v := w.num / w.den
	if ind.Unit == kpi.Per1000 {
		v *= 1000
	}
	if r.Value == nil || math.Abs(*r.Value-v) > 1e-12 {
		t.Errorf("%s region %d: value %v; want %v", r.Key, r.RegionID, deref(r.Value), v)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestUnder36Boundary(t *testing.T) {
	// Born 2023-01-15: 35 months on 2025-12-31, 36 on 2026-01-15 (design.md §3.1).
	if got := civil.AgeInMonths(civil.D(2023, 1, 15), civil.D(2025, 12, 31)); got != 35 {
		t.Errorf("age = %d; want 35", got)
	}
	if got := civil.AgeInMonths(civil.D(2023, 1, 15), civil.D(2026, 1, 15)); got != 36 {
		t.Errorf("age = %d; want 36", got)
	}
	if got := civil.AddMonths(civil.D(2023, 1, 31), 1); !got.Equal(civil.D(2023, 2, 28)) {
		t.Errorf("2023-01-31 + 1 month = %v; want 2023-02-28", got)
	}
}
