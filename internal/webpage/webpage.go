// Package webpage serves one HTML page rendered at start-up together with the
// hashed, pre-gzipped static files (JavaScript, CSS, images) it loads. The
// GraphiQL IDE (internal/graphiql) and the dashboard (internal/dashboard) are
// both built on it; each keeps its own template, page config, paths and
// Content-Security-Policy.
//
// The page is served with no-cache (it names the assets with a content hash
// in the query string), the assets with a one-year immutable cache, an ETag
// and, when the client accepts gzip, a gzip copy built once on first use.
package webpage

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// contentTypes are the file types an asset directory may hold; other files
// are not served.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
}

// asset is one embedded file, with a lazily built gzip copy.
type asset struct {
	name, contentType, etag string
	data                    []byte

	gzOnce sync.Once
	gz     []byte
}

// gzipped returns the gzip copy of the file, or nil when compressing does not
// make it smaller.
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

// Assets is the set of static files of a page, served under one URL prefix.
type Assets struct {
	prefix string
	byName map[string]*asset
}

// LoadAssets reads the .js, .css and .png files directly in dir of fsys (an
// embed.FS), to be served under prefix (an absolute URL path ending in "/").
// Every name in required must be among them.
func LoadAssets(fsys fs.FS, dir, prefix string, required ...string) (*Assets, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("webpage: %w", err)
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, fmt.Errorf("webpage: %w", err)
	}
	s := &Assets{prefix: prefix, byName: map[string]*asset{}}
	for _, e := range entries {
		ct, ok := contentTypes[path.Ext(e.Name())]
		if e.IsDir() || !ok {
			continue
		}
		data, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, fmt.Errorf("webpage: %w", err)
		}
		sum := sha256.Sum256(data)
		s.byName[e.Name()] = &asset{name: e.Name(), contentType: ct, data: data, etag: hex.EncodeToString(sum[:8])}
	}
	for _, name := range required {
		if s.byName[name] == nil {
			return nil, fmt.Errorf("webpage: embedded asset %s missing", name)
		}
	}
	return s, nil
}

// URL is the path of the named asset with its content hash in the query
// string, which busts the long-lived cache whenever the file changes. name
// must be one of the files LoadAssets found.
func (s *Assets) URL(name string) string {
	return s.prefix + name + "?v=" + s.byName[name].etag
}

// GzipSize is the gzip-compressed size of all the assets together (the plain
// size for a file gzip does not shrink): what a browser downloads on a first
// visit.
func (s *Assets) GzipSize() int {
	total := 0
	for _, a := range s.byName {
		if gz := a.gzipped(); gz != nil {
			total += len(gz)
		} else {
			total += len(a.data)
		}
	}
	return total
}

// Render executes t with {Config: config, CSS: URL(css), JS: URL(js)}: the
// fields every page template uses.
func (s *Assets) Render(t *template.Template, config any, css, js string) ([]byte, error) {
	var page bytes.Buffer
	err := t.Execute(&page, struct {
		Config  any
		CSS, JS string
	}{config, s.URL(css), s.URL(js)})
	if err != nil {
		return nil, fmt.Errorf("webpage: rendering %s: %w", t.Name(), err)
	}
	return page.Bytes(), nil
}

// Page is an HTML page and how it is served.
type Page struct {
	// HTML is the rendered page.
	HTML []byte
	// CSP is the page's Content-Security-Policy header.
	CSP string
	// Match reports whether a request path outside the asset prefix gets
	// the page; others get 404. Nil serves the page on every path.
	Match func(path string) bool
}

// Handler serves page and, for paths under the assets' prefix, the assets
// (404 for unknown names). Only GET and HEAD are allowed.
func Handler(page Page, assets *Assets) http.Handler {
	return &handler{page: page, assets: assets}
}

type handler struct {
	page   Page
	assets *Assets
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, h.assets.prefix); ok {
		h.serveAsset(w, r, name)
		return
	}
	if h.page.Match != nil && !h.page.Match(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Security-Policy", h.page.CSP)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Content-Length", strconv.Itoa(len(h.page.HTML)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(h.page.HTML)
	}
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a := h.assets.byName[name]
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

// acceptsGzip reports whether an Accept-Encoding header value allows gzip
// (a "gzip" coding whose q-value, if any, is not zero).
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
