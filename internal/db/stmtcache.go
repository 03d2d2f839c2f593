package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lib/pq"
)

// Prepared statements kept per PostgreSQL connection.
//
// lib/pq runs a statement with arguments as PostgreSQL's unnamed prepared
// statement: Parse and Describe, a round trip, then Bind and Execute, a
// second one, and the server parses and analyses the text again each time.
// A page sends the same few statements on every request (a list, its nested
// connections, a dashboard's KPI statements), so each connection keeps its
// last Config.StatementCacheSize statements prepared under a name and runs
// them with Bind and Execute alone: one round trip and no parsing. The
// 20-row institution list's statement went from 243–256 µs to 173–179 µs on
// one connection (bench: BenchmarkStatementCache).
//
// Plans stay as they were. A named statement may switch to a generic plan,
// one made without the argument values, after five executions; KPI and
// policy statements are selective by their values (region code prefixes,
// date windows). A generic plan of entgql's nested seats statement guesses
// 24 institutions under the row policy's region prefix where a province has
// 4,986, and took 7.8 ms where the custom one takes 4.5; a district's prefix
// would be guessed about right. Sessions with the cache therefore run with
// plan_cache_mode = force_custom_plan (sessionSettings): every execution is
// planned for its values, as an unnamed statement is.
//
// A SELECT without arguments is kept too, from its second run: lib/pq
// sends it as a simple query, parsed and planned on every run; prepared,
// its one plan (made with every value in the text, so exact) serves each
// run. The first run goes as a simple query, because many such texts never
// repeat (ID lists written into the text, as the KPI maintenance hooks
// write them), and preparing them would cost a round trip and a slot each.
// Not cached: other statements without arguments (DDL, SET) and statements
// with more than maxCachedArgs arguments (bulk inserts, whose texts rarely
// repeat).
//
// A statement the server refuses after a migration is prepared again
// (runPrepared). Behind PgBouncer in transaction pooling mode there is no
// cache: a named statement lives on one server connection and the bouncer
// hands out others.

// maxCachedArgs bounds the statements worth keeping: a nested page's
// statement has one argument per parent row (at most a few hundred); a
// batched insert has one per cell and a text of its own per batch size.
const maxCachedArgs = 256

// pqConn is what lib/pq's connection implements and the caching connection
// passes on, so that database/sql treats both alike.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// stmtCachingConn is a lib/pq connection that runs statements with
// arguments through the named statements it has prepared (see above).
// database/sql uses a connection from one goroutine at a time, so it needs
// no lock.
type stmtCachingConn struct {
	pqConn
	stmts *simplelru.LRU[string, contextStmt]
	// seen holds hashes of the last SELECTs without arguments run as simple
	// queries: one that comes again is prepared. (Hashes, not texts: an ID
	// list can be long. A collision only prepares a statement early.)
	seen *simplelru.LRU[uint64, struct{}]
	// evictErr is the error of closing the statement the last Add evicted.
	evictErr error
}

// seenSeed is the seed of stmtCachingConn.seen's hashes.
var seenSeed = maphash.MakeSeed()

var _ pqConn = (*stmtCachingConn)(nil)

// contextStmt is a prepared statement that runs with a context, as all of
// lib/pq's do.
type contextStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// cacheStatements wraps conn with a cache of size statements, or returns it
// as it is when the driver is not lib/pq's.
func cacheStatements(conn driver.Conn, size int) (driver.Conn, error) {
	pc, ok := conn.(pqConn)
	if !ok || size <= 0 {
		return conn, nil
	}
	c := &stmtCachingConn{pqConn: pc}
	stmts, err := simplelru.NewLRU(size, func(_ string, st contextStmt) {
		if err := st.Close(); err != nil {
			c.evictErr = fmt.Errorf("db: close a prepared statement: %w", err)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("db: statement cache: %w", err)
	}
	c.stmts = stmts
	if c.seen, err = simplelru.NewLRU[uint64, struct{}](size, nil); err != nil {
		return nil, fmt.Errorf("db: statement cache: %w", err)
	}
	return c, nil
}

// QueryContext runs query through its prepared statement.
func (c *stmtCachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !c.cacheable(query, args) {
		return c.pqConn.QueryContext(ctx, query, args)
	}
	return runPrepared(ctx, c, query, func(st contextStmt) (driver.Rows, error) {
		return st.QueryContext(ctx, args)
	})
}

// ExecContext runs query through its prepared statement.
func (c *stmtCachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.cacheable(query, args) {
		return c.pqConn.ExecContext(ctx, query, args)
	}
	return runPrepared(ctx, c, query, func(st contextStmt) (driver.Result, error) {
		return st.ExecContext(ctx, args)
	})
}

// runPrepared runs query's statement. When the server refuses the
// statement itself, it prepares it again and runs it once more: a table it
// reads changed the type of a column it returns ("cached plan must not
// change result type", feature_not_supported), or the statement is gone
// (invalid_sql_statement_name, after DEALLOCATE or DISCARD ALL). Both are
// raised at bind, before anything runs, so the second run is the first
// that does anything. Inside a transaction the refusal has aborted it, so
// preparing again fails at once, and the caller gets the refusal.
func runPrepared[T any](ctx context.Context, c *stmtCachingConn, query string, run func(contextStmt) (T, error)) (T, error) {
	var none T
	st, err := c.prepared(ctx, query)
	if err != nil {
		return none, err
	}
	out, err := run(st)
	if !refused(err) {
		return out, err
	}
	// Closing a statement the server dropped is not an error to it; a
	// failure to close means a broken connection, which the next step
	// meets (prepared clears the close error before its own Add).
	c.stmts.Remove(query)
	st, againErr := c.prepared(ctx, query)
	if againErr != nil {
		// In an aborted transaction this is in_failed_sql_transaction:
		// the refusal says what happened.
		return none, err
	}
	return run(st)
}

// refused reports whether err is the server refusing a prepared statement
// (see runPrepared): the result-type check of a kept plan (its SQLSTATE,
// feature_not_supported, also covers errors of running a statement, so
// the routine that raised it is checked too), or a statement that is gone.
func refused(err error) bool {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) {
		return false
	}
	switch pqErr.Code {
	case "0A000":
		return pqErr.Routine == "RevalidateCachedQuery"
	case "26000":
		return true
	}
	return false
}

// cacheable reports whether query is worth keeping prepared: a statement
// with arguments, or a SELECT without any that ran before (a page whose
// region scope is written into the text, see ent/schema's regionUnder,
// has no argument left; its one plan then serves every run).
func (c *stmtCachingConn) cacheable(query string, args []driver.NamedValue) bool {
	switch {
	case len(args) > maxCachedArgs:
		return false
	case len(args) > 0:
		return true
	case !strings.HasPrefix(query, "SELECT "):
		return false
	case c.stmts.Contains(query):
		return true
	}
	h := maphash.String(seenSeed, query)
	if c.seen.Contains(h) {
		c.seen.Remove(h)
		return true
	}
	c.seen.Add(h, struct{}{})
	return false
}

// prepared returns query's statement, preparing it on a miss (and closing
// the least recently used one when the cache is full).
func (c *stmtCachingConn) prepared(ctx context.Context, query string) (contextStmt, error) {
	if st, ok := c.stmts.Get(query); ok {
		return st, nil
	}
	prep, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := prep.(contextStmt)
	if !ok {
		// lib/pq's statements all run with a context; anything else (a
		// COPY) is not a statement this cache runs.
		return nil, errors.Join(errors.New("db: a prepared statement without context support"), prep.Close())
	}
	c.evictErr = nil
	c.stmts.Add(query, st)
	if err := c.evictErr; err != nil {
		// The connection failed while closing: database/sql drops it.
		return nil, err
	}
	return st, nil
}
