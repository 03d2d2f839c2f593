package filing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	entfiling "github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/civil"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestBackfill: filings written without history (trusted bulk loads skip the
// hook, as did every filing before the history existed) get it from their
// dates; a CANCELLED one without a cancellation day is dated on the day its
// row last changed, and that day is stored; a second run writes nothing.
func TestBackfill(t *testing.T) {
	d, ctx, inst := backfillFixture(t)
	c := d.Client
	mk := func(status entfiling.Status, receipt, notice *time.Time) *ent.Filing {
		return c.Filing.Create().SetInstitution(inst).SetSubmittedAt(civil.D(2024, 1, 2)).SetStatus(status).
			SetNillableReceiptAt(receipt).SetNillableNoncomplianceNotifiedAt(notice).SaveX(ctx)
	}
	day := func(m, dd int) *time.Time { t := civil.D(2024, time.Month(m), dd); return &t }
	filed := mk(entfiling.StatusFILED, day(1, 5), nil)
	notice := mk(entfiling.StatusNONCOMPLIANT, nil, day(1, 19))
	cancelled := mk(entfiling.StatusCANCELLED, day(1, 6), nil)
	if n := c.FilingEvent.Query().CountX(ctx); n != 0 {
		t.Fatalf("bulk loads write no history; got %d events", n)
	}
	n, err := filingflow.Backfill(ctx, d.SQL, d.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("backfill wrote %d events; want 2 + 2 + 3", n)
	}
	history := func(f *ent.Filing) string {
		var out []string
		for _, e := range c.FilingEvent.Query().Where(filingevent.FilingID(f.ID)).Order(ent.Asc(filingevent.FieldID)).AllX(ctx) {
			out = append(out, string(e.Status)+"@"+e.Date.Format(civil.Layout)+"/"+e.ActorRole)
		}
		return strings.Join(out, ",")
	}
	if got := history(filed); got != "SUBMITTED@2024-01-02/SYSTEM,RECEIPT_ISSUED@2024-01-05/SYSTEM" {
		t.Errorf("filed: %s", got)
	}
	if got := history(notice); got != "SUBMITTED@2024-01-02/SYSTEM,NOTICE_ISSUED@2024-01-19/SYSTEM" {
		t.Errorf("notice: %s", got)
	}
	stored := c.Filing.GetX(ctx, cancelled.ID)
	if stored.CancelledAt == nil || !stored.CancelledAt.Equal(civil.Of(cancelled.UpdatedAt)) {
		t.Fatalf("cancelled_at = %v; want the day the row last changed (%s)", stored.CancelledAt, civil.Of(cancelled.UpdatedAt).Format(civil.Layout))
	}
	want := "SUBMITTED@2024-01-02/SYSTEM,RECEIPT_ISSUED@2024-01-06/SYSTEM,CANCELLED@" + stored.CancelledAt.Format(civil.Layout) + "/SYSTEM"
	if got := history(cancelled); got != want {
		t.Errorf("cancelled: %s; want %s", got, want)
	}
	if n, err := filingflow.Backfill(ctx, d.SQL, d.Dialect); err != nil || n != 0 {
		t.Fatalf("second backfill wrote %d events (%v); want none", n, err)
	}
}

// TestBackfillOrdersByDay: the backfill writes a history in the order of
// its days, as the hook writes one on create: on a same-day tie the
// current status's decision is last (the later recorded decides
// FILING_RATE), and a cancelled filing's amendment day gets its CHANGED
// event. A row whose days contradict its status (bulk loads skip the rules)
// is written as its days say and listed by Inconsistencies.
func TestBackfillOrdersByDay(t *testing.T) {
	d, ctx, inst := backfillFixture(t)
	c := d.Client
	day := func(m, dd int) *time.Time { t := civil.D(2024, time.Month(m), dd); return &t }
	mk := func(status entfiling.Status) *ent.FilingCreate {
		return c.Filing.Create().SetInstitution(inst).SetSubmittedAt(civil.D(2024, 1, 2)).SetStatus(status)
	}
	notice := mk(entfiling.StatusNONCOMPLIANT).SetReceiptAt(*day(1, 5)).SetNoncomplianceNotifiedAt(*day(1, 5)).SaveX(ctx)
	refiled := mk(entfiling.StatusFILED).SetNoncomplianceNotifiedAt(*day(1, 5)).SetReceiptAt(*day(1, 5)).SaveX(ctx)
	cancelled := mk(entfiling.StatusCANCELLED).SetReceiptAt(*day(1, 5)).SetChangedAt(*day(2, 1)).SetCancelledAt(*day(3, 1)).SaveX(ctx)
	bad := mk(entfiling.StatusFILED).SetReceiptAt(*day(1, 5)).SetNoncomplianceNotifiedAt(*day(1, 19)).SaveX(ctx)
	if _, err := filingflow.Backfill(ctx, d.SQL, d.Dialect); err != nil {
		t.Fatal(err)
	}
	history := func(f *ent.Filing) string {
		var out []string
		for _, e := range c.FilingEvent.Query().Where(filingevent.FilingID(f.ID)).Order(ent.Asc(filingevent.FieldID)).AllX(ctx) {
			out = append(out, string(e.Status)+"@"+e.Date.Format(civil.Layout))
		}
		return strings.Join(out, ",")
	}
	for f, want := range map[*ent.Filing]string{
		notice:    "SUBMITTED@2024-01-02,RECEIPT_ISSUED@2024-01-05,NOTICE_ISSUED@2024-01-05",
		refiled:   "SUBMITTED@2024-01-02,NOTICE_ISSUED@2024-01-05,RECEIPT_ISSUED@2024-01-05",
		cancelled: "SUBMITTED@2024-01-02,RECEIPT_ISSUED@2024-01-05,CHANGED@2024-02-01,CANCELLED@2024-03-01",
		bad:       "SUBMITTED@2024-01-02,RECEIPT_ISSUED@2024-01-05,NOTICE_ISSUED@2024-01-19",
	} {
		if got := history(f); got != want {
			t.Errorf("filing %d (%s): %s; want %s", f.ID, f.Status, got, want)
		}
	}
	problems, err := filingflow.Inconsistencies(ctx, d.SQL)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0].FilingID != bad.ID || !strings.Contains(problems[0].Reason, "latest event is NOTICE_ISSUED") {
		t.Fatalf("Inconsistencies = %v; want only filing %d (FILED, latest event a notice)", problems, bad.ID)
	}
}

// backfillFixture opens a database with one institution, for filings
// written as a trusted bulk load (without history) in the returned context.
func backfillFixture(t *testing.T) (*testdb.DB, context.Context, *ent.Institution) {
	t.Helper()
	d := testdb.Open(t)
	ctx := bulkload.With(testdb.Ctx())
	check, err := ident.CreditCodeCheckChar("91210102MA0000000")
	if err != nil {
		t.Fatal(err)
	}
	reg := d.Client.Region.Create().SetCode("210102").SetName("和平区").SetLevel(region.LevelDISTRICT).SaveX(ctx)
	inst := d.Client.Institution.Create().SetName("托育中心").SetCreditCode("91210102MA0000000" + string(check)).SetForm(institution.FormCENTER).
		SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2023, 1, 1)).SetRegion(reg).SaveX(ctx)
	return d, ctx, inst
}
