package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/ent"
)

// HandlerOptions bound what one request may cost.
type HandlerOptions struct {
	// MaxBodyBytes caps a POST body (default 1 MiB).
	MaxBodyBytes int64
	// MaxQueryBytes caps the query string of a GET request (default 16 KiB).
	MaxQueryBytes int
	// ParserTokenLimit caps the tokens of a document (default 15,000; gqlgen
	// has no limit by default, CVE-2023-49559).
	ParserTokenLimit int
}

func (o *HandlerOptions) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = 16 << 10
	}
	if o.ParserTokenLimit <= 0 {
		o.ParserTokenLimit = 15000
	}
}

// NewHandler serves the GraphQL endpoint: POST with a JSON body, GET for
// queries only (gqlgen answers 406 to a GET mutation), each mutation in one
// transaction, stable error codes, bounded pages, bodies and documents.
func NewHandler(schema graphql.ExecutableSchema, client *ent.Client, opts HandlerOptions) http.Handler {
	opts.defaults()
	srv := handler.New(schema)
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetValidationRulesFn(validationRules)
	srv.SetParserTokenLimit(opts.ParserTokenLimit)
	srv.SetErrorPresenter(PresentError)
	srv.SetRecoverFunc(Recover)
	srv.Use(extension.Introspection{})
	srv.Use(pageLimits{})
	srv.Use(entgql.Transactioner{TxOpener: client})
	return requestGuard(srv, opts)
}

// requestGuard rejects, before gqlgen sees them, requests gqlgen would
// answer badly: oversized bodies and query strings (gqlgen reads POST bodies
// without a cap), bodies that are not one JSON object (its decode error
// echoes the body; arrays would be batching), and non-JSON POSTs.
func requestGuard(next http.Handler, opts HandlerOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			if len(r.URL.RawQuery) > opts.MaxQueryBytes {
				writeRequestError(w, http.StatusRequestURITooLong, "REQUEST_TOO_LARGE", "query string too long")
				return
			}
		case http.MethodPost:
			mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mediaType != "application/json" && mediaType != "application/graphql-response+json" {
				writeRequestError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "POST requests must have Content-Type: application/json")
				return
			}
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeRequestError(w, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body too large")
				return
			case err != nil:
				writeRequestError(w, http.StatusBadRequest, "BAD_REQUEST", "could not read request body")
				return
			}
			var params struct {
				Query         string         `json:"query"`
				OperationName string         `json:"operationName"`
				Variables     map[string]any `json:"variables"`
				Extensions    map[string]any `json:"extensions"`
			}
			if err := json.Unmarshal(body, &params); err != nil {
				writeRequestError(w, http.StatusBadRequest, "BAD_REQUEST", "request body must be one JSON object with query, operationName, variables and extensions")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

// writeRequestError answers a request rejected before execution, in the
// GraphQL response shape, with a stable code.
func writeRequestError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}
