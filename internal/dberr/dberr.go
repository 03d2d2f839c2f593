// Package dberr classifies database errors that are about the database
// rather than the request, for every layer that must answer them alike
// (GraphQL's presenter, authentication's API-key lookup): a database that
// cannot be reached is UNAVAILABLE (503, Retry-After), never INTERNAL.
package dberr

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/lib/pq"
)

// Unavailable reports whether err means the database could not be reached
// or is not accepting work: a refused or dropped connection, PostgreSQL
// starting up, shutting down or out of connections, a closed pool, SQLite
// unable to open its file or busy beyond busy_timeout.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	// A request's own deadline or cancellation is not an outage (a
	// context error looks like a net.Error: it has Timeout and Temporary).
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false
	}
	var (
		pqErr  *pq.Error
		netErr net.Error
		coded  interface{ Code() int }
	)
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.As(err, &pqErr):
		code := string(pqErr.Code)
		return strings.HasPrefix(code, "08") || // connection_exception
			strings.HasPrefix(code, "53") || // insufficient_resources (too many connections)
			code == "57P01" || code == "57P02" || code == "57P03" // admin/crash shutdown, cannot connect now
	case errors.As(err, &netErr):
		return true
	case errors.As(err, &coded): // modernc.org/sqlite
		switch coded.Code() & 0xff {
		case 5, 6, 10, 14: // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN
			return true
		}
	}
	// database/sql's "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "sql: database is closed")
}
