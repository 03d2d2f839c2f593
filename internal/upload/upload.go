// Package upload guards file uploads: GraphQL multipart requests
// (https://github.com/jaydenseric/graphql-multipart-request-spec), which
// gqlgen's transport.MultipartForm parses once Guard has let them through.
//
// multipart/form-data is a "simple" content type: a cross-site HTML form
// can send it without a CORS preflight, so the JSON-only CSRF rule of the
// GraphQL endpoint does not cover it (gqlgen#3248). Guard therefore
// requires, as Apollo Server's csrfPrevention does, a header no simple
// request can carry — Apollo-Require-Preflight (any non-empty value) or
// X-Apollo-Operation-Name — and, since uploads always act for a principal,
// an Authorization header. A browser must preflight such a request, and
// the CORS policy refuses foreign origins.
//
// Size: the request must state its Content-Length (411 otherwise) and may
// not exceed the configured maximum (413 UPLOAD_TOO_LARGE, before a byte
// of the body is read); the body is also capped in case the length lies.
// The file must arrive within the request deadline (--request-timeout),
// which replaces the server's shorter read timeout for uploads.
package upload

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// MaxMemory is how much of a multipart body is held in memory; the rest of
// a file goes to a temporary file (gqlgen's MultipartForm.MaxMemory).
const MaxMemory = 8 << 20

// DefaultMaxBytes is the default upload limit (--upload-max-bytes): 64 MiB,
// about a million CSV rows of a registry table.
const DefaultMaxBytes = 64 << 20

// Error codes of refused uploads (extensions.code).
const (
	CodeCSRF           = "CSRF_PREVENTED"
	CodeTooLarge       = "UPLOAD_TOO_LARGE"
	CodeLengthRequired = "LENGTH_REQUIRED"
)

// Guard checks a multipart upload request before its body is read and
// answers it when refused (false); on true the caller serves it.
func Guard(w http.ResponseWriter, r *http.Request, maxBytes int64) bool {
	if strings.TrimSpace(r.Header.Get("Authorization")) == "" {
		httperr.Write(w, http.StatusBadRequest, CodeCSRF, "file uploads need an Authorization header")
		return false
	}
	if strings.TrimSpace(r.Header.Get("Apollo-Require-Preflight")) == "" && strings.TrimSpace(r.Header.Get("X-Apollo-Operation-Name")) == "" {
		httperr.Write(w, http.StatusBadRequest, CodeCSRF, "file uploads need an Apollo-Require-Preflight header (any non-empty value), which cross-site forms cannot send")
		return false
	}
	if r.ContentLength < 0 {
		httperr.Write(w, http.StatusLengthRequired, CodeLengthRequired, "file uploads need a Content-Length header")
		return false
	}
	if r.ContentLength > maxBytes {
		httperr.Write(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("the upload is larger than the server's limit of %d bytes", maxBytes))
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes)
	// The server's read timeout (15 s) is sized for JSON bodies; a file may
	// take until the request's own deadline (--request-timeout) to arrive.
	if deadline, ok := r.Context().Deadline(); ok {
		_ = http.NewResponseController(w).SetReadDeadline(deadline)
	}
	return true
}
