// Package graphiql serves a self-hosted GraphiQL IDE.
//
// The JavaScript and CSS are compiled from the npm graphiql package (see
// web/ and README.md) and embedded into the binary, so the page loads nothing
// from a CDN at run time.
//
// Mounting: the handler returned by [Handler] serves both the HTML page and
// its assets. Requests whose path starts with [AssetPrefix] are answered from
// the embedded files; every other path gets the HTML page. The page refers to
// its assets by the absolute path AssetPrefix, so the handler must be reachable
// at that path: either mount it at "/" (which covers AssetPrefix too), or, when
// the page lives elsewhere (e.g. "/playground"), also route AssetPrefix to the
// same handler:
//
//	h := graphiql.Handler("/query", tabs)
//	mux.Handle("/", h) // page at "/" and assets under /graphiql/assets/
//
//	// or
//	mux.Handle("/playground", h)
//	mux.Handle(graphiql.AssetPrefix, h)
package graphiql

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AssetPrefix is the absolute URL path under which the GraphiQL JavaScript and
// CSS are served (graphiql.js and graphiql.css).
const AssetPrefix = "/graphiql/assets/"

//go:embed web/dist/*
var distFS embed.FS

// Tab is a query pre-filled in the GraphiQL editor when a browser opens the
// page for the first time (GraphiQL keeps the user's tabs in localStorage
// afterwards).
type Tab struct {
	// Name, if non-empty, is added as a leading "# Name" comment line of the
	// query.
	Name string
	// Query is the GraphQL document shown in the query editor.
	Query string
	// Variables is the JSON text shown in the variables editor (optional).
	Variables string
}

// pageConfig is the JSON read by web/src/main.jsx from the
// <script id="graphiql-config" type="application/json"> element.
type pageConfig struct {
	Endpoint    string    `json:"endpoint"`
	DefaultTabs []tabJSON `json:"defaultTabs,omitempty"`
	// Headers is an optional JSON object, as a string, pre-filled in the
	// headers editor (e.g. a default Authorization header).
	Headers string `json:"headers,omitempty"`
	// TokenCommand is shown in the token bar as the way to get a token.
	TokenCommand string `json:"tokenCommand,omitempty"`
}

// Options are the page's optional settings.
type Options struct {
	// TokenCommand is the command the page's token bar tells anonymous
	// visitors to run for a token, e.g.
	// "./tuoyu token --role PROVINCE_REGULATOR --region 210000". Empty shows
	// the go run form.
	TokenCommand string
}

type tabJSON struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	Headers   string `json:"headers,omitempty"`
}

// pageTemplate is the HTML page. html/template treats the content of a
// <script type="application/json"> element as a JavaScript context, so
// {{.Config}} is JSON-encoded with <, >, & and line separators escaped as
// \uXXXX: a query containing "</script>" cannot close the element.
var pageTemplate = template.Must(template.New("graphiql").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.CSS}}">
<script id="graphiql-config" type="application/json">{{.Config}}</script>
<script src="{{.JS}}" defer></script>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
</body>
</html>
`))

// asset is one embedded file, with a lazily built gzip copy.
type asset struct {
	name        string
	contentType string
	data        []byte
	etag        string

	gzOnce sync.Once
	gz     []byte
}

func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.data)
		if err := zw.Close(); err == nil && buf.Len() < len(a.data) {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
}

var (
	assetsOnce   sync.Once
	assetsByName map[string]*asset
)

// loadAssets reads the embedded dist directory once.
func loadAssets() map[string]*asset {
	assetsOnce.Do(func() {
		assetsByName = make(map[string]*asset)
		sub, err := fs.Sub(distFS, "web/dist")
		if err != nil {
			panic("graphiql: " + err.Error())
		}
		entries, err := fs.ReadDir(sub, ".")
		if err != nil {
			panic("graphiql: " + err.Error())
		}
		for _, e := range entries {
			ct, ok := contentTypes[path.Ext(e.Name())]
			if e.IsDir() || !ok {
				continue
			}
			data, err := fs.ReadFile(sub, e.Name())
			if err != nil {
				panic("graphiql: " + err.Error())
			}
			sum := sha256.Sum256(data)
			assetsByName[e.Name()] = &asset{
				name:        e.Name(),
				contentType: ct,
				data:        data,
				etag:        hex.EncodeToString(sum[:8]),
			}
		}
		for _, name := range []string{"graphiql.js", "graphiql.css"} {
			if assetsByName[name] == nil {
				panic("graphiql: embedded asset " + name + " missing; run npm run build in internal/graphiql/web")
			}
		}
	})
	return assetsByName
}

// Handler returns an http.Handler serving the GraphiQL page, which sends its
// queries to endpoint (a URL path such as "/query", or an absolute http(s) URL),
// and the page's assets under [AssetPrefix]. tabs are the editor tabs shown on
// a first visit; with none, GraphiQL shows its default welcome query.
//
// Paths starting with AssetPrefix are served from the embedded files (404 for
// unknown names); any other path gets the page. Only GET and HEAD are allowed.
// Handler panics if endpoint is empty.
func Handler(endpoint string, tabs []Tab) http.Handler {
	return HandlerWithOptions(endpoint, tabs, Options{})
}

// HandlerWithOptions is Handler with the page's optional settings.
//
// The page keeps one token for all tabs (a token bar above GraphiQL, also
// filled by an Authorization header sent from any tab) and, without a token,
// does not introspect: anonymous viewers may not, and the bar says how to get
// a token instead of showing INTROSPECTION_DISABLED.
func HandlerWithOptions(endpoint string, tabs []Tab, opts Options) http.Handler {
	if endpoint == "" {
		panic("graphiql: empty endpoint")
	}
	assets := loadAssets()

	cfg := pageConfig{Endpoint: endpoint, TokenCommand: opts.TokenCommand}
	for _, t := range tabs {
		cfg.DefaultTabs = append(cfg.DefaultTabs, tabJSON{
			Query:     tabQuery(t),
			Variables: t.Variables,
		})
	}
	var page bytes.Buffer
	err := pageTemplate.Execute(&page, struct {
		Config  pageConfig
		CSS, JS string
	}{
		Config: cfg,
		// The content hash in the query string busts the long-lived cache
		// whenever the assets are rebuilt.
		CSS: AssetPrefix + "graphiql.css?v=" + assets["graphiql.css"].etag,
		JS:  AssetPrefix + "graphiql.js?v=" + assets["graphiql.js"].etag,
	})
	if err != nil {
		panic("graphiql: rendering page: " + err.Error())
	}

	return &handler{
		page:   page.Bytes(),
		csp:    contentSecurityPolicy(endpoint),
		assets: assets,
	}
}

// tabQuery returns t.Query, preceded by a "# Name" comment line when t.Name is
// set and the query does not already start with it.
func tabQuery(t Tab) string {
	name := strings.Join(strings.Fields(t.Name), " ")
	if name == "" {
		return t.Query
	}
	comment := "# " + name
	if strings.HasPrefix(t.Query, comment+"\n") || t.Query == comment {
		return t.Query
	}
	return comment + "\n" + t.Query
}

var originHost = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]+)?$|^\[[0-9A-Fa-f:.]+\](:[0-9]+)?$`)

// contentSecurityPolicy allows scripts and styles only from the page's own
// origin. The inline config is <script type="application/json">, which the
// browser never executes, so it needs no nonce. GraphiQL's components (Radix
// UI, CodeMirror) set inline style attributes and inject <style> elements,
// hence 'unsafe-inline' for styles only. The fonts and a few images in the CSS
// are data: URLs. connect-src also allows the endpoint's origin when endpoint
// is an absolute http(s) URL.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && originHost.MatchString(u.Host) {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

type handler struct {
	page   []byte
	csp    string
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
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.csp)
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
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			body, etag = gz, a.etag+"-gz"
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header value allows gzip.
func acceptsGzip(v string) bool {
	for part := range strings.SplitSeq(v, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "q") {
				val = strings.TrimRight(strings.TrimSpace(val), "0")
				return val != "" && val != "0." && val != "0"
			}
		}
		return true
	}
	return false
}
