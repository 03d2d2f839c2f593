package kpi_test

import (
	"context"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/kpi/kpifixture"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestFilingAndSupervisionIndicators checks the history-based FILING_RATE
// and the three deadline indicators against hand-derived values, on both
// dialects. Dates use the official 2024/2025 calendars (lunar-go):
//
// FILING_ON_TIME_RATE, January 2024 [2024-01-01, 2024-02-01). The fixture's
// filings were submitted Tue 2024-01-02; 5 working days → Tue 01-09 (01-03,
// 04, 05, 08, 09). Receipts: A 01-05, B 01-06, X 01-05 (D1), K3 01-05 (D2):
// on time. Added here: K2 (D2) submitted Wed 01-10, due Wed 01-17, receipt
// 01-25: late. D1 3/3, D2 1/2, C 4/5.
//
// RECTIFICATION_RATE, May 2025. An inspection of A (D1) on 2025-05-01 with
// findings due 05-20 (rectified 05-18: on time), 05-25 (rectified 05-30:
// late), 05-31 (still OPEN: not rectified) and 06-10 (outside May). K1 (D2):
// due 05-15, VERIFIED by a re-inspection on 05-14 without a report (its
// corrected_at counts): on time. D1 1/3, D2 1/1, C 2/4.
//
// COMPLAINT_ON_TIME_RATE, May 2025. A: due 05-12 (given), closed 05-10: on
// time. B: received Fri 2025-04-25, due by default 15 working days later:
// Sun 04-27 is a make-up workday (1), 04-28–30 (4), 1–5 May off, 05-06–09
// (8), 05-12–16 (13), 05-19 (14), Tue 05-20 (15); never closed: late. K1:
// due 06-05 (outside May). D1 1/2, D2 0/0, C 1/2.
//
// FILING_RATE as of 2025-10-01: K1's filing was cancelled on 2025-09-01;
// D2's providers are then K1 and Y (opened 2025-06-17, unfiled): 0/2, while
// as of AsOf D2 stays 1/1. D1: A of A, B, G; C 1/5. B's filing added here
// got its receipt and its cancellation on the same day, 2025-09-30: the
// later event decides, so B is not filed.
func TestFilingAndSupervisionIndicators(t *testing.T) {
	d := testdb.Open(t)
	f := kpifixture.Build(t, d.Client)
	c := d.Client
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)

	c.Filing.Create().SetInstitution(f.K2).SetSubmittedAt(civil.D(2024, 1, 10)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2024, 1, 25)).ExecX(ctx)

	sameDay := c.Filing.Create().SetInstitution(f.B).SetSubmittedAt(civil.D(2025, 9, 20)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2025, 9, 30)).SaveX(ctx)
	c.Filing.UpdateOne(sameDay).SetStatus(filing.StatusCANCELLED).SetCancelledAt(civil.D(2025, 9, 30)).ExecX(ctx)

	insp := c.Inspection.Create().SetInstitution(f.A).SetInspectedOn(civil.D(2025, 5, 1)).SetKind(inspection.KindROUTINE).
		SetInspector("test").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).SaveX(ctx)
	find := func(in *ent.Inspection, deadline civilDate) *ent.FindingCreate {
		return c.Finding.Create().SetInspection(in).SetRule("r").SetSeverity(finding.SeverityMINOR).SetDeadline(deadline.t())
	}
	find(insp, civilDate{2025, 5, 20}).SetStatus(finding.StatusRECTIFIED).SetRectifiedAt(civil.D(2025, 5, 18)).ExecX(ctx)
	find(insp, civilDate{2025, 5, 25}).SetStatus(finding.StatusRECTIFIED).SetRectifiedAt(civil.D(2025, 5, 30)).ExecX(ctx)
	find(insp, civilDate{2025, 5, 31}).ExecX(ctx)
	find(insp, civilDate{2025, 6, 10}).ExecX(ctx)
	inspK1 := c.Inspection.Create().SetInstitution(f.K1).SetInspectedOn(civil.D(2025, 5, 2)).SetKind(inspection.KindROUTINE).
		SetInspector("test").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).SaveX(ctx)
	re := c.Inspection.Create().SetInstitution(f.K1).SetInspectedOn(civil.D(2025, 5, 14)).SetKind(inspection.KindFOLLOW_UP).
		SetInspector("test").SetOutcome(inspection.OutcomePASSED).SaveX(ctx)
	find(inspK1, civilDate{2025, 5, 15}).SetStatus(finding.StatusVERIFIED).SetCorrectedAt(civil.D(2025, 5, 14)).SetVerifiedBy(re).ExecX(ctx)

	c.Complaint.Create().SetInstitution(f.A).SetReceivedAt(civil.D(2025, 4, 20)).SetDueOn(civil.D(2025, 5, 12)).
		SetClosedAt(civil.D(2025, 5, 10)).SetOutcome(complaint.OutcomeUNSUBSTANTIATED).SetChannel(complaint.ChannelHOTLINE).SetCategory("收费").ExecX(ctx)
	late := c.Complaint.Create().SetInstitution(f.B).SetReceivedAt(civil.D(2025, 4, 25)).SetChannel(complaint.ChannelONLINE).SetCategory("安全").SaveX(ctx)
	if late.DueOn == nil || !late.DueOn.Equal(civil.D(2025, 5, 20)) {
		t.Fatalf("default due_on = %v; want 2025-05-20 (15 working days, 劳动节 and its Sunday make-up day)", late.DueOn)
	}
	c.Complaint.Create().SetInstitution(f.K1).SetReceivedAt(civil.D(2025, 5, 20)).SetDueOn(civil.D(2025, 6, 5)).
		SetChannel(complaint.ChannelVISIT).SetCategory("卫生").ExecX(ctx)

	engine := kpi.New(d.Client, d.Counter, d.Dialect)
	regions := []int{f.C.ID, f.D1.ID, f.D2.ID}
	check := func(key schematype.IndicatorKey, p kpi.Point, want map[int]nd) {
		t.Helper()
		res, err := engine.Evaluate(testdb.Ctx(), kpi.Query{Keys: []schematype.IndicatorKey{key}, RegionIDs: regions, Points: []kpi.Point{p}})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if len(res) != len(regions) {
			t.Fatalf("%s: %d results; want %d", key, len(res), len(regions))
		}
		for _, r := range res {
			assertResult(t, r, want[r.RegionID])
		}
	}
	jan := kpi.Point{From: civil.D(2024, 1, 1), To: civil.D(2024, 2, 1)}
	may := kpi.Point{From: civil.D(2025, 5, 1), To: civil.D(2025, 6, 1)}
	check(schematype.FilingOnTimeRate, jan, map[int]nd{f.D1.ID: {3, 3}, f.D2.ID: {1, 2}, f.C.ID: {4, 5}})
	check(schematype.RectificationRate, may, map[int]nd{f.D1.ID: {1, 3}, f.D2.ID: {1, 1}, f.C.ID: {2, 4}})
	check(schematype.ComplaintOnTimeRate, may, map[int]nd{f.D1.ID: {1, 2}, f.D2.ID: {0, 0}, f.C.ID: {1, 2}})
	check(schematype.FilingRate, kpi.Point{AsOf: kpifixture.AsOf}, map[int]nd{f.D1.ID: {1, 3}, f.D2.ID: {1, 1}, f.C.ID: {2, 4}})
	check(schematype.FilingRate, kpi.Point{AsOf: civil.D(2025, 10, 1)}, map[int]nd{f.D1.ID: {1, 3}, f.D2.ID: {0, 2}, f.C.ID: {1, 5}})
}

// civilDate keeps the finding table above readable.
type civilDate struct{ y, m, d int }

func (c civilDate) t() time.Time { return civil.D(c.y, time.Month(c.m), c.d) }
