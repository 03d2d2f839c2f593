package kpistore_test

import (
	"testing"
	"time"

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
