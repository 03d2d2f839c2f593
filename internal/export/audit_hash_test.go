package export

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The audit rows' idsSha256 is what the README says and anyone can
// recompute from a backup: SHA-256 of the IDs read, ascending, joined by
// commas ("3,17,250"), for the exported entity and for the children its
// rows name (which arrive in the health records' order, not the
// children's).
func TestAuditIDsHashIsRecomputable(t *testing.T) {
	d := seeded(t)
	exportCSV(t, d.Client, districtRegulator, Options{Entity: "health_records"})
	records, err := d.Client.HealthRecord.Query().Order(ent.Asc(healthrecord.FieldID)).All(as(districtRegulator))
	if err != nil {
		t.Fatal(err)
	}
	var recordIDs, childIDs []int
	for _, r := range records {
		recordIDs = append(recordIDs, r.ID)
		if !slices.Contains(childIDs, r.ChildID) {
			childIDs = append(childIDs, r.ChildID)
		}
	}
	slices.Sort(childIDs)
	if slices.IsSorted(firstAppearance(records)) {
		t.Fatal("the seed's health records name their children in ascending order: the test would not tell the orders apart")
	}
	want := map[string][]int{"HealthRecord": recordIDs, "Child": childIDs}
	logs := d.Client.AuditLog.Query().Order(ent.Asc(auditlog.FieldID)).AllX(testdb.Ctx())
	if len(logs) != 2 {
		t.Fatalf("%d audit rows, want 2", len(logs))
	}
	for _, l := range logs {
		ids := want[l.EntityType]
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.Itoa(id)
		}
		sum := sha256.Sum256([]byte(strings.Join(parts, ",")))
		if !slices.Contains(l.Fields, "idsSha256:"+hex.EncodeToString(sum[:])) {
			t.Errorf("%s audit row: fields %q lack idsSha256 of its %d IDs ascending, comma-separated", l.EntityType, l.Fields, len(ids))
		}
		listed := ids
		if len(ids) > MaxAuditIDs {
			listed = []int{} // only the count and the hash
		}
		if !slices.Equal(l.EntityIds, listed) {
			t.Errorf("%s audit row lists %d IDs, want %d (of %d read), ascending", l.EntityType, len(l.EntityIds), len(listed), len(ids))
		}
	}
}

// firstAppearance is the children of records in the order they first appear.
func firstAppearance(records []*ent.HealthRecord) []int {
	var out []int
	for _, r := range records {
		if !slices.Contains(out, r.ChildID) {
			out = append(out, r.ChildID)
		}
	}
	return out
}

// Check refuses what Write would refuse for the viewer's role, as
// FORBIDDEN on the entity argument, and lets a readable entity through.
func TestCheck(t *testing.T) {
	d := seeded(t)
	bi := &auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "500111"}
	for _, entity := range []string{"children", "enrolments", "health_records", "staff", "certifications", "ban_list"} {
		err := Check(as(bi), d.Client, Options{Entity: entity})
		var fe *apperr.FieldError
		if !errors.As(err, &fe) || fe.Field != "entity" || !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("BI_SERVICE %s: %v, want FORBIDDEN on entity", entity, err)
		}
	}
	for _, entity := range []string{"regions", "institutions", "work_calendar"} {
		if err := Check(as(bi), d.Client, Options{Entity: entity}); err != nil {
			t.Errorf("BI_SERVICE %s: %v, want allowed", entity, err)
		}
	}
	kind := healthrecord.KindDEV_SCREENING
	if err := Check(as(districtRegulator), d.Client, Options{Entity: "health_records", Where: &ent.HealthRecordWhereInput{Kind: &kind}}); err != nil {
		t.Errorf("district regulator, filtered health records: %v", err)
	}
	if n := d.Client.AuditLog.Query().CountX(testdb.Ctx()); n != 0 {
		t.Errorf("Check wrote %d audit rows; it reads no row", n)
	}
}
