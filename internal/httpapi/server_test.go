package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/httpapi"
)

// testServer is the real HTTP surface (httpapi.New) over the real GraphQL
// handler with the real authenticator (HS256 development tokens), on a
// loopback port.
type testServer struct {
	*gqltest.Server
	URL      string
	verifier *auth.Verifier

	mu       sync.Mutex
	requests []seenRequest // GraphQL requests, in order
}

// seenRequest is what the server saw of one GraphQL request.
type seenRequest struct {
	OperationName string
	Authorized    bool // an Authorization header was sent
}

func (s *testServer) seen() []seenRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenRequest(nil), s.requests...)
}

// record notes each POST's operation name and whether it carried
// credentials, then serves it.
func (s *testServer) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var p struct {
				OperationName string `json:"operationName"`
			}
			_ = json.Unmarshal(body, &p)
			s.mu.Lock()
			s.requests = append(s.requests, seenRequest{OperationName: p.OperationName, Authorized: r.Header.Get("Authorization") != ""})
			s.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

type serverOption func(*httpapi.Config)

func withOrigins(origins ...string) serverOption {
	return func(c *httpapi.Config) { c.CORSOrigins = origins }
}

func startServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	v, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: []byte("httpapi-test-secret-0123456789abcdef-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	g := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{Authenticator: &auth.Authenticator{Verifier: v}}))
	s := &testServer{Server: g, verifier: v}
	cfg := httpapi.Config{Addr: "127.0.0.1:0", GraphQL: s.record(g.Handler), DB: g.SQL, Dialect: g.Dialect}
	for _, o := range opts {
		o(&cfg)
	}
	srv := httpapi.New(cfg)
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// token signs a development token for a province regulator of 辽宁省.
func (s *testServer) token(t *testing.T) string {
	t.Helper()
	return s.tokenFor(t, "210000")
}

// tokenFor signs a development token for a regulator of province.
func (s *testServer) tokenFor(t *testing.T, province string) string {
	t.Helper()
	tok, err := s.verifier.Sign(auth.Viewer{Subject: "test", Role: auth.ProvinceRegulator, RegionCode: province}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
