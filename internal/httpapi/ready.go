package httpapi

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/tuoyu/tuoyu/migrate"
)

// readyTimeout bounds /readyz's check of the database.
const readyTimeout = time.Second

// readiness answers /readyz within readyTimeout whatever the database does.
// A statement stuck in PgBouncer's queue (every server connection busy)
// ignores its context: lib/pq asks the bouncer to cancel it and waits for
// an answer that comes only when a server connection frees up. So the
// check runs beside the probe, which answers 503 at its deadline, and at
// most one check runs at a time: the probes of a load balancer during an
// outage join the check in flight instead of each holding a connection.
type readiness struct {
	db      *sql.DB
	dialect string

	mu      sync.Mutex
	running chan struct{} // closed when the check in flight ends; nil when none
	status  string        // the last check's outcome: "" ready, else why not
}

// serveHTTP is the /readyz handler (draining is checked by the caller).
func (r *readiness) serveHTTP(w http.ResponseWriter, req *http.Request) {
	ctx, cancel := context.WithTimeout(req.Context(), readyTimeout)
	defer cancel()
	status, done := r.wait(ctx)
	switch {
	case !done:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	case status != "":
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": status})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

// wait starts a check unless one is in flight and waits for it until ctx
// is done; done is false when ctx ended first.
func (r *readiness) wait(ctx context.Context) (status string, done bool) {
	r.mu.Lock()
	running := r.running
	if running == nil {
		running = make(chan struct{})
		r.running = running
		go r.check(running)
	}
	r.mu.Unlock()
	select {
	case <-running:
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.status, true
	case <-ctx.Done():
		return "", false
	}
}

// check pings the database and looks for pending migrations, then records
// the outcome and closes running.
func (r *readiness) check(running chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	status := ""
	if err := r.db.PingContext(ctx); err != nil {
		status = "database unreachable"
	} else if st, err := migrate.Check(ctx, r.db, r.dialect); err != nil || len(st.Pending) > 0 {
		status = "migrations pending"
	}
	r.mu.Lock()
	r.status, r.running = status, nil
	r.mu.Unlock()
	close(running)
}
