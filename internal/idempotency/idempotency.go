// Package idempotency makes mutations safe to retry: a client sends an
// Idempotency-Key header (IETF draft-ietf-httpapi-idempotency-key-header)
// with a mutation, and the server stores the key, a hash of the document and
// of the variables and the response, in the mutation's own transaction.
//
//   - Same principal, same key, same document and variables: the stored
//     response is sent again (header Idempotent-Replayed: true) and nothing
//     runs or is written. This covers the commit whose acknowledgement was
//     lost ("driver: bad connection" after COMMIT): the record committed
//     with the writes, so the retry finds it.
//   - Same key, different document or variables: CONFLICT, field
//     "Idempotency-Key"; nothing runs.
//   - A duplicate arriving while the first is still running: on PostgreSQL
//     its record insert waits for the first transaction and then fails:
//     CONFLICT, field "Idempotency-Key" (retry it: the retry replays); on
//     SQLite write transactions queue, so it waits and replays.
//   - A mutation that fails rolls back, its record with it: a retry runs
//     again (nothing was written the first time).
//
// Keys are scoped per principal (token subject or API key); PUBLIC requests
// and queries ignore the header. Records expire after TTL (24 h) and are
// purged opportunistically, at most once per PurgeEvery.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/idempotencyrecord"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// Header is the request header that carries the key; ReplayedHeader marks a
// replayed response.
const (
	Header         = "Idempotency-Key"
	ReplayedHeader = "Idempotent-Replayed"
	// MaxKeyLen is the longest key accepted.
	MaxKeyLen = 255
	// DefaultTTL is how long a key's response is kept.
	DefaultTTL = 24 * time.Hour
)

// ParseKey validates a header value: 1–255 visible ASCII characters
// (0x21–0x7E) other than '"' and '\', optionally written as a
// structured-field string ("…"), as the draft specifies. A UUID is the
// usual choice.
func ParseKey(v string) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	if v == "" || len(v) > MaxKeyLen {
		return "", false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return "", false
		}
	}
	return v, true
}

// state is what the HTTP middleware hands to the GraphQL extension through
// the request context.
type state struct {
	key      string
	replayed atomic.Bool
}

type stateKey struct{}

// Middleware reads and validates the Idempotency-Key header: a malformed
// key, or more than one, is 400 BAD_REQUEST with extensions.field
// "Idempotency-Key" before anything runs. A valid key goes into the request
// context for Extension; a replayed response gets Idempotent-Replayed: true.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values(Header)
		if len(values) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		key, ok := "", len(values) == 1
		if ok {
			key, ok = ParseKey(strings.TrimSpace(values[0]))
		}
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
				"message":    "Idempotency-Key must be one value of 1 to 255 visible ASCII characters (a UUID, for example)",
				"extensions": map[string]any{"code": "BAD_REQUEST", "field": Header},
			}}})
			return
		}
		st := &state{key: key}
		next.ServeHTTP(&replayWriter{ResponseWriter: w, st: st}, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// replayWriter adds Idempotent-Replayed to a replayed response's headers.
type replayWriter struct {
	http.ResponseWriter
	st          *state
	wroteHeader bool
}

func (w *replayWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if w.st.replayed.Load() {
			w.Header().Set(ReplayedHeader, "true")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *replayWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *replayWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Extension is the gqlgen extension that stores and replays mutation
// responses. Register it with srv.Use right after entgql.Transactioner, so
// that it runs inside the mutation's transaction (ent.FromContext).
type Extension struct {
	// Client purges expired records (outside any request's transaction).
	Client *ent.Client
	// TTL is how long a response is kept (default 24 h).
	TTL time.Duration
	// PurgeEvery is the least time between two purges (default 10 minutes).
	PurgeEvery time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time

	purge *purger
}

type purger struct {
	mu   sync.Mutex
	last time.Time
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = &Extension{}

// ExtensionName names the extension.
func (*Extension) ExtensionName() string { return "IdempotencyKey" }

// Validate checks the configuration.
func (e *Extension) Validate(graphql.ExecutableSchema) error {
	if e.Client == nil {
		return errors.New("idempotency: Client is nil")
	}
	if e.TTL <= 0 {
		e.TTL = DefaultTTL
	}
	if e.PurgeEvery <= 0 {
		e.PurgeEvery = 10 * time.Minute
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	e.purge = &purger{}
	return nil
}

func conflict(msg string) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{{
		Message:    msg,
		Extensions: map[string]any{"code": "CONFLICT", "field": Header},
	}}}
}

func internal(ctx context.Context, err error) *graphql.Response {
	slog.ErrorContext(ctx, "idempotency: record failed", "err", err)
	return &graphql.Response{Errors: gqlerror.List{{
		Message:    "internal error",
		Extensions: map[string]any{"code": "INTERNAL"},
	}}}
}

// scope is what a key is kept under: the viewer's principal together with
// its role, region and institution. One subject may hold tokens of several
// scopes (`tuoyu token` names every token dev:$USER), and a response must
// never be replayed to a viewer of another scope, who may not see it and
// whose own write would silently not run. Empty for PUBLIC.
func scope(v *auth.Viewer) string {
	p := v.Principal()
	if p == "" {
		return ""
	}
	s := fmt.Sprintf("%s|%s|%s|%d", p, v.Role, v.RegionCode, v.InstitutionID)
	if len(s) > 300 { // the column's length; a long subject is kept as a hash
		return "sha256:" + hash([]byte(s))
	}
	return s
}

// InterceptResponse replays, refuses or runs and records one mutation.
func (e *Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	st, _ := ctx.Value(stateKey{}).(*state)
	oc := graphql.GetOperationContext(ctx)
	if st == nil || oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	principal := scope(auth.FromContext(ctx))
	tx := ent.FromContext(ctx)
	if principal == "" { // PUBLIC: no write to protect
		return next(ctx)
	}
	if tx == nil {
		// The mutation runs outside a transaction (importData, exportData
		// run their own): its answer cannot be recorded with its writes,
		// so a retry would run it again. Say so rather than ignore the key.
		return &graphql.Response{Errors: gqlerror.List{{
			Message:    Header + " is not supported for importData and exportData: a retry submits another job; poll importJob/exportJob instead",
			Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": Header},
		}}}
	}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	now := e.Now()
	docHash := hash([]byte(oc.RawQuery + "\x00" + oc.OperationName))
	vars, err := json.Marshal(oc.Variables) // map keys sorted: canonical
	if err != nil {
		return internal(ctx, err)
	}
	varHash := hash(vars)
	rec, err := tx.IdempotencyRecord.Query().
		Where(idempotencyrecord.Principal(principal), idempotencyrecord.Key(st.key)).
		Only(sys)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return internal(ctx, err)
	case !rec.ExpiresAt.After(now):
		if err := tx.IdempotencyRecord.DeleteOne(rec).Exec(sys); err != nil {
			return internal(ctx, err)
		}
	case rec.DocumentHash != docHash || rec.VariablesHash != varHash:
		return conflict("this Idempotency-Key was used for a different request; use a new key for a new request")
	default:
		var resp graphql.Response
		if err := json.Unmarshal(rec.Response, &resp); err != nil {
			return internal(ctx, err)
		}
		st.replayed.Store(true)
		return &resp
	}
	// Claim the key before running: a concurrent duplicate's insert waits
	// for this transaction (PostgreSQL) and then fails on the unique index.
	rec, err = tx.IdempotencyRecord.Create().
		SetPrincipal(principal).
		SetKey(st.key).
		SetDocumentHash(docHash).
		SetVariablesHash(varHash).
		SetCreatedAt(now).
		SetExpiresAt(now.Add(e.TTL)).
		Save(sys)
	if ent.IsConstraintError(err) {
		return conflict("a request with this Idempotency-Key is still being processed; retry it shortly")
	}
	if err != nil {
		return internal(ctx, err)
	}
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 {
		return resp // the transaction rolls back, the claim with it
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return internal(ctx, err)
	}
	if err := tx.IdempotencyRecord.UpdateOne(rec).SetResponse(body).Exec(sys); err != nil {
		return internal(ctx, err)
	}
	e.maybePurge(now)
	return resp
}

// maybePurge deletes expired records in the background, at most once per
// PurgeEvery per process.
func (e *Extension) maybePurge(now time.Time) {
	e.purge.mu.Lock()
	if now.Sub(e.purge.last) < e.PurgeEvery {
		e.purge.mu.Unlock()
		return
	}
	e.purge.last = now
	e.purge.mu.Unlock()
	go func() {
		ctx, cancel := context.WithTimeout(privacy.DecisionContext(context.Background(), privacy.Allow), 30*time.Second)
		defer cancel()
		if _, err := Purge(ctx, e.Client, now); err != nil {
			slog.Warn("idempotency: purge failed", "err", err)
		}
	}()
}

// Purge deletes the records expired at now and returns how many.
func Purge(ctx context.Context, client *ent.Client, now time.Time) (int, error) {
	return client.IdempotencyRecord.Delete().
		Where(idempotencyrecord.ExpiresAtLTE(now)).
		Exec(privacy.DecisionContext(ctx, privacy.Allow))
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
