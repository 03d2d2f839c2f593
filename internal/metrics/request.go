package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// Operation labels that are not a client's operation name.
const (
	// OpAnonymous labels operations without a name.
	OpAnonymous = "anonymous"
	// OpOther labels named operations once MaxOperations names are taken.
	OpOther = "other"
	// OpNone labels requests refused before an operation was chosen
	// (authentication, rate limit, size, parse or validation errors).
	OpNone = "none"
)

// MaxOperations bounds the distinct operation names used as labels: the
// first names seen (from documents that passed validation) keep their own
// series, later ones are OpOther. With an allow list the documents, and so
// their names, are bounded anyway.
var MaxOperations = 200

// operationNames is the set of names that have a series.
var operationNames = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// validName is a GraphQL name of reasonable length.
var validName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

// KnownOperations gives names their own series whatever the cap (the
// operations of an allow list: a bounded set chosen by the operator).
func KnownOperations(names ...string) {
	operationNames.Lock()
	defer operationNames.Unlock()
	for _, n := range names {
		if validName.MatchString(n) {
			operationNames.m[n] = true
		}
	}
}

// OperationLabel is the label for an executed operation named name.
func OperationLabel(name string) string {
	if name == "" {
		return OpAnonymous
	}
	if !validName.MatchString(name) {
		return OpOther
	}
	operationNames.Lock()
	defer operationNames.Unlock()
	if operationNames.m[name] {
		return name
	}
	if len(operationNames.m) >= MaxOperations {
		return OpOther
	}
	operationNames.m[name] = true
	return name
}

// Request is what one GraphQL request's metrics and log line need, filled
// in by the layers it passes (Middleware, Authenticated, Admitted and
// Extension).
type Request struct {
	mu            sync.Mutex
	operation     string // label (OperationLabel), "" until an operation runs
	role          string
	code          string // extensions.code of the first error, "" = none seen yet
	authenticated bool   // passed authentication
	admitted      bool   // passed the per-principal rate limiter
}

type requestKey struct{}

// FromContext is the request's record, nil outside Middleware.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Operation is the operation label, OpNone before an operation was chosen.
func (r *Request) Operation() string {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.operation == "" {
		return OpNone
	}
	return r.operation
}

func (r *Request) setCode(code string) {
	r.mu.Lock()
	if r.code == "" {
		r.code = code
	}
	r.mu.Unlock()
}

// LogRequests, when set (--log-requests), writes one Info line per GraphQL
// request: operation, code, role, HTTP status and duration. Never the
// query text, variables or any other value the client sent.
var LogRequests bool

// Middleware counts and times each GraphQL request. It goes outermost in
// the GraphQL handler, so refusals by authentication and the rate limiter
// count too.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &Request{}
		ctx := context.WithValue(r.Context(), requestKey{}, rec)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		d := time.Since(start)

		rec.mu.Lock()
		if rec.code == "" && sw.status >= 400 {
			rec.code = codeIn(sw.head.Bytes())
		}
		op, code, role := rec.operation, rec.code, rec.role
		authenticated, admitted := rec.authenticated, rec.admitted
		rec.mu.Unlock()
		if op == "" {
			op = OpNone
		}
		switch {
		case code == "" && sw.status >= 400:
			code = "HTTP_" + http.StatusText(sw.status)
			code = strings.ToUpper(strings.ReplaceAll(code, " ", "_"))
		case code == "":
			code = "OK"
		}
		if role == "" {
			role = "none"
		}
		Requests.WithLabelValues(op, code, role).Inc()
		RequestDuration.WithLabelValues(op).Observe(d.Seconds())
		if reason := rejection(code, authenticated, admitted); reason != "" {
			Rejections.WithLabelValues(reason).Inc()
		}
		if LogRequests {
			slog.LogAttrs(ctx, slog.LevelInfo, "graphql request",
				slog.String("code", code), slog.String("role", role),
				slog.Int("status", sw.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000))
		}
	})
}

// rejectionCodes are the codes of refusals by a limit, with their reason.
var rejectionCodes = map[string]string{
	"REQUEST_TOO_LARGE":           "request_too_large",
	"PERSISTED_QUERY_NOT_ALLOWED": "allow_list",
	"MAX_DEPTH_LIMIT":             "max_depth_limit",
	"MAX_ALIASES_LIMIT":           "max_aliases_limit",
	"MAX_ROOT_FIELDS_LIMIT":       "max_root_fields_limit",
	"MAX_DIRECTIVES_LIMIT":        "max_directives_limit",
	"MAX_FIELDS_LIMIT":            "max_fields_limit",
	"COMPLEXITY_LIMIT_EXCEEDED":   "complexity_limit_exceeded",
}

// Reasons of RATE_LIMITED refusals (see rejection).
const (
	reasonAuthFailures = "auth_failures"
	reasonRateLimit    = "rate_limit"
	reasonKPISlots     = "kpi_slots"
)

// rejectionReasons are all the reason labels rejection returns: the series
// of tuoyu_rejections_total, which start at zero.
func rejectionReasons() []string {
	out := []string{reasonAuthFailures, reasonRateLimit, reasonKPISlots}
	for _, r := range rejectionCodes {
		out = append(out, r)
	}
	return out
}

// rejection is the reason a request with code was refused by a limit, ""
// when it was not. RATE_LIMITED comes from three places, told apart by how
// far the request got: refused credentials of its address (before
// authentication succeeded), its principal's rate (before admission), or
// the KPI slots (during execution).
func rejection(code string, authenticated, admitted bool) string {
	if code == "RATE_LIMITED" {
		switch {
		case !authenticated:
			return reasonAuthFailures
		case !admitted:
			return reasonRateLimit
		default:
			return reasonKPISlots
		}
	}
	return rejectionCodes[code]
}

// Authenticated marks requests that passed authentication and records the
// viewer's role. It goes just inside the authenticator.
func Authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec := FromContext(r.Context()); rec != nil {
			rec.mu.Lock()
			rec.authenticated = true
			rec.role = string(auth.FromContext(r.Context()).Role)
			rec.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// Admitted marks requests that passed the per-principal rate limiter. It
// goes just inside the limiter.
func Admitted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec := FromContext(r.Context()); rec != nil {
			rec.mu.Lock()
			rec.admitted = true
			rec.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

// Extension is the gqlgen extension that names the request's operation
// (once validation chose one) and takes the outcome code from the response.
type Extension struct{}

var (
	_ graphql.HandlerExtension     = Extension{}
	_ graphql.OperationInterceptor = Extension{}
	_ graphql.ResponseInterceptor  = Extension{}
)

func (Extension) ExtensionName() string                   { return "Metrics" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

func (Extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if rec := FromContext(ctx); rec != nil {
		name := ""
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
			name = oc.Operation.Name
		}
		label := OperationLabel(name)
		rec.mu.Lock()
		rec.operation = label
		if rec.role == "" { // no authenticator (tests): the viewer in the context
			rec.role = string(auth.FromContext(ctx).Role)
		}
		rec.mu.Unlock()
	}
	return next(ctx)
}

func (Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if rec := FromContext(ctx); rec != nil && resp != nil && len(resp.Errors) > 0 {
		code, _ := resp.Errors[0].Extensions["code"].(string)
		if code == "" {
			code = "GRAPHQL_ERROR"
		}
		rec.setCode(code)
	}
	return resp
}

// statusWriter keeps the status and, for error statuses, the start of the
// body (the JSON error written by a layer before gqlgen: authentication,
// rate limiter, request guard), from which the code is read.
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	head        bytes.Buffer
}

// headBytes is how much of an error body is kept to find its code.
const headBytes = 512

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.status >= 400 && w.head.Len() < headBytes {
		n := min(len(b), headBytes-w.head.Len())
		w.head.Write(b[:n])
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// codeIn is the first error's extensions.code in a GraphQL error body, ""
// when there is none.
func codeIn(body []byte) string {
	var resp struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &resp) != nil || len(resp.Errors) == 0 {
		return ""
	}
	code := resp.Errors[0].Extensions.Code
	if !validName.MatchString(code) {
		return ""
	}
	return code
}
