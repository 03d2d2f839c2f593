package slots

import "context"

// Turns lets at most n holders work at once, whoever they are; the others
// wait their turn in the order they came (a channel's blocked senders are
// woken first in, first out). Where Limiter keeps one client from taking
// everything, Turns keeps the server from starting more work than its
// cores can do at once: work started beyond that only holds memory while
// it waits for a core.
type Turns struct{ ch chan struct{} }

// NewTurns returns Turns of n at once (at least 1).
func NewTurns(n int) *Turns {
	return &Turns{ch: make(chan struct{}, max(n, 1))}
}

// Take waits for a turn while ctx lasts and returns the function that ends
// it. If ctx ends first, ok is false and release does nothing: the caller
// goes on without a turn, on its ended context, and fails as any work that
// ran out of time.
func (t *Turns) Take(ctx context.Context) (release func(), ok bool) {
	select {
	case t.ch <- struct{}{}:
		return func() { <-t.ch }, true
	case <-ctx.Done():
		return func() {}, false
	}
}
