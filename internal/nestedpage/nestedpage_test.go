package nestedpage_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/internal/nestedpage"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// page is a nested page's statement as a generated loader builds it: the
// parents' keys first, then whatever else applies (row policy, filters,
// cursors), each added with Where.
func page(d string, keys []driver.Value, extra ...*sql.Predicate) *sql.Selector {
	t := sql.Dialect(d).Table("np_children")
	s := sql.Dialect(d).Select(t.C("id"), t.C("parent_id"), t.C("v"), t.C("label")).From(t)
	s.Where(sql.InValues(s.C("parent_id"), keys...))
	for _, p := range extra {
		s.Where(p)
	}
	return s
}

func orderBy(cols ...string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		for i, c := range cols {
			if i > 0 {
				b.Comma()
			}
			name, dir, _ := strings.Cut(c, " ")
			b.Ident(name).Pad().WriteString(dir)
		}
	})
}

// TestLimitPerRowStatement: which statements become LATERAL pages and
// which stay entgql's (on SQLite all of them).
func TestLimitPerRowStatement(t *testing.T) {
	policy := func(s *sql.Selector) *sql.Predicate {
		p := sql.Table("np_parents")
		return sql.Exists(sql.Select(p.C("id")).From(p).Where(sql.And(sql.ColumnsEQ(s.C("parent_id"), p.C("id")), sql.HasPrefix(p.C("code"), "21"))))
	}
	keys := []driver.Value{3, 1, 2, 3}
	for _, tc := range []struct {
		name    string
		build   func(d string) *sql.Selector
		lateral bool
	}{
		{"keys only", func(d string) *sql.Selector { return page(d, keys) }, true},
		{"with a policy", func(d string) *sql.Selector {
			s := page(d, keys)
			return s.Where(policy(s))
		}, true},
		{"policy and a cursor beside it", func(d string) *sql.Selector {
			s := page(d, keys)
			s.Where(policy(s))
			return s.Where(sql.Or(sql.GT(s.C("v"), 5), sql.And(sql.EQ(s.C("v"), 5), sql.GT(s.C("id"), 9))))
		}, true},
		{"OR at the top", func(d string) *sql.Selector {
			s := page(d, keys)
			s.Where(sql.GT(s.C("v"), 1))
			s.Or().Where(sql.EQ(s.C("label"), "x"))
			return s
		}, false},
		{"keys not first", func(d string) *sql.Selector {
			t := sql.Dialect(d).Table("np_children")
			s := sql.Dialect(d).Select(t.C("id"), t.C("parent_id")).From(t).Where(sql.GT(t.C("v"), 1))
			return s.Where(sql.InValues(s.C("parent_id"), keys...))
		}, false},
		{"string keys", func(d string) *sql.Selector { return page(d, []driver.Value{"a", "b"}) }, false},
		{"a join", func(d string) *sql.Selector {
			s := page(d, keys)
			p := sql.Table("np_parents")
			return s.Join(p).On(s.C("parent_id"), p.C("id"))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, d := range []string{dialect.Postgres, dialect.SQLite} {
				ours, theirs := tc.build(d), tc.build(d)
				nestedpage.LimitPerRow("parent_id", 11, orderBy("id ASC"))(ours)
				entgql.LimitPerRow("parent_id", 11, orderBy("id ASC"))(theirs)
				q, args := ours.Query()
				want, wantArgs := theirs.Query()
				if tc.lateral && d == dialect.Postgres {
					if !strings.Contains(q, "CROSS JOIN LATERAL") || !strings.Contains(q, "LIMIT 11") {
						t.Errorf("%s: %s; want a LATERAL page", d, q)
					}
					// The keys travel once, as one array, without repeats.
					if got := fmt.Sprint(args[0]); !strings.Contains(fmt.Sprintf("%#v", args[0]), "3, 1, 2}") {
						t.Errorf("%s: keys %s; want 3, 1, 2 once each", d, got)
					}
					continue
				}
				if q != want || !reflect.DeepEqual(args, wantArgs) {
					t.Errorf("%s: %s %v; want entgql's %s %v", d, q, args, want, wantArgs)
				}
			}
		})
	}
}

// TestLimitPerRowRows runs random nested pages, LATERAL and entgql's, on
// PostgreSQL and wants the same rows for every parent in the same order:
// random keys (repeated, missing), filters, OR groups, a policy-like
// EXISTS, orders with ties and NULLs, directions and page sizes.
func TestLimitPerRowRows(t *testing.T) {
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("the LATERAL page is PostgreSQL's; on SQLite LimitPerRow is entgql's (TestLimitPerRowStatement)")
	}
	ctx := context.Background()
	pool := testdb.OpenPostgres(t).SQL
	rng := rand.New(rand.NewPCG(11, 3))
	for _, stmt := range []string{
		"CREATE TABLE np_parents (id bigint PRIMARY KEY, code text NOT NULL)",
		"CREATE TABLE np_children (id bigint PRIMARY KEY, parent_id bigint NOT NULL, v int, label text NOT NULL)",
		"CREATE INDEX ON np_children (parent_id)",
	} {
		if _, err := pool.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for p := 1; p <= 40; p++ {
		if _, err := pool.ExecContext(ctx, "INSERT INTO np_parents VALUES ($1, $2)", p, fmt.Sprint([]string{"21", "22"}[p%2], p)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.ExecContext(ctx, `INSERT INTO np_children
		SELECT i, 1 + (i * 7919) % 37, CASE WHEN i % 9 = 0 THEN NULL ELSE (i * 31) % 6 END, 'l' || (i % 4)
		FROM generate_series(1, 1500) i`); err != nil {
		t.Fatal(err)
	}
	// run renders s once (a selector numbers its placeholders on from
	// where its last rendering stopped) and returns each parent's rows.
	run := func(s *sql.Selector) (map[int64][]string, string, []any) {
		t.Helper()
		q, args := s.Query()
		rows, err := pool.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		out := map[int64][]string{}
		for rows.Next() {
			var id, parent int64
			var v *int
			var label string
			if err := rows.Scan(&id, &parent, &v, &label); err != nil {
				t.Fatal(err)
			}
			out[parent] = append(out[parent], fmt.Sprint(id))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out, q, args
	}
	orders := [][]string{{"id ASC"}, {"id DESC"}, {"v ASC", "id ASC"}, {"v DESC", "id DESC"}, {"label ASC", "id ASC"}}
	lateral := 0
	for i := range 300 {
		var keys []driver.Value
		for range 1 + rng.IntN(12) {
			keys = append(keys, 1+rng.IntN(45)) // 41–45 have no children or parent
		}
		var extra []func(*sql.Selector) *sql.Predicate
		if rng.IntN(2) == 0 { // a row policy: the parent's code
			extra = append(extra, func(s *sql.Selector) *sql.Predicate {
				p := sql.Table("np_parents")
				return sql.Exists(sql.Select(p.C("id")).From(p).Where(sql.And(sql.ColumnsEQ(s.C("parent_id"), p.C("id")), sql.HasPrefix(p.C("code"), "21"))))
			})
		}
		if rng.IntN(2) == 0 { // a filter
			v := rng.IntN(6)
			extra = append(extra, func(s *sql.Selector) *sql.Predicate { return sql.GTE(s.C("v"), v) })
		}
		if rng.IntN(2) == 0 { // a cursor-like OR group
			v, id := rng.IntN(6), rng.IntN(1500)
			extra = append(extra, func(s *sql.Selector) *sql.Predicate {
				return sql.Or(sql.GT(s.C("v"), v), sql.And(sql.EQ(s.C("v"), v), sql.GT(s.C("id"), id)))
			})
		}
		if rng.IntN(4) == 0 { // NOT beside the keys
			extra = append(extra, func(s *sql.Selector) *sql.Predicate { return sql.Not(sql.EQ(s.C("label"), "l1")) })
		}
		order := orders[rng.IntN(len(orders))]
		limit := 1 + rng.IntN(15)
		build := func() *sql.Selector {
			s := page(dialect.Postgres, keys)
			for _, e := range extra {
				s.Where(e(s))
			}
			return s
		}
		ours, theirs := build(), build()
		nestedpage.LimitPerRow("parent_id", limit, orderBy(order...))(ours)
		entgql.LimitPerRow("parent_id", limit, orderBy(order...))(theirs)
		got, q, args := run(ours)
		want, _, _ := run(theirs)
		if strings.Contains(q, "LATERAL") {
			lateral++
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d (order %v, limit %d): LATERAL rows %v; entgql's %v\n%s %v", i, order, limit, got, want, q, args)
		}
	}
	if lateral != 300 {
		t.Errorf("%d of 300 pages ran as LATERAL; want all: each is a loader's shape", lateral)
	}
}

// TestForeignKeysIndexed: every foreign key of the schema has an index that
// starts with it, so that a LATERAL page finds a parent's rows through it
// (see lateral) rather than by reading the table once per parent, and a
// parent's deletion checks its children without scanning them.
func TestForeignKeysIndexed(t *testing.T) {
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("the LATERAL page is PostgreSQL's; the SQLite pass leaves the schema check to the PostgreSQL pass")
	}
	ctx := context.Background()
	rows, err := testdb.OpenPostgres(t).SQL.QueryContext(ctx, `
		SELECT c.conrelid::regclass::text, a.attname
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			t.Fatal(err)
		}
		missing = append(missing, table+"."+column)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("foreign keys without an index that starts with them: %q", missing)
	}
}

// TestLimitPerRowKeepsErrors: a statement whose builder recorded an error
// (a predicate that could not be built) keeps it, so that the loader
// returns it instead of running a statement without that predicate.
// entgql's LimitPerRow alone drops it.
func TestLimitPerRowKeepsErrors(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		s := page(d, []driver.Value{1, 2})
		want := errors.New("a predicate that could not be built")
		s.AddError(want)
		nestedpage.LimitPerRow("parent_id", 3, orderBy("id ASC"))(s)
		if q, _ := s.Query(); strings.Contains(q, "LATERAL") || s.Err() == nil || s.Err().Error() != want.Error() {
			t.Errorf("%s: %s, error %v; want entgql's statement and the error", d, q, s.Err())
		}
	}
}

// TestGeneratedPagesUseLimitPerRow: the generated nested pagination calls
// this package's LimitPerRow (ent/entc.go rewrites entgql's calls after
// generating), so the LATERAL pages are what the API runs.
func TestGeneratedPagesUseLimitPerRow(t *testing.T) {
	src, err := os.ReadFile("../../ent/gql_collection.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(src), "nestedpage.LimitPerRow("); n == 0 || strings.Contains(string(src), "entgql.LimitPerRow(") {
		t.Errorf("ent/gql_collection.go calls nestedpage.LimitPerRow %d times and entgql's %d times; want only ours (run go generate ./...)", n, strings.Count(string(src), "entgql.LimitPerRow("))
	}
}
