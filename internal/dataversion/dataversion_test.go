package dataversion_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/dataversion"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func open(t *testing.T) *sql.DB {
	t.Helper()
	if testdb.Dialect() != dialect.Postgres {
		t.Skip("the data version is PostgreSQL's (checked in the PostgreSQL pass)")
	}
	return testdb.OpenPostgres(t).SQL // migrated: migrate.Apply ran Install
}

func version(t *testing.T, db *sql.DB) (v dataversion.Version, rows int) {
	t.Helper()
	if err := db.QueryRowContext(context.Background(), dataversion.ReadStatement).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+dataversion.Table).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return v, rows
}

// TestEveryTableWithDataIsTracked: after the migrations, the only tables
// without the trigger are the untracked ones, and Install adds it to a
// table created later.
func TestEveryTableWithDataIsTracked(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	missing := func() []string {
		rows, err := db.QueryContext(ctx, dataversion.MissingStatement+` ORDER BY 2`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var tracked []string
		for rows.Next() {
			var schema, table string
			if err := rows.Scan(&schema, &table); err != nil {
				t.Fatal(err)
			}
			tracked = append(tracked, table)
		}
		return tracked
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("tracked tables without the trigger after migrating: %v", m)
	}
	// A new table is tracked; the job queue's are not, whatever their name.
	for _, table := range []string{"later_table", "river_later", "riverlater"} {
		if _, err := db.ExecContext(ctx, `CREATE TABLE `+table+` (id int)`); err != nil {
			t.Fatal(err)
		}
	}
	if m := missing(); !slices.Equal(m, []string{"later_table", "riverlater"}) {
		t.Fatalf("missing after new tables = %v; want [later_table riverlater]", m)
	}
	if err := dataversion.Install(ctx, db); err != nil {
		t.Fatal(err)
	}
	if m := missing(); len(m) > 0 {
		t.Fatalf("tracked tables without the trigger after Install: %v", m)
	}
}

// TestVersionCountsCommittedWrites: the version grows by one per committed
// transaction that wrote a tracked table, however many statements and rows
// it wrote (TRUNCATE included), and not at all for a rolled-back one or a
// write to an untracked table. Folding keeps it and leaves one row.
func TestVersionCountsCommittedWrites(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	v0, _ := version(t, db)
	exec := func(stmts ...string) {
		t.Helper()
		for _, s := range stmts {
			if _, err := db.ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	steps := []struct {
		name  string
		run   func()
		grows dataversion.Version
	}{
		{"one statement", func() { exec(`INSERT INTO later_rows VALUES (1)`) }, 1},
		{"a transaction of three statements", func() {
			exec(`BEGIN; INSERT INTO later_rows VALUES (2); UPDATE later_rows SET id = id + 10; DELETE FROM later_rows WHERE id = 11; COMMIT`)
		}, 1},
		{"a statement that changes no row", func() { exec(`UPDATE later_rows SET id = 0 WHERE false`) }, 1},
		{"a rolled-back transaction", func() { exec(`BEGIN; INSERT INTO later_rows VALUES (3); ROLLBACK`) }, 0},
		{"an untracked table", func() { exec(`DELETE FROM audit_logs`, `DELETE FROM data_jobs`) }, 0},
		{"TRUNCATE", func() { exec(`TRUNCATE later_rows`) }, 1},
		{"a read", func() { version(t, db) }, 0},
	}
	exec(`CREATE TABLE later_rows (id int)`)
	if err := dataversion.Install(ctx, db); err != nil {
		t.Fatal(err)
	}
	prev, _ := version(t, db)
	if prev != v0 {
		t.Fatalf("creating a table and its trigger moved the version from %d to %d", v0, prev)
	}
	for _, s := range steps {
		s.run()
		v, _ := version(t, db)
		if v-prev != s.grows {
			t.Errorf("%s: version grew by %d; want %d", s.name, v-prev, s.grows)
		}
		prev = v
	}
	for range 3 {
		exec(`INSERT INTO later_rows VALUES (4)`)
	}
	before, rows := version(t, db)
	if rows < 3 {
		t.Fatalf("%d rows before folding; want at least 3", rows)
	}
	for range 2 {
		if err := dataversion.Fold(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	after, rows := version(t, db)
	if after != before || rows != 1 {
		t.Errorf("after folding twice: version %d, %d rows; want %d, 1 row", after, rows, before)
	}
	exec(`INSERT INTO later_rows VALUES (5)`)
	if v, _ := version(t, db); v != before+1 {
		t.Errorf("a write after folding: version %d; want %d", v, before+1)
	}
}
