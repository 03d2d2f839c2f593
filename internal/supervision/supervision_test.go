package supervision_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Black-box tests of the supervision rules (README "Supervision") through
// the real handler. The fixture: 沈阳市 with 和平区 (210102) and 沈河区
// (210103); institutions 0 and 1 in 和平区, 2 in 沈河区. Dates use the
// official 2025 calendar (1–5 May off, Sun 04-27 a make-up workday).

type fixture struct {
	s        *gqltest.Server
	inst     []*ent.Institution
	heping   auth.Viewer // DISTRICT_REGULATOR of 和平区
	shenhe   auth.Viewer // DISTRICT_REGULATOR of 沈河区
	staff0   auth.Viewer // INSTITUTION_STAFF of institution 0
	hepingID string
}

func newFixture(t *testing.T, opts ...gqltest.Option) *fixture {
	t.Helper()
	s := gqltest.New(t, opts...)
	ctx := testdb.Ctx()
	c := s.Client
	province := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	city := c.Region.Create().SetCode("210100").SetName("沈阳市").SetLevel(region.LevelCITY).SetParent(province).SaveX(ctx)
	heping := c.Region.Create().SetCode("210102").SetName("和平区").SetLevel(region.LevelDISTRICT).SetParent(city).SaveX(ctx)
	shenhe := c.Region.Create().SetCode("210103").SetName("沈河区").SetLevel(region.LevelDISTRICT).SetParent(city).SaveX(ctx)
	f := &fixture{s: s, hepingID: fmt.Sprint(heping.ID)}
	for i, r := range []*ent.Region{heping, heping, shenhe} {
		first17 := fmt.Sprintf("91210102MA%07d", i)
		check, err := ident.CreditCodeCheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		f.inst = append(f.inst, c.Institution.Create().
			SetName(fmt.Sprintf("托育中心%02d", i)).
			SetCreditCode(first17+string(check)).
			SetForm(institution.FormCENTER).
			SetLegalNature(institution.LegalNatureNONPROFIT).
			SetOwnership(institution.OwnershipPRIVATE).
			SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).
			SetOpenedAt(civil.D(2023, 1, 1)).
			SetRegion(r).
			SaveX(ctx))
	}
	f.heping = auth.Viewer{Subject: "reg-heping", Role: auth.DistrictRegulator, RegionCode: "210102"}
	f.shenhe = auth.Viewer{Subject: "reg-shenhe", Role: auth.DistrictRegulator, RegionCode: "210103"}
	f.staff0 = auth.Viewer{Subject: "staff-0", Role: auth.InstitutionStaff, InstitutionID: f.inst[0].ID}
	return f
}

func id(n int) string { return fmt.Sprint(n) }

// inspect creates an inspection of institution i on day as the system.
func (f *fixture) inspect(i int, day time.Time, kind string) *ent.Inspection {
	return f.s.Client.Inspection.Create().SetInstitution(f.inst[i]).SetInspectedOn(day).SetKind(inspection.Kind(kind)).
		SetInspector("和平区卫生健康综合行政执法大队").SetOutcome("CORRECTIONS_REQUIRED").SaveX(testdb.Ctx())
}

// find creates a finding of insp due on deadline as the system.
func (f *fixture) find(insp *ent.Inspection, deadline time.Time) *ent.Finding {
	return f.s.Client.Finding.Create().SetInspection(insp).SetRule("消防").SetSeverity(finding.SeverityMAJOR).SetDeadline(deadline).SaveX(testdb.Ctx())
}

func wantCodeField(t *testing.T, resp gqltest.Response, code, field string) {
	t.Helper()
	if len(resp.Errors) == 0 || resp.Errors[0].Code() != code || resp.Errors[0].Field() != field {
		t.Fatalf("got %s; want %s with field %q", resp.Body, code, field)
	}
}

func ok(t *testing.T, resp gqltest.Response) {
	t.Helper()
	resp.Decode(t, &struct{}{})
}

const (
	createComplaintDoc = `mutation($in: CreateComplaintInput!) { createComplaint(input: $in) { id dueOn } }`
	updateComplaintDoc = `mutation($id: ID!, $in: UpdateComplaintInput!) { updateComplaint(id: $id, input: $in) { id receivedAt dueOn } }`
	complaintDoc       = `query($id: ID!) { node(id: $id) { ... on Complaint { receivedAt dueOn } } }`
	complaintsOverdue  = `query($r: ID!, $d: Date) { complaintsOverdue(regionID: $r, asOf: $d) { complaint { id } dueOn daysOverdue } }`
	indicatorDoc       = `query($r: ID!, $k: IndicatorKey!) { node(id: $r) { ... on Region { indicator(key: $k, from: "2025-05-01", to: "2025-06-01") { numerator denominator } } } }`
)

// indicator is the numerator and denominator of key for 和平区 in May 2025.
func (f *fixture) indicator(t *testing.T, key string) (num, den float64) {
	t.Helper()
	var got struct {
		Node struct {
			Indicator struct{ Numerator, Denominator float64 }
		}
	}
	f.s.DoAs(t, f.heping, indicatorDoc, map[string]any{"r": f.hepingID, "k": key}).Decode(t, &got)
	return got.Node.Indicator.Numerator, got.Node.Indicator.Denominator
}

func (f *fixture) complaint(t *testing.T, cid string) (receivedAt, dueOn string) {
	t.Helper()
	var got struct {
		Node struct{ ReceivedAt, DueOn string }
	}
	f.s.DoAs(t, f.heping, complaintDoc, map[string]any{"id": cid}).Decode(t, &got)
	return got.Node.ReceivedAt, got.Node.DueOn
}

// TestComplaintDueOnKeepsItsDefault (audit item 1): clearing dueOn restores
// the default deadline instead of leaving a complaint that is never overdue
// and drops out of COMPLAINT_ON_TIME_RATE; moving receivedAt moves a default
// deadline with it, keeps a given one, and a receipt moved past a given
// deadline is refused on receivedAt, the field the client sent.
//
// COMPLAINT_ON_TIME_RATE, May 2025, 和平区: A received Fri 04-25, due by
// default Tue 05-20 (Sun 04-27 (1), 04-28–30 (4), 05-06–09 (8), 05-12–16
// (13), 05-19 (14), 05-20 (15)), never closed: late. B received the same
// day, closed 05-19 (on time). 1/2 before and after clearDueOn on A.
func TestComplaintDueOnKeepsItsDefault(t *testing.T) {
	f := newFixture(t)
	create := func(in map[string]any) string {
		t.Helper()
		in["institutionID"], in["channel"], in["category"] = id(f.inst[0].ID), "HOTLINE", "安全"
		var got struct{ CreateComplaint struct{ ID, DueOn string } }
		f.s.DoAs(t, f.heping, createComplaintDoc, map[string]any{"in": in}).Decode(t, &got)
		return got.CreateComplaint.ID
	}
	update := func(cid string, in map[string]any) gqltest.Response {
		return f.s.DoAs(t, f.heping, updateComplaintDoc, map[string]any{"id": cid, "in": in})
	}
	a := create(map[string]any{"receivedAt": "2025-04-25"})
	create(map[string]any{"receivedAt": "2025-04-25", "closedAt": "2025-05-19", "outcome": "SUBSTANTIATED"})
	if num, den := f.indicator(t, "COMPLAINT_ON_TIME_RATE"); num != 1 || den != 2 {
		t.Fatalf("COMPLAINT_ON_TIME_RATE = %v/%v; want 1/2", num, den)
	}

	ok(t, update(a, map[string]any{"clearDueOn": true}))
	if _, due := f.complaint(t, a); due != "2025-05-20" {
		t.Fatalf("after clearDueOn dueOn = %q; want the default 2025-05-20 back", due)
	}
	var over struct {
		ComplaintsOverdue []struct{ Complaint struct{ ID string } }
	}
	f.s.DoAs(t, f.heping, complaintsOverdue, map[string]any{"r": f.hepingID, "d": "2025-05-22"}).Decode(t, &over)
	if len(over.ComplaintsOverdue) != 1 || over.ComplaintsOverdue[0].Complaint.ID != a {
		t.Fatalf("complaintsOverdue = %+v; want the complaint whose dueOn was cleared", over.ComplaintsOverdue)
	}
	if num, den := f.indicator(t, "COMPLAINT_ON_TIME_RATE"); num != 1 || den != 2 {
		t.Fatalf("COMPLAINT_ON_TIME_RATE after clearDueOn = %v/%v; want 1/2", num, den)
	}

	// A default deadline moves with the receipt: Mon 04-28 + 15 working
	// days: 04-29–30 (2), 05-06–09 (6), 05-12–16 (11), 05-19–22 (15).
	ok(t, update(a, map[string]any{"receivedAt": "2025-04-28"}))
	if _, due := f.complaint(t, a); due != "2025-05-22" {
		t.Fatalf("after moving receivedAt dueOn = %q; want the new default 2025-05-22", due)
	}
	// Moved past its default deadline, it is recomputed rather than refused.
	ok(t, update(a, map[string]any{"receivedAt": "2025-06-03"}))
	if _, due := f.complaint(t, a); due != "2025-06-24" {
		// Tue 06-03 + 15: 06-04–06 (3), 06-09–13 (8), 06-16–20 (13), 06-23–24 (15).
		t.Fatalf("after moving receivedAt past the old deadline dueOn = %q; want 2025-06-24", due)
	}

	// A given deadline stays when the receipt moves; a receipt moved past
	// it is refused on receivedAt, the field the client sent.
	ok(t, update(a, map[string]any{"dueOn": "2025-06-30"}))
	ok(t, update(a, map[string]any{"receivedAt": "2025-06-02"}))
	if _, due := f.complaint(t, a); due != "2025-06-30" {
		t.Fatalf("a given deadline moved to %q; want it kept at 2025-06-30", due)
	}
	wantCodeField(t, update(a, map[string]any{"receivedAt": "2025-07-01"}), "BAD_USER_INPUT", "receivedAt")
	wantCodeField(t, update(a, map[string]any{"dueOn": "2025-06-01"}), "BAD_USER_INPUT", "dueOn")
	wantCodeField(t, update(a, map[string]any{"receivedAt": "2025-07-01", "dueOn": "2025-06-30"}), "BAD_USER_INPUT", "dueOn")
	if rec, due := f.complaint(t, a); rec != "2025-06-02" || due != "2025-06-30" {
		t.Fatalf("refused updates wrote: receivedAt %s dueOn %s", rec, due)
	}

	// The calendar rules of create apply: a default in a year the calendar
	// does not cover is refused, and nothing is written.
	wantCodeField(t, update(a, map[string]any{"receivedAt": "2199-03-02", "clearDueOn": true}), "CALENDAR_UNKNOWN", "")
	ok(t, update(a, map[string]any{"clearDueOn": true}))
	wantCodeField(t, update(a, map[string]any{"receivedAt": "2199-03-02"}), "CALENDAR_UNKNOWN", "")
	if rec, due := f.complaint(t, a); rec != "2025-06-02" || due != "2025-06-23" {
		// Mon 06-02 + 15: 06-03–06 (4), 06-09–13 (9), 06-16–20 (14), 06-23 (15).
		t.Fatalf("after the refusals: receivedAt %s dueOn %s; want 2025-06-02 and its default 2025-06-23", rec, due)
	}
}

const (
	createFindingDoc    = `mutation($in: CreateFindingInput!) { createFinding(input: $in) { id } }`
	updateFindingDoc    = `mutation($id: ID!, $in: UpdateFindingInput!) { updateFinding(id: $id, input: $in) { id } }`
	createInspectionDoc = `mutation($in: CreateInspectionInput!) { createInspection(input: $in) { id } }`
	updateInspectionDoc = `mutation($id: ID!, $in: UpdateInspectionInput!) { updateInspection(id: $id, input: $in) { id } }`
	findingDoc          = `query($id: ID!, $d: Date) { node(id: $id) { ... on Finding { status state(asOf: $d) deadline rectifiedAt correctedAt inspection { id } } } }`
	verifyDoc           = `mutation($f: ID!, $i: ID!, $ok: Boolean!, $nd: Date) { verifyFinding(findingID: $f, inspectionID: $i, accepted: $ok, newDeadline: $nd) { id status rectifiedAt correctedAt } }`
	markDoc             = `mutation($id: ID!, $d: Date!) { markFindingRectified(findingID: $id, rectifiedOn: $d) { id } }`
)

type findingView struct {
	Status, State, Deadline  string
	RectifiedAt, CorrectedAt *string
	Inspection               struct{ ID string }
}

func (f *fixture) finding(t *testing.T, fid int, asOf string) findingView {
	t.Helper()
	var got struct{ Node findingView }
	f.s.DoAs(t, f.heping, findingDoc, map[string]any{"id": id(fid), "d": asOf}).Decode(t, &got)
	return got.Node
}

func (f *fixture) updateInspection(t *testing.T, iid int, in map[string]any) gqltest.Response {
	t.Helper()
	return f.s.DoAs(t, f.heping, updateInspectionDoc, map[string]any{"id": id(iid), "in": in})
}

func (f *fixture) updateFinding(t *testing.T, fid int, in map[string]any) gqltest.Response {
	t.Helper()
	return f.s.DoAs(t, f.heping, updateFindingDoc, map[string]any{"id": id(fid), "in": in})
}

// TestFindingDeadlineNotBeforeItsInspection (audit item 2): a finding due
// before the day of its inspection would be OVERDUE the moment it is
// recorded and late in RECTIFICATION_RATE. Every write that could produce
// one is refused with BAD_USER_INPUT on the field the client sent, and
// writes nothing: the deadline (createFinding, updateFinding), the
// finding's inspection (inspectionID), the inspection's day (inspectedOn)
// and findings attached to an inspection (findingIDs, addFindingIDs).
func TestFindingDeadlineNotBeforeItsInspection(t *testing.T) {
	f := newFixture(t)
	may10 := f.inspect(0, civil.D(2025, 5, 10), "ROUTINE")
	may20 := f.inspect(0, civil.D(2025, 5, 20), "ROUTINE")
	in := func(deadline string) map[string]any {
		return map[string]any{"in": map[string]any{"inspectionID": id(may10.ID), "rule": "消防", "severity": "MINOR", "deadline": deadline}}
	}
	wantCodeField(t, f.s.DoAs(t, f.heping, createFindingDoc, in("2025-05-09")), "BAD_USER_INPUT", "deadline")
	var created struct{ CreateFinding struct{ ID string } }
	f.s.DoAs(t, f.heping, createFindingDoc, in("2025-05-10")).Decode(t, &created) // the inspection's own day is allowed
	var fid int
	fmt.Sscan(created.CreateFinding.ID, &fid)

	wantCodeField(t, f.updateFinding(t, fid, map[string]any{"deadline": "2025-05-01"}), "BAD_USER_INPUT", "deadline")
	wantCodeField(t, f.updateFinding(t, fid, map[string]any{"inspectionID": id(may20.ID)}), "BAD_USER_INPUT", "inspectionID")
	wantCodeField(t, f.updateFinding(t, fid, map[string]any{"inspectionID": id(may20.ID), "deadline": "2025-05-15"}), "BAD_USER_INPUT", "deadline")
	wantCodeField(t, f.updateInspection(t, may10.ID, map[string]any{"inspectedOn": "2025-05-11"}), "BAD_USER_INPUT", "inspectedOn")
	wantCodeField(t, f.updateInspection(t, may20.ID, map[string]any{"addFindingIDs": []string{id(fid)}}), "BAD_USER_INPUT", "addFindingIDs")
	wantCodeField(t, f.s.DoAs(t, f.heping, createInspectionDoc, map[string]any{"in": map[string]any{
		"institutionID": id(f.inst[0].ID), "inspectedOn": "2025-05-12", "kind": "ROUTINE", "inspector": "和平区", "outcome": "PASSED", "findingIDs": []string{id(fid)},
	}}), "BAD_USER_INPUT", "findingIDs")
	if got := f.finding(t, fid, "2025-05-10"); got.Deadline != "2025-05-10" || got.Inspection.ID != id(may10.ID) || got.State != "OPEN" {
		t.Fatalf("refused writes changed the finding: %+v", got)
	}
	// Moving the deadline and the inspection together, in order, is fine.
	ok(t, f.updateFinding(t, fid, map[string]any{"inspectionID": id(may20.ID), "deadline": "2025-06-20"}))
	ok(t, f.updateInspection(t, may20.ID, map[string]any{"inspectedOn": "2025-05-21"}))
}

// TestVerificationStaysConsistent (audit item 3): a finding reported
// rectified or verified keeps its institution, and its inspection is not
// dated after its report or verification; the FOLLOW_UP re-inspection that
// verified findings keeps its kind, institution and day (correctedAt is its
// day; a verification is final). Each refusal is CONFLICT naming the field
// the client sent, and writes nothing; unrelated edits still pass.
func TestVerificationStaysConsistent(t *testing.T) {
	f := newFixture(t)
	orig := f.inspect(0, civil.D(2025, 5, 1), "ROUTINE")
	followUp := f.inspect(0, civil.D(2025, 5, 25), "FOLLOW_UP")
	other := f.inspect(1, civil.D(2025, 5, 2), "ROUTINE") // another 和平区 institution
	verified := f.find(orig, civil.D(2025, 5, 20))
	reported := f.find(orig, civil.D(2025, 5, 20))
	open := f.find(orig, civil.D(2025, 5, 20))
	ok(t, f.s.DoAs(t, f.staff0, markDoc, map[string]any{"id": id(verified.ID), "d": "2025-05-18"}))
	ok(t, f.s.DoAs(t, f.heping, verifyDoc, map[string]any{"f": id(verified.ID), "i": id(followUp.ID), "ok": true}))
	ok(t, f.s.DoAs(t, f.staff0, markDoc, map[string]any{"id": id(reported.ID), "d": "2025-05-03"}))

	// The findings: VERIFIED and RECTIFIED ones stay with institution 0.
	wantCodeField(t, f.updateFinding(t, verified.ID, map[string]any{"inspectionID": id(other.ID)}), "CONFLICT", "inspectionID")
	wantCodeField(t, f.updateFinding(t, reported.ID, map[string]any{"inspectionID": id(other.ID)}), "CONFLICT", "inspectionID")
	wantCodeField(t, f.updateInspection(t, other.ID, map[string]any{"addFindingIDs": []string{id(verified.ID)}}), "CONFLICT", "addFindingIDs")
	wantCodeField(t, f.updateInspection(t, orig.ID, map[string]any{"institutionID": id(f.inst[1].ID)}), "CONFLICT", "institutionID")
	// … and their inspection is not dated after the report (05-03).
	wantCodeField(t, f.updateInspection(t, orig.ID, map[string]any{"inspectedOn": "2025-05-04"}), "CONFLICT", "inspectedOn")

	// The re-inspection that verified a finding keeps kind, institution and day.
	wantCodeField(t, f.updateInspection(t, followUp.ID, map[string]any{"kind": "ROUTINE"}), "CONFLICT", "kind")
	wantCodeField(t, f.updateInspection(t, followUp.ID, map[string]any{"institutionID": id(f.inst[1].ID)}), "CONFLICT", "institutionID")
	wantCodeField(t, f.updateInspection(t, followUp.ID, map[string]any{"inspectedOn": "2025-05-26"}), "CONFLICT", "inspectedOn")
	// Nor do they move from the institution's side, which runs no hook of
	// the inspection's: ent refuses to attach a row that belongs to another
	// institution (any inspection, with findings or not).
	addInspections := `mutation($id: ID!, $i: [ID!]) { updateInstitution(id: $id, input: {addInspectionIDs: $i}) { id } }`
	for moved, to := range map[*ent.Inspection]*ent.Institution{orig: f.inst[1], followUp: f.inst[1], other: f.inst[0]} {
		wantCodeField(t, f.s.DoAs(t, f.heping, addInspections, map[string]any{"id": id(to.ID), "i": []string{id(moved.ID)}}), "CONFLICT", "")
	}
	if got := f.finding(t, verified.ID, "2025-06-30"); got.State != "VERIFIED" || got.Inspection.ID != id(orig.ID) || got.CorrectedAt == nil || *got.CorrectedAt != "2025-05-25" {
		t.Fatalf("refused writes changed the verified finding: %+v", got)
	}

	// Unrelated edits pass, and an OPEN finding may still move.
	ok(t, f.updateInspection(t, followUp.ID, map[string]any{"inspector": "沈阳市卫生健康委员会", "kind": "FOLLOW_UP", "inspectedOn": "2025-05-25"}))
	ok(t, f.updateInspection(t, orig.ID, map[string]any{"inspectedOn": "2025-05-02"}))
	ok(t, f.updateFinding(t, verified.ID, map[string]any{"rule": "卫生"}))
	ok(t, f.updateFinding(t, open.ID, map[string]any{"inspectionID": id(other.ID)}))
}

// TestVerifyFindingContract (audit items 4 and 6): a finding verified
// without the institution's report keeps rectifiedAt null (it is the
// institution's report) and RECTIFICATION_RATE reads correctedAt; a
// re-inspection dated after today, and a newDeadline with an accepted
// rectification, are refused; an inspectionID that does not exist or lies
// outside the region is FORBIDDEN on inspectionID, the same answer for both.
//
// RECTIFICATION_RATE, May 2025, 和平区: one finding due 05-20, verified by
// the re-inspection of 05-14 without a report: on time, 1/1.
func TestVerifyFindingContract(t *testing.T) {
	f := newFixture(t)
	orig := f.inspect(0, civil.D(2025, 5, 1), "ROUTINE")
	followUp := f.inspect(0, civil.D(2025, 5, 14), "FOLLOW_UP")
	future := f.inspect(0, civil.Today(time.UTC).AddDate(0, 0, 2), "FOLLOW_UP")
	elsewhere := f.inspect(2, civil.D(2025, 5, 14), "FOLLOW_UP") // 沈河区
	fd := f.find(orig, civil.D(2025, 5, 20))
	vv := func(i int, accepted bool, nd any) map[string]any {
		return map[string]any{"f": id(fd.ID), "i": id(i), "ok": accepted, "nd": nd}
	}

	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, vv(future.ID, true, nil)), "BAD_USER_INPUT", "inspectionID")
	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, vv(future.ID, false, nil)), "BAD_USER_INPUT", "inspectionID")
	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, vv(followUp.ID, true, "2025-06-30")), "BAD_USER_INPUT", "newDeadline")
	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, vv(elsewhere.ID, true, nil)), "FORBIDDEN", "inspectionID")
	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, vv(elsewhere.ID+1000, true, nil)), "FORBIDDEN", "inspectionID")
	if got := f.finding(t, fd.ID, "2025-05-15"); got.Status != "OPEN" || got.Deadline != "2025-05-20" || got.CorrectedAt != nil {
		t.Fatalf("refused verifications wrote: %+v", got)
	}

	ok(t, f.s.DoAs(t, f.heping, verifyDoc, vv(followUp.ID, true, nil)))
	got := f.finding(t, fd.ID, "2025-06-30")
	if got.Status != "VERIFIED" || got.RectifiedAt != nil || got.CorrectedAt == nil || *got.CorrectedAt != "2025-05-14" {
		t.Fatalf("verified without a report: %+v; want VERIFIED, rectifiedAt null, correctedAt 2025-05-14", got)
	}
	if num, den := f.indicator(t, "RECTIFICATION_RATE"); num != 1 || den != 1 {
		t.Fatalf("RECTIFICATION_RATE = %v/%v; want 1/1 (correctedAt counts when there is no report)", num, den)
	}
}

// TestFindingStateOnPastDays (audit item 5): state(asOf:) and
// findingsOverdue(asOf:) give the state the finding had on that day, from
// its dates as RECTIFICATION_RATE reads them, not today's status.
//
// The audit's finding: inspected 2026-10-12, deadline 11-20, reported
// rectified 11-25, verified 12-01: OPEN up to 11-20 (and, holding no
// earlier date, on 10-10 before its inspection), OVERDUE 11-21–11-24 (3
// days overdue on 11-23), RECTIFIED 11-25–11-30, VERIFIED from 12-01. A
// second finding, verified on 11-22 without a report, is OVERDUE on 11-21
// and VERIFIED from 11-22; a third, verified on 11-19, is never overdue.
func TestFindingStateOnPastDays(t *testing.T) {
	f := newFixture(t)
	ctx := testdb.Ctx()
	insp := f.inspect(0, civil.D(2026, 10, 12), "ROUTINE")
	re := func(day int) *ent.Inspection { return f.inspect(0, civil.D(2026, 11, day), "FOLLOW_UP") }
	verify := func(fd *ent.Finding, by *ent.Inspection) {
		f.s.Client.Finding.UpdateOne(fd).SetStatus(finding.StatusVERIFIED).SetCorrectedAt(by.InspectedOn).SetVerifiedBy(by).ExecX(ctx)
	}
	audited := f.find(insp, civil.D(2026, 11, 20))
	f.s.Client.Finding.UpdateOne(audited).SetRectifiedAt(civil.D(2026, 11, 25)).ExecX(ctx)
	verify(audited, f.inspect(0, civil.D(2026, 12, 1), "FOLLOW_UP"))
	late := f.find(insp, civil.D(2026, 11, 20))
	verify(late, re(22))
	early := f.find(insp, civil.D(2026, 11, 20))
	verify(early, re(19))

	for _, c := range []struct {
		fd   *ent.Finding
		asOf string
		want string
	}{
		{audited, "2026-10-10", "OPEN"},
		{audited, "2026-11-01", "OPEN"},
		{audited, "2026-11-20", "OPEN"},
		{audited, "2026-11-21", "OVERDUE"},
		{audited, "2026-11-23", "OVERDUE"},
		{audited, "2026-11-25", "RECTIFIED"},
		{audited, "2026-11-30", "RECTIFIED"},
		{audited, "2026-12-01", "VERIFIED"},
		{late, "2026-11-21", "OVERDUE"},
		{late, "2026-11-22", "VERIFIED"},
		{early, "2026-11-18", "OPEN"},
		{early, "2026-11-21", "VERIFIED"},
	} {
		if got := f.finding(t, c.fd.ID, c.asOf).State; got != c.want {
			t.Errorf("finding %d on %s: state %s; want %s", c.fd.ID, c.asOf, got, c.want)
		}
	}

	overDoc := `query($r: ID!, $d: Date) { findingsOverdue(regionID: $r, asOf: $d) { finding { id } daysOverdue } }`
	overdue := func(asOf string) map[string]int {
		var got struct {
			FindingsOverdue []struct {
				Finding     struct{ ID string }
				DaysOverdue int
			}
		}
		f.s.DoAs(t, f.heping, overDoc, map[string]any{"r": f.hepingID, "d": asOf}).Decode(t, &got)
		out := map[string]int{}
		for _, o := range got.FindingsOverdue {
			out[o.Finding.ID] = o.DaysOverdue
		}
		return out
	}
	if got := overdue("2026-11-21"); len(got) != 2 || got[id(audited.ID)] != 1 || got[id(late.ID)] != 1 {
		t.Errorf("findingsOverdue on 2026-11-21 = %v; want the audited and the late finding, 1 day overdue", got)
	}
	if got := overdue("2026-11-23"); len(got) != 1 || got[id(audited.ID)] != 3 {
		t.Errorf("findingsOverdue on 2026-11-23 = %v; want the audited finding, 3 days overdue", got)
	}
	for _, day := range []string{"2026-11-20", "2026-11-25", "2026-12-02"} {
		if got := overdue(day); len(got) != 0 {
			t.Errorf("findingsOverdue on %s = %v; want none", day, got)
		}
	}
}

// TestVerifyFindingTodayInServerZone: "after today" is the server's today
// (graph.Deps.Location), as for markFindingRectified. Pacific/Kiritimati
// (UTC+14) is a day ahead of UTC from 10:00 UTC on, so a re-inspection
// dated its today is accepted although UTC (and the process's zone, when
// that is UTC) is still on the day before; its tomorrow is refused.
func TestVerifyFindingTodayInServerZone(t *testing.T) {
	loc, err := time.LoadLocation("Pacific/Kiritimati")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, gqltest.WithLocation(loc))
	today := civil.Today(loc)
	orig := f.inspect(0, today.AddDate(0, 0, -10), "ROUTINE")
	fd := f.find(orig, today.AddDate(0, 0, 10))
	tomorrow := f.inspect(0, today.AddDate(0, 0, 1), "FOLLOW_UP")
	onToday := f.inspect(0, today, "FOLLOW_UP")
	wantCodeField(t, f.s.DoAs(t, f.heping, verifyDoc, map[string]any{"f": id(fd.ID), "i": id(tomorrow.ID), "ok": true}), "BAD_USER_INPUT", "inspectionID")
	ok(t, f.s.DoAs(t, f.heping, verifyDoc, map[string]any{"f": id(fd.ID), "i": id(onToday.ID), "ok": true}))
	if after := civil.Today(loc); !after.Equal(today) {
		t.Skip("the zone changed day during the test; run again")
	}
}
