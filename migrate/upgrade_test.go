package migrate

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// TestUpgradeSQLiteWithData applies data_identity_unique to a populated
// SQLite database: the children table is rebuilt (so foreign keys must be off
// around the transaction), duplicates are resolved, and every row survives.
func TestUpgradeSQLiteWithData(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "up.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := Dir(dialect.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	files, err := dir.Files()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE `+revisionTable+` (version varchar(32) PRIMARY KEY, description varchar(255) NOT NULL, applied_at varchar(40) NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Desc() == "data_identity_unique" {
			break
		}
		if err := applyFile(ctx, conn, dialect.SQLite, f); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()

	// Data of the release before: inserts that touch no new column.
	c := ent.NewClient(ent.Driver(entsql.OpenDB(dialect.SQLite, db)))
	ctx = privacy.DecisionContext(ctx, privacy.Allow) // trusted code, as the demo loader
	// The release before had no KPI hooks (their tables do not exist yet):
	// the migrations that create the tables fill them.
	ctx = kpistore.WithoutMaintenance(ctx)
	r := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	first17 := "91210102MA0000001"
	cc, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	inst := c.Institution.Create().SetName("园").SetCreditCode(first17 + string(cc)).SetForm(institution.FormCENTER).
		SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2023, 1, 1)).SetRegion(r).SaveX(ctx)
	for range 2 {
		id, err := c.Child.Create().SetName("甲").SetSex(child.SexMALE).SetBirthDate(civil.D(2024, 1, 1)).
			SetIDNumberHash("same").SetResidenceRegion(r).Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c.Enrolment.Create().SetChildID(id.ID).SetInstitution(inst).SetServiceMode(schematype.ServiceModeHourly).SetStartDate(civil.D(2025, 1, 1)).ExecX(ctx)
		for range 2 {
			c.HealthRecord.Create().SetChildID(id.ID).SetInstitution(inst).SetKind(healthrecord.KindDAILY_CHECK).
				SetDate(civil.D(2025, 3, 3)).SetSession(healthrecord.SessionMORNING).ExecX(ctx)
		}
	}

	if _, err := Apply(ctx, db, dialect.SQLite, nil); err != nil {
		t.Fatalf("upgrade of a populated database: %v", err)
	}
	var hashes, enrolments, checks, fk int
	row := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(id_number_hash) FROM children), (SELECT COUNT(*) FROM enrolments), (SELECT COUNT(*) FROM health_records)`)
	if err := row.Scan(&hashes, &enrolments, &checks); err != nil {
		t.Fatal(err)
	}
	if hashes != 1 || enrolments != 2 || checks != 2 {
		t.Fatalf("after upgrade: %d hashes, %d enrolments, %d checks; want 1, 2, 2", hashes, enrolments, checks)
	}
	// The enrolment spans were filled by the migration that created them:
	// one span per child over every mode (the enrolments are HOURLY, so no
	// care span).
	var spans int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+kpistore.ChildSpanTable+` WHERE NOT care`).Scan(&spans); err != nil || spans != 2 {
		t.Fatalf("after upgrade: %d enrolment spans, %v; want 2", spans, err)
	}
	if err := db.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign keys after upgrade = %d, %v; want on", fk, err)
	}
}
