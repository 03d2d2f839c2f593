package idempotency_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/idempotency"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestConcurrentDuplicate (PostgreSQL): a duplicate sent while the first
// request is still running gets CONFLICT (field Idempotency-Key) once the
// first commits, writes nothing, and a later retry replays. The first
// request is held inside its transaction by a row lock on its region.
func TestConcurrentDuplicate(t *testing.T) {
	if testdb.Dialect() != "postgres" {
		t.Skip("PostgreSQL: on SQLite write transactions queue, so a duplicate waits and replays")
	}
	s := gqltest.New(t)
	rid := seedRegion(t, s.Client)
	zhang := &auth.Viewer{Subject: "zhang", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	ctx := context.Background()
	lock, err := s.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, "SELECT id FROM regions WHERE id = $1 FOR UPDATE", rid); err != nil {
		t.Fatal(err)
	}
	waiting := func(n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var got int
			if err := s.SQL.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d sessions waiting for a lock; want %d", got, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	results := make(chan gqltest.Response, 2)
	go func() {
		_, r := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), "dup-key")
		results <- r
	}()
	waiting(1) // the first has claimed the key and waits on the region row
	go func() {
		_, r := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), "dup-key")
		results <- r
	}()
	waiting(2) // the duplicate waits on the first's claim
	if err := lock.Commit(); err != nil {
		t.Fatal(err)
	}
	var ok, conflicts int
	for range 2 {
		r := <-results
		switch {
		case len(r.Errors) == 0:
			ok++
		case r.Errors[0].Code() == "CONFLICT" && r.Errors[0].Field() == idempotency.Header:
			conflicts++
		default:
			t.Fatalf("unexpected response %s", r.Body)
		}
	}
	if ok != 1 || conflicts != 1 {
		t.Fatalf("%d succeeded, %d conflicts; want 1 and 1", ok, conflicts)
	}
	rec, replay := send(t, s.Handler, zhang, createSurvey, surveyInput(rid, 10), "dup-key")
	if len(replay.Errors) > 0 || rec.Header().Get(idempotency.ReplayedHeader) != "true" || replay.Status != http.StatusOK {
		t.Fatalf("retry after the conflict: %s", replay.Body)
	}
	if n := countSurveys(t, s.Client); n != 1 {
		t.Fatalf("%d surveys; want 1", n)
	}
}
