package gqlhttp

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/tuoyu/tuoyu/internal/httperr"
	"github.com/tuoyu/tuoyu/internal/upload"
)

// Bounds are what Guard lets through.
type Bounds struct {
	// MaxBodyBytes caps a POST body.
	MaxBodyBytes int64
	// MaxQueryBytes caps the query string of a GET request.
	MaxQueryBytes int
	// MaxUploadBytes, when positive, admits multipart file uploads up to
	// this size, with the CSRF headers internal/upload checks; zero
	// answers them 415 like any other non-JSON POST.
	MaxUploadBytes int64
}

// Guard rejects, before gqlgen sees them, requests gqlgen would answer
// badly: oversized bodies and query strings (gqlgen reads POST bodies
// without a cap), bodies that are not one JSON object (its decode error
// echoes the body; arrays would be batching), and non-JSON POSTs; a
// multipart upload's operations and map parts are held to the same size
// and shape rules (guardFields). A JSON body it accepts is decoded once
// and handed on in the request's context (WithParams), for POST to take
// without reading the body again.
func Guard(next http.Handler, b Bounds) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if len(r.URL.RawQuery) > b.MaxQueryBytes {
				httperr.Write(w, http.StatusRequestURITooLong, "REQUEST_TOO_LARGE", "query string too long")
				return
			}
		case http.MethodPost:
			mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mediaType == "multipart/form-data" && b.MaxUploadBytes > 0 {
				// A file upload (importData): CSRF headers and size checked
				// by internal/upload, the parts parsed by gqlgen's transport.
				if upload.Guard(w, r, b.MaxUploadBytes) && guardFields(w, r, b.MaxBodyBytes) {
					next.ServeHTTP(w, r)
				}
				return
			}
			// application/graphql-response+json is a response type: a client
			// asks for it with Accept, never sends it (gqlgen would answer
			// 400 "transport not supported").
			if mediaType != contentTypeJSON {
				httperr.Write(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "POST requests must have Content-Type: application/json")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, b.MaxBodyBytes))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				httperr.Write(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large")
				return
			case err != nil:
				httperr.Write(w, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
				return
			}
			params, err := DecodeParams(body)
			if err != nil {
				httperr.Write(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
				return
			}
			// The transport takes the decoded parameters and does not read
			// the body again; nothing else after this guard reads it.
			r = r.WithContext(WithParams(r.Context(), params))
		}
		next.ServeHTTP(w, r)
	})
}

// guardFields holds a multipart request's operations and map parts to the
// rules of a JSON body, since any operation may travel as multipart: at
// most maxBytes together (413 REQUEST_TOO_LARGE; only files may use the
// upload limit), and operations one JSON object (400 BAD_REQUEST, as for
// a JSON body; an array would be batching). A request that does not follow
// the multipart spec is left to gqlgen's transport, which answers 422.
func guardFields(w http.ResponseWriter, r *http.Request, maxBytes int64) bool {
	operations, err := upload.ReadFields(r, maxBytes)
	switch {
	case errors.Is(err, upload.ErrFieldsTooLarge):
		httperr.Write(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "operations and map parts too large")
		return false
	case err != nil:
		return true
	}
	if _, err := DecodeParams(operations); err != nil {
		httperr.Write(w, http.StatusBadRequest, "BAD_REQUEST", "the operations part must be one JSON object with query, operationName, variables and extensions")
		return false
	}
	return true
}
