package kpi_test

import (
	"strconv"
	"testing"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestSuppressionCountsChildren: small-cell suppression looks at the
// distinct children behind a value, not at DAILY_CHECK_RATE's (child,
// weekday) or DEV_SCREENING_RATE's (child, check-point) pairs; a child under
// several regions or groups is one child; the fast path counts them as the
// live reference does.
func TestSuppressionCountsChildren(t *testing.T) {
	d, f, fast := setup(t)
	live := fast.Live()
	ctx := testdb.Ctx()
	type want struct{ den, children float64 }
	check := func(name string, q kpi.Query, wants map[[2]any]want) {
		t.Helper()
		q.Children = true
		got, err := fast.Evaluate(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ref, err := live.Evaluate(ctx, q)
		if err != nil {
			t.Fatalf("%s: live: %v", name, err)
		}
		sameValues(t, name, got, ref)
		seen := 0
		for _, r := range got {
			w, ok := wants[[2]any{r.RegionID, r.Group}]
			if !ok || r.Point != 0 { // the other points are compared with the live engine only
				continue
			}
			seen++
			if r.Children == nil || *r.Children != w.children || r.Denominator == nil || *r.Denominator != w.den {
				t.Errorf("%s: %s region %d group %q: %v pairs, %v children; want %v, %v", name, r.Key, r.RegionID, r.Group,
					deref(r.Denominator), deref(r.Children), w.den, w.children)
			}
		}
		if seen != len(wants) {
			t.Errorf("%s: %d of %d expected values returned", name, seen, len(wants))
		}
	}
	daily := []kpi.Key{schematype.DailyCheckRate}
	week := kpi.Point{From: kpifixture.CheckWeek[0], To: kpifixture.CheckWeek[1]}
	// The check week: c1, c2, c3, c5 in D1 (five weekdays each), c4 alone in D2.
	check("check week", kpi.Query{Keys: daily, RegionIDs: []int{f.C.ID, f.D1.ID, f.D2.ID, f.S11.ID}, Points: []kpi.Point{week}},
		map[[2]any]want{{f.C.ID, ""}: {25, 5}, {f.D1.ID, ""}: {20, 4}, {f.D2.ID, ""}: {5, 1}, {f.S11.ID, ""}: {15, 3}})

	// k = 5: D2's five pairs are one child's (the audit's case), D1's
	// twenty are four children's. Both are withheld, the city's five
	// children are not.
	res, err := fast.Evaluate(ctx, kpi.Query{Keys: daily, RegionIDs: []int{f.C.ID, f.D1.ID, f.D2.ID}, Points: []kpi.Point{week}, Children: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, wantSuppressed := range []bool{false, true, true} {
		r := res[i]
		if got := kpi.Suppress(&r, 5); got != wantSuppressed {
			t.Errorf("region %d: suppressed %v; want %v", r.RegionID, got, wantSuppressed)
		}
		if wantSuppressed && (r.Value != nil || r.Denominator != nil || r.Numerator != 0 || r.Children != nil || !kpi.Suppress(&r, 5)) {
			t.Errorf("region %d: a suppressed cell keeps %+v", r.RegionID, r)
		}
	}
	// Without counted children, a pair-based value cannot be shown to an
	// aggregate-only viewer: it is withheld, not judged by its pairs.
	res, err = fast.Evaluate(ctx, kpi.Query{Keys: daily, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{week}})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; r.Children != nil || !kpi.Suppress(&r, 5) {
		t.Errorf("DAILY_CHECK_RATE without Children: %v children, not withheld", deref(r.Children))
	}

	// Ranked with k = 2 (descending): S11 0.4 of three children is shown;
	// S12 (hidden 0.4) and S21 (hidden 0.6) have one child each and rank
	// as nulls, by region ID — not S21 first.
	ranked, err := fast.RankSuppressing(ctx, schematype.DailyCheckRate, f.C.ID, "SUBDISTRICT", week, false, 2)
	if err != nil {
		t.Fatal(err)
	}
	wantOrder := []int{f.S11.ID, f.S12.ID, f.S21.ID}
	for i, r := range ranked {
		if r.RegionID != wantOrder[i] || r.Suppressed != (i > 0) {
			t.Errorf("rank %d: region %d suppressed %v; want region %d suppressed %v", i, r.RegionID, r.Suppressed, wantOrder[i], i > 0)
		}
	}
	// Regulators (k = 0) rank by the values.
	ranked, err = fast.RankSuppressing(ctx, schematype.DailyCheckRate, f.C.ID, "SUBDISTRICT", week, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	if ranked[0].RegionID != f.S21.ID || ranked[0].Suppressed {
		t.Errorf("unsuppressed ranking starts with region %d; want S21 (0.6)", ranked[0].RegionID)
	}

	// c3 moves from half-day care at A (S11, until AsOf) to full-day care
	// at K1 (S21) on AsOf: over two weeks it is under both subdistricts,
	// one child of the city and of its residence group D2.
	c3 := d.Client.Child.Query().Where(child.Name("c3")).OnlyX(ctx)
	d.Client.Enrolment.Create().SetChild(c3).SetInstitution(f.K1).SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(kpifixture.AsOf).ExecX(ctx)
	twoWeeks := kpi.Point{From: kpifixture.CheckWeek[0], To: civil.D(2025, 6, 21)}
	check("two weeks", kpi.Query{Keys: daily, RegionIDs: []int{f.P.ID, f.C.ID, f.D1.ID, f.D2.ID}, Points: []kpi.Point{twoWeeks, week}},
		map[[2]any]want{{f.P.ID, ""}: {50, 5}, {f.C.ID, ""}: {50, 5}, {f.D1.ID, ""}: {35, 4}, {f.D2.ID, ""}: {15, 2}})
	check("two weeks by form", kpi.Query{Keys: daily, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{twoWeeks}, Dimension: kpi.InstitutionForm},
		map[[2]any]want{{f.C.ID, "CENTER"}: {35, 4}, {f.C.ID, "KINDERGARTEN"}: {15, 2}})
	// By residence: c3 lives in S21 (group D2) and was cared for in S11 and
	// S21: ten pairs, one child.
	check("two weeks by residence", kpi.Query{Keys: daily, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{twoWeeks}, Dimension: kpi.ChildRegion},
		map[[2]any]want{{f.C.ID, strconv.Itoa(f.D1.ID)}: {30, 3}, {f.C.ID, strconv.Itoa(f.D2.ID)}: {10, 1}, {f.C.ID, ""}: {10, 1}})

	// DEV_SCREENING_RATE from July 2025 to January 2026: c4 (full-day at
	// K1 in S21, hourly at A in S11) reaches 18 and 24 months, two pairs of
	// one child in each; c1 reaches 30 months, c5 24, c6 8 and 12 (all in S11).
	screening := []kpi.Key{schematype.DevScreeningRate}
	half := kpi.Point{From: civil.D(2025, 7, 1), To: civil.D(2026, 2, 1)}
	for _, probe := range []int{2000, 0} { // screenings read by child, and by date
		restore := kpi.SetScreeningProbeLimit(probe)
		check("screening", kpi.Query{Keys: screening, RegionIDs: []int{f.C.ID, f.D1.ID, f.D2.ID, f.S11.ID}, Points: []kpi.Point{half, {From: civil.D(2025, 7, 1), To: civil.D(2025, 8, 1)}}},
			map[[2]any]want{{f.C.ID, ""}: {6, 4}, {f.D1.ID, ""}: {6, 4}, {f.D2.ID, ""}: {2, 1}, {f.S11.ID, ""}: {6, 4}})
		check("screening by form", kpi.Query{Keys: screening, RegionIDs: []int{f.C.ID}, Points: []kpi.Point{half}, Dimension: kpi.InstitutionForm},
			map[[2]any]want{{f.C.ID, "CENTER"}: {6, 4}, {f.C.ID, "KINDERGARTEN"}: {2, 1}})
		restore()
	}
	res, err = fast.Evaluate(ctx, kpi.Query{Keys: screening, RegionIDs: []int{f.D2.ID}, Points: []kpi.Point{half}, Children: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := res[0]; !kpi.Suppress(&r, 2) {
		t.Errorf("D2 screening: two pairs of one child shown at k = 2")
	}
}
