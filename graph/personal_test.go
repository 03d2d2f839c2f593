package graph_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// personal is the fixture of the personal-data tests: 辽宁省 › 沈阳市 ›
// 和平区 (210102) and 沈河区 (210103), one subdistrict and one institution in
// each district.
//
//	child A  张明  enrolled at institution A (和平区), lives in 和平区
//	child B  李红  enrolled at institution B (沈河区), lives in 沈河区
//	child C  王芳  enrolled at institution B (沈河区), lives in 和平区
//
// Staff A works at A, staff B at B; health records A and B were taken at the
// children's institutions, with every measurement set.
type personal struct {
	province, city, districtA, districtB, subA, subB *ent.Region
	instA, instB                                     *ent.Institution
	childA, childB, childC                           *ent.Child
	enrolA, enrolB, enrolC                           *ent.Enrolment
	staffA, staffB                                   *ent.Staff
	healthA, healthB                                 *ent.HealthRecord
}

func newPersonal(t testing.TB, c *ent.Client) *personal {
	t.Helper()
	ctx := testdb.Ctx()
	f := &personal{}
	f.province = newRegion(t, c, "210000", "辽宁省", region.LevelPROVINCE, nil)
	f.city = newRegion(t, c, "210100", "沈阳市", region.LevelCITY, f.province)
	f.districtA = newRegion(t, c, "210102", "和平区", region.LevelDISTRICT, f.city)
	f.districtB = newRegion(t, c, "210103", "沈河区", region.LevelDISTRICT, f.city)
	f.subA = newRegion(t, c, "210102001000", "和平区街道", region.LevelSUBDISTRICT, f.districtA)
	f.subB = newRegion(t, c, "210103001000", "沈河区街道", region.LevelSUBDISTRICT, f.districtB)
	inst := func(n int, name string, r *ent.Region) *ent.Institution {
		return c.Institution.Create().
			SetName(name).
			SetCreditCode(creditCode(t, 900+n)).
			SetForm(institution.FormCENTER).
			SetLegalNature(institution.LegalNatureNONPROFIT).
			SetOwnership(institution.OwnershipPRIVATE).
			SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).
			SetOpenedAt(civil.D(2023, 1, 1)).
			SetRegion(r).
			SaveX(ctx)
	}
	f.instA = inst(1, "和平托育中心", f.subA)
	f.instB = inst(2, "沈河托育中心", f.subB)
	kid := func(name string, sex child.Sex, birth [3]int, guardian, phone string, home *ent.Region) *ent.Child {
		return c.Child.Create().
			SetName(name).
			SetSex(sex).
			SetBirthDate(civil.D(birth[0], time.Month(birth[1]), birth[2])).
			SetIDNumberMasked("2101**********0012").
			SetGuardianName(guardian).
			SetGuardianPhone(phone).
			SetResidenceRegion(home).
			SaveX(ctx)
	}
	f.childA = kid("张明", child.SexMALE, [3]int{2023, 5, 20}, "张伟", "13812345678", f.subA)
	f.childB = kid("李红", child.SexFEMALE, [3]int{2023, 8, 15}, "李强", "13987654321", f.subB)
	f.childC = kid("王芳", child.SexFEMALE, [3]int{2024, 1, 9}, "王军", "024-23456789", f.subA)
	enrol := func(k *ent.Child, in *ent.Institution) *ent.Enrolment {
		return c.Enrolment.Create().SetChild(k).SetInstitution(in).
			SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(civil.D(2024, 9, 1)).SaveX(ctx)
	}
	f.enrolA = enrol(f.childA, f.instA)
	f.enrolB = enrol(f.childB, f.instB)
	f.enrolC = enrol(f.childC, f.instB)
	worker := func(name, masked string, in *ent.Institution) *ent.Staff {
		return c.Staff.Create().SetName(name).SetIDNumberHash("hash-" + masked).SetIDNumberMasked(masked).
			SetRole(staff.RoleCAREGIVER).SetInstitution(in).SetHiredAt(civil.D(2024, 1, 1)).SaveX(ctx)
	}
	f.staffA = worker("赵老师", "2101**********0021", f.instA)
	f.staffB = worker("钱老师", "2101**********0032", f.instB)
	health := func(k *ent.Child, in *ent.Institution, h, w, head, temp float64, notes string) *ent.HealthRecord {
		return c.HealthRecord.Create().SetChild(k).SetInstitution(in).SetKind(healthrecord.KindCHECKUP).
			SetDate(civil.D(2024, 10, 8)).SetHeightCm(h).SetWeightKg(w).SetHeadCm(head).SetTemperatureC(temp).
			SetResult(healthrecord.ResultABNORMAL).SetNotes(notes).SaveX(ctx)
	}
	f.healthA = health(f.childA, f.instA, 85.5, 11.2, 47.1, 36.6, "轻度贫血，建议复查")
	f.healthB = health(f.childB, f.instB, 79.3, 10.1, 45.2, 37.9, "发热，已通知家长")
	return f
}

// The viewers of the tests.
func (f *personal) staffOfA() auth.Viewer {
	return auth.Viewer{Subject: "staff-a", Role: auth.InstitutionStaff, InstitutionID: f.instA.ID}
}

var (
	districtViewer = auth.Viewer{Subject: "district-210102", Role: auth.DistrictRegulator, RegionCode: "210102"}
	cityViewer     = auth.Viewer{Subject: "city-210100", Role: auth.CityRegulator, RegionCode: "210100"}
	provinceViewer = auth.Viewer{Subject: "province-210000", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	biViewer       = auth.Viewer{Subject: "apikey:bi", Role: auth.BIService, RegionCode: "210000", KeyID: "bi"}
	publicViewer   = auth.Viewer{Role: auth.Public}
)

func nodeID(id int) string { return strconv.Itoa(id) }

// childView is what the API returns for a child.
type childView struct {
	ID             string
	Name           string
	Sex            string
	BirthDate      string
	IDNumberMasked string
	GuardianName   string
	GuardianPhone  string
	HealthRecords  struct {
		Edges []struct{ Node healthView }
	}
}

type healthView struct {
	ID           string
	Result       string
	HeightCm     *float64
	WeightKg     *float64
	HeadCm       *float64
	TemperatureC *float64
	Notes        *string
}

type staffView struct{ ID, Name, IDNumberMasked string }

const peopleQuery = `query People {
  children(first: 20) { totalCount edges { node {
    id name sex birthDate idNumberMasked guardianName guardianPhone
    healthRecords(first: 20) { edges { node { id result heightCm weightKg headCm temperatureC notes } } }
  } } }
  staff(first: 20) { edges { node { id name idNumberMasked } } }
}`

type peopleData struct {
	Children struct {
		TotalCount int
		Edges      []struct{ Node childView }
	}
	Staff struct {
		Edges []struct{ Node staffView }
	}
}

// want is the expected view of a fixture child, in clear or masked.
func wantChild(c *ent.Child, clear bool) childView {
	v := childView{ID: nodeID(c.ID), Name: c.Name, Sex: string(c.Sex), BirthDate: c.BirthDate.Format("2006-01-02"),
		IDNumberMasked: c.IDNumberMasked, GuardianName: c.GuardianName, GuardianPhone: c.GuardianPhone}
	v.HealthRecords.Edges = []struct{ Node healthView }{}
	if !clear {
		v.Name = map[string]string{"张明": "张*", "李红": "李*", "王芳": "王*"}[c.Name]
		v.BirthDate = c.BirthDate.Format("2006-01") + "-01"
		v.GuardianName = map[string]string{"张伟": "张*", "李强": "李*", "王军": "王*"}[c.GuardianName]
		v.GuardianPhone = map[string]string{"13812345678": "138****5678", "13987654321": "139****4321", "024-23456789": "**********89"}[c.GuardianPhone]
	}
	return v
}

func wantHealth(h *ent.HealthRecord, clear bool) healthView {
	v := healthView{ID: nodeID(h.ID), Result: string(h.Result)}
	if clear {
		v.HeightCm, v.WeightKg, v.HeadCm, v.TemperatureC, v.Notes = h.HeightCm, h.WeightKg, h.HeadCm, h.TemperatureC, &h.Notes
	}
	return v
}

func wantStaff(s *ent.Staff, clear bool) staffView {
	v := staffView{ID: nodeID(s.ID), Name: s.Name, IDNumberMasked: s.IDNumberMasked}
	if !clear {
		v.Name = map[string]string{"赵老师": "赵**", "钱老师": "钱**"}[s.Name]
	}
	return v
}

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMaskingByRole: staff and the district regulator see their rows in
// clear; the city and province regulators see every row masked (names "X*",
// birth dates on the first of the month, guardian contacts masked,
// measurements and notes null); BI_SERVICE and PUBLIC see no row at all.
func TestMaskingByRole(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	type want struct {
		children []childView
		staff    []staffView
	}
	withHealth := func(c childView, hs ...healthView) childView {
		for _, h := range hs {
			c.HealthRecords.Edges = append(c.HealthRecords.Edges, struct{ Node healthView }{h})
		}
		return c
	}
	tests := []struct {
		name   string
		viewer auth.Viewer
		want   want
	}{
		{"INSTITUTION_STAFF of A: A's child and staff in clear", f.staffOfA(), want{
			children: []childView{withHealth(wantChild(f.childA, true), wantHealth(f.healthA, true))},
			staff:    []staffView{wantStaff(f.staffA, true)},
		}},
		{"DISTRICT_REGULATOR 210102: enrolled and resident children in clear", districtViewer, want{
			children: []childView{withHealth(wantChild(f.childA, true), wantHealth(f.healthA, true)), wantChild(f.childC, true)},
			staff:    []staffView{wantStaff(f.staffA, true)},
		}},
		{"CITY_REGULATOR 210100: masked", cityViewer, want{
			children: []childView{
				withHealth(wantChild(f.childA, false), wantHealth(f.healthA, false)),
				withHealth(wantChild(f.childB, false), wantHealth(f.healthB, false)),
				wantChild(f.childC, false),
			},
			staff: []staffView{wantStaff(f.staffA, false), wantStaff(f.staffB, false)},
		}},
		{"PROVINCE_REGULATOR 210000: masked", provinceViewer, want{
			children: []childView{
				withHealth(wantChild(f.childA, false), wantHealth(f.healthA, false)),
				withHealth(wantChild(f.childB, false), wantHealth(f.healthB, false)),
				wantChild(f.childC, false),
			},
			staff: []staffView{wantStaff(f.staffA, false), wantStaff(f.staffB, false)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got peopleData
			s.DoAs(t, tc.viewer, peopleQuery, nil).Decode(t, &got)
			var children []childView
			for _, e := range got.Children.Edges {
				children = append(children, e.Node)
			}
			var staff []staffView
			for _, e := range got.Staff.Edges {
				staff = append(staff, e.Node)
			}
			if g, w := jsonOf(t, children), jsonOf(t, tc.want.children); g != w {
				t.Errorf("children\n got %s\nwant %s", g, w)
			}
			if got.Children.TotalCount != len(tc.want.children) {
				t.Errorf("totalCount = %d; want %d", got.Children.TotalCount, len(tc.want.children))
			}
			if g, w := jsonOf(t, staff), jsonOf(t, tc.want.staff); g != w {
				t.Errorf("staff\n got %s\nwant %s", g, w)
			}
		})
	}

	// BI_SERVICE is aggregate-only and PUBLIC anonymous: the row policy
	// refuses every personal type, so each root field fails with FORBIDDEN
	// and no personal value is sent, masked or not.
	for _, v := range []auth.Viewer{biViewer, publicViewer} {
		t.Run(string(v.Role)+" reads nothing", func(t *testing.T) {
			resp := s.DoAs(t, v, peopleQuery, nil)
			if got := strings.Join(resp.Codes(), ","); got != "FORBIDDEN,FORBIDDEN" {
				t.Fatalf("codes = %q; want FORBIDDEN for children and staff (%s)", got, resp.Body)
			}
			if string(resp.Data) != "null" {
				t.Errorf("data = %s; want null", resp.Data)
			}
			assertNoPersonalValue(t, f, resp.Body, true)
		})
	}
}

// assertNoPersonalValue fails when body holds a clear personal value of the
// fixture (names, birth dates, guardian contacts, measurements, notes), or,
// with masked too, a masked one.
func assertNoPersonalValue(t testing.TB, f *personal, body string, masked bool) {
	t.Helper()
	values := []string{}
	for _, c := range []*ent.Child{f.childA, f.childB, f.childC} {
		values = append(values, c.Name, c.GuardianName, c.GuardianPhone, c.BirthDate.Format("2006-01-02"))
		if masked {
			v := wantChild(c, false)
			values = append(values, v.Name, v.GuardianPhone, v.BirthDate)
		}
	}
	for _, s := range []*ent.Staff{f.staffA, f.staffB} {
		values = append(values, s.Name)
	}
	for _, h := range []*ent.HealthRecord{f.healthA, f.healthB} {
		values = append(values, h.Notes, strconv.FormatFloat(*h.HeightCm, 'f', -1, 64), strconv.FormatFloat(*h.TemperatureC, 'f', -1, 64))
	}
	for _, v := range values {
		if strings.Contains(body, v) {
			t.Errorf("response holds %q: %s", v, body)
		}
	}
}

// TestMaskingOnEveryPath: masking holds however a field is reached: nested
// edges (institution → enrolments → child, health record → child), node and
// nodes, and a mutation's result.
func TestMaskingOnEveryPath(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	queries := map[string]struct {
		query string
		vars  map[string]any
	}{
		"institution → enrolments → child": {`{ institutions(first: 10, where: {nameHasPrefix: "和平"}) { edges { node {
			enrolments(first: 10) { edges { node { child { name birthDate guardianName guardianPhone } } } } } } } }`, nil},
		"healthRecords → child": {`query($i: ID!) { healthRecords(first: 10, where: {institutionID: $i}) { edges { node {
			heightCm weightKg headCm temperatureC notes child { name birthDate } } } } }`, map[string]any{"i": nodeID(f.instA.ID)}},
		"node": {`query($id: ID!) { node(id: $id) { ... on Child { name birthDate guardianName guardianPhone } } }`, map[string]any{"id": nodeID(f.childA.ID)}},
		"nodes": {`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Child { name birthDate guardianName guardianPhone }
			... on HealthRecord { heightCm weightKg headCm temperatureC notes } ... on Staff { name } } }`,
			map[string]any{"ids": []string{nodeID(f.childA.ID), nodeID(f.healthA.ID), nodeID(f.staffA.ID)}}},
		"child → healthRecords": {`query($id: ID!) { node(id: $id) { ... on Child { healthRecords(first: 5) { edges { node { heightCm notes } } } } } }`, map[string]any{"id": nodeID(f.childA.ID)}},
	}

	clearValues := []string{`"张明"`, `"2023-05-20"`, `"张伟"`, `"13812345678"`, `85.5`, `11.2`, `47.1`, `36.6`, `轻度贫血`, `"赵老师"`}
	// Masked forms expected when the query selects the field.
	maskedValues := map[string]string{"name": `"张*"`, "birthDate": `"2023-05-01"`, "guardianPhone": `"138****5678"`}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			// The district regulator sees A's data in clear…
			resp := s.DoAs(t, districtViewer, q.query, q.vars)
			if len(resp.Errors) > 0 || !strings.Contains(resp.Body, `"张明"`) && !strings.Contains(resp.Body, "85.5") {
				t.Fatalf("district regulator: %s", resp.Body)
			}
			// …the city regulator masked: no clear value, and the masked forms.
			resp = s.DoAs(t, cityViewer, q.query, q.vars)
			if len(resp.Errors) > 0 {
				t.Fatalf("city regulator: %s", resp.Body)
			}
			for _, v := range clearValues {
				if strings.Contains(resp.Body, v) {
					t.Errorf("city regulator sees %s: %s", v, resp.Body)
				}
			}
			for field, v := range maskedValues {
				if strings.Contains(q.query, " "+field+" ") && !strings.Contains(resp.Body, v) {
					t.Errorf("city regulator: no %s in %s", v, resp.Body)
				}
			}
			if strings.Contains(q.query, "heightCm") && !strings.Contains(resp.Body, `"heightCm":null`) {
				t.Errorf("city regulator: heightCm not null: %s", resp.Body)
			}
		})
	}

	t.Run("mutation result", func(t *testing.T) {
		const create = `mutation($home: ID!) { createChild(input: {name: "孙丽", sex: FEMALE, birthDate: "2024-03-17", guardianPhone: "13700001111", residenceRegionID: $home}) { name birthDate guardianPhone } }`
		var got struct {
			CreateChild struct{ Name, BirthDate, GuardianPhone string }
		}
		s.DoAs(t, f.staffOfA(), create, map[string]any{"home": nodeID(f.subA.ID)}).Decode(t, &got)
		if got.CreateChild.Name != "孙丽" || got.CreateChild.BirthDate != "2024-03-17" || got.CreateChild.GuardianPhone != "13700001111" {
			t.Errorf("staff's own new child: %+v; want clear", got.CreateChild)
		}
	})
}

// TestRowScope: a district regulator of 和平区 (210102) never sees child B,
// enrolled and living in 沈河区, through any entry point, and counts exclude
// it. Each case also checks that the district's own rows do come back, so an
// entry point that merely failed would not pass.
func TestRowScope(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	a, b, c := nodeID(f.childA.ID), nodeID(f.childB.ID), nodeID(f.childC.ID)
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		// want are IDs that must appear; wantCounts totalCount values in order.
		want       []string
		wantCounts []int
		// wantCodes are the expected error codes (none by default).
		wantCodes string
	}{
		{name: "children connection and totalCount",
			query: `{ children(first: 50) { totalCount edges { node { id name } } } }`,
			want:  []string{a, c}, wantCounts: []int{2}},
		{name: "totalCount alone",
			query:      `{ children { totalCount } }`,
			wantCounts: []int{2}},
		{name: "node(id:)",
			query: `query($b: ID!, $a: ID!) { b: node(id: $b) { id ... on Child { name } } a: node(id: $a) { id } }`,
			vars:  map[string]any{"a": a, "b": b}, want: []string{a}, wantCodes: "NOT_FOUND"},
		{name: "nodes(ids:)",
			query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Child { name } } }`,
			vars:  map[string]any{"ids": []string{a, b, c}}, want: []string{a, c}, wantCodes: "NOT_FOUND"},
		{name: "node of B's enrolment and health record",
			query: `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Enrolment { child { id name } } ... on HealthRecord { child { id name } } } }`,
			vars:  map[string]any{"ids": []string{nodeID(f.enrolA.ID), nodeID(f.enrolB.ID), nodeID(f.healthB.ID)}}, want: []string{a}, wantCodes: "NOT_FOUND"},
		{name: "edge institutions → enrolments → child",
			query: `{ institutions(first: 10) { totalCount edges { node { enrolments(first: 10) { totalCount edges { node { child { id name } } } } } } } }`,
			want:  []string{a}, wantCounts: []int{1, 1}},
		{name: "edge healthRecords → child",
			query: `{ healthRecords(first: 10) { totalCount edges { node { child { id name } } } } }`,
			want:  []string{a}, wantCounts: []int{1}},
		{name: "edge enrolments → child",
			query: `{ enrolments(first: 10) { totalCount edges { node { child { id name } } } } }`,
			want:  []string{a}, wantCounts: []int{1}},
		{name: "where id",
			query: `query($b: ID!) { children(where: {id: $b}) { totalCount edges { node { id name } } } }`,
			vars:  map[string]any{"b": b}, wantCounts: []int{0}},
		{name: "where idIn",
			query: `query($ids: [ID!]!) { children(where: {idIn: $ids}) { totalCount edges { node { id name } } } }`,
			vars:  map[string]any{"ids": []string{a, b}}, want: []string{a}, wantCounts: []int{1}},
		{name: "where residence in the other district",
			query:      `{ children(where: {hasResidenceRegionWith: [{code: "210103001000"}]}) { totalCount edges { node { id name } } } }`,
			wantCounts: []int{0}},
		{name: "where enrolment of child B",
			query: `query($b: ID!) { enrolments(where: {or: [{childID: $b}, {hasChildWith: [{id: $b}]}]}) { totalCount edges { node { id } } } }`,
			vars:  map[string]any{"b": b}, wantCounts: []int{0}},
		{name: "where health record of child B",
			query: `query($b: ID!) { healthRecords(where: {childID: $b}) { totalCount edges { node { id } } } }`,
			vars:  map[string]any{"b": b}, wantCounts: []int{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := s.DoAs(t, districtViewer, tc.query, tc.vars)
			if got := strings.Join(slices.Compact(resp.Codes()), ","); got != tc.wantCodes {
				t.Fatalf("codes = %q; want %q (%s)", got, tc.wantCodes, resp.Body)
			}
			data := string(resp.Data)
			for _, leak := range []string{`"` + b + `"`, f.childB.Name, "李*", `"` + nodeID(f.enrolB.ID) + `"`, `"` + nodeID(f.healthB.ID) + `"`} {
				if strings.Contains(data, leak) {
					t.Errorf("child B leaks (%s): %s", leak, data)
				}
			}
			for _, id := range tc.want {
				if !strings.Contains(data, `"`+id+`"`) {
					t.Errorf("own child %s missing: %s", id, data)
				}
			}
			var counts []int
			for _, part := range strings.Split(data, `"totalCount":`)[1:] {
				n, err := strconv.Atoi(part[:strings.IndexAny(part, ",}")])
				if err != nil {
					t.Fatal(err)
				}
				counts = append(counts, n)
			}
			if !slices.Equal(counts, tc.wantCounts) {
				t.Errorf("totalCounts = %v; want %v (%s)", counts, tc.wantCounts, data)
			}
		})
	}
}
