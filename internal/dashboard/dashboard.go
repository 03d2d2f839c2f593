// Package dashboard serves the regulator's dashboard at /dashboard: a
// single-page application (web/src, bundled with esbuild into web/dist and
// embedded here) that reads only the public GraphQL API.
//
// Its GraphQL operations live in one file, web/src/queries.graphql. The
// handler hands their texts to the page, and [Documents] gives them to the
// server, which adds them to its allow list so the dashboard keeps working
// when the server runs with --allow-list.
//
// Mounting: the page is at [Path] and its assets under [AssetPrefix]; route
// both to [Handler]:
//
//	h := dashboard.Handler("/query")
//	mux.Handle(dashboard.Path, h)
//	mux.Handle(dashboard.Path+"/", h)
package dashboard

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Path is where the page is served.
const Path = "/dashboard"

// AssetPrefix is the URL path of the page's JavaScript and CSS.
const AssetPrefix = Path + "/assets/"

//go:embed web/dist/*
var distFS embed.FS

//go:embed web/src/queries.graphql
var queriesFile string

// Operation is one named GraphQL operation of the dashboard.
type Operation struct {
	Name string
	// Document is the exact text sent to /query; its SHA-256 is what the
	// allow list holds.
	Document string
}

var (
	opsOnce sync.Once
	ops     []Operation
	opsErr  error
)

// Operations returns the dashboard's operations in file order. It splits
// web/src/queries.graphql at each line that starts with "query " (column 0);
// text before the first such line (the file's comment) belongs to none.
func Operations() ([]Operation, error) {
	opsOnce.Do(func() { ops, opsErr = splitOperations(queriesFile) })
	return ops, opsErr
}

func splitOperations(src string) ([]Operation, error) {
	var out []Operation
	var cur []string
	flush := func() {
		if cur == nil {
			return
		}
		doc := strings.TrimSpace(strings.Join(cur, "\n"))
		name := strings.TrimPrefix(strings.SplitN(doc, "\n", 2)[0], "query ")
		if i := strings.IndexAny(name, "({ "); i >= 0 {
			name = name[:i]
		}
		out = append(out, Operation{Name: name, Document: doc})
	}
	for line := range strings.SplitSeq(src, "\n") {
		if strings.HasPrefix(line, "query ") {
			flush()
			cur = []string{}
		}
		if cur != nil {
			cur = append(cur, strings.TrimRight(line, " \t\r"))
		}
	}
	flush()
	seen := map[string]bool{}
	for _, o := range out {
		if o.Name == "" || seen[o.Name] {
			return nil, fmt.Errorf("dashboard: queries.graphql: operation %q is unnamed or repeated", o.Name)
		}
		seen[o.Name] = true
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("dashboard: queries.graphql holds no operation")
	}
	return out, nil
}

// Documents returns the text of every operation, for the server's allow list.
func Documents() []string {
	list, err := Operations()
	if err != nil {
		panic(err) // the embedded file is fixed at build time; tests catch this
	}
	docs := make([]string, len(list))
	for i, o := range list {
		docs[i] = o.Document
	}
	return docs
}

// asset is one embedded file, with a lazily built gzip copy.
type asset struct {
	name, contentType, etag string
	data                    []byte
	gzOnce                  sync.Once
	gz                      []byte
}

func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.data)
		if zw.Close() == nil && buf.Len() < len(a.data) {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
}

func loadAssets() (map[string]*asset, error) {
	sub, err := fs.Sub(distFS, "web/dist")
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, err
	}
	m := map[string]*asset{}
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if e.IsDir() || !ok {
			continue
		}
		data, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		m[e.Name()] = &asset{name: e.Name(), contentType: ct, data: data, etag: hex.EncodeToString(sum[:8])}
	}
	for _, name := range []string{"app.js", "app.css"} {
		if m[name] == nil {
			return nil, fmt.Errorf("dashboard: embedded asset %s missing; run npm run build in internal/dashboard/web", name)
		}
	}
	return m, nil
}

// pageConfig is read by web/src/main.js from #dashboard-config.
type pageConfig struct {
	Endpoint   string            `json:"endpoint"`
	Operations map[string]string `json:"operations"`
}

var pageTemplate = template.Must(template.New("dashboard").Parse(`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>托育监管看板 · tuoyu</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.CSS}}">
<script id="dashboard-config" type="application/json">{{.Config}}</script>
<script src="{{.JS}}" defer></script>
</head>
<body>
<div id="app"><p class="loading">加载中… Loading…</p></div>
<noscript>本看板需要 JavaScript。The dashboard needs JavaScript.</noscript>
</body>
</html>
`))

// contentSecurityPolicy: scripts, styles and connections to the page's own
// origin only. ECharts sets inline style attributes, hence 'unsafe-inline'
// for styles; exported PNGs are data: URLs.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the dashboard page at [Path] (and any path below it that
// is not an asset, so bookmarks survive) and its assets under
// [AssetPrefix]. The page sends its queries to endpoint, a path on the same
// origin such as "/query". It panics if the embedded files are incomplete.
func Handler(endpoint string) http.Handler {
	assets, err := loadAssets()
	if err != nil {
		panic(err)
	}
	list, err := Operations()
	if err != nil {
		panic(err)
	}
	cfg := pageConfig{Endpoint: endpoint, Operations: map[string]string{}}
	for _, o := range list {
		cfg.Operations[o.Name] = o.Document
	}
	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, struct {
		Config  pageConfig
		CSS, JS string
	}{cfg, AssetPrefix + "app.css?v=" + assets["app.css"].etag, AssetPrefix + "app.js?v=" + assets["app.js"].etag}); err != nil {
		panic("dashboard: rendering page: " + err.Error())
	}
	return &handler{page: page.Bytes(), assets: assets}
}

type handler struct {
	page   []byte
	assets map[string]*asset
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, AssetPrefix); ok {
		h.serveAsset(w, r, name)
		return
	}
	if r.URL.Path != Path && !strings.HasPrefix(r.URL.Path, Path+"/") {
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Content-Length", strconv.Itoa(len(h.page)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.page)
	}
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a := h.assets[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("Vary", "Accept-Encoding")
	body, etag := a.data, a.etag
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		if gz := a.gzipped(); gz != nil {
			body, etag = gz, a.etag+"-gz"
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// GzipSize is the gzip-compressed size of every embedded asset together,
// what a browser downloads on a first visit (the README reports it).
func GzipSize() (int, error) {
	assets, err := loadAssets()
	if err != nil {
		return 0, err
	}
	names := make([]string, 0, len(assets))
	for n := range assets {
		names = append(names, n)
	}
	sort.Strings(names)
	total := 0
	for _, n := range names {
		a := assets[n]
		if gz := a.gzipped(); gz != nil {
			total += len(gz)
		} else {
			total += len(a.data)
		}
	}
	return total, nil
}
