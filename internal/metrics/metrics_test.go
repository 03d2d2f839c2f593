package metrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/httpapi"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
	"github.com/tuoyu/tuoyu/internal/shapelimits"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// scrape GETs /metrics over HTTP and parses the text format.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return fams
}

// value is the counter, gauge or histogram count of fam's series with
// exactly labels (a missing series is 0).
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	fam := fams[name]
	if fam == nil {
		return 0
	}
next:
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func post(t *testing.T, base, query string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	resp, err := http.Post(base+"/query", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// TestMetricsScrape serves the real stack (rate limiter included) with
// /metrics on the main listener, sends a few GraphQL requests and reads
// back, from a real scrape, what they count: requests by operation, code
// and role, latency histograms, KPI statement histograms, rejections by
// reason, pool statistics, job states, Go runtime and process.
func TestMetricsScrape(t *testing.T) {
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	hasher, err := pii.NewHasher([]byte("metrics-test-key-0123456789abcd"))
	if err != nil {
		t.Fatal(err)
	}
	kpi.SetFactObserver(metrics.ObserveKPIFact)
	t.Cleanup(func() { kpi.SetFactObserver(nil) })
	t.Cleanup(metrics.RegisterDB("metrics_test", d.SQL))
	metrics.SetJobCounts(func(context.Context) map[string]int { return map[string]int{"queued": 3, "running": 1} })
	t.Cleanup(func() { metrics.SetJobCounts(nil) })

	frozen := time.Now()
	schema := graph.NewSchema(graph.Deps{Client: d.Client, Hasher: hasher, Driver: d.Counter, Dialect: d.Dialect})
	h := graph.NewHandler(schema, d.Client, graph.HandlerOptions{
		// Seven requests pass, the eighth is refused: the clock never moves.
		RateLimiter: ratelimit.New(ratelimit.Config{Rate: 0.001, Burst: 7, Now: func() time.Time { return frozen }}),
	})
	viewer := &auth.Viewer{Subject: "metrics-test", Role: auth.CityRegulator, RegionCode: "210100"}
	as := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), viewer)))
	})
	srv := httpapi.New(httpapi.Config{GraphQL: as, DB: d.SQL, Dialect: d.Dialect, Metrics: metrics.Handler()})
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)

	before := scrape(t, ts.URL)
	dashboard := fmt.Sprintf(`query MetricsTestDashboard { node(id: "%d") { ... on Region { subregions { edges { node {
	  indicators(asOf: "2025-06-16", from: "2025-06-09", to: "2025-06-16") { key value } } } } } } }`, f.C.ID)
	for range 2 {
		if s := post(t, ts.URL, dashboard); s != http.StatusOK {
			t.Fatalf("dashboard: %d", s)
		}
	}
	if s := post(t, ts.URL, `{ indicatorCatalog { key } }`); s != http.StatusOK {
		t.Fatalf("anonymous operation: %d", s)
	}
	post(t, ts.URL, `query MetricsTestBroken { noSuchField }`)
	post(t, ts.URL, `query MetricsTestBroken { noSuchField }`)
	var aliases strings.Builder
	for i := range shapelimits.Defaults.Aliases + 1 {
		fmt.Fprintf(&aliases, "a%d: indicatorCatalog { key } ", i)
	}
	post(t, ts.URL, "query MetricsTestAliases { "+aliases.String()+"}")
	// Reading children's personal data is audited.
	if s := post(t, ts.URL, `query MetricsTestChildren { children(first: 5) { edges { node { name birthDate } } } }`); s != http.StatusOK {
		t.Fatalf("children: %d", s)
	}
	if s := post(t, ts.URL, dashboard); s != http.StatusTooManyRequests {
		t.Fatalf("eighth request: %d; want 429", s)
	}
	after := scrape(t, ts.URL)

	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	const reqs = "tuoyu_graphql_requests_total"
	role := "CITY_REGULATOR"
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{reqs, map[string]string{"operation": "MetricsTestDashboard", "code": "OK", "role": role}, 2},
		{reqs, map[string]string{"operation": metrics.OpAnonymous, "code": "OK", "role": role}, 1},
		// A document that fails validation has no operation yet: no label
		// is made from its name.
		{reqs, map[string]string{"operation": metrics.OpNone, "code": "GRAPHQL_VALIDATION_FAILED", "role": role}, 2},
		{reqs, map[string]string{"operation": metrics.OpNone, "code": "RATE_LIMITED", "role": role}, 1},
		{reqs, map[string]string{"operation": "MetricsTestBroken", "code": "GRAPHQL_VALIDATION_FAILED", "role": role}, 0},
		{"tuoyu_graphql_request_duration_seconds", map[string]string{"operation": "MetricsTestDashboard"}, 2},
		{"tuoyu_rejections_total", map[string]string{"reason": "rate_limit"}, 1},
		{"tuoyu_rejections_total", map[string]string{"reason": "max_aliases_limit"}, 1},
		{reqs, map[string]string{"operation": metrics.OpNone, "code": "MAX_ALIASES_LIMIT", "role": role}, 1},
		{"tuoyu_audit_writes_total", map[string]string{"outcome": "ok"}, 1},
		{"tuoyu_audit_writes_total", map[string]string{"outcome": "failed"}, 0},
		// One KPI batch per dashboard: the tree and the daily-check fact once each.
		{"tuoyu_kpi_fact_duration_seconds", map[string]string{"fact": "loadTree", "outcome": "ok"}, 2},
		{"tuoyu_kpi_fact_duration_seconds", map[string]string{"fact": "dailyCheckFacts", "outcome": "ok"}, 2},
	} {
		if got := delta(c.name, c.labels); got != c.want {
			t.Errorf("%s%v went up by %v; want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tuoyu_jobs", map[string]string{"state": "queued"}, 3},
		{"tuoyu_jobs", map[string]string{"state": "running"}, 1},
		{"go_sql_max_open_connections", map[string]string{"db_name": "metrics_test"}, float64(d.SQL.Stats().MaxOpenConnections)},
		{"tuoyu_db_route_total", map[string]string{"route": "replica"}, value(before, "tuoyu_db_route_total", map[string]string{"route": "replica"})},
	} {
		if got := value(after, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v; want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
		"go_sql_in_use_connections", "go_sql_idle_connections", "go_sql_wait_count_total", "tuoyu_audit_writes_total"} {
		if after[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	// Every label value of the request counter is from a bounded set.
	for _, m := range after[reqs].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "role" && !auth.Role(l.GetValue()).Valid() && l.GetValue() != "none" {
				t.Errorf("role label %q", l.GetValue())
			}
		}
	}
}

// TestOperationLabelsAreBounded: past MaxOperations names, a new name is
// "other"; names seen before keep their series; unnamed is "anonymous".
func TestOperationLabelsAreBounded(t *testing.T) {
	metrics.ResetOperations()
	t.Cleanup(metrics.ResetOperations)
	if got := metrics.OperationLabel(""); got != metrics.OpAnonymous {
		t.Errorf("unnamed: %q", got)
	}
	first := metrics.OperationLabel("BoundedFirst")
	for i := range metrics.MaxOperations + 5 {
		metrics.OperationLabel(fmt.Sprintf("Bounded%d", i))
	}
	if got := metrics.OperationLabel("BoundedNew"); got != metrics.OpOther {
		t.Errorf("a name past the cap: %q; want %q", got, metrics.OpOther)
	}
	if first != "BoundedFirst" || metrics.OperationLabel("BoundedFirst") != "BoundedFirst" {
		t.Errorf("a name seen before the cap lost its label: %q", first)
	}
	// An allow list's operations keep their names past the cap.
	metrics.KnownOperations("AllowListed")
	if got := metrics.OperationLabel("AllowListed"); got != "AllowListed" {
		t.Errorf("an allow-listed name past the cap: %q", got)
	}
	if got := metrics.OperationLabel(strings.Repeat("x", 100)); got != metrics.OpOther {
		t.Errorf("a 100-character name: %q", got)
	}
}

// TestSeriesStartAtZero: /metrics has a series (at zero before the first
// rejection) for every rejection reason README's Metrics table lists, and
// no others: an alert on a reason needs a series to fire. It has no
// tuoyu_db_route_total without replicas (its HELP: counted only when
// replicas are configured) until StartRoutes starts exactly the routes
// given.
func TestSeriesStartAtZero(t *testing.T) {
	ts := httptest.NewServer(metrics.Handler())
	t.Cleanup(ts.Close)
	fams := scrape(t, ts.URL)
	rejections := map[string]bool{}
	for _, m := range fams["tuoyu_rejections_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			rejections[l.GetValue()] = true
		}
	}
	for _, reason := range []string{"auth_failures", "rate_limit", "kpi_slots", "request_too_large", "allow_list",
		"max_depth_limit", "max_aliases_limit", "max_root_fields_limit", "max_directives_limit", "max_fields_limit",
		"complexity_limit_exceeded"} {
		if !rejections[reason] {
			t.Errorf("/metrics lacks tuoyu_rejections_total{reason=%q} before the first rejection", reason)
		}
		delete(rejections, reason)
	}
	if len(rejections) > 0 {
		t.Errorf("tuoyu_rejections_total has reasons README does not list: %v", rejections)
	}

	if fam := fams["tuoyu_db_route_total"]; fam != nil {
		t.Errorf("tuoyu_db_route_total without replicas: %v", fam.GetMetric())
	}
	metrics.StartRoutes("primary_write", "replica")
	var routes []string
	for _, m := range scrape(t, ts.URL)["tuoyu_db_route_total"].GetMetric() {
		routes = append(routes, m.GetLabel()[0].GetValue())
	}
	if strings.Join(routes, " ") != "primary_write replica" {
		t.Errorf("tuoyu_db_route_total routes after StartRoutes: %v; want primary_write replica", routes)
	}
}
