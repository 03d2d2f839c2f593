package heapfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		live, scanned, floor uint64
		base, want           int
	}{
		{live: 16 * mib, scanned: 16 * mib, floor: 64 * mib, base: 100, want: 300}, // 16 + 16 × 3 = 64
		{live: 10 * mib, scanned: 10 * mib, floor: 64 * mib, base: 100, want: 540},
		{live: 10 * mib, scanned: 12 * mib, floor: 64 * mib, base: 100, want: 450}, // stacks and globals count
		{live: 40 * mib, scanned: 40 * mib, floor: 64 * mib, base: 100, want: 100}, // 40 × 2 > 64
		{live: 64 * mib, scanned: 65 * mib, floor: 64 * mib, base: 100, want: 100},
		{live: 200 * mib, scanned: 200 * mib, floor: 64 * mib, base: 50, want: 50},
		{live: 16 * mib, scanned: 16 * mib, floor: 64 * mib, base: 500, want: 500}, // base already reaches it
		{live: 1, scanned: 1, floor: 64 * mib, base: 100, want: 1600},              // the runtime's 4 MiB minimum × 16
		{live: 0, scanned: 0, floor: 64 * mib, base: 100, want: 100},               // nothing measured yet
	} {
		if got := percentFor(c.live, c.scanned, c.floor, c.base); got != c.want {
			t.Errorf("percentFor(live %d MiB, scanned %d MiB, floor %d MiB, base %d) = %d, want %d", c.live/mib, c.scanned/mib, c.floor/mib, c.base, got, c.want)
		}
	}
}

// TestHeapTargetFollowsLiveHeap runs the keeper in this process: with
// little live the collector's target is the floor; with more live than
// the floor it is GOGC's again; stop restores the starting percent.
func TestHeapTargetFollowsLiveHeap(t *testing.T) {
	const floor = 96 << 20
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	stop := Start(floor)
	defer stop()

	// A second keeper (a second server in the process) changes nothing,
	// before or after the first one stops.
	stopSecond := Start(floor / 2)
	defer stopSecond()

	runtime.GC()
	got := waitFor(t, "a heap goal at the floor", func() bool { return heapGoal() >= floor })
	if got > floor*11/10 {
		t.Errorf("heap goal %d MiB with a small live heap, want about the floor, %d MiB", got>>20, floor>>20)
	}

	big := make([]*[1 << 20]byte, 160) // 160 MiB live, above the floor
	for i := range big {
		big[i] = new([1 << 20]byte)
	}
	runtime.GC()
	waitFor(t, "GOGC's percent with a large live heap", func() bool { return gcPercent() == 100 })
	if goal, live := heapGoal(), liveBytes(); goal > live*21/10 {
		t.Errorf("heap goal %d MiB with %d MiB live, want GOGC=100's (twice live)", goal>>20, live>>20)
	}
	runtime.KeepAlive(big)

	big = nil
	runtime.GC()
	waitFor(t, "the floor again once the heap is small", func() bool { return gcPercent() > 100 })

	stop()
	stopSecond()
	if p := gcPercent(); p != 100 {
		t.Errorf("after stop the percent is %d, want 100", p)
	}
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if p := gcPercent(); p != 100 {
		t.Errorf("a collection after stop set the percent to %d", p)
	}
}

func TestOffWithoutFloorOrCollector(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	Start(0)()
	if p := gcPercent(); p != 100 {
		t.Errorf("floor 0 changed the percent to %d", p)
	}
	debug.SetGCPercent(-1)
	stop := Start(64 << 20)
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	stop()
	if p := debug.SetGCPercent(100); p != -1 {
		t.Errorf("with the collector off the keeper set the percent to %d", p)
	}
}

// waitFor polls cond after collections (the keeper adjusts on the
// runtime's cleanup goroutine, shortly after a collection ends) and
// returns the heap goal it saw last.
func waitFor(t *testing.T, what string, cond func() bool) uint64 {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return heapGoal()
		}
		time.Sleep(10 * time.Millisecond)
		runtime.GC()
	}
	t.Fatalf("no %s within 5 s: percent %d, live %d MiB, goal %d MiB", what, gcPercent(), liveBytes()>>20, heapGoal()>>20)
	return 0
}

func heapGoal() uint64 { return read("/gc/heap/goal:bytes")[0] }

func liveBytes() uint64 { return read("/gc/heap/live:bytes")[0] }
