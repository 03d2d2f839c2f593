package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/httpapi"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/internal/tracing"
)

// server is the real HTTP stack (httpapi, graph handler, traced driver)
// over the KPI fixture, tracing into tp, every request made by viewer.
func server(t testing.TB, tp trace.TracerProvider, viewer auth.Viewer) (http.Handler, *kpifixture.Fixture) {
	t.Helper()
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	drv := tracing.WrapDriver(d.Counter, d.Dialect, tp)
	client := ent.NewClient(ent.Driver(drv))
	hasher, err := pii.NewHasher([]byte("tracing-test-key-0123456789abcd"))
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewSchema(graph.Deps{Client: client, Hasher: hasher, Driver: drv, Dialect: d.Dialect})
	h := graph.NewHandler(schema, client, graph.HandlerOptions{TracerProvider: tp})
	as := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), &viewer)))
	})
	srv := httpapi.New(httpapi.Config{GraphQL: as, DB: d.SQL, Dialect: d.Dialect, TracerProvider: tp})
	return srv.Handler, f
}

// do sends one GraphQL POST through h (synchronously: every span has ended
// when it returns) with headers.
func do(t testing.TB, h http.Handler, query string, vars map[string]any, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	return rec
}

const (
	callerTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan   = "00f067aa0ba902b7"
	callerHeader = "00-" + callerTrace + "-" + callerSpan + "-01"
)

// dashboardQuery is a district dashboard: every indicator of the city's
// districts (one batched KPI evaluation, several fact statements).
const dashboardQuery = `query Dashboard($city: ID!) { node(id: $city) { ... on Region { subregions { edges { node { id code
  indicators(asOf: "2025-06-16", from: "2025-06-09", to: "2025-06-16") { key value } } } } } } }`

// TestDashboardSpanTree: a dashboard request under a caller's traceparent
// is one trace continuing the caller's: the server span (child of the
// caller's span) → the operation → resolvers → SQL statements, each SQL
// span under the resolver that issued it; the response names the server
// span in its traceparent.
func TestDashboardSpanTree(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	h, f := server(t, tp, auth.Viewer{Subject: "obs", Role: auth.ProvinceRegulator, RegionCode: "210000"})

	rec := do(t, h, dashboardQuery, map[string]any{"city": fmt.Sprint(f.C.ID)}, map[string]string{"traceparent": callerHeader})
	var got struct {
		Data struct {
			Node struct {
				Subregions struct {
					Edges []struct {
						Node struct {
							Code       string
							Indicators []struct{ Key string }
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Data.Node.Subregions.Edges) != 3 || len(got.Data.Node.Subregions.Edges[0].Node.Indicators) != len(kpi.Catalogue) {
		t.Fatalf("dashboard answer: %v %s", err, rec.Body)
	}

	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		if s.SpanContext.TraceID().String() != callerTrace {
			t.Errorf("span %q in trace %s; want the caller's %s", s.Name, s.SpanContext.TraceID(), callerTrace)
		}
		byID[s.SpanContext.SpanID()] = s
	}
	var server, op tracetest.SpanStub
	var resolvers, statements []tracetest.SpanStub
	for _, s := range spans {
		switch {
		case s.SpanKind == trace.SpanKindServer:
			server = s
		case strings.HasPrefix(s.Name, "query "):
			op = s
		case s.SpanKind == trace.SpanKindClient:
			statements = append(statements, s)
		case strings.Contains(s.Name, "."):
			resolvers = append(resolvers, s)
		}
	}
	if server.Name != "POST /query" || server.Parent.SpanID().String() != callerSpan || !server.Parent.IsRemote() {
		t.Fatalf("server span %q with parent %s; want POST /query under the caller's span %s", server.Name, server.Parent.SpanID(), callerSpan)
	}
	if op.Name != "query Dashboard" || op.Parent.SpanID() != server.SpanContext.SpanID() {
		t.Fatalf("operation span %q under %s; want query Dashboard under the server span", op.Name, op.Parent.SpanID())
	}
	// Resolvers nest as the fields do: the node under the operation, its
	// subregions under it, each subregion's indicators under those.
	wantParent := map[string]string{"Query.node": op.Name, "Region.subregions": "Query.node", "Region.indicators": "Region.subregions"}
	names := map[string]int{}
	for _, r := range resolvers {
		names[r.Name]++
		if p := byID[r.Parent.SpanID()]; p.Name != wantParent[r.Name] || p.SpanContext.TraceID() != r.SpanContext.TraceID() {
			t.Errorf("resolver span %q under %q; want under %q", r.Name, p.Name, wantParent[r.Name])
		}
	}
	if names["Query.node"] != 1 || names["Region.subregions"] != 1 || names["Region.indicators"] != 3 {
		t.Errorf("resolver spans %v; want Query.node, Region.subregions and Region.indicators ×3", names)
	}
	// Every statement is under the resolver that issued it: the node
	// lookup (entgql loads the subregions with it), and the KPI batch under
	// the first region's indicators, whose context the batch runs in.
	under := map[string]int{}
	for _, s := range statements {
		p, ok := byID[s.Parent.SpanID()]
		if !ok || wantParent[p.Name] == "" {
			t.Errorf("SQL span %q under %q; want a resolver", s.Name, p.Name)
			continue
		}
		under[p.Name]++
		if txt := attr(s, "db.query.text"); txt == "" || attr(s, "db.system.name") == "" || (s.Name != "SELECT" && s.Name != "WITH") {
			t.Errorf("SQL span %q lacks db.query.text or db.system.name, or is not a read", s.Name)
		}
	}
	if under["Query.node"] == 0 || under["Region.indicators"] < 5 {
		t.Errorf("SQL spans by resolver %v; want the node lookup and ≥ 5 KPI statements", under)
	}
	// The response continues the trace for the caller: its traceparent
	// names the server span.
	var carrier propagation.HeaderCarrier = propagation.HeaderCarrier(rec.Header())
	sc := trace.SpanContextFromContext(tracing.Propagator.Extract(context.Background(), carrier))
	if sc.TraceID().String() != callerTrace || sc.SpanID() != server.SpanContext.SpanID() {
		t.Errorf("response traceparent %q; want trace %s, span %s", rec.Header().Get("traceparent"), callerTrace, server.SpanContext.SpanID())
	}

	// Without a traceparent the request starts its own trace.
	exp.Reset()
	do(t, h, `query Catalog { indicatorCatalog { key } }`, nil, nil)
	for _, s := range exp.GetSpans() {
		if s.SpanKind == trace.SpanKindServer && (s.Parent.IsValid() || s.SpanContext.TraceID().String() == callerTrace) {
			t.Errorf("server span of an untraced request has parent %v in trace %s", s.Parent.SpanID(), s.SpanContext.TraceID())
		}
	}
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// TestLogsCarryTraceNotPersonalData: with request logging on, each
// request's line carries the caller's trace ID and the operation name, and
// never the child's name or ID number sent in the variables, whether the
// request succeeds or is refused.
func TestLogsCarryTraceNotPersonalData(t *testing.T) {
	var buf syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(tracing.NewLogHandler(slog.NewJSONHandler(&buf, nil))))
	metrics.LogRequests = true
	t.Cleanup(func() { slog.SetDefault(prev); metrics.LogRequests = false })

	// Tracing is off (a no-op provider), as by default: the trace ID
	// still comes from the caller.
	h, f := server(t, tracing.NoopProvider(), auth.Viewer{Subject: "obs", Role: auth.ProvinceRegulator, RegionCode: "210000"})
	const name, idNumber = "王小明", "11010120200101123X"
	headers := map[string]string{"traceparent": callerHeader}
	do(t, h, `query Catalog { indicatorCatalog { key } }`, nil, headers)
	// A regulator may not register a child: the mutation is refused after
	// its variables were read.
	body, _ := json.Marshal(map[string]any{
		"query": `mutation RegisterChild($input: CreateChildInput!) { createChild(input: $input) { id } }`,
		"variables": map[string]any{"input": map[string]any{"name": name, "idNumber": idNumber, "sex": "MALE",
			"birthDate": "2020-01-01", "residenceRegionID": fmt.Sprint(f.S11.ID)}},
	})
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", callerHeader)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"errors"`) {
		t.Fatalf("a regulator registered a child: %s", rec.Body)
	}

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	ops := map[string]bool{}
	for _, m := range lines {
		if m["msg"] != "graphql request" {
			continue
		}
		ops[fmt.Sprint(m["operation"])] = true
		if m["trace_id"] != callerTrace {
			t.Errorf("log line without the caller's trace ID: %v", m)
		}
	}
	if !ops["Catalog"] || !ops["RegisterChild"] {
		t.Errorf("request log lines name operations %v; want Catalog and RegisterChild:\n%s", ops, buf.String())
	}
	for _, secret := range []string{name, idNumber, idNumber[:10], "2020-01-01"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("the log holds %q from the variables:\n%s", secret, buf.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
