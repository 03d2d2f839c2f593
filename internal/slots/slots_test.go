package slots

import (
	"context"
	"testing"
	"time"
)

// TestPerKeySlots: a key gets Max slots, the next waits and fails; another
// key is not affected; a released slot is reusable and idle keys are
// forgotten.
func TestPerKeySlots(t *testing.T) {
	l := New(2, 20*time.Millisecond)
	ctx := context.Background()
	r1, ok1 := l.Acquire(ctx, "a")
	r2, ok2 := l.Acquire(ctx, "a")
	if !ok1 || !ok2 {
		t.Fatal("first two slots refused")
	}
	if _, ok := l.Acquire(ctx, "a"); ok {
		t.Fatal("third slot of a granted")
	}
	rb, ok := l.Acquire(ctx, "b")
	if !ok {
		t.Fatal("b starved by a")
	}
	rb()
	r1()
	r1() // idempotent
	r3, ok := l.Acquire(ctx, "a")
	if !ok {
		t.Fatal("released slot not reusable")
	}
	r2()
	r3()
	if n := len(l.keys); n != 0 {
		t.Fatalf("%d keys kept after release; want 0", n)
	}
}

// TestWaitsForASlot: a waiter gets the slot released within the wait.
func TestWaitsForASlot(t *testing.T) {
	l := New(1, time.Second)
	r, _ := l.Acquire(context.Background(), "a")
	go func() { time.Sleep(10 * time.Millisecond); r() }()
	r2, ok := l.Acquire(context.Background(), "a")
	if !ok {
		t.Fatal("waiter did not get the released slot")
	}
	r2()
}
