package graph_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Tests of one identity per child, transfers, parallel care and the morning
// check (README "Identity, transfers and morning checks"), on the personal
// fixture: institution A in 和平区 (210102), B in 沈河区 (210103).

const (
	createChildDoc = `mutation($in: CreateChildInput!) { createChild(input: $in) { id idDocumentType idNumberMasked } }`
	enrolDoc       = `mutation($in: CreateEnrolmentInput!) { createEnrolment(input: $in) { id child { id name } } }`
	updateEnrolDoc = `mutation($id: ID!, $in: UpdateEnrolmentInput!) { updateEnrolment(id: $id, input: $in) { id endDate } }`
	healthDoc      = `mutation($in: CreateHealthRecordInput!) { createHealthRecord(input: $in) { id } }`
)

func (f *personal) staffOfB() auth.Viewer {
	return auth.Viewer{Subject: "staff-b", Role: auth.InstitutionStaff, InstitutionID: f.instB.ID}
}

// registerChild registers a child through the API as viewer and returns its ID.
func registerChild(t *testing.T, s *gqltest.Server, viewer auth.Viewer, name string, doc map[string]any) string {
	t.Helper()
	in := map[string]any{"name": name, "sex": "FEMALE", "birthDate": "2024-03-01"}
	for k, v := range doc {
		in[k] = v
	}
	var got struct{ CreateChild struct{ ID string } }
	s.DoAs(t, viewer, createChildDoc, map[string]any{"in": in}).Decode(t, &got)
	return got.CreateChild.ID
}

func wantCodeField(t *testing.T, resp gqltest.Response, code, field string) {
	t.Helper()
	if len(resp.Errors) == 0 || resp.Errors[0].Code() != code || resp.Errors[0].Field() != field {
		t.Fatalf("got %s; want %s with field %q", resp.Body, code, field)
	}
}

// TestChildBelongsToItsRegisteringInstitution (issue 7 item 8): a child
// registered by B's staff is B's until enrolled: A's staff can neither see
// it, enrol it by ID nor record its health; nobody writes health records for
// a child they cannot see.
func TestChildBelongsToItsRegisteringInstitution(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	staffA, staffB := f.staffOfA(), f.staffOfB()
	kid := registerChild(t, s, staffB, "孙小雨", nil)
	// A child registered by trusted code (an import): no institution owns it.
	loose := s.Client.Child.Create().SetName("周小风").SetSex("MALE").SetBirthDate(f.childA.BirthDate).SaveX(testdb.Ctx())
	enrol := func(inst int, child string) map[string]any {
		return map[string]any{"in": map[string]any{"childID": child, "institutionID": nodeID(inst), "serviceMode": "FULL_DAY", "startDate": "2025-03-01"}}
	}
	health := func(inst int, child string) map[string]any {
		return map[string]any{"in": map[string]any{"childID": child, "institutionID": nodeID(inst), "kind": "ENTRY_EXAM", "date": "2025-02-20"}}
	}
	tests := []struct {
		name     string
		viewer   auth.Viewer
		query    string
		vars     map[string]any
		wantCode string
	}{
		{"A may not enrol B's registered child", staffA, enrolDoc, enrol(f.instA.ID, kid), "FORBIDDEN"},
		{"A may not record health for B's registered child", staffA, healthDoc, health(f.instA.ID, kid), "FORBIDDEN"},
		{"A may not record health for an unenrolled child of nobody", staffA, healthDoc, health(f.instA.ID, nodeID(loose.ID)), "FORBIDDEN"},
		{"A may not enrol an unenrolled child of nobody by ID", staffA, enrolDoc, enrol(f.instA.ID, nodeID(loose.ID)), "FORBIDDEN"},
		{"B records the entry exam of its registered child", staffB, healthDoc, health(f.instB.ID, kid), ""},
		{"B enrols its registered child", staffB, enrolDoc, enrol(f.instB.ID, kid), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := rowCounts(t, s)
			resp := s.DoAs(t, tc.viewer, tc.query, tc.vars)
			if got := strings.Join(resp.Codes(), ","); got != tc.wantCode {
				t.Fatalf("codes %q; want %q (%s)", got, tc.wantCode, resp.Body)
			}
			if tc.wantCode != "" && rowCounts(t, s) != before {
				t.Fatal("a denied write changed the data")
			}
		})
	}
	var seen struct{ Node *struct{ Name string } }
	q := `query($id: ID!) { node(id: $id) { ... on Child { name } } }`
	if resp := s.DoAs(t, staffA, q, map[string]any{"id": kid}); strings.Join(resp.Codes(), ",") != "NOT_FOUND" || strings.Contains(resp.Body, "孙") {
		t.Fatalf("staff of A resolve B's child: %s", resp.Body)
	}
	s.DoAs(t, staffB, q, map[string]any{"id": kid}).Decode(t, &seen)
	if seen.Node == nil || seen.Node.Name != "孙小雨" {
		t.Fatalf("staff of B do not read their registered child in clear: %+v", seen.Node)
	}
}

// TestOneIdentityPerChild: one child per identity document; a second
// registration is CONFLICT on idNumber and names nobody.
func TestOneIdentityPerChild(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	staffA, staffB := f.staffOfA(), f.staffOfB()
	resident := idNumber(t, "21010220230520001")
	registerChild(t, s, staffA, "吴一", map[string]any{"idNumber": resident})
	registerChild(t, s, staffA, "吴二", map[string]any{"idNumber": "12345678", "idDocumentType": "TAIWAN_PERMIT"})
	existing := s.Client.Child.Query().CountX(testdb.Ctx())
	tests := []struct {
		name      string
		viewer    auth.Viewer
		doc       map[string]any
		wantCode  string
		wantField string
	}{
		{"same resident ID at another institution", staffB, map[string]any{"idNumber": resident}, "CONFLICT", "idNumber"},
		{"same resident ID, lower-case x and spaces", staffA, map[string]any{"idNumber": " " + strings.ToLower(resident) + " "}, "CONFLICT", "idNumber"},
		{"same resident ID, type given", staffB, map[string]any{"idNumber": resident, "idDocumentType": "RESIDENT_ID"}, "CONFLICT", "idNumber"},
		{"same Taiwan permit", staffB, map[string]any{"idNumber": "12345678", "idDocumentType": "TAIWAN_PERMIT"}, "CONFLICT", "idNumber"},
		{"same number, other document type", staffB, map[string]any{"idNumber": "12345678", "idDocumentType": "PASSPORT"}, "", ""},
		{"HK/Macao permit", staffB, map[string]any{"idNumber": "H12345678", "idDocumentType": "HK_MACAO_PERMIT"}, "", ""},
		{"bad HK/Macao permit", staffB, map[string]any{"idNumber": "X12345678", "idDocumentType": "HK_MACAO_PERMIT"}, "BAD_USER_INPUT", "idNumber"},
		{"bad resident ID", staffB, map[string]any{"idNumber": "210102202305200010"}, "BAD_USER_INPUT", "idNumber"},
		{"passport with punctuation", staffB, map[string]any{"idNumber": "E1234-5678", "idDocumentType": "PASSPORT"}, "BAD_USER_INPUT", "idNumber"},
		{"document type without number", staffB, map[string]any{"idDocumentType": "PASSPORT"}, "BAD_USER_INPUT", "idNumber"},
		{"no document at all", staffB, nil, "", ""},
		{"a regulator may not probe numbers", districtViewer, map[string]any{"idNumber": resident}, "FORBIDDEN", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"name": "郑三", "sex": "MALE", "birthDate": "2024-03-01"}
			for k, v := range tc.doc {
				in[k] = v
			}
			resp := s.DoAs(t, tc.viewer, createChildDoc, map[string]any{"in": in})
			if tc.wantCode == "" {
				if len(resp.Errors) > 0 {
					t.Fatalf("unexpected errors: %s", resp.Body)
				}
				existing++
				return
			}
			wantCodeField(t, resp, tc.wantCode, tc.wantField)
			for _, leak := range []string{"吴一", "吴二", f.instA.Name, resident, "12345678", "idNumberHash"} {
				if strings.Contains(resp.Body, leak) {
					t.Fatalf("the answer reveals %q: %s", leak, resp.Body)
				}
			}
			if n := s.Client.Child.Query().CountX(testdb.Ctx()); n != existing {
				t.Fatalf("%d children; want %d", n, existing)
			}
		})
	}
	// Correcting a child's number to another child's is CONFLICT too.
	other := registerChild(t, s, staffA, "吴三", nil)
	resp := s.DoAs(t, staffA, `mutation($id: ID!, $n: String) { updateChild(id: $id, input: {idNumber: $n}) { id } }`,
		map[string]any{"id": other, "n": resident})
	wantCodeField(t, resp, "CONFLICT", "idNumber")
}

// enrolmentIDs lists the enrolments and health records of a child as viewer sees them.
type childRecords struct {
	Node *struct {
		Name       string
		Enrolments struct {
			Edges []struct {
				Node struct{ Institution struct{ ID string } }
			}
		}
		HealthRecords struct {
			Edges []struct {
				Node struct{ Institution struct{ ID string } }
			}
		}
	}
}

func readChildRecords(t *testing.T, s *gqltest.Server, viewer auth.Viewer, id string) childRecords {
	t.Helper()
	var got childRecords
	resp := s.DoAs(t, viewer, `query($id: ID!) { node(id: $id) { ... on Child { name
		enrolments { edges { node { institution { id } } } }
		healthRecords { edges { node { institution { id } } } } } } }`, map[string]any{"id": id})
	if strings.Join(resp.Codes(), ",") == "NOT_FOUND" {
		return got // not visible
	}
	resp.Decode(t, &got)
	return got
}

// TestEnrolByIDNumber: B's staff enrol A's child by presenting its ID
// number; they then read the child and only B's enrolments and health
// records of it; the lookup is audited; nobody else can use the path.
func TestEnrolByIDNumber(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	staffA, staffB := f.staffOfA(), f.staffOfB()
	number := idNumber(t, "21010220230520002")
	kid := registerChild(t, s, staffA, "冯小舟", map[string]any{"idNumber": number})
	mustDo := func(v auth.Viewer, q string, vars map[string]any) {
		t.Helper()
		if resp := s.DoAs(t, v, q, vars); len(resp.Errors) > 0 {
			t.Fatalf("%s", resp.Body)
		}
	}
	mustDo(staffA, enrolDoc, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instA.ID), "serviceMode": "FULL_DAY", "startDate": "2025-01-02"}})
	mustDo(staffA, healthDoc, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instA.ID), "kind": "ENTRY_EXAM", "date": "2024-12-20"}})
	// A daily check names its session; no other kind has one (the unique
	// daily-check index relies on both).
	for _, in := range []map[string]any{
		{"childID": kid, "institutionID": nodeID(f.instA.ID), "kind": "DAILY_CHECK", "date": "2025-01-06"},
		{"childID": kid, "institutionID": nodeID(f.instA.ID), "kind": "CHECKUP", "date": "2025-01-06", "session": "MORNING"},
	} {
		wantCodeField(t, s.DoAs(t, staffA, healthDoc, map[string]any{"in": in}), "BAD_USER_INPUT", "session")
	}
	byNumber := func(inst int, n any, extra map[string]any) map[string]any {
		in := map[string]any{"childIdNumber": n, "institutionID": nodeID(inst), "serviceMode": "HOURLY", "startDate": "2025-03-03"}
		for k, v := range extra {
			in[k] = v
		}
		return map[string]any{"in": in}
	}
	unknown := idNumber(t, "21010220230520003")
	denied := []struct {
		name             string
		viewer           auth.Viewer
		vars             map[string]any
		wantCode, wantFd string
	}{
		{"malformed number", staffB, byNumber(f.instB.ID, "21010220230520002X", nil), "BAD_USER_INPUT", "childIdNumber"},
		{"number of nobody", staffB, byNumber(f.instB.ID, unknown, nil), "BAD_USER_INPUT", "childIdNumber"},
		{"right number, wrong document type", staffB, byNumber(f.instB.ID, number, map[string]any{"childIdDocumentType": "OTHER"}), "BAD_USER_INPUT", "childIdNumber"},
		{"both childID and number", staffB, byNumber(f.instB.ID, number, map[string]any{"childID": kid}), "BAD_USER_INPUT", "childID"},
		{"neither", staffB, map[string]any{"in": map[string]any{"institutionID": nodeID(f.instB.ID), "serviceMode": "HOURLY", "startDate": "2025-03-03"}}, "BAD_USER_INPUT", "childID"},
		{"B enrols at A", staffB, byNumber(f.instA.ID, number, nil), "FORBIDDEN", "institutionID"},
		{"a regulator may not look numbers up", districtViewer, byNumber(f.instA.ID, number, nil), "FORBIDDEN", "institutionID"},
		{"B by child ID without the number", staffB, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instB.ID), "serviceMode": "HOURLY", "startDate": "2025-03-03"}}, "FORBIDDEN", "childID"},
	}
	for _, tc := range denied {
		t.Run(tc.name, func(t *testing.T) {
			before := rowCounts(t, s)
			resp := s.DoAs(t, tc.viewer, enrolDoc, tc.vars)
			wantCodeField(t, resp, tc.wantCode, tc.wantFd)
			if strings.Contains(resp.Body, number) || strings.Contains(resp.Body, "冯") || rowCounts(t, s) != before {
				t.Fatalf("leak or write: %s", resp.Body)
			}
		})
	}
	if got := readChildRecords(t, s, staffB, kid); got.Node != nil {
		t.Fatalf("B sees A's child before enrolling it: %+v", got.Node)
	}

	// A lookup whose enrolment then fails (full-day care overlapping A's)
	// told B the child exists: it is audited although the mutation rolls back.
	resp := s.DoAs(t, staffB, enrolDoc, byNumber(f.instB.ID, number, map[string]any{"serviceMode": "FULL_DAY"}))
	wantCodeField(t, resp, "CONFLICT", "startDate")
	kidID, _ := strconv.Atoi(kid)
	auditedLookup := func() bool {
		for _, r := range s.Client.AuditLog.Query().Where(auditlog.Subject("staff-b"), auditlog.EntityType("Child")).AllX(testdb.Ctx()) {
			if slices.Contains(r.Fields, "childIdNumber") && slices.Contains(r.EntityIds, kidID) {
				return true
			}
		}
		return false
	}
	if !auditedLookup() {
		t.Fatal("a lookup by ID number whose enrolment failed wrote no audit row")
	}

	var enrolled struct {
		CreateEnrolment struct{ Child struct{ ID, Name string } }
	}
	resp = s.DoAs(t, staffB, enrolDoc, byNumber(f.instB.ID, strings.ToLower(number), nil))
	resp.Decode(t, &enrolled)
	if enrolled.CreateEnrolment.Child.ID != kid || enrolled.CreateEnrolment.Child.Name != "冯小舟" || strings.Contains(resp.Body, number) {
		t.Fatalf("enrolment by number: %s", resp.Body)
	}
	mustDo(staffB, healthDoc, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instB.ID), "kind": "CHECKUP", "date": "2025-03-10"}})

	// B reads the child now but does not rewrite the identity A registered;
	// A still corrects it.
	const rename = `mutation($id: ID!) { updateChild(id: $id, input: {name: "改名"}) { id } }`
	wantCodeField(t, s.DoAs(t, staffB, rename, map[string]any{"id": kid}), "FORBIDDEN", "id")
	mustDo(staffA, `mutation($id: ID!) { updateChild(id: $id, input: {name: "冯小舟"}) { id } }`, map[string]any{"id": kid})

	// B reads the child with B's rows only; A still reads A's rows only.
	for _, tc := range []struct {
		viewer auth.Viewer
		inst   int
	}{{staffB, f.instB.ID}, {staffA, f.instA.ID}} {
		got := readChildRecords(t, s, tc.viewer, kid)
		if got.Node == nil || got.Node.Name != "冯小舟" {
			t.Fatalf("%s does not read the child: %+v", tc.viewer.Subject, got.Node)
		}
		if len(got.Node.Enrolments.Edges) != 1 || len(got.Node.HealthRecords.Edges) != 1 {
			t.Fatalf("%s reads %d enrolments and %d health records; want its own 1 and 1", tc.viewer.Subject, len(got.Node.Enrolments.Edges), len(got.Node.HealthRecords.Edges))
		}
		for _, e := range append(got.Node.Enrolments.Edges, got.Node.HealthRecords.Edges...) {
			if e.Node.Institution.ID != nodeID(tc.inst) {
				t.Fatalf("%s reads another institution's row of the child", tc.viewer.Subject)
			}
		}
	}
	var roots struct {
		Enrolments, HealthRecords struct{ TotalCount int }
	}
	s.DoAs(t, staffB, `{ enrolments { totalCount } healthRecords { totalCount } }`, nil).Decode(t, &roots)
	// B's fixture rows (children B and C, health record B) plus the new ones.
	if roots.Enrolments.TotalCount != 3 || roots.HealthRecords.TotalCount != 2 {
		t.Fatalf("B's root connections: %+v; want 3 enrolments and 2 health records (B's own)", roots)
	}

	// The lookup is audited: subject, the child, the presented field.
	if !auditedLookup() {
		t.Fatal("no audit row of the ID-number lookup")
	}
}

// TestTransfersAndParallelCare: a child moves from A to B on the same day,
// and has hourly or temporary care at B beside full-day care at A;
// overlapping full- or half-day care stays CONFLICT; only A's staff or a
// regulator end A's enrolment.
func TestTransfersAndParallelCare(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	staffA, staffB := f.staffOfA(), f.staffOfB()
	number := idNumber(t, "21010220230520004")
	kid := registerChild(t, s, staffA, "褚小河", map[string]any{"idNumber": number})
	var first struct{ CreateEnrolment struct{ ID string } }
	s.DoAs(t, staffA, enrolDoc, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instA.ID), "serviceMode": "FULL_DAY", "startDate": "2025-01-02"}}).Decode(t, &first)
	atA := first.CreateEnrolment.ID
	atB := func(mode, start string, end any) map[string]any {
		in := map[string]any{"childIdNumber": number, "institutionID": nodeID(f.instB.ID), "serviceMode": mode, "startDate": start}
		if end != nil {
			in["endDate"] = end
		}
		return map[string]any{"in": in}
	}
	end := func(date string) map[string]any {
		return map[string]any{"id": atA, "in": map[string]any{"endDate": date, "exitReason": "MOVED"}}
	}
	otherDistrict := auth.Viewer{Subject: "district-210103", Role: auth.DistrictRegulator, RegionCode: "210103"}
	steps := []struct {
		name      string
		viewer    auth.Viewer
		query     string
		vars      map[string]any
		wantCode  string
		wantField string
	}{
		{"full day at B while full day at A", staffB, enrolDoc, atB("FULL_DAY", "2025-06-01", nil), "CONFLICT", "startDate"},
		{"half day at B while full day at A", staffB, enrolDoc, atB("HALF_DAY", "2025-03-01", "2025-04-01"), "CONFLICT", "startDate"},
		{"hourly care at B beside A", staffB, enrolDoc, atB("HOURLY", "2025-02-03", nil), "", ""},
		{"temporary care at B beside A", staffB, enrolDoc, atB("TEMPORARY", "2025-02-10", "2025-02-15"), "", ""},
		{"B may not end A's enrolment", staffB, updateEnrolDoc, end("2025-06-01"), "FORBIDDEN", "id"},
		{"another district's regulator may not end it", otherDistrict, updateEnrolDoc, end("2025-06-01"), "FORBIDDEN", "id"},
		{"A's district regulator ends it", districtViewer, updateEnrolDoc, end("2025-07-01"), "", ""},
		{"A's staff correct the end to the transfer day", staffA, updateEnrolDoc, end("2025-06-01"), "", ""},
		{"the day before the end still overlaps", staffB, enrolDoc, atB("FULL_DAY", "2025-05-31", nil), "CONFLICT", "startDate"},
		{"full day at B from the day A ended", staffB, enrolDoc, atB("FULL_DAY", "2025-06-01", nil), "", ""},
		{"A may not reopen its enrolment over B's", staffA, updateEnrolDoc, map[string]any{"id": atA, "in": map[string]any{"clearEndDate": true}}, "CONFLICT", "startDate"},
	}
	for _, tc := range steps {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.DoAs(t, tc.viewer, tc.query, tc.vars)
			if tc.wantCode == "" {
				if len(resp.Errors) > 0 {
					t.Fatalf("unexpected errors: %s", resp.Body)
				}
				return
			}
			wantCodeField(t, resp, tc.wantCode, tc.wantField)
		})
	}
	if n := s.Client.Enrolment.Query().CountX(testdb.Ctx()); n != 3+4 {
		t.Fatalf("%d enrolments; want the 3 of the fixture and 4 of the child", n)
	}
}

const dailyDoc = `mutation($inst: ID!, $date: Date!, $session: CheckSession!, $checks: [DailyCheckInput!]!) {
  recordDailyChecks(institutionID: $inst, date: $date, session: $session, checks: $checks) {
    index childID outcome record { id kind date session temperatureC result notes institution { id } }
  } }`

type dailyResult struct {
	Index   int
	ChildID string
	Outcome string
	Record  struct {
		ID, Kind, Date, Session string
		TemperatureC            *float64
		Result                  string
		Notes                   *string
	}
}

// TestRecordDailyChecks: a class in one request, all or nothing, updated
// rather than duplicated when sent again, errors naming the entry.
func TestRecordDailyChecks(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	ctx := testdb.Ctx()
	staffA, staffB := f.staffOfA(), f.staffOfB()
	// Class of A: child A (fixture) and three more; one left A in January.
	class := []string{nodeID(f.childA.ID)}
	for i := range 3 {
		c := s.Client.Child.Create().SetName(fmt.Sprintf("班%d", i)).SetSex("MALE").SetBirthDate(f.childA.BirthDate).SaveX(ctx)
		s.Client.Enrolment.Create().SetChild(c).SetInstitution(f.instA).SetServiceMode("FULL_DAY").SetStartDate(f.enrolA.StartDate).ExecX(ctx)
		class = append(class, nodeID(c.ID))
	}
	left := s.Client.Child.Create().SetName("离园").SetSex("MALE").SetBirthDate(f.childA.BirthDate).SaveX(ctx)
	e := s.Client.Enrolment.Create().SetChild(left).SetInstitution(f.instA).SetServiceMode("FULL_DAY").SetStartDate(f.enrolA.StartDate).SaveX(ctx)
	s.Client.Enrolment.UpdateOne(e).SetEndDate(f.enrolA.StartDate.AddDate(0, 4, 0)).ExecX(ctx)

	checks := func(temp float64, ids ...string) []map[string]any {
		out := make([]map[string]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"childID": id, "temperatureC": temp, "result": "NORMAL"}
		}
		return out
	}
	vars := func(inst int, date, session string, c []map[string]any) map[string]any {
		return map[string]any{"inst": nodeID(inst), "date": date, "session": session, "checks": c}
	}
	dailyCount := func() int {
		return s.Client.HealthRecord.Query().Where(healthrecord.KindEQ(healthrecord.KindDAILY_CHECK)).CountX(ctx)
	}
	record := func(v auth.Viewer, in map[string]any) []dailyResult {
		t.Helper()
		var got struct{ RecordDailyChecks []dailyResult }
		s.DoAs(t, v, dailyDoc, in).Decode(t, &got)
		return got.RecordDailyChecks
	}

	got := record(staffA, vars(f.instA.ID, "2025-03-03", "MORNING", checks(36.6, class...)))
	if len(got) != 4 || dailyCount() != 4 {
		t.Fatalf("first send: %d results, %d records; want 4 and 4", len(got), dailyCount())
	}
	for i, r := range got {
		if r.Index != i || r.ChildID != class[i] || r.Outcome != "CREATED" || r.Record.Kind != "DAILY_CHECK" ||
			r.Record.Session != "MORNING" || r.Record.Date != "2025-03-03" || r.Record.TemperatureC == nil || *r.Record.TemperatureC != 36.6 {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	// Sent again (a retry, or a correction): updated, not duplicated.
	again := checks(37.9, class...)
	again[2]["result"], again[2]["notes"] = "ABNORMAL", "体温偏高，已通知家长"
	got2 := record(staffA, vars(f.instA.ID, "2025-03-03", "MORNING", again))
	if dailyCount() != 4 {
		t.Fatalf("re-sending the class made %d records; want 4", dailyCount())
	}
	for i, r := range got2 {
		if r.Outcome != "UPDATED" || r.Record.ID != got[i].Record.ID || *r.Record.TemperatureC != 37.9 {
			t.Fatalf("re-sent result %d: %+v; want the same record updated", i, r)
		}
	}
	if got2[2].Record.Result != "ABNORMAL" || got2[2].Record.Notes == nil {
		t.Fatalf("update of result and notes lost: %+v", got2[2])
	}
	// A retry of the first request exactly: the same four records again.
	retried := checks(36.6, class...)
	delete(retried[2], "temperatureC")
	if retry := record(staffA, vars(f.instA.ID, "2025-03-03", "MORNING", retried)); dailyCount() != 4 || retry[2].Record.TemperatureC != nil ||
		(retry[2].Record.Notes != nil && *retry[2].Record.Notes != "") || retry[2].Record.Result != "NORMAL" || retry[2].Record.ID != got[2].Record.ID {
		t.Fatalf("an identical retry: %d records, %+v; want 4, the first values back", dailyCount(), retry[2])
	}
	// Noon is another record; part of the class is fine.
	if r := record(staffA, vars(f.instA.ID, "2025-03-03", "NOON", checks(36.5, class[:2]...))); len(r) != 2 || r[0].Outcome != "CREATED" || dailyCount() != 6 {
		t.Fatalf("noon checks: %+v, %d records", r, dailyCount())
	}

	bad := checks(36.6, class...)
	bad[1]["temperatureC"] = 45.5
	bad[3]["childID"] = class[0]
	tooMany := make([]map[string]any, 201)
	for i := range tooMany {
		tooMany[i] = map[string]any{"childID": class[0], "result": "NORMAL"}
	}
	tests := []struct {
		name       string
		viewer     auth.Viewer
		vars       map[string]any
		wantCode   string
		wantFields []string
	}{
		{"every bad entry named", staffA, vars(f.instA.ID, "2025-03-04", "MORNING", bad), "BAD_USER_INPUT", []string{"checks[1].temperatureC", "checks[3].childID"}},
		{"a child of another institution", staffA, vars(f.instA.ID, "2025-03-04", "MORNING", checks(36.6, append(class[:2:2], nodeID(f.childB.ID))...)), "FORBIDDEN", []string{"checks[2].childID"}},
		{"a child who left", staffA, vars(f.instA.ID, "2025-03-04", "MORNING", checks(36.6, nodeID(left.ID), class[0])), "FORBIDDEN", []string{"checks[0].childID"}},
		{"before the class was enrolled", staffA, vars(f.instA.ID, "2024-08-30", "MORNING", checks(36.6, class...)), "FORBIDDEN", []string{"checks[0].childID", "checks[1].childID", "checks[2].childID", "checks[3].childID"}},
		{"staff of another institution", staffB, vars(f.instA.ID, "2025-03-04", "MORNING", checks(36.6, class...)), "FORBIDDEN", []string{"institutionID"}},
		{"a regulator does not record checks", districtViewer, vars(f.instA.ID, "2025-03-04", "MORNING", checks(36.6, class...)), "FORBIDDEN", []string{"institutionID"}},
		{"no checks", staffA, vars(f.instA.ID, "2025-03-04", "MORNING", []map[string]any{}), "BAD_USER_INPUT", []string{"checks"}},
		{"more than 200", staffA, vars(f.instA.ID, "2025-03-04", "MORNING", tooMany), "BAD_USER_INPUT", []string{"checks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := dailyCount()
			resp := s.DoAs(t, tc.viewer, dailyDoc, tc.vars)
			var fields []string
			for _, e := range resp.Errors {
				if e.Code() != tc.wantCode {
					t.Fatalf("code %s; want %s: %s", e.Code(), tc.wantCode, resp.Body)
				}
				fields = append(fields, e.Field())
			}
			if !slices.Equal(fields, tc.wantFields) {
				t.Fatalf("fields %v; want %v: %s", fields, tc.wantFields, resp.Body)
			}
			if dailyCount() != before {
				t.Fatal("a refused request wrote records")
			}
			if data := strings.TrimSpace(string(resp.Data)); data != "null" && data != "" {
				var d map[string]json.RawMessage
				_ = json.Unmarshal(resp.Data, &d)
				if string(d["recordDailyChecks"]) != "null" && d["recordDailyChecks"] != nil {
					t.Fatalf("refused request returned data: %s", resp.Body)
				}
			}
		})
	}
	// The unique index holds for single records too.
	resp := s.DoAs(t, staffA, healthDoc, map[string]any{"in": map[string]any{"childID": class[0], "institutionID": nodeID(f.instA.ID), "kind": "DAILY_CHECK", "date": "2025-03-03", "session": "MORNING"}})
	if strings.Join(resp.Codes(), ",") != "CONFLICT" || resp.Errors[0].Field() != "date" || dailyCount() != 6 {
		t.Fatalf("a second morning check of the same child and day: %s; want CONFLICT on date", resp.Body)
	}
}

// TestDailyCheckOnlyForChildrenInCare: createHealthRecord and
// updateHealthRecord accept a DAILY_CHECK only for a child in care at the
// institution that day (as recordDailyChecks and the import do); other
// kinds are not bound to an enrolment. The child of the personal fixture is
// in full-day care at A from 2024-09-01.
func TestDailyCheckOnlyForChildrenInCare(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	staffA := f.staffOfA()
	check := func(kind, date string) map[string]any {
		in := map[string]any{"childID": nodeID(f.childA.ID), "institutionID": nodeID(f.instA.ID), "kind": kind, "date": date}
		if kind == "DAILY_CHECK" {
			in["session"] = "MORNING"
		}
		return map[string]any{"in": in}
	}
	wantCodeField(t, s.DoAs(t, staffA, healthDoc, check("DAILY_CHECK", "2024-08-30")), "FORBIDDEN", "childID")
	if resp := s.DoAs(t, staffA, healthDoc, check("ENTRY_EXAM", "2024-08-30")); len(resp.Errors) > 0 {
		t.Fatalf("an entry exam before the first day: %s", resp.Body)
	}
	var created struct{ CreateHealthRecord struct{ ID string } }
	s.DoAs(t, staffA, healthDoc, check("DAILY_CHECK", "2024-09-02")).Decode(t, &created)
	const move = `mutation($id: ID!, $in: UpdateHealthRecordInput!) { updateHealthRecord(id: $id, input: $in) { id date } }`
	resp := s.DoAs(t, staffA, move, map[string]any{"id": created.CreateHealthRecord.ID, "in": map[string]any{"date": "2024-08-31"}})
	wantCodeField(t, resp, "FORBIDDEN", "childID")
	n := s.Client.HealthRecord.Query().Where(healthrecord.KindEQ(healthrecord.KindDAILY_CHECK), healthrecord.ChildID(f.childA.ID)).AllX(testdb.Ctx())
	if len(n) != 1 || n[0].Date.Format("2006-01-02") != "2024-09-02" {
		t.Fatalf("daily checks stored: %+v, want only the one of 2024-09-02, unmoved", n)
	}
}

// TestEnrolmentSeatBelongsToItsInstitution: an enrolment's seat is a seat of
// its institution. A regulator's move (updateEnrolment of institutionID)
// that leaves the old institution's seat behind, or a seat of another
// institution, is BAD_USER_INPUT and changes nothing; a move with the new
// institution's seat, or with clearSeat, is accepted.
func TestEnrolmentSeatBelongsToItsInstitution(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	seat := func(inst int) string {
		var got struct{ CreateSeat struct{ ID string } }
		s.DoAs(t, cityViewer, `mutation($i: ID!) { createSeat(input: {institutionID: $i, ageBand: TODDLER, openedAt: "2024-01-01"}) { id } }`,
			map[string]any{"i": nodeID(inst)}).Decode(t, &got)
		return got.CreateSeat.ID
	}
	seatA, seatB := seat(f.instA.ID), seat(f.instB.ID)
	kid := registerChild(t, s, f.staffOfA(), "郑小禾", nil)
	var enrolled struct{ CreateEnrolment struct{ ID string } }
	s.DoAs(t, f.staffOfA(), enrolDoc, map[string]any{"in": map[string]any{"childID": kid, "institutionID": nodeID(f.instA.ID), "seatID": seatA, "serviceMode": "FULL_DAY", "startDate": "2025-03-01"}}).Decode(t, &enrolled)
	id := enrolled.CreateEnrolment.ID
	move := func(in map[string]any) gqltest.Response {
		return s.DoAs(t, cityViewer, `mutation($id: ID!, $in: UpdateEnrolmentInput!) { updateEnrolment(id: $id, input: $in) { institution { id } seat { id } } }`, map[string]any{"id": id, "in": in})
	}
	stored := func() (int, *int) {
		e := s.Client.Enrolment.Query().Order(ent.Desc(enrolment.FieldID)).FirstX(testdb.Ctx()) // the one enrolled here
		return e.InstitutionID, e.SeatID
	}
	before := rowCounts(t, s)
	wantCodeField(t, move(map[string]any{"institutionID": nodeID(f.instB.ID)}), "BAD_USER_INPUT", "institutionID")
	// Nor through the other side of the edge.
	for _, side := range []struct{ doc, id string }{
		{`mutation($id: ID!, $e: [ID!]) { updateInstitution(id: $id, input: {addEnrolmentIDs: $e}) { id } }`, nodeID(f.instB.ID)},
		{`mutation($id: ID!, $e: [ID!]) { updateSeat(id: $id, input: {addEnrolmentIDs: $e}) { id } }`, seatB},
	} {
		if resp := s.DoAs(t, cityViewer, side.doc, map[string]any{"id": side.id, "e": []any{id}}); len(resp.Errors) == 0 {
			t.Fatalf("a move through %s was accepted: %s", side.doc, resp.Body)
		}
	}
	if inst, _ := stored(); inst != f.instA.ID || rowCounts(t, s) != before {
		t.Fatal("a refused move changed the enrolment")
	}
	if resp := move(map[string]any{"institutionID": nodeID(f.instB.ID), "seatID": seatB}); len(resp.Errors) > 0 {
		t.Fatalf("a move with the new institution's seat: %s", resp.Body)
	}
	wantCodeField(t, move(map[string]any{"seatID": seatA}), "BAD_USER_INPUT", "seatID")
	if resp := move(map[string]any{"institutionID": nodeID(f.instA.ID), "clearSeat": true}); len(resp.Errors) > 0 {
		t.Fatalf("a move that clears the seat: %s", resp.Body)
	}
	if inst, seat := stored(); inst != f.instA.ID || seat != nil {
		t.Fatalf("stored institution %d, seat %v; want A without a seat", inst, seat)
	}
}
