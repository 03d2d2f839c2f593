package webpage

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestAcceptsGzip(t *testing.T) {
	for v, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"GZIP":               true,
		"br, gzip;q=0.5":     true,
		"gzip;q=0":           false,
		"gzip; q=0.000":      false,
		"deflate, br":        false,
		"x-gzip":             false,
		"identity, gzip;q=1": true,
	} {
		if got := acceptsGzip(v); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestHandler(t *testing.T) {
	fsys := fstest.MapFS{
		"dist/app.js":    {Data: []byte("console.log(1)")},
		"dist/app.css":   {Data: []byte("body{}")},
		"dist/notes.txt": {Data: []byte("not served")},
	}
	if _, err := LoadAssets(fsys, "dist", "/p/assets/", "app.js", "missing.js"); err == nil {
		t.Fatal("LoadAssets without a required file: no error")
	}
	assets, err := LoadAssets(fsys, "dist", "/p/assets/", "app.js", "app.css")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := template.Must(template.New("t").Parse(`<link href="{{.CSS}}"><script src="{{.JS}}"></script>`))
	page, err := assets.Render(tmpl, nil, "app.css", "app.js")
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Page{HTML: page, CSP: "default-src 'none'", Match: func(p string) bool { return p == "/p" }}, assets)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/p", http.StatusOK},
		{http.MethodHead, "/p", http.StatusOK},
		{http.MethodGet, "/other", http.StatusNotFound},
		{http.MethodPost, "/p", http.StatusMethodNotAllowed},
		{http.MethodGet, "/p/assets/app.js", http.StatusOK},
		{http.MethodGet, "/p/assets/notes.txt", http.StatusNotFound},
		{http.MethodGet, "/p/assets/nope.js", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, rec.Code, tc.want)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", tc.method, tc.path, got)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/p", nil))
	if got := rec.Header().Get("Content-Security-Policy"); got != "default-src 'none'" {
		t.Errorf("CSP %q", got)
	}
	if got, want := rec.Body.String(), `<link href="`+assets.URL("app.css")+`"><script src="`+assets.URL("app.js")+`"></script>`; got != want {
		t.Errorf("page %q, want %q", got, want)
	}
	// A plain Contains check would take "x-gzip" or "gzip;q=0" as gzip.
	rec = httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/p/assets/app.css", nil)
	req.Header.Set("Accept-Encoding", "gzip;q=0")
	h.ServeHTTP(rec, req)
	if got := rec.Header().Get("Content-Encoding"); got != "" {
		t.Errorf("gzip;q=0: Content-Encoding %q", got)
	}
}
