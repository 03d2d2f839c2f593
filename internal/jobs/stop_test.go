package jobs_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// slowExporter is an export that takes `takes` (or until its context is
// cancelled): it tells started when it begins and reports how it ended on
// ended (nil: it finished).
type slowExporter struct {
	takes   time.Duration
	started chan struct{}
	ended   chan error
}

func newSlowExporter(takes time.Duration) *slowExporter {
	return &slowExporter{takes: takes, started: make(chan struct{}, 1), ended: make(chan error, 1)}
}

func (e *slowExporter) Export(ctx context.Context, _ *ent.Client, w io.Writer, _ jobs.ExportOptions) (int, error) {
	e.started <- struct{}{}
	select {
	case <-time.After(e.takes):
	case <-ctx.Done():
		e.ended <- ctx.Err()
		return 0, ctx.Err()
	}
	e.ended <- nil
	_, err := io.WriteString(w, "a,b\n1,2\n")
	return 1, err
}

// startStoppable starts a queue as serve does: with a context that the
// first signal cancels (the returned func). The test stops it.
func startStoppable(t *testing.T, d *testDB, exporter jobs.Exporter) (*jobs.Queue, context.CancelFunc) {
	t.Helper()
	q, err := jobs.New(jobs.Config{DB: d.db.SQL, Dialect: d.db.Dialect, Client: d.client, Exporter: exporter, Workers: 1, PollInterval: 50 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	serveCtx, signal := context.WithCancel(context.Background())
	t.Cleanup(signal)
	if err := q.Start(serveCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q, signal
}

// runningExport submits an export and waits until the exporter runs.
func runningExport(t *testing.T, q *jobs.Queue, e *slowExporter) *ent.DataJob {
	t.Helper()
	job, err := q.SubmitExport(as("alice"), jobs.ExportRequest{Entity: "institutions", Format: schematype.DataFormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.started:
	case <-time.After(2 * time.Minute):
		t.Fatal("the export never started")
	}
	return job
}

// The shutdown on SIGTERM (README, Background jobs): the signal cancels
// the context the queue was started with, and that must not touch running
// jobs; Stop then lets a running export finish within its budget.
func TestStopLetsRunningJobFinish(t *testing.T) {
	d := openDB(t)
	e := newSlowExporter(1500 * time.Millisecond)
	q, signal := startStoppable(t, d, e.Export)
	job := runningExport(t, q, e)

	signal() // SIGTERM: serve's context is cancelled
	select {
	case err := <-e.ended:
		t.Fatalf("the running export ended with %v as soon as the serve context was cancelled, before Stop", err)
	case <-time.After(300 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // the drain budget
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	select {
	case err := <-e.ended:
		if err != nil {
			t.Fatalf("the running export was cancelled (%v) although it finished within the budget", err)
		}
	default:
		t.Fatal("Stop returned before the running export ended")
	}
	got, err := d.client.DataJob.Get(testdb.Ctx(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != schematype.DataJobStateSucceeded || got.RowsTotal != 1 {
		t.Fatalf("after the stop: %s, %d rows; want SUCCEEDED with 1 row", got.State, got.RowsTotal)
	}
}

// A running job that outlasts the budget is cancelled when it runs out,
// and goes back to QUEUED to run again later.
func TestStopCancelsJobPastBudget(t *testing.T) {
	d := openDB(t)
	e := newSlowExporter(time.Hour)
	q, signal := startStoppable(t, d, e.Export)
	job := runningExport(t, q, e)

	signal()
	const budget = 700 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	began := time.Now()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	took := time.Since(began)
	select {
	case err := <-e.ended:
		if err == nil {
			t.Fatal("the export finished; want it cancelled")
		}
	default:
		t.Fatal("Stop returned with the export still running")
	}
	if took < budget || took > budget+20*time.Second {
		t.Fatalf("Stop took %s; want the %s budget, then the cancellation", took, budget)
	}
	got, err := d.client.DataJob.Get(testdb.Ctx(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != schematype.DataJobStateQueued {
		t.Fatalf("after the cancellation: %s; want QUEUED (it runs again later)", got.State)
	}
}
