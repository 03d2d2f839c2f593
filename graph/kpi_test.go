package graph_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// kpiServer is the KPI fixture behind the real handler, plus 97 empty
// districts under the city so that there are 100 districts.
func kpiServer(t *testing.T) (*gqltest.Server, *kpifixture.Fixture) {
	t.Helper()
	s := gqltest.New(t, gqltest.Trusted())
	f := kpifixture.Build(t, s.Client)
	extra := make([]*ent.RegionCreate, 0, 97)
	for i := range 97 {
		extra = append(extra, s.Client.Region.Create().SetCode(fmt.Sprintf("2102%02d", i+1)).SetName(fmt.Sprintf("区%d", i)).
			SetLevel(region.LevelDISTRICT).SetParent(f.C))
	}
	s.Client.Region.CreateBulk(extra...).ExecX(testdb.Ctx())
	return s, f
}

func TestDashboardIsBatched(t *testing.T) {
	s, f := kpiServer(t)
	const query = `{ regions(first: 100, where: {level: DISTRICT}, orderBy: {field: CODE, direction: ASC}) {
	  edges { node { id code indicators(asOf: "2025-06-16", from: "2025-06-09", to: "2025-06-16") { key value numerator denominator target { targetYear } attained gap } } } } }`
	var got struct {
		Regions struct {
			Edges []struct {
				Node struct {
					ID, Code   string
					Indicators []struct {
						Key                string
						Value, Denominator *float64
						Numerator          float64
						Target             *struct{ TargetYear int }
						Attained           *bool
					}
				}
			}
		}
	}
	var resp gqltest.Response
	statements := s.Count(func() { resp = s.Do(t, query, nil) })
	resp.Decode(t, &got)
	if n := len(got.Regions.Edges); n != 100 {
		t.Fatalf("%d districts; want 100", n)
	}
	// 1 regions page + 17 for the whole batch (tree, nine fact queries — the
	// daily checks and their enrolment weekdays are two, side by side —, one
	// for screening — no child has a check-point in the week, so its second
	// query is skipped —, three filing/supervision facts and the loaded
	// working-day calendar, population, targets): not 17 × 100.
	if statements != 18 {
		t.Errorf("dashboard of 100 districts × 17 indicators ran %d statements; want 18", statements)
	}
	d1 := strconv.Itoa(f.D1.ID)
	for _, e := range got.Regions.Edges {
		if len(e.Node.Indicators) != 17 {
			t.Fatalf("region %s has %d indicators; want 17", e.Node.Code, len(e.Node.Indicators))
		}
		if e.Node.ID != d1 {
			continue
		}
		// D1 filing rate 1/3 with its 2027 EQ 1 target (see internal/kpi tests);
		// D1 daily checks 8/20 over the check week.
		for _, v := range e.Node.Indicators {
			switch v.Key {
			case "FILING_RATE":
				if v.Numerator != 1 || *v.Denominator != 3 || v.Target == nil || v.Target.TargetYear != 2027 || *v.Attained {
					t.Errorf("D1 FILING_RATE = %+v", v)
				}
			case "DAILY_CHECK_RATE":
				if v.Numerator != 8 || *v.Denominator != 20 || math.Abs(*v.Value-0.4) > 1e-12 {
					t.Errorf("D1 DAILY_CHECK_RATE = %+v", v)
				}
			}
		}
	}
}

func TestKPIQueries(t *testing.T) {
	s, f := kpiServer(t)
	c, d1, d2 := strconv.Itoa(f.C.ID), strconv.Itoa(f.D1.ID), strconv.Itoa(f.D2.ID)
	tests := []struct {
		name           string
		query          string
		vars           map[string]any
		wantStatements int64
		check          func(t *testing.T, r gqltest.Response)
	}{
		{
			name:  "catalogue",
			query: `{ indicatorCatalog { key nameZh unit numerator dimensions } }`,
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorCatalog []struct{ Key, NameZh, Unit string }
				}
				r.Decode(t, &got)
				if len(got.IndicatorCatalog) != 17 || got.IndicatorCatalog[0].Key != "SEATS_PER_1000" || got.IndicatorCatalog[0].NameZh != "每千人口托位数" {
					t.Errorf("catalogue = %+v", got.IndicatorCatalog)
				}
			},
		},
		{
			// Regions 1 + tree 1 + seats 1 + population 1 + targets 1.
			name:           "series: stock monthly",
			query:          `query($r: ID!) { indicatorSeries(key: SEATS_PER_1000, regionID: $r, from: "2025-04-01", to: "2025-07-01", grain: MONTH) { asOf numerator denominator value target { targetValue } } }`,
			vars:           map[string]any{"r": c},
			wantStatements: 5,
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorSeries []struct {
						AsOf      string
						Numerator float64
					}
				}
				r.Decode(t, &got)
				want := []struct {
					day   string
					seats float64
				}{{"2025-04-30", 14}, {"2025-05-31", 14}, {"2025-06-30", 10}} // kpifixture: two seats close on asOf, 2025-06-16
				if len(got.IndicatorSeries) != 3 {
					t.Fatalf("series = %+v", got.IndicatorSeries)
				}
				for i, w := range want {
					if p := got.IndicatorSeries[i]; p.AsOf != w.day || p.Numerator != w.seats {
						t.Errorf("point %d = %+v; want %v", i, p, w)
					}
				}
			},
		},
		{
			// Regions 1 + tree 1 + children 1 + targets 1 + group regions 1.
			name:           "breakdown by child region",
			query:          `query($r: ID!) { indicatorBreakdown(key: HEALTH_RECORD_RATE, regionID: $r, by: CHILD_REGION, asOf: "2025-06-16") { dimension region { code } value { numerator denominator } } }`,
			vars:           map[string]any{"r": c},
			wantStatements: 5,
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorBreakdown []struct {
						Region *struct{ Code string }
						Value  struct{ Numerator, Denominator float64 }
					}
				}
				r.Decode(t, &got)
				// "" (no residence) 1/1, D1 1/3, D2 1/1 — see internal/kpi TestBreakdowns.
				if len(got.IndicatorBreakdown) != 3 || got.IndicatorBreakdown[0].Region != nil ||
					got.IndicatorBreakdown[1].Region.Code != "210102" || got.IndicatorBreakdown[1].Value.Denominator != 3 {
					t.Errorf("breakdown = %+v", got.IndicatorBreakdown)
				}
			},
		},
		{
			name:  "breakdown by form",
			query: `query($r: ID!) { indicatorBreakdown(key: FILING_RATE, regionID: $r, by: INSTITUTION_FORM, asOf: "2025-06-16") { form value { value } } }`,
			vars:  map[string]any{"r": c},
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorBreakdown []struct {
						Form  string
						Value struct{ Value float64 }
					}
				}
				r.Decode(t, &got)
				if len(got.IndicatorBreakdown) != 3 || got.IndicatorBreakdown[0].Form != "CENTER" || got.IndicatorBreakdown[0].Value.Value != 0.5 {
					t.Errorf("breakdown = %+v", got.IndicatorBreakdown)
				}
			},
		},
		{
			name:  "ranking of districts",
			query: `query($r: ID!) { indicatorRanking(key: FILING_RATE, parentRegionID: $r, level: DISTRICT, asOf: "2025-06-16", first: 3) { region { code } value } }`,
			vars:  map[string]any{"r": c},
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorRanking []struct {
						Region struct{ Code string }
						Value  *float64
					}
				}
				r.Decode(t, &got)
				if len(got.IndicatorRanking) != 3 || got.IndicatorRanking[0].Region.Code != "210103" || got.IndicatorRanking[1].Region.Code != "210102" {
					t.Errorf("ranking = %+v", got.IndicatorRanking)
				}
			},
		},
		{
			name: "ranking of a period indicator over a given period",
			query: `query($r: ID!, $d: [ID!]!) {
  ranked: indicatorRanking(key: SATISFACTION_RATE, parentRegionID: $r, level: DISTRICT, from: "2025-06-09", to: "2025-06-16", first: 100) { region { code } from to value }
  values: indicatorValues(keys: [SATISFACTION_RATE], regionIDs: $d, from: "2025-06-09", to: "2025-06-16") { region { code } value } }`,
			vars: map[string]any{"r": c, "d": []string{d1, d2}},
			check: func(t *testing.T, r gqltest.Response) {
				type row struct {
					Region   struct{ Code string }
					From, To *string
					Value    *float64
				}
				var got struct{ Ranked, Values []row }
				r.Decode(t, &got)
				want := map[string]*float64{}
				for _, v := range got.Values {
					want[v.Region.Code] = v.Value
				}
				compared := 0
				for _, rk := range got.Ranked {
					if rk.From == nil || *rk.From != "2025-06-09" || rk.To == nil || *rk.To != "2025-06-16" {
						t.Errorf("%s ranked over [%v, %v); want the given period", rk.Region.Code, rk.From, rk.To)
					}
					w, ok := want[rk.Region.Code]
					if !ok {
						continue
					}
					compared++
					if (w == nil) != (rk.Value == nil) || (w != nil && *w != *rk.Value) {
						t.Errorf("%s ranked at %v; indicatorValues gives %v for the period", rk.Region.Code, rk.Value, w)
					}
				}
				if compared != len(got.Values) {
					t.Fatalf("%d of the %d districts asked for were ranked", compared, len(got.Values))
				}
			},
		},
		{
			name:  "values for several regions",
			query: `query($r: [ID!]!) { indicatorValues(keys: [GUIDANCE_CENTERS, SATISFACTION_RATE], regionIDs: $r, asOf: "2025-06-16", from: "2025-06-09", to: "2025-06-16") { key region { code } asOf from value denominator } }`,
			vars:  map[string]any{"r": []string{d1, c}},
			check: func(t *testing.T, r gqltest.Response) {
				var got struct {
					IndicatorValues []struct {
						Key         string
						Region      struct{ Code string }
						AsOf, From  *string
						Value       *float64
						Denominator *float64
					}
				}
				r.Decode(t, &got)
				v := got.IndicatorValues
				if len(v) != 4 || v[0].Key != "GUIDANCE_CENTERS" || v[0].Region.Code != "210102" || *v[0].Value != 1 || v[0].Denominator != nil ||
					v[0].AsOf == nil || v[1].From == nil || math.Abs(*v[1].Value-130.0/150) > 1e-12 || v[2].Region.Code != "210100" {
					t.Errorf("values = %+v", v)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			n := s.Count(func() { resp = s.Do(t, tc.query, tc.vars) })
			tc.check(t, resp)
			if tc.wantStatements != 0 && n != tc.wantStatements {
				t.Errorf("%d statements; want %d", n, tc.wantStatements)
			}
		})
	}
}

func TestKPIArgumentErrors(t *testing.T) {
	s, f := kpiServer(t)
	c := strconv.Itoa(f.C.ID)
	tests := []struct {
		name, query, wantCode, wantField string
	}{
		{"asOf on a period indicator", `query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], asOf: "2025-01-01") { value } }`, "BAD_USER_INPUT", "asOf"},
		{"from/to on a stock indicator", `query($r: ID!) { indicatorValues(keys: [FILING_RATE], regionIDs: [$r], from: "2025-01-01", to: "2025-02-01") { value } }`, "BAD_USER_INPUT", "from"},
		{"from after to", `query($r: ID!) { indicatorSeries(key: FILING_RATE, regionID: $r, from: "2025-03-01", to: "2025-01-01", grain: MONTH) { value } }`, "BAD_USER_INPUT", "to"},
		{"more than 240 points", `query($r: ID!) { indicatorSeries(key: FILING_RATE, regionID: $r, from: "2000-01-01", to: "2025-01-01", grain: MONTH) { value } }`, "BAD_USER_INPUT", "grain"},
		{"unknown time zone", `query($r: ID!) { indicatorSeries(key: FILING_RATE, regionID: $r, from: "2025-01-01", to: "2025-02-01", grain: MONTH, timezone: "Mars/Olympus") { value } }`, "BAD_USER_INPUT", "timezone"},
		{"the server's own time zone", `query($r: ID!) { indicatorSeries(key: FILING_RATE, regionID: $r, from: "2025-01-01", to: "2025-02-01", grain: MONTH, timezone: "Local") { value } }`, "BAD_USER_INPUT", "timezone"},
		{"dimension not applicable", `query($r: ID!) { indicatorBreakdown(key: FILING_RATE, regionID: $r, by: AGE_BAND) { form } }`, "BAD_USER_INPUT", "by"},
		{"unknown region", `query { indicatorValues(keys: [FILING_RATE], regionIDs: ["55834574848999"]) { value } }`, "NOT_FOUND", ""},
		{"ranking first above cap", `query($r: ID!) { indicatorRanking(key: FILING_RATE, parentRegionID: $r, level: DISTRICT, first: 101) { value } }`, "BAD_USER_INPUT", "first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(t, tc.query, map[string]any{"r": c})
			if len(resp.Errors) != 1 || resp.Errors[0].Code() != tc.wantCode || resp.Errors[0].Field() != tc.wantField {
				t.Fatalf("errors = %s; want %s on %q", resp.Body, tc.wantCode, tc.wantField)
			}
		})
	}
}

func TestKPIAccessAndSuppression(t *testing.T) {
	s, f := kpiServer(t)
	c, d1, d2 := strconv.Itoa(f.C.ID), strconv.Itoa(f.D1.ID), strconv.Itoa(f.D2.ID)
	const values = `query($r: [ID!]!, $k: [IndicatorKey!]!) { indicatorValues(keys: $k, regionIDs: $r, asOf: "2025-06-16") { region { code } value numerator denominator suppressed } }`
	var (
		public   = auth.Viewer{Role: auth.Public}
		staff    = auth.Viewer{Subject: "s", Role: auth.InstitutionStaff, InstitutionID: f.A.ID}
		district = auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}
		city     = auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}
		bi       = auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
	)
	tests := []struct {
		name     string
		viewer   auth.Viewer
		query    string
		vars     map[string]any
		wantCode string
	}{
		{"PUBLIC may not read indicators", public, values, map[string]any{"r": []string{c}, "k": []string{"FILING_RATE"}}, "FORBIDDEN"},
		{"institution staff may not read indicators", staff, values, map[string]any{"r": []string{d1}, "k": []string{"FILING_RATE"}}, "FORBIDDEN"},
		{"district regulator reads its district", district, values, map[string]any{"r": []string{d1}, "k": []string{"FILING_RATE"}}, ""},
		{"district regulator may not read another district", district, values, map[string]any{"r": []string{d1, d2}, "k": []string{"FILING_RATE"}}, "FORBIDDEN"},
		{"district regulator may not read its city", district, values, map[string]any{"r": []string{c}, "k": []string{"FILING_RATE"}}, "FORBIDDEN"},
		{"district regulator may not rank its city's districts", district, `query($r: ID!) { indicatorRanking(key: FILING_RATE, parentRegionID: $r, level: DISTRICT) { value } }`, map[string]any{"r": c}, "FORBIDDEN"},
		{"district regulator: Region.indicator of another district", district, `query($r: ID!) { node(id: $r) { ... on Region { indicator(key: FILING_RATE) { value } } } }`, map[string]any{"r": d2}, "FORBIDDEN"},
		{"city regulator reads its city", city, values, map[string]any{"r": []string{c, d2}, "k": []string{"FILING_RATE"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.DoAs(t, tc.viewer, tc.query, tc.vars)
			if got := strings.Join(resp.Codes(), ","); got != tc.wantCode {
				t.Fatalf("codes %q; want %q (%s)", got, tc.wantCode, resp.Body)
			}
			// FORBIDDEN says what token would do, and names no region.
			for _, e := range resp.Errors {
				if !strings.Contains(e.Message, "token") || strings.Contains(e.Message, "2101") {
					t.Errorf("FORBIDDEN message %q: want a reason naming the token needed, without region codes", e.Message)
				}
			}
		})
	}

	type value = suppressibleValue
	read := func(v auth.Viewer, key string) []value {
		t.Helper()
		var got struct{ IndicatorValues []value }
		s.DoAs(t, v, values, map[string]any{"r": []string{d1, c, d2}, "k": []string{key}}).Decode(t, &got)
		return got.IndicatorValues
	}
	// HEALTH_RECORD_RATE denominators: D1 4 children (fewer than k = 5: withheld),
	// C 5 (not fewer: shown), D2 2 (withheld).
	got := read(bi, "HEALTH_RECORD_RATE")
	wantSuppressed := []bool{true, false, true}
	for i, v := range got {
		if v.Suppressed != wantSuppressed[i] {
			t.Errorf("BI %s: suppressed %v; want %v", v.Region.Code, v.Suppressed, wantSuppressed[i])
		}
		if v.Suppressed && (v.Value != nil || v.Denominator != nil || v.Numerator != 0) {
			t.Errorf("BI %s: a suppressed cell leaks %+v", v.Region.Code, v)
		}
	}
	if v := got[1]; v.Value == nil || math.Abs(*v.Value-0.6) > 1e-12 {
		t.Errorf("BI city value %+v; want 3/5", v)
	}
	// Seat usage counts seats in its denominator: never suppressed.
	for _, v := range read(bi, "SEAT_USAGE_RATE") {
		if v.Suppressed {
			t.Errorf("SEAT_USAGE_RATE %s suppressed; it is not child-based", v.Region.Code)
		}
	}
	// Regulators see the small cells.
	for _, v := range read(auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}, "HEALTH_RECORD_RATE") {
		if v.Suppressed || v.Denominator == nil {
			t.Errorf("regulator %s: %+v; want the value", v.Region.Code, v)
		}
	}
}

// TestKeptKPIAnswersFollowWrites: served as serve serves it, with KPI
// answers kept while the data is unchanged, a value asked again costs only
// the region lookup and the data version on PostgreSQL (SQLite keeps
// nothing), and a seat created through the API is in the very next answer.
func TestKeptKPIAnswersFollowWrites(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted(), gqltest.WithKPIResultCache(kpi.DefaultResultCache))
	f := kpifixture.Build(t, s.Client)
	const query = `query($r: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$r], asOf: "2025-06-16") { numerator } }`
	numerator := func() (float64, int64) {
		t.Helper()
		var resp gqltest.Response
		n := s.Count(func() { resp = s.Do(t, query, map[string]any{"r": strconv.Itoa(f.D1.ID)}) })
		var got struct{ IndicatorValues []struct{ Numerator float64 } }
		resp.Decode(t, &got)
		if len(got.IndicatorValues) != 1 {
			t.Fatalf("values: %s", resp.Body)
		}
		return got.IndicatorValues[0].Numerator, n
	}
	first, computed := numerator()
	again, n := numerator()
	if again != first {
		t.Fatalf("asked again over unchanged data: %v; first %v", again, first)
	}
	want := computed // SQLite: computed again
	if s.DB.Dialect == dialect.Postgres {
		want = 1 // the version: the whole response was kept (kpianswers.go)
	}
	if n != want {
		t.Errorf("asked again over unchanged data: %d statements; want %d", n, want)
	}
	resp := s.Do(t, `mutation($i: ID!, $d: Date!) { createSeat(input: {institutionID: $i, openedAt: $d, ageBand: TODDLER}) { id } }`,
		map[string]any{"i": strconv.Itoa(f.A.ID), "d": f.A.OpenedAt.Format(time.DateOnly)})
	if len(resp.Errors) > 0 {
		t.Fatalf("createSeat: %s", resp.Body)
	}
	if after, _ := numerator(); after != first+1 {
		t.Errorf("after a seat created in D1: numerator %v; want %v", after, first+1)
	}
}

// A province's population is a count in the millions: it reaches clients as
// 3011395, not gqlgen's %g form 3.011395e+06 (internal/gqlscalar).
func TestLargeFloatsArePlainDecimals(t *testing.T) {
	s, f := kpiServer(t)
	s.Client.PopulationStat.Create().SetRegion(f.C).SetYear(2025).SetResidentPopulation(3011395).SetUnder3Population(61000).ExecX(testdb.Ctx())
	resp := s.Do(t, `query($c: ID!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: [$c], asOf: "2025-06-16") { denominator } }`,
		map[string]any{"c": strconv.Itoa(f.C.ID)})
	if len(resp.Errors) != 0 || !strings.Contains(resp.Body, `"denominator":3011395}`) {
		t.Fatalf("want the denominator as a plain decimal: %s", resp.Body)
	}
}

// TestKPIArgumentMessages: a KPI argument error reads as a sentence that
// starts with the argument's name ("to must be given together with from"),
// not as the name glued to another sentence ("to from and to must …").
func TestKPIArgumentMessages(t *testing.T) {
	s, f := kpiServer(t)
	c := strconv.Itoa(f.C.ID)
	for _, tc := range []struct{ query, want string }{
		{`query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], from: "2025-01-01") { value } }`, "to must be given together with from"},
		{`query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], to: "2025-01-01") { value } }`, "from must be given together with to"},
		{`query($r: ID!) { indicatorValues(keys: [DAILY_CHECK_RATE], regionIDs: [$r], asOf: "2025-01-01") { value } }`, "asOf is not taken by period indicators (they take from and to)"},
		{`query($r: ID!) { indicatorValues(keys: [FILING_RATE], regionIDs: [$r], from: "2025-01-01", to: "2025-02-01") { value } }`, "from is not taken by stock indicators (they take asOf)"},
		{`query($r: ID!) { indicatorSeries(key: FILING_RATE, regionID: $r, from: "2000-01-01", to: "2025-01-01", grain: MONTH) { value } }`, "grain would give the series more than 240 points; use a coarser grain or a shorter range"},
		{`query($r: ID!) { indicatorBreakdown(key: FILING_RATE, regionID: $r, by: AGE_BAND) { form } }`, "by AGE_BAND does not apply to FILING_RATE (see the indicator's dimensions in indicatorCatalog)"},
	} {
		resp := s.Do(t, tc.query, map[string]any{"r": c})
		if len(resp.Errors) != 1 || resp.Errors[0].Message != tc.want {
			t.Errorf("%s: errors = %s; want the message %q", tc.query, resp.Body, tc.want)
		}
	}
}

// TestRegionIndicatorsEmptyKeys: Region.indicators(keys: []) asks for no
// indicator, as indicatorValues(keys: []) does; keys null asks for all.
func TestRegionIndicatorsEmptyKeys(t *testing.T) {
	s, f := kpiServer(t)
	c := strconv.Itoa(f.C.ID)
	for _, tc := range []struct {
		query string
		want  int
	}{
		{`query($r: ID!) { node(id: $r) { ... on Region { indicators(keys: []) { value } } } }`, 0},
		{`query($r: ID!) { node(id: $r) { ... on Region { indicators { value } } } }`, 17},
		{`query($r: ID!) { node(id: $r) { ... on Region { indicators(keys: null) { value } } } }`, 17},
	} {
		var got struct {
			Node struct{ Indicators []struct{ Value *float64 } }
		}
		s.Do(t, tc.query, map[string]any{"r": c}).Decode(t, &got)
		if len(got.Node.Indicators) != tc.want {
			t.Errorf("%s: %d indicators; want %d", tc.query, len(got.Node.Indicators), tc.want)
		}
	}
	var values struct{ IndicatorValues []struct{ Value *float64 } }
	s.Do(t, `query($r: ID!) { indicatorValues(keys: [], regionIDs: [$r]) { value } }`, map[string]any{"r": c}).Decode(t, &values)
	if len(values.IndicatorValues) != 0 {
		t.Errorf("indicatorValues(keys: []) = %d values; want none", len(values.IndicatorValues))
	}
}
