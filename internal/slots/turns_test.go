package slots_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/slots"
)

// At most Size holders at once, however many ask; each waiter gets a turn
// once one ends.
func TestTurnsBoundHolders(t *testing.T) {
	turns := slots.NewTurns(3)
	var holding, most atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			end, ok := turns.Take(context.Background())
			if !ok {
				t.Error("Take without a deadline gave no turn")
				return
			}
			n := holding.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			holding.Add(-1)
			end()
		})
	}
	wg.Wait()
	if m := most.Load(); m > 3 || m < 1 {
		t.Fatalf("at most %d holders at once; want 1 to 3", m)
	}
	// NewTurns(0) still gives one turn, and only one.
	one := slots.NewTurns(0)
	if _, ok := one.Take(context.Background()); !ok {
		t.Error("NewTurns(0) gave no turn")
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := one.Take(ended); ok {
		t.Error("NewTurns(0) gave a second turn")
	}
}

// A waiter whose context ends goes on without a turn, and its release does
// not free someone else's.
func TestTurnsWaitWhileTheContextLasts(t *testing.T) {
	turns := slots.NewTurns(1)
	end, _ := turns.Take(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	noTurn, ok := turns.Take(ctx)
	if ok {
		t.Fatal("a second turn was given while the only one was held")
	}
	noTurn()
	if _, ok := turns.Take(ctx); ok {
		t.Fatal("releasing a turn never taken freed the held one")
	}
	end()
	if end2, ok := turns.Take(context.Background()); !ok {
		t.Fatal("no turn after the holder ended it")
	} else {
		end2()
	}
}
