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
//
// Any operation may travel as multipart, so the upload limit covers the
// files only: ReadFields caps the operations and map parts at the JSON body
// limit (--max-body-bytes) before the transport reads them, or a multipart
// request would carry megabytes of document or variables past that limit.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
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

// ErrFieldsTooLarge is ReadFields' error when the operations and map parts
// together exceed its limit.
var ErrFieldsTooLarge = errors.New("upload: operations and map parts exceed the body limit")

// headerSlack is what ReadFields allows, beyond the parts' contents, for
// the boundaries and part headers before the first file (a few hundred
// bytes from any client) and the multipart reader's read-ahead (4 KiB).
const headerSlack = 64 << 10

// ReadFields reads the operations and map parts that open a GraphQL
// multipart request, at most maxBytes of them together, and returns the
// operations part. Nothing beyond maxBytes plus headerSlack of the body is
// read: larger parts are ErrFieldsTooLarge. The bytes read are put back in
// front of r.Body, so the transport then reads the whole request as sent.
// Any other error means the request does not follow the multipart spec; the
// transport, reading it again, answers that itself.
func ReadFields(r *http.Request, maxBytes int64) ([]byte, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, fmt.Errorf("upload: no multipart boundary: %w", http.ErrNotMultipart)
	}
	body := r.Body
	rec := &recorder{r: body, max: maxBytes + headerSlack}
	defer func() {
		r.Body = replayed{Reader: io.MultiReader(bytes.NewReader(rec.buf.Bytes()), body), Closer: body}
	}()
	mr := multipart.NewReader(rec, params["boundary"])
	left := maxBytes
	var operations []byte
	for _, name := range []string{"operations", "map"} {
		part, err := mr.NextPart()
		if rec.exceeded {
			return nil, ErrFieldsTooLarge
		}
		if err != nil {
			return nil, fmt.Errorf("upload: reading the %s part: %w", name, err)
		}
		if part.FormName() != name {
			return nil, fmt.Errorf("upload: part %q where %s belongs", part.FormName(), name)
		}
		b, err := io.ReadAll(io.LimitReader(part, left+1))
		switch {
		case rec.exceeded || int64(len(b)) > left:
			return nil, ErrFieldsTooLarge
		case err != nil:
			return nil, fmt.Errorf("upload: reading the %s part: %w", name, err)
		}
		left -= int64(len(b))
		if name == "operations" {
			operations = b
		}
	}
	return operations, nil
}

// recorder keeps every byte read through it, up to max; reading more fails.
type recorder struct {
	r        io.Reader
	buf      bytes.Buffer
	max      int64
	exceeded bool
}

func (c *recorder) Read(p []byte) (int, error) {
	room := c.max - int64(c.buf.Len())
	if room <= 0 {
		c.exceeded = true
		return 0, ErrFieldsTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.buf.Write(p[:n])
	return n, err
}

// replayed is a request body whose first bytes were read already and are
// served again before the rest.
type replayed struct {
	io.Reader
	io.Closer
}
