// Package heapfloor lets the Go heap grow to a floor before it is
// collected, however little of it is live.
//
// Why: a GraphQL server's live heap is small (about 12 MB for tuoyu
// serving lists) while it allocates fast (140 KB per 20-row page). At
// Go's default GOGC=100 it collects whenever the heap has doubled: about
// 25 collections a second at 1,900 pages a second, each marking the whole
// live heap and scanning every goroutine's stack. With a floor the heap
// target becomes max(floor, what GOGC gives): collections are rarer while
// little is live, and nothing changes once the live heap is large
// (dashboards, imports), so the peak stays what GOGC alone gives above
// the floor. GOMEMLIMIT, when set, still caps the heap.
//
// Go has no minimum-heap setting (GOMEMLIMIT is a ceiling), so after each
// collection the keeper sets the GC percent that puts the next target at
// the floor, never below the percent the process started with.
package heapfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// heapMinimum is the runtime's smallest heap target at GOGC=100; it
// scales with the percent (4 MiB × percent/100), so it bounds the percent
// for a nearly empty heap.
const heapMinimum = 4 << 20

// running is set while a keeper runs: the GC percent is the process's, so
// one keeper sets it (tests start several servers in one process).
var running atomic.Bool

// Start keeps the heap target at floor bytes or more until stop is
// called, which restores the percent the process started with. A floor of
// 0, a collector turned off (GOGC=off), or a keeper already running
// leaves the runtime alone.
func Start(floor uint64) (stop func()) {
	base := gcPercent()
	if floor == 0 || base <= 0 || !running.CompareAndSwap(false, true) {
		return func() {}
	}
	k := &keeper{floor: floor, base: base, percent: base}
	k.adjust()
	k.arm()
	return k.stop
}

// keeper holds the floor and what it last set.
type keeper struct {
	floor uint64
	base  int

	mu      sync.Mutex
	percent int
	stopped bool
}

// sentinel is allocated once per collection cycle: its cleanup runs after
// the collection that found it unreachable. A pointer field keeps it out
// of the tiny allocator, whose blocks (shared by several objects) may
// outlive their objects and delay the cleanup.
type sentinel struct{ _ *byte }

// arm schedules adjust after the next collection.
func (k *keeper) arm() {
	runtime.AddCleanup(new(sentinel), (*keeper).cycle, k)
}

// cycle runs on the runtime's cleanup goroutine after a collection.
func (k *keeper) cycle() {
	if k.adjust() {
		k.arm()
	}
}

// adjust sets the percent for the live heap the last collection found
// and reports whether the keeper still runs.
func (k *keeper) adjust() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopped {
		return false
	}
	live, scanned := lastCycle()
	if p := percentFor(live, scanned, k.floor, k.base); p != k.percent {
		debug.SetGCPercent(p)
		k.percent = p
	}
	return true
}

func (k *keeper) stop() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.stopped {
		k.stopped = true
		debug.SetGCPercent(k.base)
		running.Store(false)
	}
}

// percentFor is the GC percent whose heap target reaches floor, and base
// when base already does. The runtime's target is live + scanned ×
// percent/100, where scanned is what the collection scanned: the live
// heap, the goroutine stacks and the globals.
func percentFor(live, scanned, floor uint64, base int) int {
	if scanned == 0 || live >= floor {
		return base
	}
	p := min((floor-live)*100/scanned, floor*100/heapMinimum)
	return max(int(p), base)
}

// lastCycle is the heap the last collection marked live and all it
// scanned (live heap, stacks and globals).
func lastCycle() (live, scanned uint64) {
	v := read("/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes")
	return v[0], v[0] + v[1] + v[2]
}

// gcPercent is the percent in force (GOGC); 0 when the collector is off.
func gcPercent() int { return int(read("/gc/gogc:percent")[0]) }

// read returns runtime metrics of kind uint64 (0 for any other).
func read(names ...string) []uint64 {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	v := make([]uint64, len(s))
	for i := range s {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return v
}
