package db_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/lib/pq"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// openFresh opens a pool configured by configure on a new PostgreSQL
// database; admin is a second pool on the same database.
func openFresh(t *testing.T, configure func(*db.Config)) (pool, admin *db.DB) {
	t.Helper()
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("prepared statements of lib/pq connections: the SQLite pass leaves them to the PostgreSQL pass")
	}
	ctx := context.Background()
	admin = testdb.OpenPostgres(t).DB
	var name string
	if err := admin.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	cfg := db.Defaults()
	cfg.URL = u.String()
	configure(&cfg)
	pool, err = db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	return pool, admin
}

// TestStatementCache: a connection runs each statement with arguments
// through one named statement, planned for its values every time (and a
// SELECT without arguments through one planned once), keeps at
// most StatementCacheSize of them (the least recently used goes), prepares
// a statement again when the server refuses it after a migration, and
// leaves errors, transactions and bulk statements as they were.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	// Four slots: the probe below, a SELECT without arguments, is kept too
	// (from its second run) and, run before every check, holds the most
	// recent one.
	pool, admin := openFresh(t, func(c *db.Config) { c.StatementCacheSize = 4; c.MaxOpenConns = 1 })
	conn, err := pool.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE TABLE stmt_probe (id bigint PRIMARY KEY, v text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	// prepared lists the connection's named statements, but itself, with
	// how often each was planned for its values and with a generic plan.
	const probe = "SELECT statement, custom_plans, generic_plans FROM pg_prepared_statements"
	prepared := func() map[string][2]int {
		t.Helper()
		rows, err := conn.QueryContext(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string][2]int{}
		for rows.Next() {
			var s string
			var custom, generic int
			if err := rows.Scan(&s, &custom, &generic); err != nil {
				t.Fatal(err)
			}
			if s != probe {
				out[s] = [2]int{custom, generic}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	const (
		insert = "INSERT INTO stmt_probe (id, v) VALUES ($1, $2)"
		byID   = "SELECT v FROM stmt_probe WHERE id = $1"
	)
	for i := 1; i <= 3; i++ {
		if _, err := conn.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 7; i++ {
		var v string
		err := conn.QueryRowContext(ctx, byID, i%3+1).Scan(&v)
		if want := fmt.Sprint("v", i%3+1); err != nil || v != want {
			t.Fatalf("%s with %d = %q, %v; want %q", byID, i%3+1, v, err, want)
		}
	}
	// Seven runs of one statement, each planned for its argument: past the
	// five after which PostgreSQL would otherwise consider a generic plan.
	if got, want := prepared(), map[string][2]int{insert: {3, 0}, byID: {7, 0}}; !reflect.DeepEqual(got, want) {
		t.Errorf("prepared statements (custom, generic plans) = %v; want %v", got, want)
	}
	var mode string
	if err := conn.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode = %q, %v; want force_custom_plan", mode, err)
	}

	// A failing execution is the caller's error; the statement stays and
	// runs again.
	const ratio = "SELECT 10 / $1::int"
	var n int
	var pqErr *pq.Error
	if err := conn.QueryRowContext(ctx, ratio, 0).Scan(&n); !errors.As(err, &pqErr) || pqErr.Code != "22012" {
		t.Fatalf("%s with 0: %v; want division_by_zero", ratio, err)
	}
	if err := conn.QueryRowContext(ctx, ratio, 5).Scan(&n); err != nil || n != 2 {
		t.Fatalf("%s with 5 after an error = %d, %v; want 2", ratio, n, err)
	}
	keys := func() []string {
		t.Helper()
		var out []string
		for s := range prepared() {
			out = append(out, s)
		}
		sort.Strings(out)
		return out
	}
	if got, want := keys(), []string{insert, ratio, byID}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a third statement: %q; want %q", got, want)
	}

	// A statement inside a transaction is the same statement; rolling the
	// transaction back keeps it.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, insert, 4, "v4"); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, byID, 4).Scan(new(string)); err != nil {
		t.Fatalf("reading a row written in the same transaction: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, byID, 4).Scan(new(string)); err == nil {
		t.Error("a rolled back insert is visible")
	}

	// The column's type changes under the statement: the server refuses
	// the prepared statement at bind, before running anything, and the
	// connection prepares it again and runs it. Inside a transaction the
	// refusal has aborted the transaction: the caller gets it, and the
	// statement runs again once the transaction is over.
	const star = "SELECT * FROM stmt_probe WHERE id = $1"
	if err := conn.QueryRowContext(ctx, star, 1).Scan(new(int), new(string)); err != nil {
		t.Fatal(err)
	}
	// Full (3): ratio was used least recently, so it went.
	if got, want := keys(), []string{insert, star, byID}; !reflect.DeepEqual(got, want) {
		t.Errorf("after a fourth statement: %q; want %q", got, want)
	}
	alter := func(typ string) {
		t.Helper()
		if _, err := admin.SQL.ExecContext(ctx, "ALTER TABLE stmt_probe ALTER COLUMN v TYPE "+typ); err != nil {
			t.Fatal(err)
		}
	}
	alter("varchar(20)")
	var v string
	if err := conn.QueryRowContext(ctx, star, 1).Scan(new(int), &v); err != nil || v != "v1" {
		t.Fatalf("a statement whose result type changed: %q, %v; want it prepared again and v1", v, err)
	}
	alter("text")
	tx, err = conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRowContext(ctx, star, 1).Scan(new(int), new(string)); !errors.As(err, &pqErr) || pqErr.Code != "0A000" {
		t.Fatalf("the same in a transaction: %v; want feature_not_supported", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, star, 2).Scan(new(int), &v); err != nil || v != "v2" {
		t.Fatalf("after the transaction: %q, %v; want v2", v, err)
	}

	// More arguments than a cached statement takes: run as before, unnamed.
	ids := make([]string, 300)
	args := make([]any, 300)
	for i := range ids {
		ids[i], args[i] = fmt.Sprintf("$%d", i+1), i
	}
	bulk := "SELECT count(*) FROM stmt_probe WHERE id IN (" + strings.Join(ids, ", ") + ")"
	if err := conn.QueryRowContext(ctx, bulk, args...).Scan(&n); err != nil || n != 3 {
		t.Fatalf("300 arguments: %d, %v; want 3", n, err)
	}
	if _, ok := prepared()[bulk]; ok {
		t.Error("a statement with 300 arguments was kept")
	}

	// A SELECT without arguments (a page whose scope is written into its
	// text) is kept from its second run, and its one plan serves every run
	// after; one that runs once (an ID list in the text) and other
	// statements without arguments are not.
	const count = "SELECT count(*) FROM stmt_probe"
	for range 4 {
		if err := conn.QueryRowContext(ctx, count).Scan(&n); err != nil || n != 3 {
			t.Fatalf("%s = %d, %v; want 3", count, n, err)
		}
	}
	const once = "SELECT v FROM stmt_probe WHERE id IN (1, 2)"
	if rows, err := conn.QueryContext(ctx, once); err != nil {
		t.Fatal(err)
	} else if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "SET application_name = 'stmt_probe'"); err != nil {
		t.Fatal(err)
	}
	got := prepared()
	if plans, ok := got[count]; !ok || plans != [2]int{0, 3} {
		t.Errorf("%s run 4 times: kept %v, (custom, generic plans) %v; want kept from the second run, planned once", count, ok, plans)
	}
	for s := range got {
		if s == once || strings.HasPrefix(s, "SET") {
			t.Errorf("%q was kept", s)
		}
	}
}

// TestStatementCacheOff: with no cache, and behind PgBouncer's transaction
// pooling (where a named statement would stay on one server connection
// while the bouncer hands out others), statements run unnamed as lib/pq
// runs them, and plans are PostgreSQL's default.
func TestStatementCacheOff(t *testing.T) {
	for _, tc := range []struct {
		name      string
		configure func(*db.Config)
	}{
		{"size 0", func(c *db.Config) { c.StatementCacheSize = 0 }},
		{"PgBouncer transaction mode", func(c *db.Config) { c.PgBouncerTransactionMode = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			pool, _ := openFresh(t, tc.configure)
			conn, err := pool.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for range 3 {
				if err := conn.QueryRowContext(ctx, "SELECT $1::int", 1).Scan(new(int)); err != nil {
					t.Fatal(err)
				}
			}
			var kept int
			var mode string
			if err := conn.QueryRowContext(ctx, "SELECT count(*), current_setting('plan_cache_mode') FROM pg_prepared_statements").Scan(&kept, &mode); err != nil {
				t.Fatal(err)
			}
			if kept != 0 || mode != "auto" {
				t.Errorf("prepared statements %d, plan_cache_mode %q; want 0, auto", kept, mode)
			}
		})
	}
}
