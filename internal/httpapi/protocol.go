package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/tuoyu/tuoyu/internal/httperr"
	"github.com/tuoyu/tuoyu/internal/persisted"
)

// graphQLEndpoint is the GraphQL-over-HTTP shell around the GraphQL handler
// (gqlgen behind graph.NewHandler):
//
//   - methods other than GET and POST are 405 with Allow: GET, POST (gqlgen
//     answers them 400 "transport not supported");
//   - every error response carries extensions.code, also gqlgen's own
//     transport errors, which have none (a GET mutation is 406
//     METHOD_NOT_ALLOWED, undecodable GET variables 400 BAD_REQUEST);
//   - a request error (any status other than 2xx: parse, validation, limits,
//     authentication, rate limiting) has no "data" member, as the
//     GraphQL-over-HTTP specification says; "data": null stays for execution
//     errors, which are 200;
//   - the one request error answered 200, APQ's PERSISTED_QUERY_NOT_FOUND
//     (200 because APQ clients need it, see persisted.TrackNotFound), has
//     the request error's shape all the same — no "data" member — and
//     Cache-Control: private, no-cache, must-revalidate, so that no cache
//     keeps the refusal of a GET hash the client is about to register.
//
// Successful (2xx) responses pass through untouched and unbuffered; only
// error bodies, which are small, are buffered and rewritten.
func graphQLEndpoint(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			httperr.Write(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "the GraphQL endpoint accepts GET (queries) and POST")
			return
		}
		ctx, apqNotFound := persisted.TrackNotFound(r.Context())
		sw := &errorShaper{ResponseWriter: w, apqNotFound: apqNotFound}
		next.ServeHTTP(sw, r.WithContext(ctx))
		sw.finish()
	})
}

// errorShaper buffers a non-2xx response, or APQ's PERSISTED_QUERY_NOT_FOUND,
// and rewrites it on finish.
type errorShaper struct {
	http.ResponseWriter
	status    int
	buffering bool
	buf       bytes.Buffer
	// apqNotFound reports, by the time the status is written, that the
	// response is APQ's PERSISTED_QUERY_NOT_FOUND (shaped although 200).
	apqNotFound func() bool
}

func (s *errorShaper) WriteHeader(status int) {
	if s.status != 0 {
		return
	}
	s.status = status
	if status >= 200 && status < 300 && (s.apqNotFound == nil || !s.apqNotFound()) {
		s.ResponseWriter.WriteHeader(status)
		return
	}
	s.buffering = true
}

func (s *errorShaper) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	if s.buffering {
		return s.buf.Write(p)
	}
	return s.ResponseWriter.Write(p)
}

// Flush passes through for streamed 2xx responses; an error body is sent
// whole by finish.
func (s *errorShaper) Flush() {
	if !s.buffering {
		if f, ok := s.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *errorShaper) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *errorShaper) finish() {
	if !s.buffering {
		return
	}
	body := shapeErrorBody(s.buf.Bytes(), s.status)
	h := s.ResponseWriter.Header()
	h.Del("Content-Length")
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	if s.status < 300 {
		h.Set("Cache-Control", "private, no-cache, must-revalidate")
	}
	s.ResponseWriter.WriteHeader(s.status)
	_, _ = s.ResponseWriter.Write(body)
}

// shapeErrorBody drops "data" and gives every error an extensions.code
// derived from the status when it has none. A body that is not a JSON
// object is replaced by a generic error of that status.
func shapeErrorBody(body []byte, status int) []byte {
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil || resp == nil {
		return httperr.Body(codeForStatus(status), http.StatusText(status))
	}
	delete(resp, "data")
	var errs []map[string]any
	if err := json.Unmarshal(resp["errors"], &errs); err != nil || len(errs) == 0 {
		errs = []map[string]any{{"message": http.StatusText(status)}}
	}
	for _, e := range errs {
		ext, _ := e["extensions"].(map[string]any)
		if ext == nil {
			ext = map[string]any{}
			e["extensions"] = ext
		}
		if code, _ := ext["code"].(string); code == "" {
			ext["code"] = codeForStatus(status)
		}
	}
	raw, err := json.Marshal(errs)
	if err != nil {
		return httperr.Body(codeForStatus(status), http.StatusText(status))
	}
	resp["errors"] = raw
	out, err := json.Marshal(resp)
	if err != nil {
		return httperr.Body(codeForStatus(status), http.StatusText(status))
	}
	return append(out, '\n')
}

// codeForStatus is the code of an error that gqlgen's transports wrote
// without one.
func codeForStatus(status int) string {
	switch {
	case status == http.StatusMethodNotAllowed, status == http.StatusNotAcceptable:
		// 406: gqlgen's answer to a mutation sent with GET.
		return "METHOD_NOT_ALLOWED"
	case status == http.StatusUnsupportedMediaType:
		return "UNSUPPORTED_MEDIA_TYPE"
	case status == http.StatusRequestEntityTooLarge, status == http.StatusRequestURITooLong:
		return "REQUEST_TOO_LARGE"
	case status == http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case status == http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case status == http.StatusNotFound:
		return "NOT_FOUND"
	case status >= 500:
		return "INTERNAL"
	}
	return "BAD_REQUEST"
}

// notFound answers every path the server does not serve.
func notFound(w http.ResponseWriter, _ *http.Request) {
	httperr.Write(w, http.StatusNotFound, "NOT_FOUND", "no such path: GraphQL is at /query (alias /graphql), GraphiQL at /")
}
