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
// with JIT off, over the database's own setting; behind PgBouncer's
// transaction pooling the pool sets nothing per session and the
// database's setting holds.
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
	// The database asks for JIT, so the pool's own setting is what turns it off.
	if _, err := d.SQL.ExecContext(ctx, "ALTER DATABASE "+name+" SET jit = on"); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	jitOf := func(pooler bool) []string {
		cfg := db.Defaults()
		cfg.URL = u.String()
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
			var jit string
			if err := c.QueryRowContext(ctx, "SHOW jit").Scan(&jit); err != nil {
				t.Fatal(err)
			}
			got = append(got, jit)
		}
		return got
	}
	for i, jit := range jitOf(false) {
		if jit != "off" {
			t.Errorf("connection %d: jit = %s; want off", i, jit)
		}
	}
	for i, jit := range jitOf(true) {
		if jit != "on" {
			t.Errorf("transaction pooling, connection %d: jit = %s; want the database's on", i, jit)
		}
	}
}
