// Package precompress lets a handler deep in the stack tell the compression
// middleware that the body it is about to write is one it writes again and
// again (a kept response, internal/answercache), so that the body is
// compressed once per encoding, not once per request. A kept province
// dashboard is 250 KB of JSON: compressing it took two thirds of the CPU of
// answering it from the cache (bench/RESULTS.md).
//
// The middleware puts a Slot in each request's context (WithSlot); the
// handler Offers a Memo for its body. The middleware, seeing one offered,
// compares what the handler writes with the body the memo kept, without
// copying it, and if every byte matches sends the kept encoding; otherwise
// it encodes what was written, as for any response (and, when the memo has
// no body yet, keeps it and its encoding there). A kept encoding is only
// ever sent for the exact bytes it was made from.
package precompress

import (
	"bytes"
	"context"
	"sync"
)

// Memo keeps a body's encodings, one per encoding: the first body encoded
// that way. The zero value is empty and ready; it is safe for concurrent
// use.
type Memo struct {
	mu    sync.Mutex
	forms map[string]form
}

type form struct{ plain, packed []byte }

// Form returns the body kept for encoding and that body encoded.
func (m *Memo) Form(encoding string) (plain, packed []byte, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.forms[encoding]
	return f.plain, f.packed, ok
}

// Keep keeps packed as plain's encoding, unless one is kept already.
// Neither may be changed afterwards. Encodings of one body share its copy.
func (m *Memo) Keep(encoding string, plain, packed []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.forms[encoding]; ok {
		return // another request kept it first
	}
	for _, f := range m.forms {
		if bytes.Equal(f.plain, plain) {
			plain = f.plain
			break
		}
	}
	if m.forms == nil {
		m.forms = map[string]form{}
	}
	m.forms[encoding] = form{plain: plain, packed: packed}
}

// Slot is where a handler offers the memo of the response of one request.
type Slot struct {
	mu   sync.Mutex
	memo *Memo
}

// Memo returns the memo offered, or nil.
func (s *Slot) Memo() *Memo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memo
}

type slotKey struct{}

// WithSlot returns ctx with a new slot for the response of its request.
func WithSlot(ctx context.Context) (context.Context, *Slot) {
	s := &Slot{}
	return context.WithValue(ctx, slotKey{}, s), s
}

// Offer offers m for the body of the response of ctx's request; without a
// slot in ctx (no compression) it does nothing.
func Offer(ctx context.Context, m *Memo) {
	if s, ok := ctx.Value(slotKey{}).(*Slot); ok {
		s.mu.Lock()
		s.memo = m
		s.mu.Unlock()
	}
}
