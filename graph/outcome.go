package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/lib/pq"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
)

// RetryAfterSeconds is the Retry-After of a 503 UNAVAILABLE answer.
const RetryAfterSeconds = "5"

// outcome is what one HTTP request's errors amount to: the HTTP status they
// call for (503 when the database is unavailable, 429 when a KPI slot was
// refused) and the one log line written for the request. The presenter
// notes every error here (noteError); nothing else logs per error, so a
// request with 60,000 failing IDs writes one line, not 60,000.
type outcome struct {
	client *ent.Client

	mu          sync.Mutex
	internal    int
	unavailable int
	rateLimited int
	fields      []string // Type.field of the first failing fields (schema names, no aliases)
	causes      []string // their causes, without client values
	panicStack  string   // the first recovered panic's type and stack (Recover)
}

type outcomeKey struct{}

func outcomeFrom(ctx context.Context) *outcome {
	o, _ := ctx.Value(outcomeKey{}).(*outcome)
	return o
}

// maxLoggedCauses bounds the causes listed in the request's log line.
const maxLoggedCauses = 3

// noteError records a presented error in the request's outcome.
func noteError(ctx context.Context, e *gqlerror.Error, cause error) {
	o := outcomeFrom(ctx)
	if o == nil || e == nil {
		return
	}
	code, _ := e.Extensions["code"].(string)
	o.mu.Lock()
	defer o.mu.Unlock()
	switch code {
	case CodeInternal:
		o.internal++
	case CodeUnavailable:
		o.unavailable++
	case CodeRateLimited:
		o.rateLimited++
		return
	default:
		return
	}
	if len(o.causes) < maxLoggedCauses {
		field := ""
		if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Field != nil {
			field = fc.Object + "." + fc.Field.Name
		}
		o.fields = append(o.fields, field)
		o.causes = append(o.causes, safeCause(cause))
	}
}

// withOutcome wraps the GraphQL handler: it gives each request an outcome,
// turns the response into 503 + Retry-After (UNAVAILABLE) or 429 +
// Retry-After (RATE_LIMITED) when an error called for it, and writes one
// structured log line for a request that had INTERNAL or UNAVAILABLE
// errors, naming schema fields and error kinds, never client values.
func withOutcome(next http.Handler, client *ent.Client) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := &outcome{client: client}
		ctx := context.WithValue(r.Context(), outcomeKey{}, o)
		next.ServeHTTP(&statusWriter{ResponseWriter: w, o: o}, r.WithContext(ctx))
		o.mu.Lock()
		defer o.mu.Unlock()
		switch {
		case o.internal > 0 && o.panicStack != "":
			slog.ErrorContext(ctx, "graphql: request failed", "internal", o.internal, "unavailable", o.unavailable,
				"fields", slices.Clone(o.fields), "causes", slices.Clone(o.causes), "panic", o.panicStack)
		case o.internal > 0:
			slog.ErrorContext(ctx, "graphql: request failed", "internal", o.internal, "unavailable", o.unavailable,
				"fields", slices.Clone(o.fields), "causes", slices.Clone(o.causes))
		case o.unavailable > 0:
			slog.WarnContext(ctx, "graphql: database unavailable", "unavailable", o.unavailable,
				"fields", slices.Clone(o.fields), "causes", slices.Clone(o.causes))
		}
	})
}

// statusWriter rewrites the status of a GraphQL response once the errors
// are known (gqlgen writes the header after executing the operation).
type statusWriter struct {
	http.ResponseWriter
	o       *outcome
	written bool
}

func (w *statusWriter) WriteHeader(status int) {
	if w.written {
		return
	}
	w.written = true
	w.o.mu.Lock()
	unavailable, limited := w.o.unavailable > 0, w.o.rateLimited > 0
	w.o.mu.Unlock()
	if status == http.StatusOK {
		switch {
		case unavailable:
			w.Header().Set("Retry-After", RetryAfterSeconds)
			status = http.StatusServiceUnavailable
		case limited:
			w.Header().Set("Retry-After", "1")
			status = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// isDataException reports a PostgreSQL data exception (class 22: a value
// out of range, an invalid byte sequence, …): bad input that slipped past
// the checks, never INTERNAL.
func isDataException(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && strings.HasPrefix(string(pqErr.Code), "22")
}

// isForeignKey reports a foreign-key violation on either dialect.
func isForeignKey(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23503"
	}
	return strings.Contains(err.Error(), "FOREIGN KEY")
}

// isNotNull reports a NOT NULL violation on either dialect.
func isNotNull(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23502"
	}
	return strings.Contains(err.Error(), "NOT NULL constraint failed")
}

// detachedEdge names the clear…/remove…IDs field of the failing mutation's
// input: detaching rows whose reference is required (an enrolment from its
// child) leaves them without it.
func detachedEdge(ctx context.Context) string {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || fc.Field.Field == nil || oc == nil {
		return ""
	}
	input, _ := fc.Field.ArgumentMap(oc.Variables)["input"].(map[string]any)
	var keys []string
	for k, v := range input {
		if v != nil && v != false && (strings.HasPrefix(k, "clear") || strings.HasPrefix(k, "remove")) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		return keys[0]
	}
	return ""
}

// missingReference finds, for a foreign-key violation without a column
// (SQLite says only "FOREIGN KEY constraint failed"), the input field of
// the failing mutation whose ID names no record: every `…ID` / `…IDs`
// field of its input is looked up. When all exist (an ID of the wrong
// type) and one such field was given, that one is named.
func missingReference(ctx context.Context, _ error) string {
	o := outcomeFrom(ctx)
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if o == nil || o.client == nil || fc == nil || fc.Field.Field == nil {
		return ""
	}
	args := fc.Field.ArgumentMap(oc.Variables)
	input, _ := args["input"].(map[string]any)
	var candidates []string
	for k := range input {
		if (strings.HasSuffix(k, "ID") || strings.HasSuffix(k, "IDs")) && input[k] != nil {
			candidates = append(candidates, k)
		}
	}
	slices.Sort(candidates)
	lookup := privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow)
	for _, k := range candidates {
		for _, id := range idsOf(input[k]) {
			if _, err := o.client.Noder(lookup, id); err != nil {
				return k
			}
		}
	}
	if len(candidates) == 1 {
		return candidates[0]
	}
	return ""
}

// idsOf reads the IDs of an input field (one ID or a list) as the argument
// map holds them.
func idsOf(v any) []int {
	var out []int
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, idsOf(e)...)
		}
	default:
		if n, err := graphql.UnmarshalIntID(x); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// sensitiveText matches what a cause's text may carry from the client or
// the data: quoted strings and long digit runs (IDs, ID-card numbers,
// phone numbers).
var sensitiveText = regexp.MustCompile(`"[^"]*"|'[^']*'|\([^)]*\)|[0-9A-Za-z]*[0-9]{4,}[0-9A-Za-z]*`)

// safeCause describes an error for the log without client values: the
// PostgreSQL SQLSTATE, or the text with quoted parts and long numbers
// replaced by "…".
func safeCause(err error) string {
	if err == nil {
		return ""
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return "pq " + string(pqErr.Code) + " " + pqErr.Code.Name()
	}
	return sensitiveText.ReplaceAllString(err.Error(), "…")
}
