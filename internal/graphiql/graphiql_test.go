package graphiql

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var configRE = regexp.MustCompile(`(?s)<script id="graphiql-config" type="application/json">(.*?)</script>`)

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPage(t *testing.T) {
	tabs := []Tab{
		{Name: "Viewer", Query: "query Viewer {\n  viewer { id }\n}\n"},
		{
			Name:      "Evil </script><script>alert(1)</script>",
			Query:     "query Evil { a } # </script><script>alert(1)</script> <!-- \u2028",
			Variables: `{"x": "</script>"}`,
		},
		{Query: "{ plain }"},
	}
	h := Handler("/query", tabs)

	for _, target := range []string{"/", "/graphiql", "/some/other/path?x=1"} {
		resp := get(t, h, http.MethodGet, target, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", target, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
	}

	resp := get(t, h, http.MethodGet, "/", nil)
	page := string(body(t, resp))

	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe-inline'") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP too lax: %q", csp)
	}

	// Nothing in the tab contents may break out of the config element.
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<!--") {
		t.Errorf("page contains unescaped tab content:\n%s", page)
	}
	if n := strings.Count(page, "</script>"); n != 2 {
		t.Errorf("page has %d </script>, want 2 (config + bundle):\n%s", n, page)
	}

	m := configRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no config element in page:\n%s", page)
	}
	var cfg struct {
		Endpoint    string `json:"endpoint"`
		DefaultTabs []struct {
			Query     string  `json:"query"`
			Variables *string `json:"variables"`
		} `json:"defaultTabs"`
	}
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config is not JSON: %v\n%s", err, m[1])
	}
	if cfg.Endpoint != "/query" {
		t.Errorf("endpoint = %q", cfg.Endpoint)
	}
	wantQueries := []string{
		"# Viewer\nquery Viewer {\n  viewer { id }\n}\n",
		"# Evil </script><script>alert(1)</script>\nquery Evil { a } # </script><script>alert(1)</script> <!-- \u2028",
		"{ plain }",
	}
	if len(cfg.DefaultTabs) != len(wantQueries) {
		t.Fatalf("got %d tabs, want %d", len(cfg.DefaultTabs), len(wantQueries))
	}
	for i, want := range wantQueries {
		if got := cfg.DefaultTabs[i].Query; got != want {
			t.Errorf("tab %d query = %q, want %q", i, got, want)
		}
	}
	if v := cfg.DefaultTabs[1].Variables; v == nil || *v != `{"x": "</script>"}` {
		t.Errorf("tab 1 variables = %v", v)
	}
	if v := cfg.DefaultTabs[0].Variables; v != nil {
		t.Errorf("tab 0 variables = %q, want omitted", *v)
	}

	// The page's asset references resolve through the same handler.
	refs := regexp.MustCompile(`(?:href|src)="(/graphiql/assets/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("found %d asset references, want 2:\n%s", len(refs), page)
	}
	for _, r := range refs {
		if resp := get(t, h, http.MethodGet, r[1], nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", r[1], resp.StatusCode)
		}
	}
}

func TestPageNoTabs(t *testing.T) {
	resp := get(t, Handler("https://api.example.com/query", nil), http.MethodGet, "/", nil)
	page := string(body(t, resp))
	m := configRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no config element:\n%s", page)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["endpoint"] != "https://api.example.com/query" {
		t.Errorf("endpoint = %v", cfg["endpoint"])
	}
	if _, ok := cfg["defaultTabs"]; ok {
		t.Errorf("defaultTabs present without tabs: %s", m[1])
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://api.example.com;") {
		t.Errorf("CSP does not allow the absolute endpoint's origin: %q", csp)
	}
}

func TestContentSecurityPolicyEndpointOrigin(t *testing.T) {
	for endpoint, want := range map[string]string{
		"/query":                           "connect-src 'self';",
		"query":                            "connect-src 'self';",
		"http://127.0.0.1:8080/query":      "connect-src 'self' http://127.0.0.1:8080;",
		"https://[::1]:8443/q":             "connect-src 'self' https://[::1]:8443;",
		"javascript:alert(1)":              "connect-src 'self';",
		"https://a.example;script-src *":   "connect-src 'self';",
		"https://user:pw@a.example/q":      "connect-src 'self' https://a.example;",
		"https://a.example%20'unsafe-eval": "connect-src 'self';",
	} {
		if got := contentSecurityPolicy(endpoint); !strings.Contains(got, want) {
			t.Errorf("contentSecurityPolicy(%q) = %q, want it to contain %q", endpoint, got, want)
		}
	}
}

func TestAssets(t *testing.T) {
	h := Handler("/query", nil)
	for name, wantCT := range map[string]string{
		"graphiql.js":  "text/javascript; charset=utf-8",
		"graphiql.css": "text/css; charset=utf-8",
	} {
		want, err := distFS.ReadFile("web/dist/" + name)
		if err != nil {
			t.Fatal(err)
		}
		resp := get(t, h, http.MethodGet, AssetPrefix+name+"?v=whatever", nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", name, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != wantCT {
			t.Errorf("%s: Content-Type %q, want %q", name, ct, wantCT)
		}
		if len(b) == 0 || !bytes.Equal(b, want) {
			t.Errorf("%s: body of %d bytes differs from the embedded %d bytes", name, len(b), len(want))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", name, cc)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, got)
		}

		// Conditional request.
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", name)
		} else if r := get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
			t.Errorf("%s: If-None-Match status %d, want 304", name, r.StatusCode)
		}

		// gzip variant.
		resp = get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"Accept-Encoding": "br, gzip"})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: not gzipped", name)
		}
		if ct := resp.Header.Get("Content-Type"); ct != wantCT {
			t.Errorf("%s (gzip): Content-Type %q", name, ct)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		unz, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(unz, want) {
			t.Errorf("%s: gzip body decompresses to %d bytes, want %d", name, len(unz), len(want))
		}
		if resp.Header.Get("ETag") == etag {
			t.Errorf("%s: gzip and identity share ETag %s", name, etag)
		}
	}
}

func TestUnknownAsset(t *testing.T) {
	h := Handler("/query", nil)
	for _, p := range []string{
		AssetPrefix,
		AssetPrefix + "nope.js",
		AssetPrefix + "graphiql.js.map",
		AssetPrefix + "sub/graphiql.js",
		AssetPrefix + "../graphiql.go",
		AssetPrefix + "GRAPHIQL.JS",
	} {
		if resp := get(t, h, http.MethodGet, p, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	h := Handler("/query", nil)
	for _, target := range []string{"/", AssetPrefix + "graphiql.js"} {
		resp := get(t, h, http.MethodPost, target, nil)
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: status %d, want 405", target, resp.StatusCode)
		}
		resp = get(t, h, http.MethodHead, target, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("HEAD %s: status %d", target, resp.StatusCode)
		}
		if b := body(t, resp); len(b) != 0 {
			t.Errorf("HEAD %s: %d body bytes", target, len(b))
		}
	}
}

// TestMountedAtRoot checks the documented wiring: Handler mounted at "/" of a
// ServeMux next to the GraphQL endpoint serves both the page and the assets.
func TestMountedAtRoot(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/query", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	mux.Handle("/", Handler("/query", nil))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for path, wantCT := range map[string]string{
		"/":                          "text/html; charset=utf-8",
		AssetPrefix + "graphiql.js":  "text/javascript; charset=utf-8",
		AssetPrefix + "graphiql.css": "text/css; charset=utf-8",
	} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b := body(t, resp)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != wantCT || len(b) == 0 {
			t.Errorf("GET %s: status %d, type %q, %d bytes", path, resp.StatusCode, resp.Header.Get("Content-Type"), len(b))
		}
	}
	resp, err := srv.Client().Get(srv.URL + AssetPrefix + "missing.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: status %d", resp.StatusCode)
	}
}

func TestEmptyEndpointPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Handler(\"\", nil) did not panic")
		}
	}()
	Handler("", nil)
}

func TestTabQuery(t *testing.T) {
	for _, tc := range []struct {
		tab  Tab
		want string
	}{
		{Tab{Query: "{ a }"}, "{ a }"},
		{Tab{Name: "A", Query: "{ a }"}, "# A\n{ a }"},
		{Tab{Name: "  Two\nlines  ", Query: "{ a }"}, "# Two lines\n{ a }"},
		{Tab{Name: "A", Query: "# A\n{ a }"}, "# A\n{ a }"},
		{Tab{Name: "A"}, "# A\n"},
	} {
		if got := tabQuery(tc.tab); got != tc.want {
			t.Errorf("tabQuery(%+v) = %q, want %q", tc.tab, got, tc.want)
		}
	}
}
