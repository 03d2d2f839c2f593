package kpistore_test

import (
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestTxKey pins what the hooks key their pending work by: every
// mutation's Tx() is a new *ent.Tx, but its Key is its transaction's (the
// same for two mutations of one transaction, different for another one).
func TestTxKey(t *testing.T) {
	d := testdb.Open(t)
	ctx := testdb.Ctx()
	tx1, err := d.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	a, err := tx1.HealthRecord.Create().Mutation().Tx()
	if err != nil {
		t.Fatal(err)
	}
	b, err := tx1.Enrolment.Create().Mutation().Tx()
	if err != nil {
		t.Fatal(err)
	}
	if tx1.Dialect() != d.Dialect {
		t.Fatalf("Tx.Dialect() = %q, want %q", tx1.Dialect(), d.Dialect)
	}
	if err := tx1.Rollback(); err != nil {
		t.Fatal(err)
	}
	// SQLite has one writer: the second transaction after the first.
	tx2, err := d.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback()
	c, err := tx2.HealthRecord.Create().Mutation().Tx()
	if err != nil {
		t.Fatal(err)
	}
	if a.Key() != b.Key() || a.Key() != tx1.Key() {
		t.Fatal("mutations of one transaction have different Tx keys")
	}
	if a.Key() == c.Key() {
		t.Fatal("mutations of two transactions have the same Tx key")
	}
	if _, err := d.Client.HealthRecord.Create().Mutation().Tx(); err == nil {
		t.Fatal("a mutation outside a transaction reports one")
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
		for _, table := range []string{kpistore.DailyCheckTable, kpistore.ChildFactTable, kpistore.ScreeningTable} {
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
