package kpi

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tuoyu/tuoyu/internal/db"
)

// Identical evaluations that wait for a heavy-evaluation slot at the same
// time are computed once, and every request waiting for it gets the
// result: a wall of BI screens, or a room of regulators opening the same
// province dashboard, costs one evaluation instead of queueing one each
// behind the slot (HeavyEvaluations).
//
// This is exact. A request joins only an evaluation that has not read
// anything yet: the evaluation leaves the waiting room when it takes its
// slot, before it loads the region tree. So every statement of the shared
// evaluation starts after the request arrived and sees every write
// committed before it, as the request's own evaluation would. Requests
// that read the primary (after a write of their own, or ReadPrimary) and
// requests that may read a replica never share one.
//
// Nothing an evaluation reads depends on who asks: the fact statements read
// below the row policies (each request's scope is checked before it asks),
// and every viewer may read targets.
//
// The shared evaluation runs for whichever requests still wait: one that
// gives up (its context ends) leaves the others their result, and the
// evaluation stops when none is left.
type coalescer struct {
	mu      sync.Mutex
	waiting map[string]*flight // not started yet, by query
}

// flight is one shared evaluation.
type flight struct {
	done    chan struct{} // closed once results and err are set
	results []Result
	err     error
	refs    int                // requests waiting for it (under coalescer.mu)
	stop    context.CancelFunc // ends the evaluation when refs drops to 0
}

// flightStarted, when set (by tests), runs after an evaluation has left
// the waiting room and before it reads anything.
var flightStarted func()

// do returns the results of evaluate for key, shared with every identical
// request that waits with it. evaluate must call started once it holds its
// slot and before its first statement.
func (c *coalescer) do(ctx context.Context, key string, evaluate func(ctx context.Context, started func()) ([]Result, error)) ([]Result, error) {
	c.mu.Lock()
	if c.waiting == nil {
		c.waiting = map[string]*flight{}
	}
	f := c.waiting[key]
	if f != nil {
		f.refs++
	} else {
		// Detached from this request's cancellation (the others may still
		// want the result), keeping its values: tracing, and the replica
		// routing that is part of the key.
		run, stop := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), refs: 1, stop: stop}
		c.waiting[key] = f
		go func() {
			defer stop()
			started := func() {
				c.mu.Lock()
				if c.waiting[key] == f {
					delete(c.waiting, key)
				}
				c.mu.Unlock()
				if flightStarted != nil {
					flightStarted()
				}
			}
			results, err := evaluateRecovered(run, started, evaluate)
			c.mu.Lock()
			if c.waiting[key] == f { // failed before it started
				delete(c.waiting, key)
			}
			c.mu.Unlock()
			f.results, f.err = results, err
			close(f.done)
		}()
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return nil, f.err
		}
		return slices.Clone(f.results), nil
	case <-ctx.Done():
		c.mu.Lock()
		if f.refs--; f.refs == 0 {
			f.stop()
			if c.waiting[key] == f {
				delete(c.waiting, key)
			}
		}
		c.mu.Unlock()
		return nil, ctx.Err()
	}
}

// evaluateRecovered runs evaluate, turning a panic into an error: the
// evaluation runs on its own goroutine, outside the request's recovery.
func evaluateRecovered(ctx context.Context, started func(), evaluate func(context.Context, func()) ([]Result, error)) (results []Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kpi: evaluation panicked: %v", r)
		}
	}()
	return evaluate(ctx, started)
}

// waitingFlights reports the evaluations waiting to start and the requests
// waiting for them (for tests).
func (c *coalescer) waitingFlights() (flights, requests int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.waiting {
		flights++
		requests += f.refs
	}
	return flights, requests
}

// flightKey identifies the evaluations that may share one: the same query,
// on the same engine (live or fast), read from the same place.
func (e *Engine) flightKey(ctx context.Context, q Query) string {
	var b strings.Builder
	b.WriteString(strconv.FormatBool(e.live))
	b.WriteByte('|')
	b.WriteString(strconv.FormatBool(db.ReadsPrimary(ctx)))
	b.WriteByte('|')
	b.WriteString(string(q.Dimension))
	b.WriteByte('|')
	b.WriteString(strconv.FormatBool(q.Targets))
	b.WriteByte('|')
	b.WriteString(strconv.FormatBool(q.Children))
	for _, k := range q.Keys {
		b.WriteString("|k")
		b.WriteString(string(k))
	}
	for _, id := range q.RegionIDs {
		b.WriteString("|r")
		b.WriteString(strconv.Itoa(id))
	}
	for _, p := range q.Points {
		for _, t := range []time.Time{p.AsOf, p.From, p.To} {
			b.WriteString("|p")
			b.WriteString(t.Format(time.RFC3339Nano))
		}
	}
	return b.String()
}
