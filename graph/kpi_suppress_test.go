package graph_test

import (
	"strconv"
	"testing"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// suppressibleValue is an IndicatorValue as the suppression tests read it.
type suppressibleValue struct {
	Region      struct{ Code string }
	Value       *float64
	Numerator   float64
	Denominator *float64
	Suppressed  bool
}

// TestSuppressionCountsChildrenNotPairs: a BI key (k = 5) sees
// DAILY_CHECK_RATE withheld where fewer than five children are behind the
// pairs — D2's five (child, weekday) pairs are one child's, D1's twenty
// four children's — in values, breakdowns, series and Region.indicator
// alike; the city's five children are shown. Regulators see every value.
func TestSuppressionCountsChildrenNotPairs(t *testing.T) {
	s, f := kpiServer(t)
	c, d1, d2 := strconv.Itoa(f.C.ID), strconv.Itoa(f.D1.ID), strconv.Itoa(f.D2.ID)
	bi := auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
	province := auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	type value = suppressibleValue
	shown := func(t *testing.T, what string, v value, want bool) {
		t.Helper()
		if v.Suppressed == want {
			t.Errorf("%s %s: suppressed %v; want %v", what, v.Region.Code, v.Suppressed, !want)
		}
		if v.Suppressed && (v.Value != nil || v.Denominator != nil || v.Numerator != 0) {
			t.Errorf("%s %s: a suppressed cell leaks %+v", what, v.Region.Code, v)
		}
	}

	const values = `query($r: [ID!]!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: $r, from: "2025-06-09", to: "2025-06-16") { region { code } value numerator denominator suppressed } }`
	var got struct{ IndicatorValues []value }
	s.DoAs(t, bi, values, map[string]any{"r": []string{d1, c, d2}}).Decode(t, &got)
	for i, want := range []bool{false, true, false} {
		shown(t, "values", got.IndicatorValues[i], want)
	}
	got.IndicatorValues = nil
	s.DoAs(t, province, values, map[string]any{"r": []string{d1, c, d2}}).Decode(t, &got)
	for _, v := range got.IndicatorValues {
		shown(t, "regulator values", v, true)
	}

	// Breakdown by form: CENTER holds c1, c2, c3, c5 (20 pairs), KINDERGARTEN c4 (5).
	var groups struct {
		IndicatorBreakdown []struct {
			Form  string
			Value value
		}
	}
	s.DoAs(t, bi, `query($r: ID!) { indicatorBreakdown(key: DAILY_CHECK_RATE, regionID: $r, by: INSTITUTION_FORM, from: "2025-06-09", to: "2025-06-16") {
		form value { region { code } value numerator denominator suppressed } } }`, map[string]any{"r": c}).Decode(t, &groups)
	if len(groups.IndicatorBreakdown) != 2 {
		t.Fatalf("breakdown: %+v; want CENTER and KINDERGARTEN", groups.IndicatorBreakdown)
	}
	for _, g := range groups.IndicatorBreakdown {
		shown(t, "breakdown "+g.Form, g.Value, false)
	}

	// A series over June: D2's 21 pairs are c4's alone.
	var series struct{ IndicatorSeries []value }
	s.DoAs(t, bi, `query($r: ID!) { indicatorSeries(key: DAILY_CHECK_RATE, regionID: $r, from: "2025-06-01", to: "2025-07-01", grain: MONTH) {
		region { code } value numerator denominator suppressed } }`, map[string]any{"r": d2}).Decode(t, &series)
	if len(series.IndicatorSeries) != 1 {
		t.Fatalf("series: %+v", series.IndicatorSeries)
	}
	shown(t, "series", series.IndicatorSeries[0], false)

	// Region.indicator, through the batch loader.
	var node struct {
		Node struct{ Indicator value }
	}
	s.DoAs(t, bi, `query($r: ID!) { node(id: $r) { ... on Region { indicator(key: DAILY_CHECK_RATE, from: "2025-06-09", to: "2025-06-16") {
		region { code } value numerator denominator suppressed } } } }`, map[string]any{"r": d2}).Decode(t, &node)
	shown(t, "Region.indicator", node.Node.Indicator, false)
}

// TestRankingHidesSuppressedValues: a BI key's ranking places suppressed
// rows as null values (last, by region ID), so the order reveals nothing
// of what they hide. HEALTH_RECORD_RATE by subdistrict: S11 2/3, S12 0/1,
// S21 1/2, each fewer than five children — ascending by hidden value
// would be S12, S21, S11.
func TestRankingHidesSuppressedValues(t *testing.T) {
	s, f := kpiServer(t)
	const ranking = `query($r: ID!) { indicatorRanking(key: HEALTH_RECORD_RATE, parentRegionID: $r, level: SUBDISTRICT, asOf: "2025-06-16", descending: false) {
		region { code } value suppressed } }`
	var got struct {
		IndicatorRanking []struct {
			Region     struct{ Code string }
			Value      *float64
			Suppressed bool
		}
	}
	bi := auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
	s.DoAs(t, bi, ranking, map[string]any{"r": strconv.Itoa(f.C.ID)}).Decode(t, &got)
	want := []string{f.S11.Code, f.S12.Code, f.S21.Code}
	if len(got.IndicatorRanking) != len(want) {
		t.Fatalf("ranking: %+v", got.IndicatorRanking)
	}
	for i, r := range got.IndicatorRanking {
		if r.Region.Code != want[i] || !r.Suppressed || r.Value != nil {
			t.Errorf("rank %d: %s suppressed %v value %v; want %s suppressed, no value", i, r.Region.Code, r.Suppressed, r.Value, want[i])
		}
	}
	// A regulator's ranking follows the values.
	got.IndicatorRanking = nil
	s.DoAs(t, auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}, ranking, map[string]any{"r": strconv.Itoa(f.C.ID)}).Decode(t, &got)
	want = []string{f.S12.Code, f.S21.Code, f.S11.Code}
	for i, r := range got.IndicatorRanking {
		if r.Region.Code != want[i] || r.Suppressed {
			t.Errorf("regulator rank %d: %s; want %s", i, r.Region.Code, want[i])
		}
	}
}
