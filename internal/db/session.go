package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// sessionSettings are run on every new PostgreSQL connection (not behind
// PgBouncer's transaction pooling, where a session setting would stay on
// whichever server connection ran it; there, set them on the database — see
// README "PgBouncer").
//
// jit = off: PostgreSQL compiles a statement whose estimated cost passes
// jit_above_cost (100,000) with LLVM before running it. The KPI statements
// pass it while running in tens of milliseconds, and JIT made them slower:
// the filing-status part of the institution facts (FILING_RATE and three
// other indicators) took 142 ms with JIT (37 ms of it generating code) and
// 24 ms without; the province dashboard went from 1.25-1.33 s to 1.0-1.1 s
// (bench/RESULTS.md).
//
// max_parallel_workers_per_gather (cfg.ParallelWorkers, default 0): tuoyu
// already runs a dashboard's statements side by side (kpi.FactParallelism)
// and many requests at once; PostgreSQL's parallel workers for each
// statement on top of that compete for the same cores and cost a process
// start each. On 2 cores the province dashboard took 0.62-0.68 s without
// them and 0.78-1.06 s with the server's default of 2.
//
// plan_cache_mode = force_custom_plan, with the statement cache: see
// stmtcache.go.
//
// They are sent as one simple-protocol query: one round trip per connection.
func sessionSettings(cfg Config) string {
	out := []string{"SET jit = off"}
	if cfg.ParallelWorkers >= 0 {
		out = append(out, fmt.Sprintf("SET max_parallel_workers_per_gather = %d", cfg.ParallelWorkers))
	}
	if cfg.StatementCacheSize > 0 {
		out = append(out, "SET plan_cache_mode = force_custom_plan")
	}
	return strings.Join(out, "; ")
}

// openPostgres opens a lib/pq pool for dsn whose new connections run
// sessionSettings first and keep their prepared statements (unless behind
// PgBouncer in transaction mode).
func openPostgres(dsn string, cfg Config) (*sql.DB, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	if cfg.PgBouncerTransactionMode {
		return sql.OpenDB(c), nil
	}
	return sql.OpenDB(sessionConnector{Connector: c, settings: sessionSettings(cfg), statements: cfg.StatementCacheSize}), nil
}

// sessionConnector runs settings on each connection it opens and gives it
// a cache of that many prepared statements (stmtcache.go; none when 0).
type sessionConnector struct {
	driver.Connector
	settings   string
	statements int
}

func (s sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := s.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	execer, ok := conn.(driver.ExecerContext)
	if !ok {
		return nil, errors.Join(errors.New("db: the postgres driver cannot run session settings"), conn.Close())
	}
	if _, err := execer.ExecContext(ctx, s.settings, nil); err != nil {
		return nil, errors.Join(fmt.Errorf("db: session settings %q: %w", s.settings, err), conn.Close())
	}
	cached, err := cacheStatements(conn, s.statements)
	if err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	return cached, nil
}
