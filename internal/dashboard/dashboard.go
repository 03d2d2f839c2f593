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
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/tuoyu/tuoyu/internal/webpage"
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

// loadAssets reads the embedded dist directory once.
var loadAssets = sync.OnceValues(func() (*webpage.Assets, error) {
	assets, err := webpage.LoadAssets(distFS, "web/dist", AssetPrefix, "app.js", "app.css")
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w; run npm run build in internal/dashboard/web", err)
	}
	return assets, nil
})

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
	page, err := assets.Render(pageTemplate, cfg, "app.css", "app.js")
	if err != nil {
		panic("dashboard: " + err.Error())
	}
	return webpage.Handler(webpage.Page{HTML: page, CSP: contentSecurityPolicy, Match: underPath}, assets)
}

// underPath reports whether p is Path or below it.
func underPath(p string) bool {
	return p == Path || strings.HasPrefix(p, Path+"/")
}

// GzipSize is the gzip-compressed size of every embedded asset together,
// what a browser downloads on a first visit (the README reports it).
func GzipSize() (int, error) {
	assets, err := loadAssets()
	if err != nil {
		return 0, err
	}
	return assets.GzipSize(), nil
}
