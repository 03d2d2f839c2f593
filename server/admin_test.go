package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/pgcluster"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// databaseArgs are serve's flags for a fresh database in the dialect under
// test: a SQLite file, or a new PostgreSQL database dropped afterwards.
func databaseArgs(t *testing.T) []string {
	t.Helper()
	if testdb.Dialect() != dialect.Postgres {
		return []string{"--db", filepath.Join(t.TempDir(), "admin.db"), "--demo=false"}
	}
	admin := os.Getenv("TEST_DATABASE_URL")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "tuoyu_admin_" + hex.EncodeToString(b)
	pool, err := sql.Open(dialect.Postgres, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p, err := sql.Open(dialect.Postgres, admin); err == nil {
			_, _ = p.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			p.Close()
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	return []string{"--database-url", u.String()}
}

// startServe runs serve with args until the test ends and returns the main
// and (when --admin-addr is given) admin base URLs.
func startServe(t *testing.T, args ...string) (main, admin string) {
	t.Helper()
	main, admin, stop := startServeStop(t, args...)
	t.Cleanup(stop)
	return main, admin
}

// startServeStop is startServe with a stop func that shuts serve down
// (and reports its error); call it once.
func startServeStop(t *testing.T, args ...string) (main, admin string, stop func()) {
	t.Helper()
	captureOutput(t)
	addrc, adminc := make(chan net.Addr, 1), make(chan net.Addr, 1)
	listening = func(a net.Addr) { addrc <- a }
	adminListening = func(a net.Addr) { adminc <- a }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		listening, adminListening = nil, nil
	}
	select {
	case a := <-addrc:
		main = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("serve returned before listening: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not start listening within 2 minutes")
	}
	select {
	case a := <-adminc:
		admin = "http://" + a.String()
	default:
	}
	return main, admin, stop
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminListener: with --admin-addr, /metrics and pprof are served on
// the admin address only; the public listener has neither. Without it,
// /metrics is on the main listener and pprof nowhere.
func TestAdminListener(t *testing.T) {
	t.Run("separate", func(t *testing.T) {
		routedBefore := routeSeries(t)
		base, admin := startServe(t, append(databaseArgs(t), "--admin-addr", "127.0.0.1:0")...)
		if admin == "" || admin == base {
			t.Fatalf("admin listener %q next to %q", admin, base)
		}
		post(t, base+"/query", "", `query AdminTestIntrospect { __schema { queryType { name } } }`)
		for _, p := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/metrics"} {
			if code, _ := get(t, base+p); code != http.StatusNotFound {
				t.Errorf("main listener %s: %d; want 404", p, code)
			}
		}
		// The command line may hold secrets (--database-url's password,
		// --jwt-secret, --pii-key): not served, the other pprof endpoints are.
		if code, body := get(t, admin+"/debug/pprof/cmdline"); code != http.StatusNotFound || strings.Contains(body, os.Args[0]) {
			t.Errorf("admin /debug/pprof/cmdline: %d %q; want 404 without the command line", code, body)
		}
		if code, body := get(t, admin+"/debug/pprof/symbol"); code != http.StatusOK || !strings.Contains(body, "num_symbols") {
			t.Errorf("admin /debug/pprof/symbol: %d %q", code, body)
		}
		if code, body := get(t, admin+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
			t.Errorf("admin /debug/pprof/: %d", code)
		}
		if code, body := get(t, admin+"/debug/pprof/goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile") {
			t.Errorf("admin goroutine profile: %d", code)
		}
		code, body := get(t, admin+"/metrics")
		if code != http.StatusOK || !strings.Contains(body, `tuoyu_graphql_requests_total{code="INTROSPECTION_DISABLED",operation=`) ||
			!strings.Contains(body, `go_sql_open_connections{db_name="primary"}`) {
			t.Errorf("admin /metrics: %d\n%s", code, body)
		}
		if code, _ := get(t, admin+"/query"); code != http.StatusNotFound {
			t.Errorf("admin listener serves /query: %d", code)
		}
		// Without replicas nothing is routed: serve adds no route series.
		if routed := routeSeries(t); !slices.Equal(routed, routedBefore) {
			t.Errorf("tuoyu_db_route_total routes %v without replicas; %v before serve", routed, routedBefore)
		}
	})
	t.Run("main", func(t *testing.T) {
		base, admin := startServe(t, databaseArgs(t)...)
		if admin != "" {
			t.Fatalf("an admin listener without --admin-addr: %s", admin)
		}
		if code, body := get(t, base+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
			t.Errorf("main /metrics without an admin address: %d", code)
		}
		if code, _ := get(t, base+"/debug/pprof/"); code != http.StatusNotFound {
			t.Errorf("main listener serves pprof: %d", code)
		}
	})
}

// TestOTLPExport: with --otlp-endpoint, a request's spans reach an OTLP/HTTP
// collector (here a fake one that decodes the protobuf) by shutdown at the
// latest, in the caller's trace.
func TestOTLPExport(t *testing.T) {
	var mu sync.Mutex
	var got []*tracepb.Span
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "bad export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				got = append(got, ss.Spans...)
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		_, _ = w.Write(b)
	}))
	defer collector.Close()

	base, _, stop := startServeStop(t, append(databaseArgs(t), "--otlp-endpoint", collector.URL)...)
	body := strings.NewReader(`{"query":"query OTLPTest { indicatorCatalog { key } }"}`)
	req, _ := http.NewRequest(http.MethodPost, base+"/query", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	stop() // flushes the batch exporter

	mu.Lock()
	defer mu.Unlock()
	names := map[string]bool{}
	for _, s := range got {
		names[s.Name] = true
		if hex.EncodeToString(s.TraceId) != "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("span %q in trace %x; want the caller's", s.Name, s.TraceId)
		}
	}
	if !names["POST /query"] || !names["query OTLPTest"] || !names["Query.indicatorCatalog"] {
		t.Errorf("exported spans %v; want the request, the operation and its resolver", names)
	}
}

// routeSeries are the route labels of tuoyu_db_route_total's series.
func routeSeries(t *testing.T) []string {
	t.Helper()
	fams, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, fam := range fams {
		if fam.GetName() != "tuoyu_db_route_total" {
			continue
		}
		for _, m := range fam.GetMetric() {
			routes = append(routes, m.GetLabel()[0].GetValue())
		}
	}
	slices.Sort(routes)
	return routes
}

// TestAdminMetricsWithReplicas runs serve with a real primary and standby:
// /metrics has the pool statistics of both (the standby's db_name is its
// host:port/database, as in the log), and tuoyu_db_route_total has a
// series for exactly the router's routes from the start.
func TestAdminMetricsWithReplicas(t *testing.T) {
	primary := pgcluster.Primary(t)
	standby := primary.Standby(t)
	base, admin := startServe(t, "--database-url", primary.URL("postgres"),
		"--database-replica-url", standby.URL("postgres"), "--admin-addr", "127.0.0.1:0")
	// Answered once serve has started (the job queue included), so that
	// the test does not end while serve is still starting.
	if code, _ := get(t, base+"/livez"); code != http.StatusOK {
		t.Fatalf("/livez: %d", code)
	}
	code, body := get(t, admin+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("admin /metrics: %d", code)
	}
	u, err := url.Parse(standby.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"primary", u.Host + u.Path} {
		if series := `go_sql_max_open_connections{db_name="` + name + `"}`; !strings.Contains(body, series) {
			t.Errorf("admin /metrics lacks %s", series)
		}
	}
	var want []string
	for _, r := range db.Routes() {
		want = append(want, string(r))
	}
	slices.Sort(want)
	if got := routeSeries(t); !slices.Equal(got, want) {
		t.Errorf("tuoyu_db_route_total routes %v; want %v", got, want)
	}
}
