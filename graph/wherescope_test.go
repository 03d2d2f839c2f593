package graph_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// guardedEdgePredicates are the has…/has…With filters removed from the
// where inputs because their target has a stricter row policy than their
// source (ent runs no privacy rule inside an edge predicate). Issue 7 item 3.
var guardedEdgePredicates = map[string][]string{
	"RegionWhereInput":       {"hasInstitutions", "hasInstitutionsWith"},
	"InstitutionWhereInput":  {"hasFilings", "hasFilingsWith", "hasStaff", "hasStaffWith", "hasInspections", "hasInspectionsWith", "hasComplaints", "hasComplaintsWith", "hasIncidents", "hasIncidentsWith"},
	"HealthRecordWhereInput": {"hasChild", "hasChildWith"},
}

// TestEdgePredicatesOverStricterTypesAreGone: the where inputs offer no
// edge predicate over a type some viewer may read less of, and a request
// using one is refused before anything runs.
func TestEdgePredicatesOverStricterTypesAreGone(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	for typ, fields := range guardedEdgePredicates {
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
				t.Errorf("%s.%s exists: an edge predicate that runs no row policy", typ, f)
			}
		}
	}

	viewers := map[string]auth.Viewer{
		"PUBLIC":     {Role: auth.Public},
		"BI_SERVICE": {Subject: "bi", Role: auth.BIService, RegionCode: "210000"},
		"DISTRICT":   {Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"},
	}
	attacks := map[string]string{
		"institutions with incidents":         `{ institutions(where: {hasIncidents: true}) { totalCount } }`,
		"institutions with complaints":        `{ institutions(where: {hasComplaints: true}) { totalCount } }`,
		"institutions by their staff":         `{ institutions(where: {hasStaffWith: {role: CAREGIVER}}) { totalCount } }`,
		"institutions by their filings":       `{ institutions(where: {hasFilingsWith: {status: CANCELLED}}) { totalCount } }`,
		"institutions by their inspections":   `{ institutions(where: {hasInspectionsWith: {outcome: FAILED}}) { totalCount } }`,
		"regions by their institutions":       `{ regions(where: {hasInstitutionsWith: {nameHasPrefix: "托育"}}) { totalCount } }`,
		"nested under a seat's institution":   `{ seats(where: {hasInstitutionWith: {hasIncidents: true}}) { totalCount } }`,
		"nested under a region's child":       `{ regions(where: {hasChildrenWith: {hasInstitutions: true}}) { totalCount } }`,
		"health records by the child's facts": `{ healthRecords(where: {hasChildWith: {sex: FEMALE}}) { totalCount } }`,
	}
	for who, v := range viewers {
		for name, query := range attacks {
			t.Run(who+"/"+name, func(t *testing.T) {
				resp := s.DoAs(t, v, query, nil)
				if got := strings.Join(resp.Codes(), ","); got != "GRAPHQL_VALIDATION_FAILED" {
					t.Fatalf("codes %q; want GRAPHQL_VALIDATION_FAILED (%s)", got, resp.Body)
				}
				if string(resp.Data) != "" && string(resp.Data) != "null" {
					t.Fatalf("data returned: %s", resp.Data)
				}
			})
		}
	}
}

// TestEdgePredicatesThatStayWork: the edge filters kept (targets no
// stricter than their source, and the reverse direction from the stricter
// type) still filter, inside each viewer's scope.
func TestEdgePredicatesThatStayWork(t *testing.T) {
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 4) // institutions 0,1 in 210102; 2,3 in 210103
	ctx := testdb.Ctx()
	c := s.Client
	c.Filing.Create().SetInstitution(tr.institutions[0]).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2023, 1, 5)).ExecX(ctx)
	c.Filing.Create().SetInstitution(tr.institutions[2]).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(filing.StatusFILED).SetReceiptAt(civil.D(2023, 1, 5)).ExecX(ctx)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, i := range []int{0, 2, 3} {
		c.Incident.Create().SetInstitution(tr.institutions[i]).SetSeverity(incident.SeverityMINOR).SetKind("跌落").SetOccurredAt(at).SetReportedAt(at).ExecX(ctx)
	}
	c.Complaint.Create().SetInstitution(tr.institutions[1]).SetReceivedAt(civil.D(2025, 3, 1)).SetChannel(complaint.ChannelHOTLINE).SetCategory("卫生").ExecX(ctx)
	c.Target.Create().SetRegionID(tr.districts[0].ID).SetIndicator("SEATS_PER_1000").SetTargetYear(2025).SetTargetValue(4.5).SetSource("规划").ExecX(ctx)

	var (
		public   = auth.Viewer{Role: auth.Public}
		bi       = auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210000"}
		district = auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}
		city     = auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}
	)
	name0 := strconv.Quote(tr.institutions[0].Name)
	tests := []struct {
		name   string
		viewer auth.Viewer
		query  string
		want   int
	}{
		{"PUBLIC: filed institutions with seats", public, `{ institutions(where: {hasSeats: true}) { totalCount } }`, 2},
		{"PUBLIC: seats by their institution's name", public, `{ seats(where: {hasInstitutionWith: {name: ` + name0 + `}}) { totalCount } }`, 1},
		{"PUBLIC: regions with targets", public, `{ regions(where: {hasTargets: true}) { totalCount } }`, 1},
		{"PUBLIC: regions by their parent", public, `{ regions(where: {hasParentWith: {code: "210102"}}) { totalCount } }`, 2},
		{"BI: incidents by institution, in scope", bi, `{ incidents(where: {hasInstitutionWith: {hasRegionWith: {codeHasPrefix: "210103"}}}) { totalCount } }`, 2},
		{"district: incidents of its institutions", district, `{ incidents(where: {hasInstitution: true}) { totalCount } }`, 1},
		{"district: complaints by institution name", district, `{ complaints(where: {hasInstitutionWith: {nameHasPrefix: "托育中心"}}) { totalCount } }`, 1},
		{"district: institutions with designations (none)", district, `{ institutions(where: {hasDesignations: true}) { totalCount } }`, 0},
		{"district: institutions with seats, only its own", district, `{ institutions(where: {hasSeats: true}) { totalCount } }`, 2},
		{"city: incidents of the whole city", city, `{ incidents(where: {hasInstitutionWith: {hasSeats: true}}) { totalCount } }`, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.DoAs(t, tc.viewer, tc.query, nil)
			if len(resp.Errors) > 0 {
				t.Fatalf("errors: %s", resp.Body)
			}
			var got map[string]struct{ TotalCount int }
			resp.Decode(t, &got)
			for _, conn := range got {
				if conn.TotalCount != tc.want {
					t.Fatalf("totalCount %d; want %d (%s)", conn.TotalCount, tc.want, resp.Body)
				}
			}
		})
	}
}
