package graph

import (
	"context"
	"runtime"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/slots"
)

// DefaultKPISlots is the default number of operations computing indicators
// one principal may run at once; KPISlotWait is how long a further one waits
// for a slot before it is refused with RATE_LIMITED (HTTP 429,
// Retry-After: 1).
const (
	DefaultKPISlots = 2
	KPISlotWait     = 2 * time.Second
)

// DefaultOperationsPerCore is the default number of operations other than
// KPI ones the server executes at once, per core (HandlerOptions.Operations):
// enough to overlap one operation's database round trips with another's
// CPU work, few enough that the rest wait in line rather than in memory.
const DefaultOperationsPerCore = 4

// DefaultOperations is HandlerOptions.Operations' default on this machine:
// DefaultOperationsPerCore per core, at least 4.
func DefaultOperations() int { return max(4, DefaultOperationsPerCore*runtime.GOMAXPROCS(0)) }

// DefaultKPIOperations is HandlerOptions.KPIOperations' default on this
// machine: one per core, at least 2.
func DefaultKPIOperations() int { return max(2, runtime.GOMAXPROCS(0)) }

// executionGate decides when an operation executes, once it has passed
// every check.
//
// Operations computing indicators: one principal (a token subject, an API
// key) runs at most KPISlots at once, so that one client's dashboards
// cannot hold every database connection while others wait; a further one
// waits up to KPISlotWait, then is RATE_LIMITED. Server-wide, at most
// KPIOperations such operations (one per core by default) run at once,
// whoever the principals; the others wait their turn as long as their
// deadline allows. A kept KPI answer (internal/kpi's result cache) costs no
// database time, but its response is still thousands of objects to
// marshal (unless the whole response was kept, kpianswers.go, which answers
// before this gate): eight dashboards marshalled at once doubled the
// server's peak memory and cost lists 16 % of their throughput
// (bench/RESULTS.md).
//
// Every other operation takes one of Operations turns (4 per core by
// default), first come first served, and waits for one as long as its
// deadline allows. Started beyond what the cores can run, an operation
// only holds its half-built response in memory while it waits for a core:
// under 56 list clients on 2 cores, letting all of them in at once made
// peak memory 160–240 MB and a nested list's p95 0.84–0.87 s; taking turns
// gave 145–161 MB and 0.49–0.60 s, at the same throughput, and dashboards
// answered from kept responses (which wait for no turn) were no longer
// queued behind lists (bench/RESULTS.md, "Operations take turns").
type executionGate struct {
	kpiSlots *slots.Limiter
	kpiTurns turns
	turns    turns
}

// turns are server-wide turns and the histogram of the waits for them
// (tuoyu_operation_turn_wait_seconds).
type turns struct {
	*slots.Turns
	waits prometheus.Observer
}

func newExecutionGate(o HandlerOptions) executionGate {
	return executionGate{
		kpiSlots: slots.New(o.KPISlots, o.KPISlotWait),
		kpiTurns: turns{slots.NewTurns(o.KPIOperations), metrics.TurnWait.WithLabelValues("kpi")},
		turns:    turns{slots.NewTurns(o.Operations), metrics.TurnWait.WithLabelValues("other")},
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = executionGate{}

func (executionGate) ExtensionName() string                   { return "ExecutionGate" }
func (executionGate) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse waits for the operation's turn, then executes it. If
// the request's deadline passes while it waits, it runs on its ended
// context and answers as any request that ran out of time.
func (g executionGate) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil {
		return next(ctx)
	}
	if !selectsKPI(oc) {
		defer g.turns.take(ctx)()
		return next(ctx)
	}
	release, ok := g.kpiSlots.Acquire(ctx, auth.FromContext(ctx).Principal())
	if !ok {
		e := gqlerror.Errorf("too many indicator requests in flight for this client (at most %d); retry later", g.kpiSlots.Max())
		errcode.Set(e, CodeRateLimited)
		noteError(ctx, e, nil)
		return &graphql.Response{Errors: gqlerror.List{e}}
	}
	defer release()
	defer g.kpiTurns.take(ctx)()
	return next(ctx)
}

// take waits for a turn, observes the wait and returns the function that
// ends the turn.
func (t turns) take(ctx context.Context) (end func()) {
	start := time.Now()
	end, _ = t.Take(ctx)
	t.waits.Observe(time.Since(start).Seconds())
	return end
}

// selectsKPI reports whether the operation selects a field computing
// indicators.
func selectsKPI(oc *graphql.OperationContext) bool {
	found := false
	w := selectionWalker{doc: oc.Doc, seen: map[string]bool{}}
	w.walk(oc.Operation.SelectionSet, func(f *ast.Field) bool {
		if f.ObjectDefinition != nil && kpiFields[f.ObjectDefinition.Name][f.Name] {
			found = true
			return false
		}
		return true
	})
	return found
}
