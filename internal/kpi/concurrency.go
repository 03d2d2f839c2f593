package kpi

import (
	"context"
	"runtime"
	"slices"
	"sync"
)

// FactParallelism bounds the fact statements one evaluation runs at once,
// each on its own pooled connection: a dashboard's wall time is then its
// slowest statement, not their sum. The database pool bounds it further
// (SQLite's pool serialises them).
var FactParallelism = 3

// HeavyEvaluations bounds the evaluations running at once on this server,
// so that a burst of dashboards cannot take every pooled connection, nor
// every core, from lists and writes: half the cores the server may use, at
// least one. Measured on 2 cores (bench/RESULTS.md, mixed load: 8
// dashboards beside 56 list clients), 4 at once halved the lists'
// throughput compared with 1 and raised their p95 from 2.5 s to 5.9 s; 1
// finished fewer dashboards in 30 s (6 against 11), which wait instead. Waiting respects the request's
// context. (The per-principal limiter, internal/slots, still applies in
// front of it.)
var HeavyEvaluations = max(1, runtime.GOMAXPROCS(0)/2)

var heavy = make(chan struct{}, HeavyEvaluations)

// acquire takes a server-wide evaluation slot.
func acquire(ctx context.Context) (func(), error) {
	select {
	case heavy <- struct{}{}:
		return func() { <-heavy }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// runFacts runs the needed facts, up to FactParallelism at once, and
// returns the first error (the others are cancelled).
func (ev *evaluation) runFacts(ctx context.Context, needed [numFacts]bool) error {
	var facts []fact
	for f := range numFacts {
		if needed[f] {
			facts = append(facts, f)
		}
	}
	if len(facts) <= 1 || FactParallelism <= 1 {
		for _, f := range facts {
			if err := ev.runFact(ctx, f); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		sem      = make(chan struct{}, FactParallelism)
	)
	// The slowest facts first, so they do not start last.
	slow := func(f fact) bool {
		return f == dailyCheckPairFact || f == dailyCheckFact || f == childFact || f == devScreeningFact
	}
	order := append([]fact{}, facts...)
	slices.SortStableFunc(order, func(a, b fact) int {
		switch {
		case slow(a) && !slow(b):
			return -1
		case slow(b) && !slow(a):
			return 1
		}
		return 0
	})
	for _, f := range order {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(f fact) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := ev.runFact(ctx, f); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		}(f)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
