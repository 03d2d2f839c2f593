package graph_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

const institutionsQuery = `query {
  institutions(first: 5, orderBy: {field: NAME, direction: ASC}) {
    totalCount
    edges { node { id name region { name parent { name } } seats { totalCount } } }
  }
}`

func TestInstitutionsWithRegionAndSeatCounts(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	buildTree(t, s.Client, 6)
	var got struct {
		Institutions struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID     string
					Name   string
					Region struct {
						Name   string
						Parent struct{ Name string }
					}
					Seats struct{ TotalCount int }
				}
			}
		}
	}
	s.Do(t, institutionsQuery, nil).Decode(t, &got)
	if got.Institutions.TotalCount != 6 || len(got.Institutions.Edges) != 5 {
		t.Fatalf("totalCount %d, edges %d; want 6 and 5", got.Institutions.TotalCount, len(got.Institutions.Edges))
	}
	for i, e := range got.Institutions.Edges {
		// buildTree: institution i has i+1 seats and sits in subdistrict i%4 of district i%4/2.
		wantName := fmt.Sprintf("托育中心%02d", i)
		wantParent := []string{"和平区", "和平区", "沈河区", "沈河区"}[i%4]
		if e.Node.Name != wantName || e.Node.Seats.TotalCount != i+1 || e.Node.Region.Parent.Name != wantParent {
			t.Errorf("edge %d = %+v; want %s with %d seats in %s", i, e.Node, wantName, i+1, wantParent)
		}
	}
}

func TestPageSizeDefaultAndCap(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	buildTree(t, s.Client, 1)
	inst := s.Client.Institution.Query().OnlyX(testdb.Ctx())
	for range 24 { // 25 seats in all
		s.Client.Seat.Create().SetInstitution(inst).SetAgeBand("INFANT").SetOpenedAt(inst.OpenedAt).ExecX(testdb.Ctx())
	}
	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		wantEdges int
		wantCode  string
		wantField string
	}{
		{name: "root default 20", query: `{ seats { totalCount edges { node { id } } } }`, wantEdges: 20},
		{name: "nested default 20", query: `{ institutions(first: 1) { edges { node { seats { edges { node { id } } } } } } }`, wantEdges: 20},
		{name: "first 100 allowed", query: `{ seats(first: 100) { edges { node { id } } } }`, wantEdges: 25},
		{name: "last only", query: `{ seats(last: 3) { edges { node { id } } } }`, wantEdges: 3},
		{name: "first above cap", query: `{ seats(first: 101) { edges { node { id } } } }`, wantCode: "BAD_USER_INPUT", wantField: "first"},
		{name: "first 100000 via variable", query: `query($n: Int) { seats(first: $n) { edges { node { id } } } }`, vars: map[string]any{"n": 100000}, wantCode: "BAD_USER_INPUT", wantField: "first"},
		{name: "nested last above cap in fragment", query: `{ institutions(first: 1) { edges { node { ...F } } } } fragment F on Institution { seats(last: 500) { totalCount } }`, wantCode: "BAD_USER_INPUT", wantField: "last"},
		{name: "negative", query: `{ seats(first: -1) { edges { node { id } } } }`, wantCode: "BAD_USER_INPUT", wantField: "first"},
		{name: "both null through variables", query: `query($n: Int) { seats(first: $n) { totalCount } }`, wantCode: "BAD_USER_INPUT", wantField: "first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			statements := s.Count(func() { resp = s.Do(t, tc.query, tc.vars) })
			if tc.wantCode != "" {
				if len(resp.Errors) != 1 || resp.Errors[0].Code() != tc.wantCode || resp.Errors[0].Field() != tc.wantField {
					t.Fatalf("errors = %s; want one %s on %s", resp.Body, tc.wantCode, tc.wantField)
				}
				if statements != 0 {
					t.Errorf("a rejected request ran %d SQL statements; want 0", statements)
				}
				return
			}
			if n := strings.Count(string(resp.Data), `"id"`); n != tc.wantEdges || len(resp.Errors) > 0 {
				t.Fatalf("got %d nodes (errors %v); want %d", n, resp.Errors, tc.wantEdges)
			}
		})
	}
}

// TestNestedPathStatementCounts pins the SQL statements of the nested paths
// the graph exposes: a page of N parents with nested connections and counts
// costs a fixed number of statements, whatever N is.
func TestNestedPathStatementCounts(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  int64
	}{
		{
			// 1 cities + 1 districts + 1 subdistricts + 1 institutions + 1 seat counts.
			name: "cities → districts → subdistricts → institutions → seats totalCount",
			query: `{ regions(first: 10, where: {level: CITY}) { edges { node { name
			  subregions(first: 10) { edges { node { name
			    subregions(first: 10) { edges { node { name
			      institutions(first: 10) { edges { node { name seats { totalCount } } } }
			    } } } } } } } } } }`,
			want: 5,
		},
		{
			// 1 count + 1 institutions + 1 regions + 1 parent regions + 1 seat counts.
			name:  "institutions with totalCount, region, parent and seat counts",
			query: `{ institutions(first: 20) { totalCount edges { node { name region { name parent { name } } seats { totalCount } } } } }`,
			want:  5,
		},
		{
			// 1 regions + 1 targets + 1 population stats
			name:  "regions with two nested connections",
			query: `{ regions(first: 20) { edges { node { code targets { totalCount } populationStats { edges { node { year } } } } } } }`,
			want:  3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, n := range []int{4, 12} {
				s := gqltest.New(t, gqltest.Trusted())
				buildTree(t, s.Client, n)
				var resp gqltest.Response
				got := s.Count(func() { resp = s.Do(t, tc.query, nil) })
				if len(resp.Errors) > 0 {
					t.Fatalf("errors: %s", resp.Body)
				}
				if got != tc.want {
					t.Errorf("with %d institutions: %d statements; want %d", n, got, tc.want)
				}
			}
		})
	}
}

func TestNodeResolvesEveryType(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	ids := createOneOfEach(t, s)
	for typ, id := range ids {
		t.Run(typ, func(t *testing.T) {
			var got struct {
				Node struct {
					Typename string `json:"__typename"`
					ID       string
				}
			}
			s.Do(t, `query($id: ID!) { node(id: $id) { __typename id } }`, map[string]any{"id": id}).Decode(t, &got)
			if got.Node.Typename != typ || got.Node.ID != id {
				t.Fatalf("node(%s) = %+v; want %s", id, got.Node, typ)
			}
		})
	}
	t.Run("nodes", func(t *testing.T) {
		var all []string
		for _, id := range ids {
			all = append(all, id)
		}
		var got struct{ Nodes []struct{ ID string } }
		s.Do(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": all}).Decode(t, &got)
		if len(got.Nodes) != len(all) {
			t.Fatalf("nodes returned %d; want %d", len(got.Nodes), len(all))
		}
		for i, n := range got.Nodes {
			if n.ID != all[i] {
				t.Errorf("nodes[%d] = %s; want %s (results in request order)", i, n.ID, all[i])
			}
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		resp := s.Do(t, `{ node(id: "999") { id } }`, nil)
		if !slices.Equal(resp.Codes(), []string{"NOT_FOUND"}) {
			t.Fatalf("codes = %v; want NOT_FOUND (%s)", resp.Codes(), resp.Body)
		}
	})
}

// createOneOfEach creates one row of every node type through the public
// mutations and returns their global IDs by GraphQL type name.
func createOneOfEach(t *testing.T, s *gqltest.Server) map[string]string {
	t.Helper()
	ids := map[string]string{}
	mutate := func(typ, field, input string, vars map[string]any) string {
		t.Helper()
		var got map[string]struct{ ID string }
		s.Do(t, fmt.Sprintf(`mutation($input: %s!) { %s(input: $input) { id } }`, input, field), vars).Decode(t, &got)
		ids[typ] = got[field].ID
		return got[field].ID
	}
	in := func(v map[string]any) map[string]any { return map[string]any{"input": v} }
	province := mutate("Region", "createRegion", "CreateRegionInput", in(map[string]any{"code": "500000", "name": "重庆市", "level": "PROVINCE"}))
	district := mutate("Region", "createRegion", "CreateRegionInput", in(map[string]any{"code": "500111", "name": "大足区", "level": "DISTRICT", "parentID": province}))
	mutate("PopulationStat", "createPopulationStat", "CreatePopulationStatInput", in(map[string]any{"regionID": district, "year": 2024, "residentPopulation": 830000, "under3Population": 19000}))
	inst := mutate("Institution", "createInstitution", "CreateInstitutionInput", in(map[string]any{
		"name": "大足区托育中心", "creditCode": creditCode(t, 1), "form": "CENTER", "legalNature": "PUBLIC_UNIT",
		"ownership": "PUBLIC", "serviceModes": []string{"FULL_DAY", "HOURLY"}, "openedAt": "2024-03-01", "regionID": district,
	}))
	mutate("Filing", "createFiling", "CreateFilingInput", in(map[string]any{"institutionID": inst, "submittedAt": "2024-03-02", "receiptAt": "2024-03-06", "status": "FILED", "documents": []string{"BUSINESS_LICENCE", "FIRE_SAFETY"}}))
	mutate("InclusiveDesignation", "createInclusiveDesignation", "CreateInclusiveDesignationInput", in(map[string]any{"institutionID": inst, "category": "PUBLIC_INSTITUTION", "designatedBy": "大足区卫生健康委员会", "validFrom": "2024-04-01"}))
	seatID := mutate("Seat", "createSeat", "CreateSeatInput", in(map[string]any{"institutionID": inst, "ageBand": "TODDLER", "inclusive": true, "openedAt": "2024-03-01"}))
	child := mutate("Child", "createChild", "CreateChildInput", in(map[string]any{"name": "王小明", "sex": "MALE", "birthDate": "2023-05-20", "residenceRegionID": district, "idNumber": "11010519491231002X"}))
	mutate("Enrolment", "createEnrolment", "CreateEnrolmentInput", in(map[string]any{"childID": child, "institutionID": inst, "seatID": seatID, "serviceMode": "FULL_DAY", "startDate": "2024-09-01"}))
	staff := mutate("Staff", "createStaff", "CreateStaffInput", in(map[string]any{"name": "李老师", "idNumber": "440524188001010014", "role": "CAREGIVER", "institutionID": inst, "hiredAt": "2024-02-01"}))
	mutate("Certification", "createCertification", "CreateCertificationInput", in(map[string]any{"staffID": staff, "type": "CHILDCARE_WORKER", "level": 4, "number": "CW-2024-001", "issuer": "重庆市人力资源和社会保障局", "issuedAt": "2023-06-01"}))
	mutate("HealthRecord", "createHealthRecord", "CreateHealthRecordInput", in(map[string]any{"childID": child, "institutionID": inst, "kind": "DAILY_CHECK", "date": "2024-09-02", "session": "MORNING", "temperatureC": 36.6}))
	inspection := mutate("Inspection", "createInspection", "CreateInspectionInput", in(map[string]any{"institutionID": inst, "inspectedOn": "2024-10-10", "kind": "ROUTINE", "inspector": "大足区卫健委", "outcome": "CORRECTIONS_REQUIRED"}))
	mutate("Finding", "createFinding", "CreateFindingInput", in(map[string]any{"inspectionID": inspection, "rule": "托育机构管理规范 第十九条", "severity": "MINOR", "deadline": "2024-11-10"}))
	mutate("Complaint", "createComplaint", "CreateComplaintInput", in(map[string]any{"institutionID": inst, "channel": "HOTLINE", "category": "收费", "receivedAt": "2024-10-01"}))
	mutate("Incident", "createIncident", "CreateIncidentInput", in(map[string]any{"institutionID": inst, "severity": "MINOR", "kind": "跌落", "occurredAt": "2024-10-02T09:30:00+08:00", "reportedAt": "2024-10-02T11:00:00+08:00"}))
	mutate("Survey", "createSurvey", "CreateSurveyInput", in(map[string]any{"regionID": district, "kind": "SATISFACTION", "date": "2024-12-15", "respondents": 200, "positive": 183}))
	mutate("Target", "createTarget", "CreateTargetInput", in(map[string]any{"indicator": "SEATS_PER_1000", "regionID": district, "baselineYear": 2022, "baselineValue": 2, "targetYear": 2025, "targetValue": 4.5, "comparator": "GE", "source": "大足府办发〔2024〕16号", "kind": "EXPECTED"}))
	mutate("BanListEntry", "createBanListEntry", "CreateBanListEntryInput", in(map[string]any{"idNumber": idNumber(t, "11010519800101001"), "basis": "法院判决 (2024) 渝0111刑初1号", "decidedAt": "2024-05-01"}))
	return ids
}

// rowCounts counts every table, to prove a failed mutation wrote nothing.
func rowCounts(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	ctx := testdb.Ctx()
	c := s.Client
	return fmt.Sprint(
		c.Region.Query().CountX(ctx), c.Institution.Query().CountX(ctx), c.Filing.Query().CountX(ctx),
		c.Seat.Query().CountX(ctx), c.Child.Query().CountX(ctx), c.Enrolment.Query().CountX(ctx),
		c.Staff.Query().CountX(ctx), c.Survey.Query().CountX(ctx), c.Target.Query().CountX(ctx),
		c.PopulationStat.Query().CountX(ctx),
	)
}

func TestInvalidInputIsRejectedAndWritesNothing(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	tr := buildTree(t, s.Client, 2)
	sub := strconv.Itoa(tr.subdistricts[0].ID)
	inst := strconv.Itoa(tr.institutions[0].ID)
	const createPopulation = `mutation($r: ID!) { createPopulationStat(input: {regionID: $r, year: 2024, residentPopulation: 830000, under3Population: 19000}) { id } }`
	if resp := s.Do(t, createPopulation, map[string]any{"r": sub}); len(resp.Errors) != 0 {
		t.Fatalf("population of 2024: %s", resp.Body)
	}
	institution := func(override map[string]any) map[string]any {
		v := map[string]any{
			"name": "新托育园", "creditCode": creditCode(t, 77), "form": "CENTER", "legalNature": "FOR_PROFIT",
			"ownership": "PRIVATE", "serviceModes": []string{"FULL_DAY"}, "openedAt": "2024-01-01", "regionID": sub,
		}
		for k, x := range override {
			v[k] = x
		}
		return map[string]any{"input": v}
	}
	const createInstitution = `mutation($input: CreateInstitutionInput!) { createInstitution(input: $input) { id } }`
	tests := []struct {
		name      string
		query     string
		vars      map[string]any
		wantCode  string
		wantField string
	}{
		{"bad credit code check character", createInstitution, institution(map[string]any{"creditCode": "91350100M000100Y44"}), "BAD_USER_INPUT", "creditCode"},
		{"credit code with forbidden letter", createInstitution, institution(map[string]any{"creditCode": "91350100M000100YO3"}), "BAD_USER_INPUT", "creditCode"},
		{"closed before opened", createInstitution, institution(map[string]any{"closedAt": "2023-12-31"}), "BAD_USER_INPUT", "closedAt"},
		{"closed on the day it opened", createInstitution, institution(map[string]any{"closedAt": "2024-01-01"}), "BAD_USER_INPUT", "closedAt"},
		{"unknown enum", createInstitution, institution(map[string]any{"form": "SPACESHIP"}), "BAD_USER_INPUT", "input.form"},
		{"not a date", createInstitution, institution(map[string]any{"openedAt": "2024-02-30"}), "BAD_USER_INPUT", "input.openedAt"},
		{"no service mode", createInstitution, institution(map[string]any{"serviceModes": []string{}}), "BAD_USER_INPUT", "serviceModes"},
		{"latitude out of range", createInstitution, institution(map[string]any{"latitude": 91.5}), "BAD_USER_INPUT", "latitude"},
		{"duplicate credit code", createInstitution, institution(map[string]any{"creditCode": creditCode(t, 0)}), "CONFLICT", "creditCode"},
		{"second population of a year", createPopulation, map[string]any{"r": sub}, "CONFLICT", "year"},
		{"unknown region", createInstitution, institution(map[string]any{"regionID": "55834574848999"}), "BAD_USER_INPUT", "regionID"},
		{"bad region code", `mutation { createRegion(input: {code: "99010", name: "x", level: CITY}) { id } }`, nil, "BAD_USER_INPUT", "code"},
		{"positive above respondents", `mutation($r: ID!) { createSurvey(input: {regionID: $r, kind: SATISFACTION, date: "2025-01-01", respondents: 10, positive: 11}) { id } }`, map[string]any{"r": sub}, "BAD_USER_INPUT", "positive"},
		{"negative respondents", `mutation($r: ID!) { createSurvey(input: {regionID: $r, kind: SATISFACTION, date: "2025-01-01", respondents: -5, positive: 0}) { id } }`, map[string]any{"r": sub}, "BAD_USER_INPUT", "respondents"},
		{"bad staff ID number", `mutation($i: ID!) { createStaff(input: {name: "张三", idNumber: "110105194912310022", role: CAREGIVER, institutionID: $i, hiredAt: "2024-01-01"}) { id } }`, map[string]any{"i": inst}, "BAD_USER_INPUT", "idNumber"},
		{"update to end before start", `mutation($i: ID!) { updateInstitution(id: $i, input: {closedAt: "2022-01-01"}) { id } }`, map[string]any{"i": inst}, "BAD_USER_INPUT", "closedAt"},
		{"update unknown id", `mutation { updateInstitution(id: "47244640256999", input: {name: "x"}) { id } }`, nil, "NOT_FOUND", ""},
	}
	before := rowCounts(t, s)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(t, tc.query, tc.vars)
			if len(resp.Errors) != 1 || resp.Errors[0].Code() != tc.wantCode || resp.Errors[0].Field() != tc.wantField {
				t.Fatalf("errors = %s; want one %s on %q", resp.Body, tc.wantCode, tc.wantField)
			}
			assertNoLeak(t, resp.Body)
			if after := rowCounts(t, s); after != before {
				t.Fatalf("row counts changed from %s to %s", before, after)
			}
		})
	}
}

// assertNoLeak fails when a response shows SQL, constraint names or input values.
func assertNoLeak(t *testing.T, body string) {
	t.Helper()
	for _, leak := range []string{"SELECT", "INSERT", "UPDATE ", "constraint", "_key", "UNIQUE", "pq:", "sqlite", "SPACESHIP", "91350100M000100Y44", "110105194912310022", "2024-02-30"} {
		if strings.Contains(body, leak) {
			t.Errorf("response leaks %q: %s", leak, body)
		}
	}
}

func TestDomainRules(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	tr := buildTree(t, s.Client, 1)
	inst := strconv.Itoa(tr.institutions[0].ID)
	var child struct{ CreateChild struct{ ID string } }
	s.Do(t, `mutation($r: ID!) { createChild(input: {name: "赵一", sex: FEMALE, birthDate: "2024-01-10", residenceRegionID: $r}) { id } }`,
		map[string]any{"r": strconv.Itoa(tr.subdistricts[0].ID)}).Decode(t, &child)
	enrol := `mutation($c: ID!, $i: ID!, $mode: ServiceMode!, $start: Date!, $end: Date) {
	  createEnrolment(input: {childID: $c, institutionID: $i, serviceMode: $mode, startDate: $start, endDate: $end}) { id } }`
	vars := func(mode, start string, end any) map[string]any {
		return map[string]any{"c": child.CreateChild.ID, "i": inst, "mode": mode, "start": start, "end": end}
	}
	if resp := s.Do(t, enrol, vars("FULL_DAY", "2025-01-01", "2025-07-01")); len(resp.Errors) > 0 {
		t.Fatalf("first enrolment: %s", resp.Body)
	}
	tests := []struct {
		name     string
		vars     map[string]any
		wantCode string
	}{
		{"overlapping half-day", vars("HALF_DAY", "2025-06-01", nil), "CONFLICT"},
		{"overlapping open-ended full-day starting earlier", vars("FULL_DAY", "2024-12-01", nil), "CONFLICT"},
		{"hourly care may overlap", vars("HOURLY", "2025-03-01", "2025-03-02"), ""},
		{"full-day starting the day the first ends", vars("FULL_DAY", "2025-07-01", nil), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.Do(t, enrol, tc.vars)
			if got := strings.Join(resp.Codes(), ","); got != tc.wantCode {
				t.Fatalf("codes = %q; want %q (%s)", got, tc.wantCode, resp.Body)
			}
		})
	}

	t.Run("banned person cannot be hired", func(t *testing.T) {
		const banned = "11010519491231002X"
		s.Do(t, `mutation { createBanListEntry(input: {idNumber: "`+banned+`", basis: "判决", decidedAt: "2023-01-01"}) { id } }`, nil).Decode(t, &struct{}{})
		before := rowCounts(t, s)
		resp := s.Do(t, `mutation($i: ID!, $n: String!) { createStaff(input: {name: "钱二", idNumber: $n, role: CAREGIVER, institutionID: $i, hiredAt: "2025-01-01"}) { id } }`,
			map[string]any{"i": inst, "n": strings.ToLower(banned)})
		if len(resp.Errors) != 1 || resp.Errors[0].Code() != "FORBIDDEN" || resp.Errors[0].Field() != "idNumber" {
			t.Fatalf("errors = %s; want FORBIDDEN on idNumber", resp.Body)
		}
		if after := rowCounts(t, s); after != before {
			t.Fatalf("row counts changed from %s to %s", before, after)
		}
	})

	t.Run("ID numbers are stored hashed and shown masked", func(t *testing.T) {
		const number = "440524188001010014"
		var got struct {
			CreateStaff struct{ ID, IDNumberMasked string }
		}
		s.Do(t, `mutation($i: ID!) { createStaff(input: {name: "孙三", idNumber: "`+number+`", role: TEACHER, institutionID: $i, hiredAt: "2025-01-01"}) { id idNumberMasked } }`,
			map[string]any{"i": inst}).Decode(t, &got)
		if got.CreateStaff.IDNumberMasked != "4405**********0014" {
			t.Errorf("masked = %q", got.CreateStaff.IDNumberMasked)
		}
		var stored string
		rows, err := s.SQL.QueryContext(testdb.Ctx(), "SELECT id_number_hash || '|' || id_number_masked FROM staff")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(stored, number) {
				t.Fatalf("clear ID number stored: %s", stored)
			}
		}
		// Introspection needs a viewer allowed to introspect (PUBLIC gets INTROSPECTION_DISABLED).
		schemaResp := s.DoAs(t, auth.Viewer{Subject: "t", Role: auth.ProvinceRegulator, RegionCode: "210000"}, `{ __type(name: "Staff") { fields { name } } }`, nil)
		if len(schemaResp.Errors) > 0 || !strings.Contains(schemaResp.Body, "idNumberMasked") || strings.Contains(schemaResp.Body, "idNumberHash") {
			t.Errorf("the hash is exposed in the schema, or introspection failed: %s", schemaResp.Body)
		}
	})
}

func TestTransportsAndRequestErrors(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	post := func(contentType, body string) gqltest.Response {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		return s.Send(t, req)
	}
	get := func(query string) gqltest.Response {
		return s.Send(t, httptest.NewRequest(http.MethodGet, "/query?query="+url.QueryEscape(query), nil))
	}
	tests := []struct {
		name       string
		do         func() gqltest.Response
		wantStatus int
		wantCode   string
	}{
		{"GET query", func() gqltest.Response { return get(`{ regions(first: 1) { totalCount } }`) }, http.StatusOK, ""},
		{"GET mutation refused", func() gqltest.Response {
			return get(`mutation { createRegion(input: {code: "110000", name: "北京市", level: PROVINCE}) { id } }`)
		}, http.StatusNotAcceptable, ""},
		{"malformed JSON does not echo the body", func() gqltest.Response {
			return post("application/json", `{"query": "{ regions { totalCount } }", "variables": {"idNumber": "11010519491231002X"`)
		}, http.StatusBadRequest, "BAD_REQUEST"},
		{"JSON array batching refused", func() gqltest.Response {
			return post("application/json", `[{"query": "{ __typename }"}, {"query": "{ __typename }"}]`)
		}, http.StatusBadRequest, "BAD_REQUEST"},
		{"text/plain refused", func() gqltest.Response { return post("text/plain", `{"query": "{ __typename }"}`) }, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"the response media type as a request's refused", func() gqltest.Response {
			return post("application/graphql-response+json", `{"query": "{ __typename }"}`)
		}, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"body over 1 MiB", func() gqltest.Response {
			return post("application/json", `{"query": "{ __typename }", "variables": {"pad": "`+strings.Repeat("x", 1<<20)+`"}}`)
		}, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
		{"GET query string too long", func() gqltest.Response { return get("{ __typename " + strings.Repeat(" ", 20<<10) + "}") }, http.StatusRequestURITooLong, "REQUEST_TOO_LARGE"},
		{"token flood", func() gqltest.Response {
			return post("application/json", `{"query": "{ __typename `+strings.Repeat("@a ", 20000)+`}"}`)
		}, http.StatusUnprocessableEntity, "GRAPHQL_PARSE_FAILED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.do()
			if resp.Status != tc.wantStatus {
				t.Fatalf("status %d; want %d (%s)", resp.Status, tc.wantStatus, resp.Body)
			}
			if tc.wantCode != "" && !slices.Contains(resp.Codes(), tc.wantCode) {
				t.Fatalf("codes %v; want %s", resp.Codes(), tc.wantCode)
			}
			if strings.Contains(resp.Body, "11010519491231002X") {
				t.Fatalf("response echoes the request body: %s", resp.Body)
			}
		})
	}
	// The server keeps serving after every rejection.
	var ok struct{ Regions struct{ TotalCount int } }
	s.Do(t, `{ regions { totalCount } }`, nil).Decode(t, &ok)
}

func TestGraphQLErrorsAreJSON(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	resp := s.Do(t, `{ nope }`, nil)
	if len(resp.Errors) != 1 || resp.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Fatalf("errors = %s", resp.Body)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(resp.Body), &raw); err != nil || raw["errors"] == nil {
		t.Fatalf("body %s", resp.Body)
	}
}
