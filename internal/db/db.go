// Package db opens the database tuoyu runs on: PostgreSQL through lib/pq when
// a postgres:// URL is configured, otherwise an embedded SQLite file
// (modernc.org/sqlite, pure Go). Both get bounded pools and timeouts.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq" // registers "postgres"
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
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{
		SQLitePath:       "tuoyu.db",
		MaxOpenConns:     16,
		StatementTimeout: 30 * time.Second,
		ConnectTimeout:   5 * time.Second,
		BusyTimeout:      10 * time.Second,
	}
}

// DB is an open database: the raw pool, its ent dialect and the ent client.
type DB struct {
	SQL     *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
	Driver  *entsql.Driver
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
			return nil, err
		}
	default:
		return nil, fmt.Errorf("db: DATABASE_URL must start with postgres://")
	}
	pool, err := sql.Open(name, dsn)
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
	return &DB{SQL: pool, Dialect: name, Driver: entsql.OpenDB(name, pool)}, nil
}

// Client returns an ent client over the database, with extra options.
func (d *DB) Client(opts ...ent.Option) *ent.Client {
	return ent.NewClient(append([]ent.Option{ent.Driver(d.Driver)}, opts...)...)
}

// Close closes the pool.
func (d *DB) Close() error { return d.SQL.Close() }

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
func SQLiteDSN(path string, busy time.Duration) string {
	if busy <= 0 {
		busy = 10 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	q.Set("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// PostgresDSN adds the session settings tuoyu relies on to a postgres URL
// unless the URL already sets them: UTC session time zone (dates are UTC
// midnight), statement and idle-transaction timeouts, and a connect timeout.
func PostgresDSN(raw string, statement, connect time.Duration) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("db: DATABASE_URL is not a valid URL")
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
