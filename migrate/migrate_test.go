package migrate_test

import (
	"context"
	"errors"
	"testing"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// TestMigrationsMatchSchema applies every committed migration to an empty
// database and asks ent/Atlas what it would still change: nothing, or the
// committed files and the ent schema disagree (run `go run ./migrate/diff.go`).
func TestMigrationsMatchSchema(t *testing.T) {
	cases := []struct {
		dialect string
		open    func(testing.TB) *testdb.DB
	}{
		{dialect.Postgres, testdb.OpenPostgres},
		{dialect.SQLite, testdb.Open},
	}
	for _, tc := range cases {
		t.Run(tc.dialect, func(t *testing.T) {
			if tc.dialect == dialect.SQLite && testdb.Dialect() != dialect.SQLite {
				t.Skip("SQLite is checked in the SQLite pass")
			}
			d := tc.open(t) // testdb applies every migration to a new, empty database
			ctx := context.Background()
			st, err := migrate.Check(ctx, d.SQL, d.Dialect)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Pending) != 0 || len(st.Applied) == 0 {
				t.Fatalf("status after apply = %+v; want all applied", st)
			}
			again, err := migrate.Apply(ctx, d.SQL, d.Dialect, nil)
			if err != nil || len(again) != 0 {
				t.Fatalf("second apply = %v, %v; want a no-op", again, err)
			}
			plan := &atlas.MemDir{}
			err = d.Client.Schema.Diff(ctx,
				schema.WithDir(plan),
				schema.WithDialect(d.Dialect),
				schema.WithMigrationMode(schema.ModeInspect),
				schema.WithErrNoPlan(true),
			)
			if files, _ := plan.Files(); len(files) > 0 {
				t.Logf("pending changes:\n%s", files[0].Bytes())
			}
			if !errors.Is(err, atlas.ErrNoPlan) {
				t.Fatalf("the ent schema differs from the committed migrations (%v); run `go run ./migrate/diff.go <name>`", err)
			}
		})
	}
}

// TestChecksumDetectsEdits proves a hand-edited migration is refused.
func TestChecksumDetectsEdits(t *testing.T) {
	for _, name := range []string{dialect.Postgres, dialect.SQLite} {
		dir, err := migrate.Dir(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		files, err := dir.Files()
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: files %v, %v", name, files, err)
		}
		tampered := atlas.OpenMemDir(t.Name() + name)
		sum, _ := dir.Checksum()
		b, _ := sum.MarshalText()
		_ = tampered.WriteFile(atlas.HashFileName, b)
		for i, f := range files {
			body := f.Bytes()
			if i == 0 {
				body = append([]byte("-- edited by hand\n"), body...)
			}
			_ = tampered.WriteFile(f.Name(), body)
		}
		if err := atlas.Validate(tampered); !errors.Is(err, atlas.ErrChecksumMismatch) {
			t.Errorf("%s: Validate(tampered) = %v; want checksum mismatch", name, err)
		}
	}
}
