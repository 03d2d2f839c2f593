// Package slots caps how much concurrent work each principal may have in
// flight: a small counting semaphore per key, so that one client's
// expensive requests queue behind each other instead of taking every
// database connection from everyone else.
package slots

import (
	"context"
	"sync"
	"time"
)

// Limiter holds a semaphore of Max slots per key. The zero value is not
// usable; use New.
type Limiter struct {
	max  int
	wait time.Duration

	mu   sync.Mutex
	keys map[string]*sem
}

type sem struct {
	ch   chan struct{}
	refs int // holders and waiters; the entry goes when it drops to 0
}

// New returns a limiter of max concurrent slots per key; Acquire waits at
// most wait for a free slot.
func New(max int, wait time.Duration) *Limiter {
	if max < 1 {
		max = 1
	}
	return &Limiter{max: max, wait: wait, keys: map[string]*sem{}}
}

// Max is the number of slots per key.
func (l *Limiter) Max() int { return l.max }

// Acquire takes one of key's slots, waiting up to the limiter's wait (or
// until ctx ends). It returns the function that gives the slot back, or
// ok false when no slot freed up in time.
func (l *Limiter) Acquire(ctx context.Context, key string) (release func(), ok bool) {
	l.mu.Lock()
	s := l.keys[key]
	if s == nil {
		s = &sem{ch: make(chan struct{}, l.max)}
		l.keys[key] = s
	}
	s.refs++
	l.mu.Unlock()

	done := func() {
		l.mu.Lock()
		s.refs--
		if s.refs == 0 {
			delete(l.keys, key)
		}
		l.mu.Unlock()
	}
	select {
	case s.ch <- struct{}{}:
		return sync.OnceFunc(func() { <-s.ch; done() }), true
	default:
	}
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case s.ch <- struct{}{}:
		return sync.OnceFunc(func() { <-s.ch; done() }), true
	case <-t.C:
	case <-ctx.Done():
	}
	done()
	return nil, false
}
