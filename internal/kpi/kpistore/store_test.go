package kpistore_test

import (
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestDriverOf pins the shape of ent's generated code that the hooks rely
// on: a mutation's and a client's driver, and a transaction's being the
// same for every mutation in it.
func TestDriverOf(t *testing.T) {
	d := testdb.Open(t)
	if kpistore.DriverOf(d.Client) == nil {
		t.Fatal("kpistore.DriverOf(client) = nil: ent's generated config changed shape")
	}
	if kpistore.DriverOf(d.Client.HealthRecord.Create().Mutation()) == nil {
		t.Fatal("kpistore.DriverOf(mutation) = nil: ent's generated config changed shape")
	}
	tx, err := d.Client.Tx(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	a, b := kpistore.DriverOf(tx.HealthRecord.Create().Mutation()), kpistore.DriverOf(tx.Enrolment.Create().Mutation())
	if a == nil || a != b {
		t.Fatalf("mutations of one transaction have drivers %v and %v; want the same", a, b)
	}
	if a == kpistore.DriverOf(d.Client) {
		t.Fatal("a transaction's mutation runs through the client's driver")
	}
}

// TestDayWeekdays pins the weekend filter of the hooks.
func TestPendingSkipsWeekends(t *testing.T) {
	p := kpistore.NewPending()
	p.CheckDay(1, time.Date(2025, 6, 14, 0, 0, 0, 0, time.UTC)) // Saturday
	p.CheckDay(1, time.Date(2025, 6, 15, 9, 0, 0, 0, time.UTC)) // Sunday
	if !p.Empty() {
		t.Fatal("weekend morning checks are not DAILY_CHECK_RATE pairs, yet were noted")
	}
	p.CheckDay(1, time.Date(2025, 6, 16, 9, 0, 0, 0, time.UTC)) // Monday
	if p.Empty() || !p.CheckDays()[1][time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC)] {
		t.Fatalf("a Monday check was not noted as its date: %v", p.CheckDays())
	}
}

// TestRebuild: with the precomputed rows gone (as after a raw-SQL import),
// Verify reports them, and RebuildChildren for the children — or
// RebuildAll — restores them exactly.
func TestRebuild(t *testing.T) {
	d := testdb.Open(t)
	ctx := testdb.Ctx()
	kpifixture.Build(t, d.Client)
	if diffs, err := kpistore.Verify(ctx, d.Driver, d.Dialect, nil); err != nil || len(diffs) > 0 {
		t.Fatalf("after the fixture (written through the hooks): %v %v", diffs, err)
	}
	wipe := func() {
		for _, table := range []string{kpistore.DailyCheckTable, kpistore.ChildFactTable} {
			if _, err := d.SQL.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				t.Fatal(err)
			}
		}
		diffs, err := kpistore.Verify(ctx, d.Driver, d.Dialect, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(diffs) < 5 {
			t.Fatalf("emptied tables: %d differences; want the fixture's rows (≥ 5)", len(diffs))
		}
	}
	wipe()
	children, err := d.Client.Child.Query().IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := kpistore.RebuildChildren(ctx, tx, d.Dialect, children); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if diffs, err := kpistore.Verify(ctx, d.Driver, d.Dialect, nil); err != nil || len(diffs) > 0 {
		t.Fatalf("after RebuildChildren: %v %v", diffs, err)
	}
	wipe()
	if err := kpistore.RebuildAllClient(ctx, d.Client); err != nil {
		t.Fatal(err)
	}
	if diffs, err := kpistore.Verify(ctx, d.Driver, d.Dialect, nil); err != nil || len(diffs) > 0 {
		t.Fatalf("after RebuildAllClient: %v %v", diffs, err)
	}
}
