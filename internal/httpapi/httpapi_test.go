package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/httpapi"
)

func TestRoutes(t *testing.T) {
	g := gqltest.New(t, gqltest.Trusted())
	srv := httpapi.New(httpapi.Config{Addr: "127.0.0.1:0", GraphQL: g.Handler, DB: g.SQL, Dialect: g.Dialect})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, path, nil))
		return rec
	}
	tests := []struct {
		path, want string
		status     int
	}{
		{"/livez", `"ok"`, http.StatusOK},
		{"/readyz", `"ready"`, http.StatusOK},
		{"/", "graphiql", http.StatusOK},
		{"/dashboard", "dashboard-config", http.StatusOK},
		{"/dashboard/assets/app.css", "", http.StatusOK},
		{"/query?query=" + "%7B__typename%7D", `"Query"`, http.StatusOK},
	}
	for _, tc := range tests {
		rec := get(tc.path)
		if rec.Code != tc.status || !strings.Contains(strings.ToLower(rec.Body.String()), strings.ToLower(tc.want)) {
			t.Errorf("GET %s = %d %.200s; want %d containing %s", tc.path, rec.Code, rec.Body.String(), tc.status, tc.want)
		}
	}
	srv.Drain()
	if rec := get("/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining = %d; want 503", rec.Code)
	}
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Error("every server timeout must be set")
	}
}

func TestExampleTabsAreValidQueries(t *testing.T) {
	g := gqltest.New(t, gqltest.Trusted())
	for _, tab := range httpapi.ExampleTabs {
		// Execute only the first operation of each tab (tabs may hold several).
		query := tab.Query
		if i := strings.Index(query[1:], "\nquery "); i >= 0 {
			query = query[:i+1]
		}
		resp := g.Do(t, query, map[string]any{"id": "1"})
		for _, e := range resp.Errors {
			if e.Code() == "GRAPHQL_VALIDATION_FAILED" || e.Code() == "GRAPHQL_PARSE_FAILED" {
				t.Errorf("tab %q: %s", tab.Name, e.Message)
			}
		}
	}
}
