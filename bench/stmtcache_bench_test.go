package bench

import (
	"context"
	"os"
	"testing"

	"github.com/tuoyu/tuoyu/internal/db"
)

// list20Statement is the statement the list20 page sends for a province
// regulator (ent's institutions page under the row policy; the region
// prefix is its argument).
const list20Statement = `SELECT "institutions"."id", "institutions"."name", "institutions"."credit_code", "institutions"."form", "institutions"."ownership", "institutions"."address", "institutions"."opened_at", "institutions"."monthly_fee" FROM "institutions" WHERE EXISTS (SELECT "regions"."id" FROM "regions" WHERE "institutions"."region_id" = "regions"."id" AND "regions"."code" LIKE $1) ORDER BY "institutions"."id" LIMIT 21`

// BenchmarkStatementCache runs list20's statement on one connection, as
// lib/pq runs it unnamed (parse, then bind and execute: two round trips)
// and through the connection's prepared statement (internal/db's cache:
// bind and execute only), side by side.
func BenchmarkStatementCache(b *testing.B) {
	url := os.Getenv("BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("BENCH_DATABASE_URL not set: seed a province (see bench/RESULTS.md) to run")
	}
	ctx := context.Background()
	for _, side := range []struct {
		name string
		size int
	}{{"unnamed", 0}, {"prepared", 64}} {
		b.Run(side.name, func(b *testing.B) {
			cfg := db.Defaults()
			cfg.URL, cfg.MaxOpenConns, cfg.StatementCacheSize = url, 1, side.size
			d, err := db.Open(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			for b.Loop() {
				rows, err := d.SQL.QueryContext(ctx, list20Statement, "21%")
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
