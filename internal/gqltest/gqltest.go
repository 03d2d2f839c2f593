// Package gqltest runs GraphQL requests against the real handler over a
// per-test database, for black-box tests: the same schema, transports, limits
// and error presenter as the server.
package gqltest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Server is a GraphQL handler over a test database.
type Server struct {
	*testdb.DB
	Handler http.Handler
	Hasher  *pii.Hasher
}

// Option configures New.
type Option func(*config)

type config struct {
	viewer     *auth.Viewer
	trusted    bool
	handler    graph.HandlerOptions
	loc        *time.Location
	kpiResults int
}

// WithLocation serves with loc as the server's time zone (graph.Deps.Location;
// default UTC).
func WithLocation(loc *time.Location) Option { return func(c *config) { c.loc = loc } }

// WithKPIResultCache keeps up to n KPI results while their data is
// unchanged, as serve does (graph.Deps.KPIResultCache; PostgreSQL only).
// Without it tests see every evaluation computed.
func WithKPIResultCache(n int) Option { return func(c *config) { c.kpiResults = n } }

// Trusted serves requests that carry no viewer as trusted server code: row
// policies are bypassed (privacy.Allow in the context, as the demo loader
// and the CLI run) and the viewer is a province regulator of 辽宁省, so the
// schema can be introspected. Tests of the registry's own behaviour use it;
// security tests set real viewers (As, DoAs), which never bypass anything.
func Trusted() Option {
	return func(c *config) {
		c.trusted = true
		c.viewer = &auth.Viewer{Subject: "test", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	}
}

// As sends every request as viewer (by putting it in the request context,
// where auth.Authenticator.Middleware would), unless the request already
// carries a viewer. Without it requests are PUBLIC. With an Authenticator in
// the handler options, the Authorization header decides instead.
func As(viewer auth.Viewer) Option { return func(c *config) { c.viewer = &viewer } }

// WithHandlerOptions serves with opts instead of graph.HandlerOptions{}
// (limits, allow list, authenticator, rate limiter, …).
func WithHandlerOptions(opts graph.HandlerOptions) Option {
	return func(c *config) { c.handler = opts }
}

// New opens a fresh database (see testdb.Open) and serves the real schema over it.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	d := testdb.Open(t)
	hasher, err := pii.NewHasher([]byte("gqltest-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewSchema(graph.Deps{Client: d.Client, Hasher: hasher, Location: cfg.loc, Driver: d.Counter, Dialect: d.Dialect, KPIResultCache: cfg.kpiResults})
	return &Server{DB: d, Handler: asViewer(graph.NewHandler(schema, d.Client, cfg.handler), cfg.viewer, cfg.trusted), Hasher: hasher}
}

// asViewer puts v into the context of requests that have no viewer yet,
// with the privacy bypass when trusted.
func asViewer(h http.Handler, v *auth.Viewer, trusted bool) http.Handler {
	if v == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.Lookup(r.Context()); !ok {
			ctx := auth.NewContext(r.Context(), v)
			if trusted {
				ctx = privacy.DecisionContext(ctx, privacy.Allow)
			}
			r = r.WithContext(ctx)
		}
		h.ServeHTTP(w, r)
	})
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Field is extensions.field.
func (e Error) Field() string { s, _ := e.Extensions["field"].(string); return s }

// Response is a decoded GraphQL response plus its HTTP status and raw body.
type Response struct {
	Status int
	Body   string
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Codes lists the error codes of r, in order.
func (r Response) Codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Code())
	}
	return out
}

// Decode unmarshals data into v, failing the test on errors in the response.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %s", r.Body)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Body)
	}
}

// Do POSTs query with variables as JSON and decodes the response.
func (s *Server) Do(t testing.TB, query string, vars map[string]any) Response {
	t.Helper()
	return s.Send(t, post(t, query, vars))
}

// DoAs is Do sent as viewer, whatever As said.
func (s *Server) DoAs(t testing.TB, viewer auth.Viewer, query string, vars map[string]any) Response {
	t.Helper()
	req := post(t, query, vars)
	return s.Send(t, req.WithContext(auth.NewContext(req.Context(), &viewer)))
}

// post builds a GraphQL POST request.
func post(t testing.TB, query string, vars map[string]any) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// Send serves an arbitrary request and decodes what comes back.
func (s *Server) Send(t testing.TB, req *http.Request) Response {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler.ServeHTTP(rec, req)
	resp := Response{Status: rec.Code, Body: rec.Body.String()}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || strings.HasPrefix(rec.Header().Get("Content-Type"), "application/graphql-response+json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
			t.Fatalf("response is not JSON: %v\n%s", err, rec.Body.String())
		}
	}
	return resp
}
