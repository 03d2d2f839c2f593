// Package httpapi assembles tuoyu's HTTP surface behind an http.Server with
// every timeout set:
//
//	/query      the GraphQL endpoint (GET queries, POST), with CORS for the
//	            allowed origins; /graphql is an alias of it
//	/           GraphiQL (exactly "/"), its assets under /graphiql/assets/
//	/dashboard  the regulator's dashboard (internal/dashboard), assets below it
//	/templates/ import templates, /templates/{entity}.xlsx or .csv
//	/evaluations/{id}.xlsx  a city's self-evaluation table (internal/evaluation)
//	/livez      process up
//	/readyz     database reachable and migrations at head
//	/metrics    Prometheus metrics, only when Config.Metrics is set (no
//	            admin address: see server/admin.go)
//	/exports/{id}, /imports/{id}/errors
//	            files of background data jobs (internal/jobs)
//
// Every other path is 404 NOT_FOUND. Responses are compressed (br or gzip)
// by Accept-Encoding.
package httpapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/internal/dashboard"
	"github.com/tuoyu/tuoyu/internal/export"
	"github.com/tuoyu/tuoyu/internal/graphiql"
	"github.com/tuoyu/tuoyu/internal/tracing"
)

// Config holds what the HTTP layer needs.
type Config struct {
	Addr string
	// GraphQL is the /query handler (graph.NewHandler).
	GraphQL http.Handler
	// DB and Dialect back /readyz: a ping and migrations at head.
	DB      *sql.DB
	Dialect string
	// RequestTimeout bounds each request's context (default 30 s).
	RequestTimeout time.Duration
	// CORSOrigins are the origins (scheme://host[:port], see ParseOrigins)
	// whose browsers may call the GraphQL endpoint; empty = same-origin only.
	CORSOrigins []string
	// TokenCommand, when set, is shown on the GraphiQL page as the command
	// that prints a development token (e.g. "./tuoyu token --role …").
	TokenCommand string
	// Metrics, when set, is served at /metrics (internal/metrics): only when
	// no separate admin address serves it.
	Metrics http.Handler
	// TracerProvider, when set, gets a span per request (internal/tracing),
	// the caller's W3C trace context continued.
	TracerProvider trace.TracerProvider
	// Evaluations, when set, serves GET /evaluations/{id}.xlsx (the
	// demonstration-city self-evaluation table, internal/evaluation); wrap
	// it in the same authenticator and rate limiter as GraphQL.
	Evaluations http.Handler
	// Exports and ErrorReports, when set, serve GET /exports/{id} (an
	// export's file) and GET /imports/{id}/errors (a failed import's error
	// report): internal/jobs handlers, authenticated by the caller.
	Exports, ErrorReports http.Handler
}

// Server is the HTTP server plus its readiness switch.
type Server struct {
	*http.Server
	draining atomic.Bool
}

// New builds the server. Call Drain before Shutdown so that /readyz fails
// while in-flight requests finish.
func New(cfg Config) *Server {
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	s := &Server{}
	mux := http.NewServeMux()
	api := withCORS(graphQLEndpoint(withTimeout(cfg.GraphQL, cfg.RequestTimeout)), cfg.CORSOrigins)
	mux.Handle("/query", api)
	// /graphql is an alias: many clients and tools default to it.
	mux.Handle("/graphql", api)
	mux.HandleFunc("/livez", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	ready := &readiness{db: cfg.DB, dialect: cfg.Dialect}
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining"})
			return
		}
		ready.serveHTTP(w, r)
	})
	ide := jsonPageErrors(graphiql.HandlerWithOptions("/query", ExampleTabs, graphiql.Options{TokenCommand: cfg.TokenCommand}))
	mux.Handle("/{$}", ide)
	mux.Handle(graphiql.AssetPrefix, ide)
	// The regulator's dashboard (internal/dashboard): page and assets.
	dash := jsonPageErrors(dashboard.Handler("/query"))
	mux.Handle(dashboard.Path, dash)
	mux.Handle(dashboard.Path+"/", dash)
	if cfg.Metrics != nil {
		mux.Handle("GET /metrics", cfg.Metrics)
	}
	// Files of data jobs (internal/jobs), for their submitter only. Not
	// under the request deadline: a million-row file takes longer; the
	// handlers renew the write deadline per chunk (jobs.WriteStall).
	if cfg.Exports != nil {
		mux.Handle("GET /exports/{id}", cfg.Exports)
	}
	if cfg.ErrorReports != nil {
		mux.Handle("GET /imports/{id}/errors", cfg.ErrorReports)
	}
	// Import templates (internal/export): /templates/{entity}.xlsx|.csv.
	mux.Handle("/templates/", export.TemplateHandler())
	// Further pages are mounted here, above the catch-all.
	if cfg.Evaluations != nil {
		mux.Handle("/evaluations/", withTimeout(cfg.Evaluations, cfg.RequestTimeout))
	}
	mux.HandleFunc("/", notFound)
	handler := withCompression(mux)
	if cfg.TracerProvider != nil {
		handler = tracing.Handler(handler, cfg.TracerProvider)
	}
	s.Server = &http.Server{
		Addr:              cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	return s
}

// Drain makes /readyz report 503 so a load balancer stops sending traffic.
func (s *Server) Drain() { s.draining.Store(true) }

// withTimeout gives each request a deadline; resolvers and SQL inherit it.
func withTimeout(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
