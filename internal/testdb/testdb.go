// Package testdb gives each test its own migrated database: SQLite in the
// test's temporary directory by default, PostgreSQL (a fresh database per
// test) when TEST_DATABASE_URL is set. TEST_DIALECT=sqlite forces SQLite even
// then, so CI can run the whole suite once per dialect. Every client counts
// the SQL statements it sends, so tests can pin N+1 behaviour exactly.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/migrate"
)

// DB is one test's database.
type DB struct {
	*db.DB
	// Client is an ent client whose statements Counter counts.
	Client  *ent.Client
	Counter *Counter
}

// Dialect is the dialect tests run on: "postgres" when TEST_DATABASE_URL is
// set (unless TEST_DIALECT=sqlite), else "sqlite3".
func Dialect() string {
	if os.Getenv("TEST_DIALECT") == "sqlite" || os.Getenv("TEST_DATABASE_URL") == "" {
		return dialect.SQLite
	}
	return dialect.Postgres
}

// Open returns a fresh, migrated database in the dialect under test.
func Open(t testing.TB) *DB {
	t.Helper()
	if Dialect() == dialect.Postgres {
		return OpenPostgres(t)
	}
	return open(t, db.Config{SQLitePath: filepath.Join(t.TempDir(), "test.db")})
}

// OpenPostgres returns a fresh, migrated PostgreSQL database. Without
// TEST_DATABASE_URL the test is skipped, except under CI (CI is set), where
// a missing database is a failure rather than a silent skip.
func OpenPostgres(t testing.TB) *DB {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("testdb: CI is set but TEST_DATABASE_URL is not: PostgreSQL tests must not be skipped in CI")
		}
		t.Skip("testdb: TEST_DATABASE_URL not set; skipping PostgreSQL test")
	}
	name := "tuoyu_test_" + randomSuffix(t)
	execAdmin(t, admin, "CREATE DATABASE "+name)
	t.Cleanup(func() { execAdmin(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testdb: TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	cfg := db.Defaults()
	cfg.URL = u.String()
	return open(t, cfg)
}

func open(t testing.TB, cfg db.Config) *DB {
	t.Helper()
	ctx := context.Background()
	if cfg.StatementTimeout == 0 {
		defaults := db.Defaults()
		cfg.StatementTimeout, cfg.ConnectTimeout, cfg.BusyTimeout = defaults.StatementTimeout, defaults.ConnectTimeout, defaults.BusyTimeout
	}
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := migrate.Apply(ctx, d.SQL, d.Dialect, nil); err != nil {
		t.Fatalf("testdb: migrate: %v", err)
	}
	counter := &Counter{Driver: d.Driver}
	client := ent.NewClient(ent.Driver(counter))
	return &DB{DB: d, Client: client, Counter: counter}
}

func execAdmin(t testing.TB, admin, stmt string) {
	t.Helper()
	pool, err := sql.Open(dialect.Postgres, admin)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	defer pool.Close()
	if _, err := pool.Exec(stmt); err != nil {
		t.Fatalf("testdb: %s: %v", strings.Fields(stmt)[0], err)
	}
}

func randomSuffix(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return fmt.Sprintf("%d_%s", os.Getpid(), hex.EncodeToString(b))
}

// Count returns how many statements c sent while fn ran.
func (d *DB) Count(fn func()) int64 {
	before := d.Counter.N()
	fn()
	return d.Counter.N() - before
}

// Ctx is a context for test set-up and checks that talk to ent directly, as
// trusted server code does: row policies are bypassed (privacy.Allow).
func Ctx() context.Context {
	return privacy.DecisionContext(context.Background(), privacy.Allow)
}
