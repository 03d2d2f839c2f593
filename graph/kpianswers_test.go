package graph_test

import (
	"strconv"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	dto "github.com/prometheus/client_model/go"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/dashboard"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/metrics"
)

// TestKPIOnlyRule: a response is kept only for a query that computes
// indicators and selects nothing but them, their regions' and targets'
// plain fields and the catalogue.
func TestKPIOnlyRule(t *testing.T) {
	for _, c := range []struct {
		name, query string
		want        bool
	}{
		{"dashboard", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["1"]) { key value numerator denominator target { targetValue comparator region { code } } attained gap suppressed region { code name level parent { code } } } }`, true},
		{"fragment and typename", `query { __typename indicatorSeries(key: SEATS_PER_1000, regionID: "1", grain: MONTH, from: "2025-01-01", to: "2026-01-01") { ...v } } fragment v on IndicatorValue { __typename value region { code } }`, true},
		{"ranking, breakdown and catalogue", `{ indicatorCatalog { key nameZh } indicatorRanking(key: SEATS_PER_1000, parentRegionID: "1", level: DISTRICT) { value } indicatorBreakdown(key: SEATS_PER_1000, regionID: "1", by: INSTITUTION_FORM) { form value { value } } }`, true},
		{"the dashboard's subregions", `query($r: ID!) { node(id: $r) { ... on Region { id code children: subregions(first: 100, orderBy: {field: CODE, direction: ASC}) { totalCount pageInfo { hasNextPage } edges { node { id name indicators(keys: [SEATS_PER_1000]) { key value } } } } } } }`, true},
		{"a page of regions", `{ regions(first: 2) { edges { node { code indicators(keys: [SEATS_PER_1000]) { value } } } } }`, true},
		{"catalogue only: nothing computed", `{ indicatorCatalog { key } }`, false},
		{"regions only: nothing computed", `{ regions(first: 2) { edges { node { code } } } }`, false},
		{"a child by node", `query($r: ID!) { node(id: $r) { ... on Child { name } ... on Region { indicators { value } } } }`, false},
		{"node's own id", `query($r: ID!) { node(id: $r) { id ... on Region { indicators { value } } } }`, false},
		{"a connection under a region", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["1"]) { value region { institutions(first: 1) { totalCount } } } }`, false},
		{"a region field with arguments", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["1"]) { value region { populationStats(first: 1) { totalCount } } } }`, false},
		{"another root field", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["1"]) { value } viewer { role } }`, false},
		{"a node", `{ node(id: "1") { id } indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["1"]) { value } }`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := graph.KPIOnly(c.query)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("kept: %v; want %v", got, c.want)
			}
		})
	}
}

// TestKPIOnlyResponsesKept: on PostgreSQL a KPI-only query asked again over
// unchanged data is answered with the kept response, byte for byte, at the
// cost of one statement (the data version); each viewer scope has its own
// (a BI key sees small cells suppressed where a regulator of the same
// region sees them), and a query that also selects institutions is
// executed every time. SQLite keeps nothing and gives the same bytes by computing
// again. TestKeptKPIAnswersFollowWrites covers a write in between.
func TestKPIOnlyResponsesKept(t *testing.T) {
	s := gqltest.New(t, gqltest.WithKPIResultCache(kpi.DefaultResultCache))
	f := kpifixture.Build(t, s.Client)
	vars := map[string]any{"r": []string{strconv.Itoa(f.D1.ID), strconv.Itoa(f.C.ID), strconv.Itoa(f.D2.ID)}}
	const values = `query($r: [ID!]!) { indicatorValues(keys: [DAILY_CHECK_RATE, SEATS_PER_1000], regionIDs: $r, from: "2025-06-09", to: "2025-06-16", asOf: "2025-06-16") { key region { code } value numerator denominator suppressed } }`
	province := auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	otherProvinceUser := auth.Viewer{Subject: "p2", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	bi := auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
	pg := s.DB.Dialect == dialect.Postgres

	ask := func(v auth.Viewer, query string) (string, int64) {
		t.Helper()
		var resp gqltest.Response
		n := s.Count(func() { resp = s.DoAs(t, v, query, vars) })
		if len(resp.Errors) > 0 {
			t.Fatalf("%s: %s", v.Subject, resp.Body)
		}
		return resp.Body, n
	}
	hits := func() float64 {
		var m dto.Metric
		if err := metrics.KPIResponseCache.WithLabelValues("hit").Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetCounter().GetValue()
	}

	first, computed := ask(province, values)
	before := hits()
	again, n := ask(otherProvinceUser, values) // another principal, the same scope
	if again != first {
		t.Fatalf("asked again over unchanged data:\n%s\nfirst:\n%s", again, first)
	}
	switch {
	case pg && n != 1:
		t.Errorf("asked again over unchanged data: %d statements; want 1 (the data version)", n)
	case pg && hits() <= before:
		t.Errorf("tuoyu_kpi_response_cache_total{outcome=hit} did not grow")
	case !pg && n != computed:
		t.Errorf("SQLite asked again: %d statements; want %d, computed again", n, computed)
	}

	// BI_SERVICE: its own answer, with the city's cell suppressed (five
	// children), not the regulator's kept one.
	forBI, n := ask(bi, values)
	if forBI == first || !strings.Contains(forBI, `"suppressed":true`) {
		t.Errorf("BI key got the regulator's answer or nothing suppressed: %s", forBI)
	}
	if pg && n <= 1 {
		t.Errorf("BI key's first ask: %d statements; want it computed", n)
	}

	// Institutions beside the indicators: executed every time.
	const mixed = `query($r: [ID!]!) { indicatorValues(keys: [SEATS_PER_1000], regionIDs: $r, asOf: "2025-06-16") { value } institutions(first: 1) { totalCount } }`
	ask(province, mixed)
	if _, n := ask(province, mixed); n <= 1 {
		t.Errorf("a query with institutions asked again: %d statements; want it executed", n)
	}
}

// TestDashboardKPIQueriesAreKept: the regulator's dashboard asks for
// indicators in queries whose responses are kept; its other queries (the
// viewer, institutions, work lists, profiles) are not.
func TestDashboardKPIQueriesAreKept(t *testing.T) {
	kept := map[string]bool{"DashOverview": true, "DashSparklines": true, "DashChildren": true, "DashSeries": true, "DashBreakdown": true}
	ops, err := dashboard.Operations()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		got, err := graph.KPIOnly(op.Document)
		if err != nil {
			t.Fatalf("%s: %v", op.Name, err)
		}
		if got != kept[op.Name] {
			t.Errorf("%s kept: %v; want %v", op.Name, got, kept[op.Name])
		}
	}
}
