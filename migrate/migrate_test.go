package migrate_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ident"
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

// TestDeduplicateIdentities: the data fix of data_identity_unique keeps the
// first child of a shared ID-number hash and the latest of duplicate daily
// checks, so the unique indexes can be created over old data.
func TestDeduplicateIdentities(t *testing.T) {
	d := testdb.Open(t)
	ctx := testdb.Ctx()
	for _, stmt := range []string{
		`DROP INDEX child_id_number_hash`,
		`DROP INDEX healthrecord_institution_id_child_id_kind_date_session`,
	} {
		if _, err := d.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	c := d.Client
	check17 := "91210102MA0000001"
	cc, err := ident.CreditCodeCheckChar(check17)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	inst := c.Institution.Create().SetName("园").SetCreditCode(check17 + string(cc)).SetForm(institution.FormCENTER).
		SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2023, 1, 1)).SetRegion(r).SaveX(ctx)
	kid := func(hash string) *ent.Child {
		return c.Child.Create().SetName("甲").SetSex(child.SexMALE).SetBirthDate(civil.D(2024, 1, 1)).SetIDNumberHash(hash).SaveX(ctx)
	}
	first, second, third, other := kid("h1"), kid("h1"), kid("h1"), kid("h2")
	check := func(k *ent.Child, temp float64) *ent.HealthRecord {
		return c.HealthRecord.Create().SetChild(k).SetInstitution(inst).SetKind(healthrecord.KindDAILY_CHECK).
			SetDate(civil.D(2025, 3, 3)).SetSession(healthrecord.SessionMORNING).SetTemperatureC(temp).SaveX(ctx)
	}
	check(first, 36.5)
	latest := check(first, 36.9)
	kept := check(other, 36.6)
	if err := migrate.DeduplicateIdentities(ctx, d.SQL); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		child *ent.Child
		hash  string
	}{{first, "h1"}, {second, ""}, {third, ""}, {other, "h2"}} {
		if got := c.Child.GetX(ctx, tc.child.ID).IDNumberHash; got != tc.hash {
			t.Errorf("child %d hash %q; want %q", tc.child.ID, got, tc.hash)
		}
	}
	ids := c.HealthRecord.Query().IDsX(ctx)
	if len(ids) != 2 || !slices.Contains(ids, latest.ID) || !slices.Contains(ids, kept.ID) {
		t.Fatalf("daily checks left %v; want the latest of the duplicates (%d) and %d", ids, latest.ID, kept.ID)
	}
	for _, stmt := range []string{
		`CREATE UNIQUE INDEX child_id_number_hash ON children (id_number_hash)`,
		`CREATE UNIQUE INDEX hr_unique ON health_records (institution_id, child_id, date, session) WHERE kind = 'DAILY_CHECK'`,
	} {
		if _, err := d.SQL.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("unique index after the fix: %v", err)
		}
	}
}
