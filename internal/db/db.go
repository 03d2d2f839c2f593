// Package db opens the database tuoyu runs on: PostgreSQL through lib/pq when
// a postgres:// URL is configured, otherwise an embedded SQLite file
// (modernc.org/sqlite, pure Go). Both get bounded pools and timeouts.
// On PostgreSQL, reads of GraphQL requests may go to streaming replicas
// (Router, replica.go), and statements may be pinned to one server
// connection for PgBouncer's transaction pooling (pooler.go).
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // registers "postgres" (Open uses its connector directly: session.go)
	"modernc.org/sqlite"

	"github.com/tuoyu/tuoyu/ent"
	_ "github.com/tuoyu/tuoyu/ent/runtime" // registers schema hooks, defaults and policies for every client
)

func init() {
	// ent and Atlas name the SQLite dialect "sqlite3"; modernc registers its
	// driver as "sqlite". Register it under the name they expect as well.
	sql.Register(dialect.SQLite, &sqlite.Driver{})
}

// Config says which database to open and how to bound it.
type Config struct {
	// URL is a postgres:// (or postgresql://) URL; empty means SQLite at SQLitePath.
	URL string
	// SQLitePath is the SQLite database file (created if missing).
	SQLitePath string
	// MaxOpenConns bounds the pool (PostgreSQL; SQLite uses its own bound).
	MaxOpenConns int
	// StatementTimeout is PostgreSQL's statement_timeout for every session.
	StatementTimeout time.Duration
	// ConnectTimeout bounds opening a PostgreSQL connection (lib/pq waits forever by default).
	ConnectTimeout time.Duration
	// BusyTimeout is how long a SQLite writer waits for the lock.
	BusyTimeout time.Duration
	// ReplicaURLs are PostgreSQL streaming replicas that serve reads (see
	// Router); empty = everything on the primary.
	ReplicaURLs []string
	// MaxReplicaLag skips a replica whose replay lags more than this.
	MaxReplicaLag time.Duration
	// ReplicaHooks observe the routing (metrics); set by code, not flags.
	ReplicaHooks Hooks
	// MigrateURL, when set, is a direct PostgreSQL URL that migrations use
	// instead of URL: URL may point at PgBouncer in transaction pooling
	// mode, where the session-level advisory lock of migrations is unsafe.
	MigrateURL string
	// ParallelWorkers is PostgreSQL's max_parallel_workers_per_gather for
	// tuoyu's sessions (session.go); negative leaves the server's setting.
	ParallelWorkers int
	// PgBouncerTransactionMode says URL (and the replica URLs) lead through
	// PgBouncer in transaction pooling mode: every statement outside a
	// transaction runs in one of its own (see pinnedDriver).
	PgBouncerTransactionMode bool
	// StatementCacheSize is how many prepared statements each PostgreSQL
	// connection keeps (stmtcache.go); 0 = none. Ignored behind PgBouncer
	// in transaction mode.
	StatementCacheSize int
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		SQLitePath:       "tuoyu.db",
		MaxOpenConns:     16,
		StatementTimeout: 30 * time.Second,
		ConnectTimeout:   5 * time.Second,
		BusyTimeout:      10 * time.Second,
		MaxReplicaLag:    5 * time.Second,
		// A server's hot list shapes and KPI statements. Each kept
		// statement holds its parse tree in the connection's server
		// process: 24 KB for the 20-row list's, 64 KB for entgql's nested
		// seats statement, so 16 connections × 64 statements stay in the
		// tens of megabytes on the database server.
		StatementCacheSize: 64,
	}
}

// DB is an open database: the raw pool, its ent dialect and the ent client.
type DB struct {
	SQL     *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
	Driver  *entsql.Driver
	// Router routes reads to replicas when ReplicaURLs are configured; nil
	// otherwise. Ent clients and the KPI engine use EntDriver.
	Router *Router
	cfg    Config
	ent    txDriver // Driver, or Driver pinned for PgBouncer
}

// Open opens and pings the database described by cfg.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	var (
		name, dsn string
		err       error
	)
	switch {
	case cfg.URL == "":
		name, dsn = dialect.SQLite, SQLiteDSN(cfg.SQLitePath, cfg.BusyTimeout)
	case strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://"):
		name = dialect.Postgres
		if dsn, err = PostgresDSN(cfg.URL, cfg.StatementTimeout, cfg.ConnectTimeout); err != nil {
			return nil, fmt.Errorf("db: DATABASE_URL (--database-url): %w", err)
		}
	default:
		return nil, fmt.Errorf("db: DATABASE_URL must start with postgres://")
	}
	var pool *sql.DB
	if name == dialect.Postgres {
		pool, err = openPostgres(dsn, cfg)
	} else {
		pool, err = sql.Open(name, dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("db: open %s: %w", name, err)
	}
	configurePool(pool, name, cfg)
	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.PingContext(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect to %s: %w", name, err)
	}
	d := &DB{SQL: pool, Dialect: name, Driver: entsql.OpenDB(name, pool), cfg: cfg}
	d.ent = entDriver(d.Driver, cfg)
	if len(cfg.ReplicaURLs) > 0 {
		if name != dialect.Postgres {
			pool.Close()
			return nil, fmt.Errorf("db: read replicas need PostgreSQL (set DATABASE_URL)")
		}
		replicas := map[string]*sql.DB{}
		for _, raw := range cfg.ReplicaURLs {
			rp, err := openPostgresPool(raw, cfg)
			if err != nil {
				pool.Close()
				for _, p := range replicas {
					p.Close()
				}
				return nil, fmt.Errorf("db: a replica URL (--database-replica-url, TUOYU_DATABASE_REPLICA_URL): %w", err)
			}
			// Not pinged: a replica that is down at start is skipped by
			// the router's checks and used once it is back. Two URLs of
			// one host:port/database (other user or parameters) get
			// distinct names, so neither pool is dropped unclosed.
			name := redactURL(raw)
			for n := 2; replicas[name] != nil || name == "primary"; n++ {
				name = fmt.Sprintf("%s#%d", redactURL(raw), n)
			}
			replicas[name] = rp
		}
		d.Router = newRouter(ctx, d.ent, pool, replicas, ReplicaConfig{MaxLag: cfg.MaxReplicaLag, Hooks: cfg.ReplicaHooks, pinned: cfg.PgBouncerTransactionMode})
	}
	return d, nil
}

// entDriver is drv as ent should use it: pinned behind PgBouncer.
func entDriver(drv *entsql.Driver, cfg Config) txDriver {
	if cfg.PgBouncerTransactionMode && drv.Dialect() == dialect.Postgres {
		return pinnedDriver{drv}
	}
	return drv
}

func openPostgresPool(raw string, cfg Config) (*sql.DB, error) {
	if !strings.HasPrefix(raw, "postgres://") && !strings.HasPrefix(raw, "postgresql://") {
		return nil, fmt.Errorf("URL must start with postgres://")
	}
	dsn, err := PostgresDSN(raw, cfg.StatementTimeout, cfg.ConnectTimeout)
	if err != nil {
		return nil, err
	}
	p, err := openPostgres(dsn, cfg)
	if err != nil {
		return nil, err
	}
	configurePool(p, dialect.Postgres, cfg)
	return p, nil
}

// EntDriver is the driver of the GraphQL API's client and KPI engine: the
// replica router when replicas are configured, else the primary's driver.
func (d *DB) EntDriver() dialect.Driver {
	if d.Router != nil {
		return d.Router
	}
	return d.ent
}

// Client returns an ent client over the primary, with extra options: the
// commands, secrets and authentication (a revoked key must fail at once,
// not after the replicas replay the revocation).
func (d *DB) Client(opts ...ent.Option) *ent.Client {
	return ent.NewClient(append([]ent.Option{ent.Driver(d.ent)}, opts...)...)
}

// RoutedClient returns an ent client over EntDriver: what GraphQL requests
// use, reads on replicas when there are any. Requests must carry
// WithRequest (ScopeRequests) so that a request reads its own writes.
func (d *DB) RoutedClient(opts ...ent.Option) *ent.Client {
	return ent.NewClient(append([]ent.Option{ent.Driver(d.EntDriver())}, opts...)...)
}

// MigrationPool is the pool migrations run on: a direct connection when
// MigrateURL is set (close it with the returned func), else the primary.
func (d *DB) MigrationPool(ctx context.Context) (*sql.DB, func(), error) {
	if d.cfg.MigrateURL == "" {
		if d.cfg.PgBouncerTransactionMode {
			// The migration lock is session-level: through transaction
			// pooling it would stay on whichever server connection took it.
			return nil, nil, fmt.Errorf("db: behind PgBouncer in transaction mode, migrations need a direct URL (--migrate-database-url)")
		}
		return d.SQL, func() {}, nil
	}
	if d.Dialect != dialect.Postgres {
		return nil, nil, fmt.Errorf("db: a migration URL needs PostgreSQL")
	}
	p, err := openPostgresPool(d.cfg.MigrateURL, d.cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("db: migration URL: %w", err)
	}
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, nil, fmt.Errorf("db: connect to the migration URL: %w", err)
	}
	return p, func() { p.Close() }, nil
}

// queueConns bounds the job queue's own pool behind PgBouncer: River's
// fetches, leader election, periodic inserts and completions are short and
// few, and every connection of it is a direct one to PostgreSQL.
const queueConns = 4

// QueuePool is the pool River's job queue (internal/jobs) runs on, its
// migrations included, with the func that closes it. Behind PgBouncer in
// transaction mode it is a small pool of its own on MigrateURL, direct to
// PostgreSQL: River sends its statements through database/sql outside
// transactions, where the bouncer splits lib/pq's parse from its bind
// (pinnedDriver guards only ent's statements), and its migrations hold a
// session lock. Otherwise it is the primary's pool.
func (d *DB) QueuePool(ctx context.Context) (*sql.DB, func(), error) {
	if !d.cfg.PgBouncerTransactionMode || d.Dialect != dialect.Postgres {
		return d.SQL, func() {}, nil
	}
	if d.cfg.MigrateURL == "" {
		return nil, nil, fmt.Errorf("db: behind PgBouncer in transaction mode, the job queue needs a direct URL (--migrate-database-url)")
	}
	p, closePool, err := d.MigrationPool(ctx)
	if err != nil {
		return nil, nil, err
	}
	p.SetMaxOpenConns(queueConns)
	p.SetMaxIdleConns(queueConns)
	return p, closePool, nil
}

// Close stops the replica router and closes the pools.
func (d *DB) Close() error {
	if d.Router != nil {
		d.Router.Close()
	}
	return d.SQL.Close()
}

func configurePool(pool *sql.DB, name string, cfg Config) {
	if name == dialect.SQLite {
		// WAL allows one writer at a time; a small pool keeps readers
		// concurrent while busy_timeout queues writers instead of failing.
		pool.SetMaxOpenConns(4)
		pool.SetMaxIdleConns(4)
		return
	}
	n := cfg.MaxOpenConns
	if n <= 0 {
		n = 16
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxLifetime(30 * time.Minute)
	pool.SetConnMaxIdleTime(5 * time.Minute)
}

// SQLiteDSN is the modernc DSN for path: busy_timeout first, then WAL and
// foreign keys, on every connection; times in SQLite's own text format so
// that dates compare as strings and work with SQLite's date functions.
//
// Reads go through a memory map of up to 256 MB of the file rather than a
// read system call per page into each connection's small page cache: the
// city demo's dashboard went from 148 to 82 ms (bench/RESULTS.md). The
// mapped pages are the kernel's page cache, shared by the connections and
// given back under memory pressure; writes still go through the WAL.
func SQLiteDSN(path string, busy time.Duration) string {
	if busy <= 0 {
		busy = 10 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "mmap_size(268435456)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// errNotAURL is PostgresDSN's refusal; callers say which URL it was, and
// the URL itself (it may hold a password) is never repeated.
var errNotAURL = errors.New("not a valid URL")

// PostgresDSN adds the session settings tuoyu relies on to a postgres URL
// unless the URL already sets them: UTC session time zone (dates are UTC
// midnight), statement and idle-transaction timeouts, and a connect timeout.
func PostgresDSN(raw string, statement, connect time.Duration) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errNotAURL
	}
	q := u.Query()
	setDefault := func(k, v string) {
		if q.Get(k) == "" {
			q.Set(k, v)
		}
	}
	setDefault("timezone", "UTC")
	if statement > 0 {
		setDefault("statement_timeout", fmt.Sprint(statement.Milliseconds()))
		setDefault("idle_in_transaction_session_timeout", fmt.Sprint((2 * statement).Milliseconds()))
	}
	if connect > 0 {
		setDefault("connect_timeout", fmt.Sprint(int(connect.Seconds())))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
