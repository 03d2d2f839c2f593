package db_test

import (
	"context"
	"net/url"
	"os"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestSessionSettings: every new PostgreSQL connection of a pool runs
// with JIT off and the configured parallel workers, over the database's own
// settings; behind PgBouncer's transaction pooling the pool sets nothing
// per session and the database's settings hold.
func TestSessionSettings(t *testing.T) {
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("PostgreSQL session settings: the SQLite pass leaves them to the PostgreSQL pass")
	}
	ctx := context.Background()
	d := testdb.OpenPostgres(t)
	var name string
	if err := d.SQL.QueryRowContext(ctx, "SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	// The database asks for JIT and 2 workers, so the pool's own settings
	// are what change them.
	for _, stmt := range []string{"ALTER DATABASE " + name + " SET jit = on", "ALTER DATABASE " + name + " SET max_parallel_workers_per_gather = 2"} {
		if _, err := d.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	settings := func(workers int, pooler bool) []string {
		cfg := db.Defaults()
		cfg.URL = u.String()
		cfg.ParallelWorkers = workers
		cfg.PgBouncerTransactionMode = pooler
		p, err := db.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		var got []string
		for range 3 { // three connections held at once: each a new session
			c, err := p.SQL.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var jit, parallel string
			if err := c.QueryRowContext(ctx, "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')").Scan(&jit, &parallel); err != nil {
				t.Fatal(err)
			}
			got = append(got, jit+" "+parallel)
		}
		return got
	}
	for _, tc := range []struct {
		workers int
		pooler  bool
		want    string
	}{
		{workers: db.Defaults().ParallelWorkers, want: "off 0"},
		{workers: 3, want: "off 3"},
		{workers: -1, want: "off 2"},             // the database's workers
		{workers: 0, pooler: true, want: "on 2"}, // the database's settings only
	} {
		for i, got := range settings(tc.workers, tc.pooler) {
			if got != tc.want {
				t.Errorf("workers %d, transaction pooling %v, connection %d: jit, workers = %s; want %s", tc.workers, tc.pooler, i, got, tc.want)
			}
		}
	}
}
