package httpapi_test

import (
	"net/http"
	"regexp"
	"testing"
)

// TestPageErrorsAreJSON: GraphiQL's and the dashboard's error answers (an
// unknown asset, a POST) carry extensions.code like every other path, while
// the page, its assets and their 304s are served as before.
func TestPageErrorsAreJSON(t *testing.T) {
	s := startServer(t)
	page := send(t, http.MethodGet, s.URL+"/", "", nil)
	if page.status != http.StatusOK {
		t.Fatalf("GraphiQL page: %d", page.status)
	}
	asset := regexp.MustCompile(`/graphiql/assets/[^"']+\.js`).FindString(page.body)
	if asset == "" {
		t.Fatalf("no script in the page: %.300s", page.body)
	}
	a := send(t, http.MethodGet, s.URL+asset, "", nil)
	if a.status != http.StatusOK || a.header.Get("ETag") == "" {
		t.Fatalf("asset %s: %d", asset, a.status)
	}
	if r := send(t, http.MethodGet, s.URL+asset, "", map[string]string{"If-None-Match": a.header.Get("ETag")}); r.status != http.StatusNotModified || r.body != "" {
		t.Fatalf("conditional asset: %d %q", r.status, r.body)
	}
	tests := []struct {
		name, method, path  string
		wantStatus          int
		wantCode, wantAllow string
	}{
		{"unknown GraphiQL asset", http.MethodGet, "/graphiql/assets/x.js", http.StatusNotFound, "NOT_FOUND", ""},
		{"unknown dashboard asset", http.MethodGet, "/dashboard/assets/x.js", http.StatusNotFound, "NOT_FOUND", ""},
		{"POST to GraphiQL", http.MethodPost, "/", http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.method, s.URL+tc.path, "", nil)
			if r.status != tc.wantStatus || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %q, want %d application/json: %s", r.status, r.header.Get("Content-Type"), tc.wantStatus, r.body)
			}
			if len(r.errors) != 1 || r.errors[0].Extensions["code"] != tc.wantCode {
				t.Fatalf("body %s, want one %s", r.body, tc.wantCode)
			}
			if got := r.header.Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow %q, want %q", got, tc.wantAllow)
			}
		})
	}
}
