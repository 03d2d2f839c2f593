package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/tracing"
)

// obsFlags configure what operators see of a running server: the admin
// listener (/metrics, pprof), tracing and logs.
type obsFlags struct {
	AdminAddr    string
	OTLPEndpoint string
	SampleRatio  float64
	LogFormat    string
	LogRequests  bool
}

func bindObsFlags(fs *flag.FlagSet) *obsFlags {
	o := &obsFlags{}
	fs.StringVar(&o.AdminAddr, "admin-addr", env("TUOYU_ADMIN_ADDR", ""), "separate listen address for /metrics and /debug/pprof/, e.g. 127.0.0.1:9090; keep it private (no authentication). Empty = no admin listener, /metrics on the main address, no pprof (env TUOYU_ADMIN_ADDR)")
	fs.StringVar(&o.OTLPEndpoint, "otlp-endpoint", env("TUOYU_OTLP_ENDPOINT", ""), "OTLP/HTTP URL traces are exported to, e.g. http://otel-collector:4318; empty = no export, no connection (env TUOYU_OTLP_ENDPOINT)")
	fs.Float64Var(&o.SampleRatio, "trace-sample-ratio", envFloat("TUOYU_TRACE_SAMPLE_RATIO", 1), "share of new traces recorded, 0 to 1; a request whose caller sampled it (traceparent) is always recorded (env TUOYU_TRACE_SAMPLE_RATIO)")
	fs.StringVar(&o.LogFormat, "log-format", env("TUOYU_LOG_FORMAT", "text"), "log format on stderr: text or json (env TUOYU_LOG_FORMAT)")
	fs.BoolVar(&o.LogRequests, "log-requests", envBool("TUOYU_LOG_REQUESTS", false), "log one line per GraphQL request: operation name, outcome code, role, status, duration, trace ID; never variables (env TUOYU_LOG_REQUESTS)")
	return o
}

func (o *obsFlags) check() error {
	switch {
	case o.LogFormat != "text" && o.LogFormat != "json":
		return fmt.Errorf("--log-format must be text or json")
	case !(o.SampleRatio >= 0 && o.SampleRatio <= 1):
		return fmt.Errorf("--trace-sample-ratio must be between 0 and 1")
	}
	return nil
}

// setupLogging makes the default logger write in the chosen format with
// each request's trace ID and operation (tracing.LogHandler).
func (o *obsFlags) setupLogging() {
	var h slog.Handler = slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	if o.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	}
	slog.SetDefault(slog.New(tracing.NewLogHandler(h)))
	metrics.LogRequests = o.LogRequests
}

// announce tells the operator something serve did (listening, the demo
// load): a line of text on stderr for a person, or, with --log-format json,
// a log record, so that a log shipper reading stderr gets JSON only.
func (o *obsFlags) announce(text, msg string, attrs ...any) {
	if o.LogFormat == "json" {
		slog.Info(msg, attrs...)
		return
	}
	fmt.Fprint(stderr, text)
}

// observability is what serve runs for operators besides the main listener.
type observability struct {
	tp         trace.TracerProvider
	stopTraces func(context.Context) error
	admin      *http.Server // nil without --admin-addr
	adminErr   chan error
	unregister func()
}

// adminListening, when set (tests), is told the admin listener's address.
var adminListening func(net.Addr)

// startObservability sets up tracing and, with --admin-addr, starts the
// admin listener. Its pool metrics are those of a.db (see exportDB).
func startObservability(ctx context.Context, o *obsFlags, a *app) (*observability, error) {
	tp, stop, err := tracing.Setup(ctx, tracing.Config{OTLPEndpoint: o.OTLPEndpoint, SampleRatio: o.SampleRatio})
	if err != nil {
		return nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	ob := &observability{tp: tp, stopTraces: stop, unregister: exportDB(a.db)}
	kpi.SetFactObserver(metrics.ObserveKPIFact)
	kpi.SetCacheObserver(metrics.ObserveKPICache)
	if o.OTLPEndpoint != "" {
		slog.Info("exporting traces", "endpoint", o.OTLPEndpoint, "sample_ratio", o.SampleRatio)
	}
	if o.AdminAddr == "" {
		return ob, nil
	}
	ln, err := net.Listen("tcp", o.AdminAddr)
	if err != nil {
		ob.close()
		return nil, fmt.Errorf("--admin-addr: %w", err)
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		slog.Warn("the admin listener (/metrics, /debug/pprof/) has no authentication and listens beyond loopback: restrict it by firewall or network policy", "addr", ln.Addr().String())
	}
	if adminListening != nil {
		adminListening(ln.Addr())
	}
	ob.admin = &http.Server{
		Handler:           adminMux(),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
		// No WriteTimeout: /debug/pprof/profile?seconds=30 writes after 30 s.
	}
	ob.adminErr = make(chan error, 1)
	go func() { ob.adminErr <- ob.admin.Serve(ln) }()
	o.announce(fmt.Sprintf("tuoyu: admin listener on %s (/metrics, /debug/pprof/)\n", ln.Addr()), "admin listener", "addr", ln.Addr().String())
	return ob, nil
}

// exportDB exports the connection statistics of d's pools (go_sql_*,
// db_name "primary" and each replica's name: a fixed set per process) and,
// with replicas, starts tuoyu_db_route_total's series at zero. The returned
// func removes the pools.
func exportDB(d *db.DB) (unregister func()) {
	unregs := []func(){metrics.RegisterDB("primary", d.SQL)}
	if d.Router != nil {
		for name, pool := range d.Router.ReplicaPools() {
			unregs = append(unregs, metrics.RegisterDB(name, pool))
		}
		for _, r := range db.Routes() {
			metrics.StartRoutes(string(r))
		}
	}
	return func() {
		for _, u := range unregs {
			u()
		}
	}
}

// adminMux serves /metrics and net/http/pprof, and nothing else. Not
// /debug/pprof/cmdline: the command line may hold secrets (a database
// URL's password, --jwt-secret, --pii-key).
func adminMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: the command line is not served (it may hold secrets)", http.StatusNotFound)
	})
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: the admin listener serves /metrics and /debug/pprof/", http.StatusNotFound)
	})
	return mux
}

// mainMetrics is the /metrics handler of the main listener: none when the
// admin listener serves it.
func (ob *observability) mainMetrics() http.Handler {
	if ob.admin != nil {
		return nil
	}
	return metrics.Handler()
}

// instrument traces the statements of GraphQL requests: their ent client
// and the KPI engine go through the returned driver, which wraps the
// routed one (reads on replicas when there are any, PgBouncer pinning).
func (ob *observability) instrument(a *app) dialect.Driver {
	return tracing.WrapDriver(a.db.EntDriver(), a.db.Dialect, ob.tp)
}

// close stops the admin listener and flushes the spans not yet exported.
func (ob *observability) close() {
	if ob.admin != nil {
		_ = ob.admin.Close()
		if err := <-ob.adminErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Warn("admin listener", "err", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ob.stopTraces(ctx); err != nil {
		slog.Warn("flushing traces", "err", err)
	}
	kpi.SetFactObserver(nil)
	kpi.SetCacheObserver(nil)
	ob.unregister()
}
