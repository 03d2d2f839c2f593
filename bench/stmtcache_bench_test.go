package bench

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/db"
)

// list20Statement is the statement the list20 page sends for a province
// regulator (ent's institutions page under the row policy), with the region
// prefix as its argument, as it was before ent/schema's regionUnder.
const list20Statement = `SELECT "institutions"."id", "institutions"."name", "institutions"."credit_code", "institutions"."form", "institutions"."ownership", "institutions"."address", "institutions"."opened_at", "institutions"."monthly_fee" FROM "institutions" WHERE EXISTS (SELECT "regions"."id" FROM "regions" WHERE "institutions"."region_id" = "regions"."id" AND "regions"."code" LIKE $1) ORDER BY "institutions"."id" LIMIT 21`

// list20Literal is the statement list20 sends now: the prefix in the text.
var list20Literal = strings.Replace(list20Statement, "$1", "'21%'", 1)

// BenchmarkStatementCache runs list20's statement on one connection: with
// the prefix as an argument, as lib/pq runs it unnamed (parse, then bind
// and execute: two round trips, planned every time) and through the
// connection's prepared statement (internal/db's cache: bind and execute
// only, still planned every time); with the prefix in the text, as a
// simple query (parsed and planned every time) and prepared (planned once).
func BenchmarkStatementCache(b *testing.B) {
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("BENCH_DATABASE_URL not set: seed a province (see bench/RESULTS.md) to run")
	}
	ctx := context.Background()
	for _, side := range []struct {
		name  string
		size  int
		query string
		args  []any
	}{
		{"unnamed", 0, list20Statement, []any{"21%"}},
		{"prepared", 64, list20Statement, []any{"21%"}},
		{"literal-simple", 0, list20Literal, nil},
		{"literal-prepared", 64, list20Literal, nil},
	} {
		b.Run(side.name, func(b *testing.B) {
			cfg := db.Defaults()
			cfg.URL, cfg.MaxOpenConns, cfg.StatementCacheSize = url, 1, side.size
			d, err := db.Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			for b.Loop() {
				rows, err := d.SQL.QueryContext(ctx, side.query, side.args...)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Close(); err != nil || n != 21 {
					b.Fatalf("%d rows, %v; want 21", n, err)
				}
			}
		})
	}
}
