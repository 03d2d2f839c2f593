package filing_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	entfiling "github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Tests of the filing workflow (README "Filing workflow") through the API,
// as a district regulator, on both dialects: each reproduces one finding of
// the outside audit of filing history against filing status and asserts
// the fixed behaviour, including FILING_RATE (which reads the history)
// after the changes, and that a refused change writes nothing.

// flow is one institution of 和平区 with its regulator, over the API.
type flow struct {
	t        *testing.T
	s        *gqltest.Server
	reg      auth.Viewer
	regionID int
	inst     string
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	s := gqltest.New(t)
	ctx := testdb.Ctx()
	check, err := ident.CreditCodeCheckChar("91210102MA0000000")
	if err != nil {
		t.Fatal(err)
	}
	reg := s.Client.Region.Create().SetCode("210102").SetName("和平区").SetLevel(region.LevelDISTRICT).SaveX(ctx)
	inst := s.Client.Institution.Create().SetName("托育中心").SetCreditCode("91210102MA0000000" + string(check)).SetForm(institution.FormCENTER).
		SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2020, 1, 1)).SetRegion(reg).SaveX(ctx)
	return &flow{
		t: t, s: s, regionID: reg.ID, inst: strconv.Itoa(inst.ID),
		reg: auth.Viewer{Subject: "reg-heping", Role: auth.DistrictRegulator, RegionCode: "210102"},
	}
}

const filingFields = `id status submittedAt receiptAt receiptNumber noncomplianceNotifiedAt changedAt cancelledAt events { status date note actorRole }`

type eventView struct{ Status, Date, Note, ActorRole string }

type filingView struct {
	ID, Status, SubmittedAt, ReceiptAt, ReceiptNumber, NoncomplianceNotifiedAt, ChangedAt, CancelledAt string
	Events                                                                                             []eventView
}

// history is "STATUS@day,…" of the events, in FILING_RATE's order.
func (v filingView) history() string {
	var out []string
	for _, e := range v.Events {
		out = append(out, e.Status+"@"+e.Date)
	}
	return strings.Join(out, ",")
}

// fields is the filing's status and days, to compare before and after a refused change.
func (v filingView) fields() string {
	return fmt.Sprintf("%s sub=%s receipt=%s number=%s notice=%s changed=%s cancelled=%s", v.Status, v.SubmittedAt, v.ReceiptAt,
		v.ReceiptNumber, v.NoncomplianceNotifiedAt, v.ChangedAt, v.CancelledAt)
}

// create sends createFiling for the institution with status, submittedAt
// and the other input fields in kv (name, value, …).
func (f *flow) create(status, submitted string, kv ...string) gqltest.Response {
	f.t.Helper()
	in := map[string]any{"institutionID": f.inst, "status": status, "submittedAt": submitted}
	for i := 0; i+1 < len(kv); i += 2 {
		in[kv[i]] = kv[i+1]
	}
	return f.s.DoAs(f.t, f.reg, `mutation($in: CreateFilingInput!) { createFiling(input: $in) { `+filingFields+` } }`, map[string]any{"in": in})
}

// mustCreate is create that must succeed.
func (f *flow) mustCreate(status, submitted string, kv ...string) filingView {
	f.t.Helper()
	var out struct{ CreateFiling filingView }
	f.create(status, submitted, kv...).Decode(f.t, &out)
	return out.CreateFiling
}

// update sends updateFiling with input in (field → value; nil clears with clearX).
func (f *flow) update(id string, in map[string]any) gqltest.Response {
	f.t.Helper()
	return f.s.DoAs(f.t, f.reg, `mutation($id: ID!, $in: UpdateFilingInput!) { updateFiling(id: $id, input: $in) { `+filingFields+` } }`, map[string]any{"id": id, "in": in})
}

func (f *flow) mustUpdate(id string, in map[string]any) filingView {
	f.t.Helper()
	var out struct{ UpdateFiling filingView }
	f.update(id, in).Decode(f.t, &out)
	return out.UpdateFiling
}

// get reads the filing as the regulator.
func (f *flow) get(id string) filingView {
	f.t.Helper()
	var out struct{ Node filingView }
	f.s.DoAs(f.t, f.reg, `query($id: ID!) { node(id: $id) { ... on Filing { `+filingFields+` } } }`, map[string]any{"id": id}).Decode(f.t, &out)
	return out.Node
}

// events counts every FilingEvent row.
func (f *flow) events() int {
	f.t.Helper()
	return f.s.Client.FilingEvent.Query().CountX(testdb.Ctx())
}

// refused checks a change is refused with code on field and wrote nothing:
// no event, the filing's status and days unchanged.
func (f *flow) refused(id string, in map[string]any, code, field string) {
	f.t.Helper()
	before, n := f.get(id), f.events()
	resp := f.update(id, in)
	if len(resp.Errors) == 0 || resp.Errors[0].Code() != code || resp.Errors[0].Field() != field {
		f.t.Fatalf("update %v: got %s; want %s on %s", in, resp.Body, code, field)
	}
	after := f.get(id)
	if got := f.events(); got != n {
		f.t.Errorf("refused update %v wrote %d events", in, got-n)
	}
	if after.fields() != before.fields() || after.history() != before.history() {
		f.t.Errorf("refused update %v changed the filing:\n  %s %s\nto\n  %s %s", in, before.fields(), before.history(), after.fields(), after.history())
	}
}

// rate is FILING_RATE of the district as of day: filed/providers.
func (f *flow) rate(day time.Time) string {
	f.t.Helper()
	return f.indicator(schematype.FilingRate, kpi.Point{AsOf: day})
}

func (f *flow) indicator(key kpi.Key, p kpi.Point) string {
	f.t.Helper()
	res, err := kpi.New(f.s.Client, f.s.Counter, f.s.Dialect).Evaluate(testdb.Ctx(), kpi.Query{Keys: []kpi.Key{key}, RegionIDs: []int{f.regionID}, Points: []kpi.Point{p}})
	if err != nil || len(res) != 1 || res[0].Denominator == nil {
		f.t.Fatalf("%s: %+v, %v", key, res, err)
	}
	return fmt.Sprintf("%v/%v", res[0].Numerator, *res[0].Denominator)
}

// consistent checks that no filing's status, days and history disagree.
func (f *flow) consistent() {
	f.t.Helper()
	problems, err := filingflow.Inconsistencies(testdb.Ctx(), f.s.SQL)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, p := range problems {
		f.t.Errorf("inconsistent: %s", p)
	}
}

func day(s string) time.Time {
	d, err := civil.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// today is the server's today (gqltest serves in UTC).
func today() string { return civil.Today(time.UTC).Format(civil.Layout) }

// Finding 1: FILED → NONCOMPLIANT → FILED without a day dated the new
// receipt event with the first receipt's day, before the notice:
// FILING_RATE said not filed while the status was FILED. The new step is
// dated today, and receiptAt moves with it; a stale day given explicitly
// is refused.
func TestRefilingIsDatedToday(t *testing.T) {
	f := newFlow(t)
	if today() <= "2026-11-10" {
		t.Skip("the audit's dates need a clock after 2026-11-10")
	}
	fl := f.mustCreate("FILED", "2026-05-06", "receiptAt", "2026-05-11")
	f.mustUpdate(fl.ID, map[string]any{"status": "NONCOMPLIANT", "noncomplianceNotifiedAt": "2026-11-10"})
	// Giving the old receipt day again would date the receipt before the notice.
	f.refused(fl.ID, map[string]any{"status": "FILED", "receiptAt": "2026-05-11"}, "BAD_USER_INPUT", "receiptAt")
	got := f.mustUpdate(fl.ID, map[string]any{"status": "FILED"})
	want := "SUBMITTED@2026-05-06,RECEIPT_ISSUED@2026-05-11,NOTICE_ISSUED@2026-11-10,RECEIPT_ISSUED@" + today()
	if got.Status != "FILED" || got.ReceiptAt != today() || got.history() != want {
		t.Fatalf("refiled: %s, history %s; want FILED, receiptAt today, history %s", got.fields(), got.history(), want)
	}
	for d, rate := range map[string]string{"2026-05-10": "0/1", "2026-05-11": "1/1", "2026-11-09": "1/1", "2026-11-10": "0/1"} {
		if r := f.rate(day(d)); r != rate {
			t.Errorf("FILING_RATE as of %s = %s; want %s", d, r, rate)
		}
	}
	// As of today and after, the rate agrees with the status.
	for _, d := range []time.Time{day(today()), day(today()).AddDate(0, 0, 1)} {
		if r := f.rate(d); r != "1/1" {
			t.Errorf("FILING_RATE as of %s = %s; want 1/1 (the filing is FILED)", d.Format(civil.Layout), r)
		}
	}
	f.consistent()
}

// Finding 2: backwards and other illegal transitions were accepted (FILED →
// SUBMITTED: counted filed and 1,105 days overdue at once). Every pair of
// statuses is tried from a filing in the first; the legal ones (README:
// SUBMITTED → FILED | NONCOMPLIANT | CANCELLED; FILED → NONCOMPLIANT |
// CHANGED | CANCELLED; NONCOMPLIANT → FILED | CANCELLED; CHANGED → CHANGED |
// NONCOMPLIANT | CANCELLED; CANCELLED final) add one event dated today, the
// others are CONFLICT on status and write nothing.
func TestIllegalTransitionsAreRefused(t *testing.T) {
	f := newFlow(t)
	// The audit's case: a filing filed in 2023, sent back to SUBMITTED.
	old := f.mustCreate("FILED", "2023-11-20", "receiptAt", "2023-11-23")
	f.refused(old.ID, map[string]any{"status": "SUBMITTED"}, "CONFLICT", "status")
	var over struct {
		FilingsOverdue []struct{ Filing struct{ ID string } }
	}
	f.s.DoAs(t, f.reg, `query($r: ID!, $d: Date) { filingsOverdue(regionID: $r, asOf: $d) { filing { id } } }`,
		map[string]any{"r": strconv.Itoa(f.regionID), "d": today()}).Decode(t, &over)
	if len(over.FilingsOverdue) != 0 {
		t.Errorf("filingsOverdue = %+v; want none (the filing is still FILED)", over.FilingsOverdue)
	}
	if r := f.rate(day(today()).AddDate(0, 0, 1)); r != "1/1" {
		t.Errorf("FILING_RATE = %s; want 1/1", r)
	}

	from := map[string][]string{ // a filing in each status, created with its decisions
		"SUBMITTED":    nil,
		"FILED":        {"receiptAt", "2026-03-05"},
		"NONCOMPLIANT": {"noncomplianceNotifiedAt", "2026-03-20"},
		"CHANGED":      {"receiptAt", "2026-03-05", "changedAt", "2026-04-01"},
		"CANCELLED":    {"receiptAt", "2026-03-05", "cancelledAt", "2026-05-01"},
	}
	legal := map[string]bool{
		"SUBMITTED>FILED": true, "SUBMITTED>NONCOMPLIANT": true, "SUBMITTED>CANCELLED": true,
		"FILED>NONCOMPLIANT": true, "FILED>CHANGED": true, "FILED>CANCELLED": true,
		"NONCOMPLIANT>FILED": true, "NONCOMPLIANT>CANCELLED": true,
		"CHANGED>NONCOMPLIANT": true, "CHANGED>CANCELLED": true,
	}
	event := map[string]string{"FILED": "RECEIPT_ISSUED", "NONCOMPLIANT": "NOTICE_ISSUED", "CHANGED": "CHANGED", "CANCELLED": "CANCELLED"}
	statuses := []string{"SUBMITTED", "FILED", "NONCOMPLIANT", "CHANGED", "CANCELLED"}
	for _, a := range statuses {
		for _, b := range statuses {
			if a == b {
				continue // not a change (CHANGED → CHANGED: see TestAmendmentWritesItsEvent)
			}
			fl := f.mustCreate(a, "2026-03-02", from[a]...)
			if !legal[a+">"+b] {
				f.refused(fl.ID, map[string]any{"status": b}, "CONFLICT", "status")
				continue
			}
			n := len(fl.Events)
			got := f.mustUpdate(fl.ID, map[string]any{"status": b})
			if len(got.Events) != n+1 || got.Events[n].Status != event[b] || got.Events[n].Date != today() || got.Status != b {
				t.Errorf("%s → %s: %s, history %s; want one more event %s@%s", a, b, got.fields(), got.history(), event[b], today())
			}
		}
	}
	f.consistent()
}

// Finding 3: correcting receiptAt (or another day) without a status change
// wrote no event, so FILING_RATE (events) and FILING_ON_TIME_RATE
// (receipt_at) disagreed. A correction moves the day of the latest event
// the field dates, noted; it keeps the history's order; a day the history
// has no decision for, and clearing a recorded day, are refused.
func TestDayCorrectionMovesItsEvent(t *testing.T) {
	f := newFlow(t)
	// Submitted Mon 2026-03-02: the receipt is due Mon 03-09 (5 working days).
	fl := f.mustCreate("FILED", "2026-03-02", "receiptAt", "2026-03-05")
	march := kpi.Point{From: day("2026-03-01"), To: day("2026-04-01")}
	if r := f.indicator(schematype.FilingOnTimeRate, march); r != "1/1" {
		t.Fatalf("FILING_ON_TIME_RATE = %s; want 1/1", r)
	}
	got := f.mustUpdate(fl.ID, map[string]any{"receiptAt": "2026-03-10"})
	if got.history() != "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-10" || got.ReceiptAt != "2026-03-10" {
		t.Fatalf("corrected receipt: %s, history %s", got.fields(), got.history())
	}
	if e := got.Events[1]; !strings.Contains(e.Note, "day corrected from 2026-03-05 by DISTRICT_REGULATOR") {
		t.Errorf("corrected event's note = %q; want the correction recorded", e.Note)
	}
	// Both indicators now read 03-10: late, and not filed before it.
	if r := f.indicator(schematype.FilingOnTimeRate, march); r != "0/1" {
		t.Errorf("FILING_ON_TIME_RATE = %s; want 0/1 (receipt after its deadline)", r)
	}
	for d, rate := range map[string]string{"2026-03-05": "0/1", "2026-03-09": "0/1", "2026-03-10": "1/1"} {
		if r := f.rate(day(d)); r != rate {
			t.Errorf("FILING_RATE as of %s = %s; want %s", d, r, rate)
		}
	}
	// Earlier again, and the submission day too: each moves its own event.
	got = f.mustUpdate(fl.ID, map[string]any{"receiptAt": "2026-03-04", "submittedAt": "2026-03-03"})
	if got.history() != "SUBMITTED@2026-03-03,RECEIPT_ISSUED@2026-03-04" {
		t.Fatalf("corrected again: history %s", got.history())
	}
	if r := f.rate(day("2026-03-04")); r != "1/1" {
		t.Errorf("FILING_RATE as of 2026-03-04 = %s; want 1/1", r)
	}
	f.mustUpdate(fl.ID, map[string]any{"status": "CANCELLED", "cancelledAt": "2026-04-01"})
	// A correction may not cross the next step of the history.
	f.refused(fl.ID, map[string]any{"receiptAt": "2026-04-15"}, "BAD_USER_INPUT", "receiptAt")
	// The cancellation may not move before the receipt either.
	f.refused(fl.ID, map[string]any{"cancelledAt": "2026-03-03"}, "BAD_USER_INPUT", "cancelledAt")
	// A day with no decision in the history, or clearing a recorded one.
	f.refused(fl.ID, map[string]any{"noncomplianceNotifiedAt": "2026-03-20"}, "BAD_USER_INPUT", "noncomplianceNotifiedAt")
	f.refused(fl.ID, map[string]any{"clearReceiptAt": true}, "BAD_USER_INPUT", "receiptAt")
	// A receipt number on a filing never receipted.
	sub := f.mustCreate("SUBMITTED", "2026-03-02")
	f.refused(sub.ID, map[string]any{"receiptNumber": "沈和卫托备〔2026〕1号"}, "BAD_USER_INPUT", "receiptNumber")
	f.refused(sub.ID, map[string]any{"receiptAt": "2026-03-05"}, "BAD_USER_INPUT", "receiptAt")
	f.consistent()
}

// Finding 4: createFiling accepted a status contradicting its days
// (SUBMITTED with a receipt, counted filed while on the overdue list;
// CHANGED without a receipt; FILED with a later notice, not counted filed).
// Each is BAD_USER_INPUT naming the field to change, with nothing written;
// the days of a history the workflow can produce are accepted.
func TestCreateRefusesContradictoryDays(t *testing.T) {
	f := newFlow(t)
	for _, c := range []struct {
		status string
		kv     []string
		field  string
	}{
		{"SUBMITTED", []string{"receiptAt", "2026-03-05"}, "receiptAt"},
		{"SUBMITTED", []string{"noncomplianceNotifiedAt", "2026-03-05"}, "noncomplianceNotifiedAt"},
		{"SUBMITTED", []string{"changedAt", "2026-03-05"}, "changedAt"},
		{"SUBMITTED", []string{"cancelledAt", "2026-03-05"}, "cancelledAt"},
		{"SUBMITTED", []string{"receiptNumber", "沈和卫托备〔2026〕1号"}, "receiptNumber"},
		{"CHANGED", []string{"changedAt", "2026-04-01"}, "receiptAt"},
		{"CHANGED", nil, "receiptAt"},
		{"FILED", []string{"receiptAt", "2026-03-05", "noncomplianceNotifiedAt", "2026-03-20"}, "noncomplianceNotifiedAt"},
		{"FILED", []string{"receiptAt", "2026-03-05", "changedAt", "2026-04-01"}, "changedAt"},
		{"FILED", []string{"receiptAt", "2026-03-05", "cancelledAt", "2026-04-01"}, "cancelledAt"},
		{"NONCOMPLIANT", []string{"noncomplianceNotifiedAt", "2026-03-20", "receiptAt", "2026-03-25"}, "receiptAt"},
		{"NONCOMPLIANT", []string{"noncomplianceNotifiedAt", "2026-03-20", "receiptNumber", "沈和卫托备〔2026〕1号"}, "receiptNumber"},
		{"CHANGED", []string{"receiptAt", "2026-03-05", "changedAt", "2026-03-04"}, "changedAt"},
		{"CHANGED", []string{"receiptAt", "2026-03-05", "noncomplianceNotifiedAt", "2026-03-20", "changedAt", "2026-04-01"}, "noncomplianceNotifiedAt"},
		{"CANCELLED", []string{"changedAt", "2026-04-01", "cancelledAt", "2026-05-01"}, "changedAt"},
		{"CANCELLED", []string{"receiptAt", "2026-03-05", "cancelledAt", "2026-03-04"}, "cancelledAt"},
		{"CHANGED", []string{"receiptAt", "2026-03-05", "changedAt", "2026-04-01", "noncomplianceNotifiedAt", "2026-04-02"}, "noncomplianceNotifiedAt"},
		{"FILED", []string{"receiptAt", "2026-03-01"}, "receiptAt"}, // before the submission
	} {
		resp := f.create(c.status, "2026-03-02", c.kv...)
		if len(resp.Errors) == 0 || resp.Errors[0].Code() != "BAD_USER_INPUT" || resp.Errors[0].Field() != c.field {
			t.Errorf("create %s %v: %s; want BAD_USER_INPUT on %s", c.status, c.kv, resp.Body, c.field)
		}
	}
	if n := f.s.Client.Filing.Query().CountX(testdb.Ctx()); n != 0 || f.events() != 0 {
		t.Fatalf("refused creates wrote %d filings and %d events", n, f.events())
	}
	for _, c := range []struct {
		status string
		kv     []string
		want   string
	}{
		{"SUBMITTED", nil, "SUBMITTED@2026-03-02"},
		{"FILED", nil, "SUBMITTED@2026-03-02,RECEIPT_ISSUED@" + today()},
		// A notice, then the receipt once the institution put it right.
		{"FILED", []string{"noncomplianceNotifiedAt", "2026-03-20", "receiptAt", "2026-03-25"}, "SUBMITTED@2026-03-02,NOTICE_ISSUED@2026-03-20,RECEIPT_ISSUED@2026-03-25"},
		// A receipt, then a notice after verification (same day: the notice decides).
		{"NONCOMPLIANT", []string{"receiptAt", "2026-03-05", "noncomplianceNotifiedAt", "2026-03-05"}, "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,NOTICE_ISSUED@2026-03-05"},
		{"CHANGED", []string{"receiptAt", "2026-03-05", "changedAt", "2026-03-05"}, "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,CHANGED@2026-03-05"},
		{"CANCELLED", []string{"receiptAt", "2026-03-05", "changedAt", "2026-04-01", "cancelledAt", "2026-05-01"}, "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,CHANGED@2026-04-01,CANCELLED@2026-05-01"},
	} {
		if got := f.mustCreate(c.status, "2026-03-02", c.kv...); got.history() != c.want {
			t.Errorf("create %s %v: history %s; want %s", c.status, c.kv, got.history(), c.want)
		}
	}
	f.consistent()
}

// Finding 5: an amendment of a CHANGED filing sent as changedAt alone wrote
// no event (the check read the status from the mutation, empty when not
// sent), and changedAt before receiptAt was accepted. A later changedAt is
// a further amendment with or without status; an earlier one corrects the
// latest amendment's day; one before the receipt is refused.
func TestAmendmentWritesItsEvent(t *testing.T) {
	f := newFlow(t)
	fl := f.mustCreate("CHANGED", "2026-03-02", "receiptAt", "2026-03-05", "changedAt", "2026-04-01")
	got := f.mustUpdate(fl.ID, map[string]any{"changedAt": "2026-06-01"})
	if want := "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,CHANGED@2026-04-01,CHANGED@2026-06-01"; got.history() != want || got.ChangedAt != "2026-06-01" {
		t.Fatalf("amendment by changedAt: %s, history %s; want %s", got.fields(), got.history(), want)
	}
	got = f.mustUpdate(fl.ID, map[string]any{"status": "CHANGED", "changedAt": "2026-07-01"})
	if !strings.HasSuffix(got.history(), ",CHANGED@2026-06-01,CHANGED@2026-07-01") {
		t.Fatalf("amendment with status: history %s", got.history())
	}
	// Re-sending the status without a day is not an amendment.
	if got = f.mustUpdate(fl.ID, map[string]any{"status": "CHANGED"}); len(got.Events) != 5 {
		t.Fatalf("status CHANGED re-sent: history %s; want no new event", got.history())
	}
	// An earlier day corrects the latest amendment.
	got = f.mustUpdate(fl.ID, map[string]any{"changedAt": "2026-06-15"})
	if want := "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,CHANGED@2026-04-01,CHANGED@2026-06-01,CHANGED@2026-06-15"; got.history() != want {
		t.Fatalf("correction: history %s; want %s", got.history(), want)
	}
	f.refused(fl.ID, map[string]any{"changedAt": "2026-05-01"}, "BAD_USER_INPUT", "changedAt") // before the amendment it follows
	f.refused(fl.ID, map[string]any{"changedAt": "2026-03-04"}, "BAD_USER_INPUT", "changedAt") // before the receipt
	for d, rate := range map[string]string{"2026-03-04": "0/1", "2026-03-05": "1/1", "2026-06-30": "1/1"} {
		if r := f.rate(day(d)); r != rate {
			t.Errorf("FILING_RATE as of %s = %s; want %s", d, r, rate)
		}
	}

	filed := f.mustCreate("FILED", "2026-03-02", "receiptAt", "2026-03-05")
	// changedAt alone on a filing never amended: there is no amendment to date.
	f.refused(filed.ID, map[string]any{"changedAt": "2026-04-01"}, "BAD_USER_INPUT", "changedAt")
	f.refused(filed.ID, map[string]any{"status": "CHANGED", "changedAt": "2026-03-04"}, "BAD_USER_INPUT", "changedAt")
	f.refused(filed.ID, map[string]any{"status": "CANCELLED", "cancelledAt": "2026-03-01"}, "BAD_USER_INPUT", "cancelledAt") // before submittedAt
	f.refused(filed.ID, map[string]any{"status": "CANCELLED", "cancelledAt": "2026-03-04"}, "BAD_USER_INPUT", "cancelledAt") // before the receipt
	got = f.mustUpdate(filed.ID, map[string]any{"status": "CHANGED", "changedAt": "2026-04-01"})
	if want := "SUBMITTED@2026-03-02,RECEIPT_ISSUED@2026-03-05,CHANGED@2026-04-01"; got.history() != want {
		t.Fatalf("FILED → CHANGED: history %s; want %s", got.history(), want)
	}
	f.consistent()
}

// The events written by the API carry the regulator's role; the JSON of a
// refusal names no value.
func TestRefusalNamesNoValue(t *testing.T) {
	f := newFlow(t)
	fl := f.mustCreate("FILED", "2026-03-02", "receiptAt", "2026-03-05", "receiptNumber", "沈和卫托备〔2026〕9号")
	for _, e := range fl.Events {
		if e.ActorRole != "DISTRICT_REGULATOR" {
			t.Errorf("event %+v: want the regulator's role", e)
		}
	}
	resp := f.update(fl.ID, map[string]any{"receiptAt": "2027-01-09", "status": "CANCELLED", "cancelledAt": "2026-03-06"})
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || len(resp.Errors) == 0 {
		t.Fatalf("%s", resp.Body)
	}
	if strings.Contains(resp.Body, "2027-01-09") || strings.Contains(resp.Body, "2026-03-06") {
		t.Errorf("a refusal repeats a submitted value: %s", resp.Body)
	}
}

// Two changes of one filing at once (two regulators, or a retried request)
// are made one after the other, the second checked against the first's
// result: while one transaction has cancelled the filing, another that
// tries to file it waits, then is refused (CANCELLED is final). Before,
// both read SUBMITTED, both passed, and the history recorded SUBMITTED →
// CANCELLED → FILED, ending FILED. PostgreSQL holds the row for the first
// transaction; SQLite runs one writing transaction at a time.
func TestConcurrentChangesTakeTurns(t *testing.T) {
	f := newFlow(t)
	f.mustCreate("SUBMITTED", "2025-03-03")
	ctx := testdb.Ctx()
	id := f.s.Client.Filing.Query().OnlyIDX(ctx)

	first, err := f.s.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first.Filing.UpdateOneID(id).SetStatus(entfiling.StatusCANCELLED).SetCancelledAt(day("2025-03-05")).ExecX(ctx)
	second := make(chan error, 1)
	go func() {
		tx, err := f.s.Client.Tx(ctx)
		if err != nil {
			second <- err
			return
		}
		if err := tx.Filing.UpdateOneID(id).SetStatus(entfiling.StatusFILED).SetReceiptAt(day("2025-03-06")).Exec(ctx); err != nil {
			_ = tx.Rollback()
			second <- err
			return
		}
		second <- tx.Commit()
	}()
	// Let the second change reach the filing while the first is open: it
	// must wait for it, whatever the timing.
	time.Sleep(300 * time.Millisecond)
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("filing a filing cancelled meanwhile: %v; want CONFLICT", err)
	}
	got := f.s.Client.Filing.GetX(ctx, id)
	events := f.s.Client.FilingEvent.Query().Where(filingevent.FilingID(id)).Order(filingevent.ByID()).AllX(ctx)
	var history []string
	for _, e := range events {
		history = append(history, string(e.Status))
	}
	if got.Status != entfiling.StatusCANCELLED || strings.Join(history, ",") != "SUBMITTED,CANCELLED" {
		t.Errorf("after both: %s with history %v; want CANCELLED, SUBMITTED,CANCELLED", got.Status, history)
	}
}
