package audit_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

var staff = auth.Viewer{Subject: "staff-1", Role: auth.InstitutionStaff, RegionCode: "210102", InstitutionID: 7}

// The collector merges the reads of concurrently resolving fields per
// entity type; its records are sorted by type, with sorted, distinct IDs
// and fields, and carry the document's hash, never its text.
func TestCollectorRecords(t *testing.T) {
	ctx := audit.NewContext(context.Background())
	c := audit.FromContext(ctx)
	if c == nil || c.RecordedAny() {
		t.Fatalf("new collector: %v, recorded %v", c, c != nil && c.RecordedAny())
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { c.Add("HealthRecord", []int{100 - i, 3}, "temperatureC", "id") })
	}
	wg.Wait()
	c.Add("Child", []int{9, 2}, "name")
	c.Add("Child", nil, "where.birthDate")
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	const doc = `query Q { children { edges { node { name } } } }`
	got := c.Drain().Records(&staff, at, "Q", doc)
	if len(got) != 2 || got[0].EntityType != "Child" || got[1].EntityType != "HealthRecord" {
		t.Fatalf("records %+v; want Child then HealthRecord", got)
	}
	child := got[0]
	if !slices.Equal(child.EntityIDs, []int{2, 9}) || !slices.Equal(child.Fields, []string{"name", "where.birthDate"}) {
		t.Errorf("Child record: ids %v, fields %v", child.EntityIDs, child.Fields)
	}
	if len(got[1].EntityIDs) != 21 || got[1].EntityIDs[0] != 3 || got[1].EntityIDs[20] != 100 || !slices.Equal(got[1].Fields, []string{"id", "temperatureC"}) {
		t.Errorf("HealthRecord record: ids %v, fields %v", got[1].EntityIDs, got[1].Fields)
	}
	// sha256sum of doc's bytes.
	want := audit.Record{At: at, Subject: "staff-1", Role: "INSTITUTION_STAFF", RegionCode: "210102", InstitutionID: 7, Operation: "Q",
		DocumentHash: "c1a92f8bc6638a4eb03e6aa780012463705ff4a3e7f463dae8aec9ac2e1616ce"}
	if child.At != want.At || child.Subject != want.Subject || child.Role != want.Role || child.RegionCode != want.RegionCode ||
		child.InstitutionID != want.InstitutionID || child.Operation != want.Operation || child.DocumentHash != want.DocumentHash {
		t.Errorf("record head %+v; want %+v", child, want)
	}
	// Drained: nothing left to write, but the operation did read.
	if r := c.Drain(); len(r) != 0 || !c.RecordedAny() {
		t.Errorf("after Drain: %d reads left, recorded %v", len(r), c.RecordedAny())
	}
}

// A lookup is written with the reads and kept apart, for the write that
// follows a rolled-back mutation.
func TestLookupsKeptApart(t *testing.T) {
	var c audit.Collector
	c.AddLookup("Child", []int{5}, "childIdNumber")
	c.Add("Child", []int{6}, "name")
	if got := c.Drain().Records(&staff, time.Time{}, "", ""); len(got) != 1 || !slices.Equal(got[0].EntityIDs, []int{5, 6}) {
		t.Fatalf("reads %+v; want children 5 and 6", got)
	}
	lookups := c.TakeLookups().Records(&staff, time.Time{}, "", "")
	if len(lookups) != 1 || !slices.Equal(lookups[0].EntityIDs, []int{5}) || !slices.Equal(lookups[0].Fields, []string{"childIdNumber"}) {
		t.Fatalf("lookups %+v; want child 5's ID number", lookups)
	}
	if len(c.TakeLookups()) != 0 {
		t.Error("lookups taken twice")
	}
}

// Insert writes as trusted code whoever the viewer is (nobody may write
// audit_logs through the API), stores empty lists as [] (never null), and
// writes in the transaction of the context when EntWriter is used.
func TestInsert(t *testing.T) {
	d := testdb.Open(t)
	ctx := auth.NewContext(context.Background(), &staff)
	r := audit.By(&staff, time.Now())
	r.Operation, r.DocumentHash, r.EntityType = "import children: 0 rows from a.csv", "h", "Child"
	if err := audit.Insert(ctx, d.Client, r); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	var ids, fields string
	if err := d.SQL.QueryRowContext(ctx, "SELECT entity_ids, fields FROM audit_logs").Scan(&ids, &fields); err != nil {
		t.Fatal(err)
	}
	if ids != "[]" || fields != "[]" {
		t.Errorf("stored entity_ids %s, fields %s; want [] and []", ids, fields)
	}
	if err := audit.Insert(ctx, d.Client); err != nil {
		t.Errorf("Insert of nothing: %v", err)
	}

	// In a transaction that rolls back, the record goes with it.
	tx, err := d.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := (audit.EntWriter{Client: d.Client}).Write(ent.NewContext(ctx, tx.Client()), []audit.Record{r, r}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := d.Client.AuditLog.Query().CountX(testdb.Ctx()); n != 1 {
		t.Errorf("%d audit rows after a rolled-back write; want 1", n)
	}
}
