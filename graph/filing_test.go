package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Tests of the filing workflow and supervision (README "Filing workflow",
// "Supervision") on buildTree: institutions 0 and 1 in 和平区 (210102), 2 and
// 3 in 沈河区 (210103). Dates use the official 2025/2026 calendars.

type workflowViewers struct {
	heping, shenhe, province, staff0, staff2 auth.Viewer
}

// workflowWorld serves buildTree's regions and four institutions, with
// the workflow viewers and the global ID of 和平区, where the work lists of
// these tests are.
func workflowWorld(t *testing.T) (*gqltest.Server, *tree, workflowViewers, string) {
	t.Helper()
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 4)
	return s, tr, newWorkflowViewers(tr), nodeID(tr.districts[0].ID)
}

func newWorkflowViewers(tr *tree) workflowViewers {
	return workflowViewers{
		heping:   auth.Viewer{Subject: "reg-heping", Role: auth.DistrictRegulator, RegionCode: "210102"},
		shenhe:   auth.Viewer{Subject: "reg-shenhe", Role: auth.DistrictRegulator, RegionCode: "210103"},
		province: auth.Viewer{Subject: "reg-ln", Role: auth.ProvinceRegulator, RegionCode: "210000"},
		staff0:   auth.Viewer{Subject: "staff-0", Role: auth.InstitutionStaff, InstitutionID: tr.institutions[0].ID},
		staff2:   auth.Viewer{Subject: "staff-2", Role: auth.InstitutionStaff, InstitutionID: tr.institutions[2].ID},
	}
}

type deadlineView struct {
	Filing          struct{ ID string }
	Kind            string
	DueOn           string
	WorkingDaysLeft int
	DaysOverdue     int
}

const (
	dueDoc     = `query($r: ID!, $w: Int, $d: Date) { filingsDue(regionID: $r, within: $w, asOf: $d) { filing { id } kind dueOn workingDaysLeft daysOverdue } }`
	overdueDoc = `query($r: ID!, $d: Date) { filingsOverdue(regionID: $r, asOf: $d) { filing { id } kind dueOn workingDaysLeft daysOverdue } }`
	historyDoc = `query { filings { edges { node { id status receiptNumber cancelledAt events { status date actorRole actorSubject } } } } }`
)

// TestFilingHistoryAndDeadlines: each status change is a dated FilingEvent
// written with the change; the county office's work lists count working days
// with 调休; a failed change writes no event; other regions and staff are refused.
func TestFilingHistoryAndDeadlines(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)

	var created struct{ CreateFiling struct{ ID string } }
	s.DoAs(t, v.heping, `mutation($in: CreateFilingInput!) { createFiling(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"institutionID": nodeID(tr.institutions[0].ID), "submittedAt": "2026-09-30", "status": "SUBMITTED", "documents": []string{"BUSINESS_LICENCE"},
	}}).Decode(t, &created)
	id := created.CreateFiling.ID

	// Submitted Wed 2026-09-30: 1–7 Oct off, Thu 8 = 1, Fri 9 = 2, Sat 10
	// (调休) = 3, Mon 12 = 4, Tue 13 = 5: the receipt is due 2026-10-13.
	// From Fri 10-09, 3 working days reach Tue 10-13 (Sat 10, Mon 12, Tue 13).
	var due struct{ FilingsDue []deadlineView }
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 3, "d": "2026-10-09"}).Decode(t, &due)
	if len(due.FilingsDue) != 1 || due.FilingsDue[0].Kind != "RECEIPT" || due.FilingsDue[0].DueOn != "2026-10-13" || due.FilingsDue[0].WorkingDaysLeft != 3 || due.FilingsDue[0].Filing.ID != id {
		t.Fatalf("filingsDue = %+v; want the receipt due 2026-10-13, 3 working days left", due.FilingsDue)
	}
	// Two working days ahead stop at Mon 10-12: nothing due.
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 2, "d": "2026-10-09"}).Decode(t, &due)
	if len(due.FilingsDue) != 0 {
		t.Fatalf("filingsDue within 2 = %+v; want none", due.FilingsDue)
	}
	// On Wed 10-14 the receipt is one day overdue; the notice (15 working
	// days: Oct 8, 9, 10, 12–16, 19–23, 26, 27) is due 2026-10-27.
	var over struct{ FilingsOverdue []deadlineView }
	s.DoAs(t, v.heping, overdueDoc, map[string]any{"r": heping, "d": "2026-10-14"}).Decode(t, &over)
	if len(over.FilingsOverdue) != 1 || over.FilingsOverdue[0].DaysOverdue != 1 || over.FilingsOverdue[0].WorkingDaysLeft != -1 {
		t.Fatalf("filingsOverdue = %+v; want the receipt 1 day overdue", over.FilingsOverdue)
	}
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 10, "d": "2026-10-14"}).Decode(t, &due)
	if len(due.FilingsDue) != 1 || due.FilingsDue[0].Kind != "NOTICE" || due.FilingsDue[0].DueOn != "2026-10-27" {
		t.Fatalf("filingsDue within 10 = %+v; want the notice due 2026-10-27", due.FilingsDue)
	}

	// With each filing's institution: region 1, calendar 1, filings 1,
	// institutions 1, their regions 1 and those regions' parents 1 (where
	// a work list shows the item is).
	nested := `query($r: ID!, $d: Date) { filingsDue(regionID: $r, within: 10, asOf: $d) { filing { institution { name } } dueOn } }`
	if n := s.Count(func() {
		s.DoAs(t, v.heping, nested, map[string]any{"r": heping, "d": "2026-10-14"}).Decode(t, &struct{}{})
	}); n != 6 {
		t.Errorf("filingsDue with institutions ran %d statements; want 6", n)
	}
	// Scope: another district, staff and an unknown region are refused.
	wantCodeField(t, s.DoAs(t, v.shenhe, overdueDoc, map[string]any{"r": heping, "d": "2026-10-14"}), "FORBIDDEN", "")
	wantCodeField(t, s.DoAs(t, v.staff0, overdueDoc, map[string]any{"r": heping, "d": "2026-10-14"}), "FORBIDDEN", "")
	wantCodeField(t, s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 31, "d": "2026-10-14"}), "BAD_USER_INPUT", "within")

	update := `mutation($id: ID!, $in: UpdateFilingInput!) { updateFiling(id: $id, input: $in) { id status } }`
	s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"status": "FILED", "receiptAt": "2026-10-12", "receiptNumber": "沈和卫托备〔2026〕7号"}}).Decode(t, &struct{}{})
	s.DoAs(t, v.heping, overdueDoc, map[string]any{"r": heping, "d": "2026-10-14"}).Decode(t, &over)
	if len(over.FilingsOverdue) != 0 {
		t.Fatalf("a filed filing is no longer on the work list; got %+v", over.FilingsOverdue)
	}
	// A failed change (cancelled before submission) writes neither the change nor an event.
	resp := s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"status": "CANCELLED", "cancelledAt": "2026-01-01"}})
	wantCodeField(t, resp, "BAD_USER_INPUT", "cancelledAt")
	// Cancelling without a day dates it today.
	s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"status": "CANCELLED"}}).Decode(t, &struct{}{})

	var hist struct {
		Filings struct {
			Edges []struct {
				Node struct {
					ID, Status    string
					ReceiptNumber string
					CancelledAt   string
					Events        []struct{ Status, Date, ActorRole, ActorSubject string }
				}
			}
		}
	}
	s.DoAs(t, v.heping, historyDoc, nil).Decode(t, &hist)
	if len(hist.Filings.Edges) != 1 {
		t.Fatalf("filings = %+v", hist.Filings.Edges)
	}
	n := hist.Filings.Edges[0].Node
	today := civil.Today(time.UTC).Format(civil.Layout) // gqltest's server zone
	got := []string{}
	for _, e := range n.Events {
		got = append(got, e.Status+"@"+e.Date)
		if e.ActorRole != "DISTRICT_REGULATOR" || e.ActorSubject != "sub:reg-heping" {
			t.Errorf("event %+v: want the regulator as actor", e)
		}
	}
	want := []string{"SUBMITTED@2026-09-30", "RECEIPT_ISSUED@2026-10-12", "CANCELLED@" + today}
	if strings.Join(got, ",") != strings.Join(want, ",") || n.Status != "CANCELLED" || n.CancelledAt != today {
		t.Fatalf("history = %v (status %s, cancelledAt %s); want %v", got, n.Status, n.CancelledAt, want)
	}
	if n.ReceiptNumber != "沈和卫托备〔2026〕7号" {
		t.Errorf("receiptNumber = %q; want the number set with the receipt", n.ReceiptNumber)
	}
	// The province sees which official decided; the institution's own staff
	// see the history and the deciding role, never the official's account.
	s.DoAs(t, v.province, historyDoc, nil).Decode(t, &hist)
	if len(hist.Filings.Edges) != 1 || len(hist.Filings.Edges[0].Node.Events) != 3 || hist.Filings.Edges[0].Node.Events[0].ActorSubject != "sub:reg-heping" {
		t.Fatalf("province sees %+v; want the regulator's account", hist.Filings.Edges)
	}
	staffResp := s.DoAs(t, v.staff0, historyDoc, nil)
	hist.Filings.Edges = nil // null fields leave a reused element's value in place
	staffResp.Decode(t, &hist)
	if len(hist.Filings.Edges) != 1 || len(hist.Filings.Edges[0].Node.Events) != 3 {
		t.Fatalf("staff of the institution see %+v; want its filing's 3 events", hist.Filings.Edges)
	}
	for _, e := range hist.Filings.Edges[0].Node.Events {
		if e.ActorRole != "DISTRICT_REGULATOR" || e.ActorSubject != "" {
			t.Errorf("staff see event %+v; want the role without the account", e)
		}
	}
	if strings.Contains(staffResp.Body, "reg-heping") {
		t.Errorf("the regulator's account reached staff: %s", staffResp.Body)
	}
	if body := s.Do(t, historyDoc, nil).Body; strings.Contains(body, "reg-heping") {
		t.Errorf("the regulator's account reached PUBLIC: %s", body)
	}
	// Staff of another institution do not see the filing's history.
	s.DoAs(t, v.staff2, historyDoc, nil).Decode(t, &hist)
	if len(hist.Filings.Edges) != 0 {
		t.Fatalf("staff of another institution see %+v", hist.Filings.Edges)
	}
}

// TestWorkCalendarBeyondLastYear: a deadline past the calendar's last known
// year is CALENDAR_UNKNOWN until a province regulator loads the year.
func TestWorkCalendarBeyondLastYear(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)
	var cov struct {
		LoadWorkCalendar struct{ Year, Days, LastKnownYear int }
	}
	load := `mutation($y: Int!, $days: [WorkCalendarDayInput!]!) { loadWorkCalendar(year: $y, days: $days) { year days lastKnownYear } }`
	// Ask for the built-in last year by loading a year that is surely covered.
	s.DoAs(t, v.province, load, map[string]any{"y": 2026, "days": []map[string]any{{"date": "2026-10-01", "workday": false, "name": "国庆节"}}}).Decode(t, &cov)
	last := cov.LoadWorkCalendar.LastKnownYear
	if last < 2026 {
		t.Fatalf("last known year %d", last)
	}
	next := last + 1
	dec := civil.D(last, 12, 29).Format(civil.Layout)
	s.Client.Filing.Create().SetInstitution(tr.institutions[0]).SetSubmittedAt(civil.D(last, 12, 29)).SetStatus("SUBMITTED").ExecX(testdb.Ctx())
	wantCodeField(t, s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 3, "d": dec}), "CALENDAR_UNKNOWN", "")

	days := []map[string]any{{"date": civil.D(next, 1, 1).Format(civil.Layout), "workday": false, "name": "元旦"}}
	wantCodeField(t, s.DoAs(t, v.heping, load, map[string]any{"y": next, "days": days}), "FORBIDDEN", "")
	bad := []map[string]any{{"date": civil.D(next, 1, 1).Format(civil.Layout), "workday": false}, {"date": civil.D(last, 1, 1).Format(civil.Layout), "workday": false}}
	wantCodeField(t, s.DoAs(t, v.province, load, map[string]any{"y": next, "days": bad}), "BAD_USER_INPUT", "days[1].date")
	s.DoAs(t, v.province, load, map[string]any{"y": next, "days": days}).Decode(t, &cov)
	if cov.LoadWorkCalendar.LastKnownYear != next || cov.LoadWorkCalendar.Days != 1 {
		t.Fatalf("coverage after loading = %+v", cov.LoadWorkCalendar)
	}
	var due struct{ FilingsDue []deadlineView }
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 10, "d": dec}).Decode(t, &due)
	if len(due.FilingsDue) == 0 {
		t.Fatal("after loading the year the deadline is computed")
	}
}

// TestWorkListsAtYearEnd: in the last weeks of the calendar's last known
// year, a filing's notice deadline (15 working days) falls in a year no
// calendar covers yet. It cannot be within a horizon that ends in the known
// year, nor have passed by a day in it, so both work lists leave it out and
// list the rest; only a list it might belong to is CALENDAR_UNKNOWN. Before,
// one such filing made the whole region's lists CALENDAR_UNKNOWN every
// December until the next year was loaded.
func TestWorkListsAtYearEnd(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)
	var cal struct{ WorkCalendar struct{ LastKnownYear int } }
	s.DoAs(t, v.heping, `{ workCalendar(year: 2026) { lastKnownYear } }`, nil).Decode(t, &cal)
	last := cal.WorkCalendar.LastKnownYear
	if last < 2026 {
		t.Fatalf("last known year %d", last)
	}
	f := s.Client.Filing.Create().SetInstitution(tr.institutions[0]).SetSubmittedAt(civil.D(last, 12, 15)).SetStatus("SUBMITTED").SaveX(testdb.Ctx())
	kinds := func(ds []deadlineView) string {
		var out []string
		for _, d := range ds {
			if d.Filing.ID != nodeID(f.ID) {
				t.Fatalf("deadline of another filing: %+v", d)
			}
			out = append(out, d.Kind)
		}
		return strings.Join(out, ",")
	}

	// Receipt due about a week later, within 5 working days of the 16th; the
	// notice's deadline is in January of a year not covered.
	var due struct{ FilingsDue []deadlineView }
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 5, "d": civil.D(last, 12, 16).Format(civil.Layout)}).Decode(t, &due)
	if got := kinds(due.FilingsDue); got != "RECEIPT" {
		t.Errorf("filingsDue in mid-December: %s; want RECEIPT alone", got)
	}
	var over struct{ FilingsOverdue []deadlineView }
	s.DoAs(t, v.heping, overdueDoc, map[string]any{"r": heping, "d": civil.D(last, 12, 31).Format(civil.Layout)}).Decode(t, &over)
	if got := kinds(over.FilingsOverdue); got != "RECEIPT" {
		t.Errorf("filingsOverdue on 31 December: %s; want RECEIPT alone", got)
	}
	// In the year not covered, whether the notice is overdue is unknown.
	wantCodeField(t, s.DoAs(t, v.heping, overdueDoc, map[string]any{"r": heping, "d": civil.D(last+1, 1, 20).Format(civil.Layout)}), "CALENDAR_UNKNOWN", "")
}

// TestFindingRectificationWorkflow: staff of the institution report RECTIFIED,
// a regulator VERIFIES by a FOLLOW_UP re-inspection or sends it back;
// OVERDUE is derived from the deadline and the day asked about.
func TestFindingRectificationWorkflow(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)
	ctx := testdb.Ctx()
	inspect := func(day int, kind inspection.Kind) *ent.Inspection {
		return s.Client.Inspection.Create().SetInstitution(tr.institutions[0]).SetInspectedOn(civil.D(2025, 5, day)).SetKind(kind).
			SetInspector("和平区卫生健康综合行政执法大队").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).SaveX(ctx)
	}
	insp := inspect(1, inspection.KindROUTINE)
	f1 := s.Client.Finding.Create().SetInspection(insp).SetRule("消防").SetSeverity("MAJOR").SetDeadline(civil.D(2025, 5, 20)).SaveX(ctx)
	f2 := s.Client.Finding.Create().SetInspection(insp).SetRule("卫生").SetSeverity("MINOR").SetDeadline(civil.D(2025, 5, 20)).SaveX(ctx)

	stateDoc := `query($id: ID!, $d: Date) { node(id: $id) { ... on Finding { status state(asOf: $d) rectifiedAt correctedAt deadline } } }`
	type findingView struct{ Status, State, RectifiedAt, CorrectedAt, Deadline string }
	state := func(id int, day string) findingView {
		var got struct{ Node findingView }
		s.DoAs(t, v.heping, stateDoc, map[string]any{"id": nodeID(id), "d": day}).Decode(t, &got)
		return got.Node
	}
	if st := state(f1.ID, "2025-05-20"); st.State != "OPEN" {
		t.Fatalf("on its deadline the finding is %+v; want OPEN", st)
	}
	if st := state(f1.ID, "2025-05-21"); st.State != "OVERDUE" || st.Status != "OPEN" {
		t.Fatalf("after its deadline the finding is %+v; want OVERDUE (status OPEN)", st)
	}
	overDoc := `query($r: ID!, $d: Date) { findingsOverdue(regionID: $r, asOf: $d) { finding { id } deadline daysOverdue } }`
	var over struct {
		FindingsOverdue []struct {
			Finding     struct{ ID string }
			Deadline    string
			DaysOverdue int
		}
	}
	s.DoAs(t, v.heping, overDoc, map[string]any{"r": heping, "d": "2025-05-23"}).Decode(t, &over)
	if len(over.FindingsOverdue) != 2 || over.FindingsOverdue[0].DaysOverdue != 3 {
		t.Fatalf("findingsOverdue = %+v; want both findings 3 days overdue", over.FindingsOverdue)
	}
	wantCodeField(t, s.DoAs(t, v.shenhe, overDoc, map[string]any{"r": heping, "d": "2025-05-23"}), "FORBIDDEN", "")
	// The list with each finding's inspection and institution: region 1,
	// findings 1, inspections 1, institutions 1, their regions 1 and the
	// regions' parents 1 — whatever the number of items.
	nested := `query($r: ID!, $d: Date) { findingsOverdue(regionID: $r, asOf: $d) { finding { id inspection { id institution { name } } } } }`
	if n := s.Count(func() {
		s.DoAs(t, v.heping, nested, map[string]any{"r": heping, "d": "2025-05-23"}).Decode(t, &struct{}{})
	}); n != 6 {
		t.Errorf("findingsOverdue with inspection and institution ran %d statements; want 6", n)
	}

	mark := `mutation($id: ID!, $d: Date!) { markFindingRectified(findingID: $id, rectifiedOn: $d) { id status rectifiedAt } }`
	markVars := func(id int, day string) map[string]any { return map[string]any{"id": nodeID(id), "d": day} }
	wantCodeField(t, s.DoAs(t, v.heping, mark, markVars(f1.ID, "2025-05-22")), "FORBIDDEN", "")
	wantCodeField(t, s.DoAs(t, v.staff2, mark, markVars(f1.ID, "2025-05-22")), "NOT_FOUND", "")
	wantCodeField(t, s.DoAs(t, v.staff0, mark, markVars(f1.ID, "2025-04-30")), "BAD_USER_INPUT", "rectifiedOn")
	s.DoAs(t, v.staff0, mark, markVars(f1.ID, "2025-05-22")).Decode(t, &struct{}{})
	wantCodeField(t, s.DoAs(t, v.staff0, mark, markVars(f1.ID, "2025-05-22")), "CONFLICT", "findingID")
	if st := state(f1.ID, "2025-05-23"); st.State != "RECTIFIED" || st.RectifiedAt != "2025-05-22" {
		t.Fatalf("after the report the finding is %+v", st)
	}
	s.DoAs(t, v.heping, overDoc, map[string]any{"r": heping, "d": "2025-05-23"}).Decode(t, &over)
	if len(over.FindingsOverdue) != 1 || over.FindingsOverdue[0].Finding.ID != nodeID(f2.ID) {
		t.Fatalf("findingsOverdue after the report = %+v; want only the other finding", over.FindingsOverdue)
	}

	verify := `mutation($f: ID!, $i: ID!, $ok: Boolean!, $nd: Date) { verifyFinding(findingID: $f, inspectionID: $i, accepted: $ok, newDeadline: $nd) { id status } }`
	routine := inspect(24, inspection.KindROUTINE)
	followUp := inspect(25, inspection.KindFOLLOW_UP)
	vv := func(f, i int, ok bool, nd any) map[string]any {
		return map[string]any{"f": nodeID(f), "i": nodeID(i), "ok": ok, "nd": nd}
	}
	wantCodeField(t, s.DoAs(t, v.staff0, verify, vv(f1.ID, followUp.ID, true, nil)), "FORBIDDEN", "")
	wantCodeField(t, s.DoAs(t, v.shenhe, verify, vv(f1.ID, followUp.ID, true, nil)), "NOT_FOUND", "")
	wantCodeField(t, s.DoAs(t, v.heping, verify, vv(f1.ID, routine.ID, true, nil)), "BAD_USER_INPUT", "inspectionID")
	s.DoAs(t, v.heping, verify, vv(f1.ID, followUp.ID, true, nil)).Decode(t, &struct{}{})
	if st := state(f1.ID, "2025-06-30"); st.State != "VERIFIED" || st.CorrectedAt != "2025-05-25" || st.RectifiedAt != "2025-05-22" {
		t.Fatalf("after verification the finding is %+v", st)
	}
	wantCodeField(t, s.DoAs(t, v.heping, verify, vv(f1.ID, followUp.ID, true, nil)), "CONFLICT", "findingID")

	// Rejected: back to OPEN with a new deadline, which must follow the re-inspection.
	s.DoAs(t, v.staff0, mark, markVars(f2.ID, "2025-05-24")).Decode(t, &struct{}{})
	wantCodeField(t, s.DoAs(t, v.heping, verify, vv(f2.ID, followUp.ID, false, "2025-05-25")), "BAD_USER_INPUT", "newDeadline")
	s.DoAs(t, v.heping, verify, vv(f2.ID, followUp.ID, false, "2025-06-30")).Decode(t, &struct{}{})
	if st := state(f2.ID, "2025-06-01"); st.State != "OPEN" || st.RectifiedAt != "" || st.Deadline != "2025-06-30" {
		t.Fatalf("after rejection the finding is %+v; want OPEN, no rectifiedAt, deadline 2025-06-30", st)
	}
}

// TestFilingSubmittedAfterAsOfIsNotPending: a filing submitted after asOf
// is not pending on asOf, so filingsDue and filingsOverdue leave it out,
// and its deadlines, in a year no calendar covers, stop neither list.
func TestFilingSubmittedAfterAsOfIsNotPending(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)
	ctx := testdb.Ctx()
	pending := s.Client.Filing.Create().SetInstitution(tr.institutions[0]).SetSubmittedAt(civil.D(2026, 9, 30)).SetStatus("SUBMITTED").SaveX(ctx)
	s.Client.Filing.Create().SetInstitution(tr.institutions[1]).SetSubmittedAt(civil.D(2199, 12, 30)).SetStatus("SUBMITTED").ExecX(ctx)
	var due struct{ FilingsDue []deadlineView }
	s.DoAs(t, v.heping, dueDoc, map[string]any{"r": heping, "w": 10, "d": "2026-10-09"}).Decode(t, &due)
	if len(due.FilingsDue) != 1 || due.FilingsDue[0].Filing.ID != nodeID(pending.ID) {
		t.Fatalf("filingsDue = %+v; want only the filing submitted before asOf", due.FilingsDue)
	}
	var over struct{ FilingsOverdue []deadlineView }
	s.DoAs(t, v.heping, overdueDoc, map[string]any{"r": heping, "d": "2026-10-14"}).Decode(t, &over)
	if len(over.FilingsOverdue) != 1 || over.FilingsOverdue[0].Filing.ID != nodeID(pending.ID) {
		t.Fatalf("filingsOverdue = %+v; want only the filing submitted before asOf", over.FilingsOverdue)
	}
}

// TestComplaintDeadlineAndOutcome: a complaint is due 15 working days after
// receipt unless given; closing needs an outcome; open ones past their
// deadline are listed per region.
func TestComplaintDeadlineAndOutcome(t *testing.T) {
	s, tr, v, heping := workflowWorld(t)
	var created struct{ CreateComplaint struct{ ID, DueOn string } }
	create := `mutation($in: CreateComplaintInput!) { createComplaint(input: $in) { id dueOn } }`
	// Fri 2025-04-25 + 15 working days: Sun 04-27 (调休) … 1–5 May off … Tue 05-20.
	s.DoAs(t, v.heping, create, map[string]any{"in": map[string]any{"institutionID": nodeID(tr.institutions[0].ID), "channel": "HOTLINE", "category": "安全", "receivedAt": "2025-04-25"}}).Decode(t, &created)
	if created.CreateComplaint.DueOn != "2025-05-20" {
		t.Fatalf("dueOn = %s; want 2025-05-20", created.CreateComplaint.DueOn)
	}
	id := created.CreateComplaint.ID
	overDoc := `query($r: ID!, $d: Date) { complaintsOverdue(regionID: $r, asOf: $d) { complaint { id } dueOn daysOverdue } }`
	var over struct {
		ComplaintsOverdue []struct {
			Complaint   struct{ ID string }
			DueOn       string
			DaysOverdue int
		}
	}
	s.DoAs(t, v.heping, overDoc, map[string]any{"r": heping, "d": "2025-05-20"}).Decode(t, &over)
	if len(over.ComplaintsOverdue) != 0 {
		t.Fatalf("on its deadline the complaint is not overdue; got %+v", over.ComplaintsOverdue)
	}
	s.DoAs(t, v.heping, overDoc, map[string]any{"r": heping, "d": "2025-05-22"}).Decode(t, &over)
	if len(over.ComplaintsOverdue) != 1 || over.ComplaintsOverdue[0].DaysOverdue != 2 || over.ComplaintsOverdue[0].Complaint.ID != id {
		t.Fatalf("complaintsOverdue = %+v; want it 2 days overdue", over.ComplaintsOverdue)
	}
	update := `mutation($id: ID!, $in: UpdateComplaintInput!) { updateComplaint(id: $id, input: $in) { id outcome } }`
	wantCodeField(t, s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"closedAt": "2025-05-21"}}), "BAD_USER_INPUT", "outcome")
	wantCodeField(t, s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"outcome": "SUBSTANTIATED"}}), "BAD_USER_INPUT", "closedAt")
	// A day before receipt: the message names both fields as the API spells them.
	early := s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"closedAt": "2025-04-24", "outcome": "SUBSTANTIATED"}})
	wantCodeField(t, early, "BAD_USER_INPUT", "closedAt")
	if msg := early.Errors[0].Message; msg != "closedAt must not be before receivedAt" {
		t.Fatalf("message %q; want the GraphQL names of both fields", msg)
	}
	s.DoAs(t, v.heping, update, map[string]any{"id": id, "in": map[string]any{"closedAt": "2025-05-21", "outcome": "SUBSTANTIATED"}}).Decode(t, &struct{}{})
	s.DoAs(t, v.heping, overDoc, map[string]any{"r": heping, "d": "2025-05-22"}).Decode(t, &over)
	if len(over.ComplaintsOverdue) != 0 {
		t.Fatalf("a closed complaint is not overdue; got %+v", over.ComplaintsOverdue)
	}
	// A receipt day beyond the calendar cannot get a default deadline.
	resp := s.DoAs(t, v.heping, create, map[string]any{"in": map[string]any{"institutionID": nodeID(tr.institutions[0].ID), "channel": "HOTLINE", "category": "安全", "receivedAt": "2199-03-02"}})
	wantCodeField(t, resp, "CALENDAR_UNKNOWN", "")
}

// TestFilingTodayInServerZone: a change left undated is dated today in the
// server's configured zone (graph.Deps.Location), not the process's TZ. Three
// zones far apart make the check bite at any hour: at every UTC time at
// least one of them (Asia/Shanghai UTC+8, Pacific/Kiritimati UTC+14,
// Etc/GMT+12 UTC-12) is on another calendar day than UTC; around midnight
// UTC (16:00–24:00) Asia/Shanghai is already on the next day.
func TestFilingTodayInServerZone(t *testing.T) {
	differs := false
	for _, name := range []string{"Asia/Shanghai", "Pacific/Kiritimati", "Etc/GMT+12"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		s := gqltest.New(t, gqltest.WithLocation(loc))
		tr := buildTree(t, s.Client, 3)
		v := newWorkflowViewers(tr)
		before := civil.Today(loc)
		var created struct {
			CreateFiling struct {
				CancelledAt string
				Events      []struct{ Status, Date string }
			}
		}
		s.DoAs(t, v.heping, `mutation($in: CreateFilingInput!) { createFiling(input: $in) { cancelledAt events { status date } } }`, map[string]any{"in": map[string]any{
			"institutionID": nodeID(tr.institutions[0].ID), "submittedAt": "2026-01-05", "status": "CANCELLED",
		}}).Decode(t, &created)
		if after := civil.Today(loc); !after.Equal(before) {
			t.Skipf("%s changed day during the request; run again", name)
		}
		want := before.Format(civil.Layout)
		got := created.CreateFiling
		if got.CancelledAt != want || len(got.Events) != 2 || got.Events[1].Status != "CANCELLED" || got.Events[1].Date != want {
			t.Errorf("%s: cancelledAt %s, events %+v; want both dated %s (the zone's today)", name, got.CancelledAt, got.Events, want)
		}
		differs = differs || !before.Equal(civil.Today(time.Local))
	}
	if !differs {
		t.Fatal("no zone was on another day than the process's: the test proves nothing")
	}
}

// TestWorkListsLoadPlacesOnce: a work list shows each item's institution
// and where it is (district · subdistrict); those are loaded for the whole
// list, so a list of four institutions' items costs the statements of a
// list of one.
func TestWorkListsLoadPlacesOnce(t *testing.T) {
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 4)
	v := newWorkflowViewers(tr)
	ctx := testdb.Ctx()
	itemsOf := func(inst *ent.Institution) {
		s.Client.Filing.Create().SetInstitution(inst).SetSubmittedAt(civil.D(2025, 4, 1)).SetStatus("SUBMITTED").ExecX(ctx)
		insp := s.Client.Inspection.Create().SetInstitution(inst).SetInspectedOn(civil.D(2025, 4, 1)).SetKind(inspection.KindROUTINE).
			SetInspector("执法大队").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).SaveX(ctx)
		s.Client.Finding.Create().SetInspection(insp).SetRule("消防").SetSeverity("MAJOR").SetDeadline(civil.D(2025, 4, 20)).ExecX(ctx)
		s.Client.Complaint.Create().SetInstitution(inst).SetChannel("HOTLINE").SetCategory("安全").SetReceivedAt(civil.D(2025, 4, 1)).SetDueOn(civil.D(2025, 4, 22)).ExecX(ctx)
	}
	const lists = `query($r: ID!) {
	  filingsOverdue(regionID: $r, asOf: "2025-06-02") { filing { institution { name region { name parent { name } } } } }
	  findingsOverdue(regionID: $r, asOf: "2025-06-02") { finding { inspection { institution { name region { name parent { name } } } } } }
	  complaintsOverdue(regionID: $r, asOf: "2025-06-02") { complaint { institution { name region { name parent { name } } } } }
	}`
	run := func(wantItems int) int64 {
		t.Helper()
		var resp gqltest.Response
		n := s.Count(func() { resp = s.DoAs(t, v.province, lists, map[string]any{"r": nodeID(tr.province.ID)}) })
		var got struct{ FilingsOverdue, FindingsOverdue, ComplaintsOverdue []any }
		resp.Decode(t, &got)
		if len(got.FilingsOverdue) != 2*wantItems || len(got.FindingsOverdue) != wantItems || len(got.ComplaintsOverdue) != wantItems {
			t.Fatalf("lists of %d institutions: %s", wantItems, resp.Body)
		}
		return n
	}
	itemsOf(tr.institutions[0])
	one := run(1)
	for _, inst := range tr.institutions[1:] {
		itemsOf(inst)
	}
	if four := run(4); four != one {
		t.Errorf("the work lists of four institutions took %d statements, of one %d; want the same", four, one)
	}
}
