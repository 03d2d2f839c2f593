package kpi

import (
	"context"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// FactObserver is told each KPI statement's duration and error. fact names
// the engine function that issued the statement ("dailyCheckFacts",
// "loadTree", "population", …): a fixed set, fit for a metric label.
type FactObserver func(ctx context.Context, fact string, d time.Duration, err error)

var factObserver atomic.Pointer[FactObserver]

// SetFactObserver installs f (nil removes it); set it at start-up
// (metrics.ObserveKPIFact).
func SetFactObserver(f FactObserver) {
	if f == nil {
		factObserver.Store(nil)
		return
	}
	factObserver.Store(&f)
}

// CacheObserver is told, for each evaluation that asked the result cache
// (resultcache.go), whether a kept answer served it.
type CacheObserver func(hit bool)

var cacheObserver atomic.Pointer[CacheObserver]

// SetCacheObserver installs f (nil removes it); set it at start-up
// (metrics.ObserveKPICache).
func SetCacheObserver(f CacheObserver) {
	if f == nil {
		cacheObserver.Store(nil)
		return
	}
	cacheObserver.Store(&f)
}

func observeCache(hit bool) {
	if f := cacheObserver.Load(); f != nil {
		(*f)(hit)
	}
}

// observeStatement reports a statement that started at start and ended
// with *errp to the observer; runner.query defers it. Naming the fact by
// the calling function keeps the engine's code free of instrumentation.
func observeStatement(ctx context.Context, start time.Time, errp *error) {
	f := factObserver.Load()
	if f == nil {
		return
	}
	(*f)(ctx, statementName(), time.Since(start), *errp)
}

// statementName is the first function on the stack, above the runner and
// this file, that belongs to this package: "dailyCheckFacts" for
// kpi.(*evaluation).dailyCheckFacts and its closures.
func statementName() string {
	var pcs [16]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	const pkg = "github.com/tuoyu/tuoyu/internal/kpi."
	for {
		fr, more := frames.Next()
		if name, ok := strings.CutPrefix(fr.Function, pkg); ok {
			if i := strings.LastIndexByte(name, ')'); i >= 0 { // (*evaluation).dailyCheckFacts
				name = strings.TrimPrefix(name[i+1:], ".")
			}
			name, _, _ = strings.Cut(name, ".") // closures: dailyCheckFacts.func1
			switch name {
			case "query", "observeStatement", "statementName", "":
			default:
				return name
			}
		}
		if !more {
			return "other"
		}
	}
}
