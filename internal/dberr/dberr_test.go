package dberr_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/lib/pq"

	"github.com/tuoyu/tuoyu/internal/dberr"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused connection", fmt.Errorf("ent: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"bad connection", fmt.Errorf("ent: %w", driver.ErrBadConn), true},
		{"PostgreSQL starting up", &pq.Error{Code: "57P03"}, true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"closed pool", errors.New("sql: database is closed"), true},
		// The request's own deadline looks like a net.Error (Timeout,
		// Temporary) but is no outage: it must not invite a retry.
		{"request deadline", fmt.Errorf("ent: %w", context.DeadlineExceeded), false},
		{"request cancelled", fmt.Errorf("ent: %w", context.Canceled), false},
		{"unique violation", &pq.Error{Code: "23505"}, false},
		{"nil", nil, false},
	} {
		if got := dberr.Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable = %v; want %v", tc.name, got, tc.want)
		}
	}
}
