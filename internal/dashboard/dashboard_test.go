package dashboard_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/tuoyu/tuoyu/graph/generated"
	"github.com/tuoyu/tuoyu/internal/dashboard"
)

// TestOperationsAreValid parses queries.graphql into its operations and
// validates each against the server's schema, so a schema change that
// breaks the dashboard fails here, not in a browser.
func TestOperationsAreValid(t *testing.T) {
	ops, err := dashboard.Operations()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DashViewer", "DashCatalog", "DashOverview", "DashSparklines", "DashChildren", "DashSeries", "DashBreakdown", "DashInstitutions", "DashWork", "DashWorkRectified", "DashProfile"}
	if len(ops) != len(want) {
		t.Fatalf("%d operations; want %d", len(ops), len(want))
	}
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for i, op := range ops {
		if op.Name != want[i] {
			t.Errorf("operation %d is %q; want %q", i, op.Name, want[i])
		}
		doc, errs := gqlparser.LoadQueryWithRules(schema, op.Document, nil)
		if len(errs) > 0 {
			t.Errorf("%s: %v", op.Name, errs)
			continue
		}
		if len(doc.Operations) != 1 || doc.Operations[0].Name != op.Name {
			t.Errorf("%s: document holds %d operations", op.Name, len(doc.Operations))
		}
	}
	if docs := dashboard.Documents(); len(docs) != len(ops) || docs[0] != ops[0].Document {
		t.Fatal("Documents differ from Operations")
	}
}

func TestHandler(t *testing.T) {
	h := dashboard.Handler("/query")
	do := func(method, path, enc string) *http.Response {
		req := httptest.NewRequestWithContext(context.Background(), method, path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := do(http.MethodGet, "/dashboard", "")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="dashboard-config"`) || !strings.Contains(string(body), "DashOverview") {
		t.Fatalf("page: %d %.200s", res.StatusCode, body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if res := do(http.MethodGet, "/dashboard/overview", ""); res.StatusCode != http.StatusOK {
		t.Errorf("sub-path: %d", res.StatusCode)
	}
	res = do(http.MethodGet, dashboard.AssetPrefix+"app.js", "gzip")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("app.js: %d %v", res.StatusCode, res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(zr)
	if len(js) < 1000 {
		t.Fatalf("app.js is %d bytes", len(js))
	}
	if res := do(http.MethodGet, dashboard.AssetPrefix+"app.css", ""); res.StatusCode != http.StatusOK {
		t.Errorf("app.css: %d", res.StatusCode)
	}
	if res := do(http.MethodGet, dashboard.AssetPrefix+"nope.js", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %d", res.StatusCode)
	}
	if res := do(http.MethodPost, "/dashboard", ""); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", res.StatusCode)
	}
}

// TestBundleBudget keeps what a first visit downloads (gzip) within the
// issue's 600 kB.
func TestBundleBudget(t *testing.T) {
	n, err := dashboard.GzipSize()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dashboard assets: %d bytes gzip", n)
	if n > 600_000 {
		t.Fatalf("bundle is %d bytes gzip; budget 600000", n)
	}
}

// TestNoExternalURLs: the bundle loads nothing from another host.
func TestNoExternalURLs(t *testing.T) {
	res := httptest.NewRecorder()
	dashboard.Handler("/query").ServeHTTP(res, httptest.NewRequestWithContext(context.Background(), http.MethodGet, "/dashboard", nil))
	page := res.Body.String()
	for _, bad := range []string{"http://", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("page refers to %q", bad)
		}
	}
}
