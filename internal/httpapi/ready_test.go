package httpapi

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stuckConnector opens connections whose Ping ignores its context until
// release is closed, as a lib/pq statement waiting in PgBouncer's queue
// does, and counts the pings.
type stuckConnector struct {
	release chan struct{}
	pings   atomic.Int32
}

func (c *stuckConnector) Connect(context.Context) (driver.Conn, error) { return stuckConn{c}, nil }
func (c *stuckConnector) Driver() driver.Driver                        { return nil }

type stuckConn struct{ c *stuckConnector }

func (s stuckConn) Ping(context.Context) error {
	s.c.pings.Add(1)
	<-s.c.release
	return errors.New("released")
}
func (stuckConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (stuckConn) Close() error                        { return nil }
func (stuckConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

// /readyz answers 503 within its bound although the database check hangs
// past its context, and probes meanwhile share the one check in flight.
func TestReadyzAnswersWhileTheDatabaseHangs(t *testing.T) {
	conn := &stuckConnector{release: make(chan struct{})}
	db := sql.OpenDB(conn)
	defer db.Close()
	r := &readiness{db: db, dialect: "postgres"}
	var wg sync.WaitGroup
	codes := make([]int, 3)
	start := time.Now()
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			r.serveHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	if took := time.Since(start); took > readyTimeout+time.Second {
		t.Errorf("three probes took %s; want each answered within %s", took, readyTimeout)
	}
	for _, code := range codes {
		if code != http.StatusServiceUnavailable {
			t.Errorf("/readyz with a hanging database = %d; want 503", code)
		}
	}
	if n := conn.pings.Load(); n != 1 {
		t.Errorf("%d pings for three probes of a hanging database; want one check in flight", n)
	}
	close(conn.release)
}
