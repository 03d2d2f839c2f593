// Package answercache gives a GraphQL response again, without executing its
// operation, to a later request for the same operation, variables and scope
// while the data is unchanged (internal/dataversion).
//
// internal/kpi keeps its evaluations' results the same way, which spares the
// database; what is left of a kept province dashboard is the server's own
// work, resolving and writing 1,700 values (about 15 ms of CPU, three
// quarters of it gqlgen's), and under a mixed load that work queued behind
// every list request on the same cores (bench/RESULTS.md). A kept response
// is written as it is, and compressed once per encoding: its memo
// (internal/precompress) is offered to the compression middleware with it.
//
// It is exact under the rules of dataversion.Cache: the version is read
// before the operation's first statement, and a response is kept only if the
// operation succeeded without errors. Which operations may be kept is the
// caller's rule (Extension.Keepable): their answer must be a function of the
// data, the operation text, its variables and Extension.Scope alone, and
// giving it again must skip nothing that has to happen per request (an
// audit record, a write).
package answercache

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/internal/dataversion"
	"github.com/tuoyu/tuoyu/internal/precompress"
)

// DefaultBytes is the size of the responses kept by default: about 30
// province dashboards of every indicator (some 250 KB each, counted twice:
// see New).
const DefaultBytes = 16 << 20

// Extension is a gqlgen handler extension keeping the responses of the
// queries Keepable accepts. Register it before anything it should spare a
// kept response (a queue for execution slots); the limits that run before
// execution (validation, complexity) apply to every request anyway.
type Extension struct {
	// Keepable reports whether the operation's response may be kept: a
	// query whose answer depends on the data, its text, its variables and
	// Scope only.
	Keepable func(*graphql.OperationContext) bool
	// Version reads the data version for the reads of ctx; false keeps and
	// gives nothing (kpi.Engine.DataVersion).
	Version func(context.Context) (dataversion.Version, bool)
	// Scope is everything else the answer depends on: the viewer's role
	// and region, and today's date where the operation's defaults use it.
	Scope func(context.Context) string
	// PerRequest, when set, is asked after a keepable query executed
	// whether it did something every request must do again (an audited
	// read); its response is then not kept. A second line behind Keepable.
	PerRequest func(context.Context) bool
	// Observe, when set, is told whether each keepable query was answered
	// from the cache.
	Observe func(hit bool)

	cache *dataversion.Cache[*kept]

	mu      sync.Mutex
	flights map[string]*flight // by key and version
}

// kept is a kept response: its data, and the memo of the encodings of the
// body it is written as (internal/precompress), made at the first request
// that sends it compressed.
type kept struct {
	data json.RawMessage
	memo precompress.Memo
}

// New returns an Extension keeping up to maxBytes of responses.
func New(maxBytes int, keepable func(*graphql.OperationContext) bool, version func(context.Context) (dataversion.Version, bool), scope func(context.Context) string) *Extension {
	return &Extension{
		Keepable: keepable, Version: version, Scope: scope,
		// Twice the data: the body the encodings were made from (the
		// data in its envelope) and the encodings (a tenth of it each).
		cache: dataversion.NewCache(maxBytes, func(k *kept) int { return 2 * len(k.data) }),
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = (*Extension)(nil)

// ExtensionName names the extension for gqlgen.
func (*Extension) ExtensionName() string { return "AnswerCache" }

// Validate accepts any schema.
func (*Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers a keepable query from the cache when its
// response was kept at the current data version, or with the response of
// the same query executing at that version, and keeps the response of one
// it executes.
func (x *Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query || oc.RawQuery == "" || !x.Keepable(oc) {
		return next(ctx)
	}
	version, ok := x.Version(ctx)
	if !ok {
		return next(ctx)
	}
	key, err := x.key(ctx, oc)
	if err != nil {
		return next(ctx)
	}
	if k, ok := x.cache.Get(key, version); ok {
		return x.give(ctx, k)
	}
	// The same query at the same version already executing (a wall of
	// screens refreshing after a write): wait for its response rather than
	// execute, and queue for KPI slots, again. It is the response this
	// request's own execution would give, for the reasons it may be kept.
	flightKey := key + "@" + strconv.FormatInt(int64(version), 10)
	x.mu.Lock()
	if f, ok := x.flights[flightKey]; ok {
		x.mu.Unlock()
		select {
		case <-f.done:
			if f.kept != nil {
				return x.give(ctx, f.kept)
			}
		case <-ctx.Done():
		}
		x.observe(false)
		resp, _ := x.execute(ctx, next, key, version) // not kept, or out of time: its own
		return resp
	}
	f := &flight{done: make(chan struct{})}
	if x.flights == nil {
		x.flights = map[string]*flight{}
	}
	x.flights[flightKey] = f
	x.mu.Unlock()
	defer func() {
		x.mu.Lock()
		delete(x.flights, flightKey)
		x.mu.Unlock()
		close(f.done)
	}()
	x.observe(false)
	resp, k := x.execute(ctx, next, key, version)
	f.kept = k
	return resp
}

// flight is a keepable query executing; done closes when it ended, kept is
// its response if it was kept.
type flight struct {
	done chan struct{}
	kept *kept
}

// give answers with a kept response.
func (x *Extension) give(ctx context.Context, k *kept) *graphql.Response {
	x.observe(true)
	precompress.Offer(ctx, &k.memo)
	return &graphql.Response{Data: k.data}
}

// execute runs the query and keeps its response if it may be kept.
func (x *Extension) execute(ctx context.Context, next graphql.ResponseHandler, key string, version dataversion.Version) (*graphql.Response, *kept) {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) > 0 || len(resp.Extensions) > 0 || resp.HasNext != nil || resp.Data == nil ||
		(x.PerRequest != nil && x.PerRequest(ctx)) {
		return resp, nil
	}
	k := &kept{data: resp.Data}
	x.cache.Put(key, version, k)
	precompress.Offer(ctx, &k.memo)
	return resp, k
}

// key identifies what the response answers: the scope, the operation
// chosen, its text and its variables (encoding/json writes map keys
// sorted, so equal variables give equal text). Hashed, so that a large
// document is not held as a key.
func (x *Extension) key(ctx context.Context, oc *graphql.OperationContext) (string, error) {
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return "", fmt.Errorf("answercache: variables: %w", err)
	}
	h := sha256.New()
	for _, part := range []string{x.Scope(ctx), oc.OperationName, oc.RawQuery, string(vars)} {
		fmt.Fprintf(h, "%d:%s", len(part), part)
	}
	return string(h.Sum(nil)), nil
}

func (x *Extension) observe(hit bool) {
	if x.Observe != nil {
		x.Observe(hit)
	}
}
