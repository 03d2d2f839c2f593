package httpapi

import (
	"net/http"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// jsonPageErrors gives the error responses of a page handler (GraphiQL, the
// dashboard: internal/webpage answers an unknown asset or a POST with
// net/http's plain-text 404 or 405) the server's JSON error shape with
// extensions.code, like every other path. Pages and assets, and their 304s,
// pass through untouched and unbuffered; the plain-text body of an error
// is dropped (it is net/http's fixed text, never a client value).
func jsonPageErrors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&pageErrorWriter{ResponseWriter: w}, r)
	})
}

// pageErrorWriter replaces a 4xx or 5xx response by a JSON error of the same
// status; its headers other than Content-* (Allow, for one) are kept.
type pageErrorWriter struct {
	http.ResponseWriter
	status int
}

func (p *pageErrorWriter) WriteHeader(status int) {
	if p.status != 0 {
		return
	}
	p.status = status
	if status < 400 {
		p.ResponseWriter.WriteHeader(status)
		return
	}
	h := p.ResponseWriter.Header()
	for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding", "ETag", "Cache-Control"} {
		h.Del(k)
	}
	httperr.Write(p.ResponseWriter, status, codeForStatus(status), pageErrorMessage(status))
}

func (p *pageErrorWriter) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if p.status >= 400 {
		return len(b), nil // the JSON error is written already
	}
	return p.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (p *pageErrorWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

func pageErrorMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return "no such path: GraphQL is at /query (alias /graphql), GraphiQL at /"
	case http.StatusMethodNotAllowed:
		return "pages and their assets accept GET and HEAD"
	}
	return http.StatusText(status)
}
