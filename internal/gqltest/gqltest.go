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

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Server is a GraphQL handler over a test database.
type Server struct {
	*testdb.DB
	Handler http.Handler
	Hasher  *pii.Hasher
}

// New opens a fresh database (see testdb.Open) and serves the real schema over it.
func New(t testing.TB) *Server {
	t.Helper()
	d := testdb.Open(t)
	hasher, err := pii.NewHasher([]byte("gqltest-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	schema := graph.NewSchema(graph.Deps{Client: d.Client, Hasher: hasher})
	return &Server{DB: d, Handler: graph.NewHandler(schema, d.Client, graph.HandlerOptions{}), Hasher: hasher}
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
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.Send(t, req)
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
