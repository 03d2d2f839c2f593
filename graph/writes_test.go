package graph_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestWritePermissions: each role writes only what it manages, only in its
// scope; a denied write is FORBIDDEN and changes nothing.
func TestWritePermissions(t *testing.T) {
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 4)
	ctx := testdb.Ctx()
	// Institution 0 is in district 210102, institution 2 in 210103.
	instA, instB := tr.institutions[0], tr.institutions[2]
	kid := s.Client.Child.Create().SetName("周一").SetSex(child.SexMALE).SetBirthDate(civil.D(2024, 3, 1)).SaveX(ctx)
	s.Client.Enrolment.Create().SetChild(kid).SetInstitution(instA).SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(civil.D(2025, 1, 1)).ExecX(ctx)

	var (
		public    = auth.Viewer{Role: auth.Public}
		bi        = auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
		staffA    = auth.Viewer{Subject: "sa", Role: auth.InstitutionStaff, InstitutionID: instA.ID}
		districtA = auth.Viewer{Subject: "da", Role: auth.DistrictRegulator, RegionCode: "210102"}
	)
	id := strconv.Itoa
	institution := func(sub int) string {
		return `mutation { createInstitution(input: {name: "新园", creditCode: "` + creditCode(t, 500+sub) + `", form: CENTER,
		  legalNature: FOR_PROFIT, ownership: PRIVATE, serviceModes: [FULL_DAY], openedAt: "2025-01-01", regionID: "` + id(tr.subdistricts[sub].ID) + `"}) { id } }`
	}
	healthRecord := func(inst int) string {
		return `mutation { createHealthRecord(input: {childID: "` + id(kid.ID) + `", institutionID: "` + id(inst) + `", kind: DAILY_CHECK, date: "2025-02-03", session: MORNING}) { id } }`
	}
	tests := []struct {
		name     string
		viewer   auth.Viewer
		query    string
		wantCode string
	}{
		{"PUBLIC never writes", public, `mutation { createRegion(input: {code: "210199", name: "x", level: DISTRICT}) { id } }`, "FORBIDDEN"},
		{"BI never writes", bi, institution(0), "FORBIDDEN"},
		{"district regulator creates an institution in its district", districtA, institution(1), ""},
		{"district regulator may not create one in another district", districtA, institution(2), "FORBIDDEN"},
		{"district regulator does not record health checks", districtA, healthRecord(instA.ID), "FORBIDDEN"},
		{"staff record a morning check at their institution", staffA, healthRecord(instA.ID), ""},
		{"staff may not record one at another institution", staffA, healthRecord(instB.ID), "FORBIDDEN"},
		{"staff may not update an institution", staffA, `mutation { updateInstitution(id: "` + id(instA.ID) + `", input: {name: "改名"}) { id } }`, "FORBIDDEN"},
		{"district regulator may not update another district's institution", districtA, `mutation { updateInstitution(id: "` + id(instB.ID) + `", input: {name: "改名"}) { id } }`, "FORBIDDEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := rowCounts(t, s)
			records := s.Client.HealthRecord.Query().CountX(ctx)
			resp := s.DoAs(t, tc.viewer, tc.query, nil)
			if got := strings.Join(resp.Codes(), ","); got != tc.wantCode {
				t.Fatalf("codes %q; want %q (%s)", got, tc.wantCode, resp.Body)
			}
			if tc.wantCode == "" {
				return
			}
			if after := rowCounts(t, s); after != before || s.Client.HealthRecord.Query().CountX(ctx) != records {
				t.Fatalf("a denied write changed the data: %s → %s", before, after)
			}
			assertNoLeak(t, resp.Body)
		})
	}
}

// TestSensitiveFiltersAreNotInTheSchema: where predicates do not run privacy
// rules (ent#2957), so filters that reach children's data through other
// types, or filter on personal fields, must not exist.
func TestSensitiveFiltersAreNotInTheSchema(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	absent := map[string][]string{
		"InstitutionWhereInput":  {"hasEnrolments", "hasEnrolmentsWith", "hasHealthRecords", "hasHealthRecordsWith"},
		"ChildWhereInput":        {"name", "nameContains", "birthDate", "birthDateLT", "guardianPhone", "guardianName", "idNumberHash", "idNumberMasked", "hasHealthRecordsWith", "hasEnrolmentsWith"},
		"StaffWhereInput":        {"name", "nameContains", "idNumberHash", "idNumberMasked"},
		"HealthRecordWhereInput": {"heightCm", "weightKg", "temperatureC", "notes"},
		"RegionWhereInput":       {"hasResidentChildren", "hasResidentChildrenWith"},
	}
	for typ, fields := range absent {
		var got struct {
			Type struct{ InputFields []struct{ Name string } } `json:"__type"`
		}
		s.Do(t, `query($n: String!) { __type(name: $n) { inputFields { name } } }`, map[string]any{"n": typ}).Decode(t, &got)
		if len(got.Type.InputFields) == 0 {
			t.Fatalf("%s has no input fields", typ)
		}
		have := map[string]bool{}
		for _, f := range got.Type.InputFields {
			have[f.Name] = true
		}
		for _, f := range fields {
			if have[f] {
				t.Errorf("%s.%s exists: a filter on personal data", typ, f)
			}
		}
	}
}

// TestPublicDirectory: without a token a caller sees the directory of filed
// institutions with their seats, and nothing else.
func TestPublicDirectory(t *testing.T) {
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 4) // institution i has i+1 seats
	ctx := testdb.Ctx()
	file := func(i int, status filing.Status, receipt bool) {
		b := s.Client.Filing.Create().SetInstitution(tr.institutions[i]).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(status)
		if receipt {
			b.SetReceiptAt(civil.D(2023, 1, 5))
		}
		b.ExecX(ctx)
	}
	file(0, filing.StatusFILED, true)      // listed
	file(1, filing.StatusSUBMITTED, false) // not yet filed
	file(2, filing.StatusCANCELLED, true)  // cancelled
	public := auth.Viewer{Role: auth.Public}

	var got struct {
		Institutions struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Name  string
					Seats struct{ TotalCount int }
				}
			}
		}
		Seats struct{ TotalCount int }
	}
	s.DoAs(t, public, `{ institutions(first: 10) { totalCount edges { node { name seats { totalCount } } } } seats { totalCount } }`, nil).Decode(t, &got)
	if got.Institutions.TotalCount != 1 || got.Institutions.Edges[0].Node.Name != tr.institutions[0].Name ||
		got.Institutions.Edges[0].Node.Seats.TotalCount != 1 || got.Seats.TotalCount != 1 {
		t.Fatalf("PUBLIC sees %+v; want only the filed institution and its 1 seat", got)
	}
	for name, query := range map[string]string{
		"filings":  `{ filings { totalCount } }`,
		"children": `{ children { totalCount } }`,
		"staff":    `{ staff { totalCount } }`,
	} {
		if resp := s.DoAs(t, public, query, nil); strings.Join(resp.Codes(), ",") != "FORBIDDEN" {
			t.Errorf("PUBLIC %s: %s; want FORBIDDEN", name, resp.Body)
		}
	}
	var node struct{ Node *struct{ ID string } }
	resp := s.DoAs(t, public, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": strconv.Itoa(tr.institutions[1].ID)})
	_ = json.Unmarshal(resp.Data, &node)
	if node.Node != nil {
		t.Errorf("PUBLIC resolved an unfiled institution through node: %s", resp.Body)
	}
}
