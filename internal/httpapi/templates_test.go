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

// TestTemplateRoutes: the import templates (internal/export) are mounted at
// /templates/, behind the same middleware as every other path.
func TestTemplateRoutes(t *testing.T) {
	g := gqltest.New(t, gqltest.Trusted())
	srv := httpapi.New(httpapi.Config{Addr: "127.0.0.1:0", GraphQL: g.Handler, DB: g.SQL, Dialect: g.Dialect})
	tests := []struct {
		path, wantType, want string
		status               int
	}{
		{"/templates/children.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK", http.StatusOK},
		{"/templates/regions.csv", "text/csv; charset=utf-8", "\uFEFF区划代码", http.StatusOK},
		{"/templates/nope.csv", "application/json", `"NOT_FOUND"`, http.StatusNotFound},
		{"/templates/", "application/json", `"NOT_FOUND"`, http.StatusNotFound},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), http.MethodGet, tc.path, nil))
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.wantType || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("GET %s = %d %s %.60q; want %d %s containing %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String(), tc.status, tc.wantType, tc.want)
		}
	}
}
