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
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/tuoyu/tuoyu/internal/webpage"
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

// loadAssets reads the embedded dist directory once.
var loadAssets = sync.OnceValues(func() (*webpage.Assets, error) {
	assets, err := webpage.LoadAssets(distFS, "web/dist", AssetPrefix, "graphiql.js", "graphiql.css")
	if err != nil {
		return nil, fmt.Errorf("graphiql: %w; run npm run build in internal/graphiql/web", err)
	}
	return assets, nil
})

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
	assets, err := loadAssets()
	if err != nil {
		panic(err)
	}

	cfg := pageConfig{Endpoint: endpoint, TokenCommand: opts.TokenCommand}
	for _, t := range tabs {
		cfg.DefaultTabs = append(cfg.DefaultTabs, tabJSON{
			Query:     tabQuery(t),
			Variables: t.Variables,
		})
	}
	page, err := assets.Render(pageTemplate, cfg, "graphiql.css", "graphiql.js")
	if err != nil {
		panic("graphiql: " + err.Error())
	}
	return webpage.Handler(webpage.Page{HTML: page, CSP: contentSecurityPolicy(endpoint)}, assets)
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
