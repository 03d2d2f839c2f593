package kpi_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// coalesceQuery is a dashboard of every indicator for two districts.
func coalesceQuery(f *kpifixture.Fixture) kpi.Query {
	return kpi.Query{
		Keys:      schematype.IndicatorKeys,
		RegionIDs: []int{f.D1.ID, f.D2.ID},
		Points:    []kpi.Point{{AsOf: kpifixture.AsOf, From: kpifixture.June[0], To: kpifixture.June[1]}},
		Targets:   true,
	}
}

// sameResults compares results, targets by ID (an ent entity holds its
// client's configuration, functions included, which never compare equal).
func sameResults(a, b []kpi.Result) bool {
	key := func(rs []kpi.Result) []any {
		var out []any
		for _, r := range rs {
			target := 0
			if r.Target != nil {
				target = r.Target.ID
			}
			r.Target = nil
			out = append(out, r, target)
		}
		return out
	}
	return reflect.DeepEqual(key(a), key(b))
}

// waitUntil polls cond (the evaluations run in other goroutines).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// evaluations runs Evaluate in the background and collects its answers.
type evaluations struct {
	wg      sync.WaitGroup
	mu      sync.Mutex
	results [][]kpi.Result
	errs    []error
}

func (es *evaluations) start(ctx context.Context, engine *kpi.Engine, q kpi.Query) {
	es.wg.Go(func() {
		res, err := engine.Evaluate(ctx, q)
		es.mu.Lock()
		defer es.mu.Unlock()
		es.results = append(es.results, res)
		es.errs = append(es.errs, err)
	})
}

// TestWaitingIdenticalEvaluationsShareOne: identical evaluations waiting
// for a slot together cost one evaluation's statements, and each gets the
// answer it would have got alone.
func TestWaitingIdenticalEvaluationsShareOne(t *testing.T) {
	d, f, engine := setup(t)
	q := coalesceQuery(f)
	var want []kpi.Result
	one := d.Count(func() {
		var err error
		if want, err = engine.Evaluate(testdb.Ctx(), q); err != nil {
			t.Fatal(err)
		}
	})
	var es evaluations
	shared := d.Count(func() {
		release := kpi.HoldSlots(t)
		for range 5 {
			es.start(testdb.Ctx(), engine, q)
		}
		waitUntil(t, "five requests wait for one evaluation", func() bool {
			flights, requests := kpi.WaitingFlights(engine)
			return flights == 1 && requests == 5
		})
		release()
		es.wg.Wait()
	})
	for i, res := range es.results {
		if es.errs[i] != nil {
			t.Fatal(es.errs[i])
		}
		if !sameResults(res, want) {
			t.Errorf("request %d: results differ from an evaluation alone", i)
		}
	}
	if shared != one {
		t.Errorf("five waiting requests ran %d statements; one evaluation runs %d", shared, one)
	}
}

// TestSharedEvaluationSeesWritesBeforeEachRequest: a request that arrives
// after a write joins an evaluation that has not read anything yet, so the
// shared answer includes the write, for it and for the request before it.
func TestSharedEvaluationSeesWritesBeforeEachRequest(t *testing.T) {
	d, f, engine := setup(t)
	q := coalesceQuery(f)
	q.Keys = []kpi.Key{schematype.SeatsPer1000}
	before, err := engine.Evaluate(testdb.Ctx(), q)
	if err != nil {
		t.Fatal(err)
	}
	release := kpi.HoldSlots(t)
	var es evaluations
	es.start(testdb.Ctx(), engine, q)
	waitUntil(t, "the first request waits", func() bool { _, n := kpi.WaitingFlights(engine); return n == 1 })
	// A seat more in D1 (institution A, subdistrict S11).
	if err := d.Client.Seat.Create().SetInstitution(f.A).SetAgeBand(seat.AgeBandTODDLER).SetInclusive(true).SetOpenedAt(f.A.OpenedAt).Exec(testdb.Ctx()); err != nil {
		t.Fatal(err)
	}
	es.start(testdb.Ctx(), engine, q)
	waitUntil(t, "the second request joins the first", func() bool {
		flights, requests := kpi.WaitingFlights(engine)
		return flights == 1 && requests == 2
	})
	release()
	es.wg.Wait()
	after, err := engine.Evaluate(testdb.Ctx(), q)
	if err != nil {
		t.Fatal(err)
	}
	if sameResults(after, before) {
		t.Fatal("the new seat changed nothing: the test proves nothing")
	}
	for i, res := range es.results {
		if es.errs[i] != nil {
			t.Fatal(es.errs[i])
		}
		if !sameResults(res, after) {
			t.Errorf("request %d: the shared evaluation missed a write made before a request arrived", i)
		}
	}
}

// TestSharedEvaluationOutlivesARequestThatLeaves: the request that started
// an evaluation may give up; the ones that joined still get the answer.
func TestSharedEvaluationOutlivesARequestThatLeaves(t *testing.T) {
	_, f, engine := setup(t)
	q := coalesceQuery(f)
	want, err := engine.Evaluate(testdb.Ctx(), q)
	if err != nil {
		t.Fatal(err)
	}
	release := kpi.HoldSlots(t)
	ctx, cancel := context.WithCancel(testdb.Ctx())
	var first, second evaluations
	first.start(ctx, engine, q)
	waitUntil(t, "the first request waits", func() bool { _, n := kpi.WaitingFlights(engine); return n == 1 })
	second.start(testdb.Ctx(), engine, q)
	waitUntil(t, "the second request joins", func() bool { _, n := kpi.WaitingFlights(engine); return n == 2 })
	cancel()
	first.wg.Wait()
	if !errors.Is(first.errs[0], context.Canceled) {
		t.Fatalf("the request that left got %v; want context.Canceled", first.errs[0])
	}
	release()
	second.wg.Wait()
	if second.errs[0] != nil {
		t.Fatal(second.errs[0])
	}
	if !sameResults(second.results[0], want) {
		t.Error("the remaining request's results differ from an evaluation alone")
	}
}

// TestStartedEvaluationIsNotJoined: once an evaluation has its slot it may
// have read; a request arriving then waits for an evaluation of its own.
func TestStartedEvaluationIsNotJoined(t *testing.T) {
	d, f, engine := setup(t)
	q := coalesceQuery(f)
	one := d.Count(func() {
		if _, err := engine.Evaluate(testdb.Ctx(), q); err != nil {
			t.Fatal(err)
		}
	})
	entered, proceed := make(chan struct{}), make(chan struct{})
	var once, proceedOnce sync.Once
	letProceed := func() { proceedOnce.Do(func() { close(proceed) }) }
	t.Cleanup(letProceed) // lets the first evaluation finish if the test stops early
	t.Cleanup(kpi.SetFlightStarted(func() {
		once.Do(func() {
			close(entered)
			<-proceed
		})
	}))
	var es evaluations
	statements := d.Count(func() {
		es.start(testdb.Ctx(), engine, q)
		<-entered // the first evaluation holds its slot and is about to read
		release := kpi.HoldSlots(t)
		es.start(testdb.Ctx(), engine, q)
		waitUntil(t, "the second request waits on its own", func() bool {
			flights, requests := kpi.WaitingFlights(engine)
			return flights == 1 && requests == 1
		})
		letProceed()
		release()
		es.wg.Wait()
	})
	for _, err := range es.errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if statements != 2*one {
		t.Errorf("two evaluations ran %d statements; want %d", statements, 2*one)
	}
}
