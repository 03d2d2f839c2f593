package graph_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The places of the write-scope fixture: two districts of 沈阳市, the city
// and the province themselves, and another province.
const (
	districtA     = "district 210102"
	districtB     = "district 210103"
	cityLevel     = "city 210100"
	provinceLevel = "province 210000"
	otherProvince = "province 220000"
)

var places = []string{districtA, districtB, cityLevel, provinceLevel, otherProvince}

// scopeRows holds one row of every writable type at each place.
type scopeRows struct {
	region, institution, popStat, survey, target, filing, designation, seat,
	inspection, finding, complaint, incident, child, enrolment, staff, cert, record map[string]int
	subA1, subB1 int // subdistricts of districts A and B
}

// buildScopeRows creates the fixture as the system.
func buildScopeRows(t *testing.T, s *gqltest.Server) (*tree, *scopeRows) {
	t.Helper()
	ctx := testdb.Ctx()
	c := s.Client
	tr := buildTree(t, c, 4) // institution 0 in 210102, institution 2 in 210103
	other := newRegion(t, c, "220000", "吉林省", region.LevelPROVINCE, nil)
	rows := &scopeRows{subA1: tr.subdistricts[0].ID, subB1: tr.subdistricts[2].ID}
	for _, m := range []*map[string]int{&rows.region, &rows.institution, &rows.popStat, &rows.survey, &rows.target, &rows.filing,
		&rows.designation, &rows.seat, &rows.inspection, &rows.finding, &rows.complaint, &rows.incident, &rows.child,
		&rows.enrolment, &rows.staff, &rows.cert, &rows.record} {
		*m = map[string]int{}
	}
	regions := map[string]*ent.Region{districtA: tr.districts[0], districtB: tr.districts[1], cityLevel: tr.city, provinceLevel: tr.province, otherProvince: other}
	institutions := map[string]*ent.Institution{districtA: tr.institutions[0], districtB: tr.institutions[2]}
	for i, p := range []string{cityLevel, provinceLevel, otherProvince} {
		institutions[p] = c.Institution.Create().SetName("直属托育中心" + strconv.Itoa(i)).SetCreditCode(creditCode(t, 900+i)).
			SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNaturePUBLIC_UNIT).SetOwnership(institution.OwnershipPUBLIC).
			SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2023, 1, 1)).
			SetRegion(regions[p]).SaveX(ctx)
	}
	for i, p := range places {
		r, inst := regions[p], institutions[p]
		rows.region[p] = r.ID
		rows.institution[p] = inst.ID
		rows.popStat[p] = c.PopulationStat.Create().SetRegion(r).SetYear(2024).SetResidentPopulation(100000).SetUnder3Population(3000).SaveX(ctx).ID
		rows.survey[p] = c.Survey.Create().SetRegion(r).SetKind(survey.KindSATISFACTION).SetDate(civil.D(2025, 6, 1)).SetRespondents(100).SetPositive(80).SaveX(ctx).ID
		rows.target[p] = c.Target.Create().SetRegion(r).SetIndicator(schematype.IndicatorKey("SEATS_PER_1000")).SetTargetYear(2025).SetTargetValue(4.5).SetSource("规划").SaveX(ctx).ID
		rows.filing[p] = c.Filing.Create().SetInstitution(inst).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(filing.StatusSUBMITTED).SaveX(ctx).ID
		rows.designation[p] = c.InclusiveDesignation.Create().SetInstitution(inst).SetValidFrom(civil.D(2024, 1, 1)).
			SetCategory(inclusivedesignation.CategoryPUBLIC_INSTITUTION).SetDesignatedBy("卫健委").SaveX(ctx).ID
		rows.seat[p] = c.Seat.Create().SetInstitution(inst).SetAgeBand(seat.AgeBandTODDLER).SetOpenedAt(civil.D(2023, 1, 1)).SaveX(ctx).ID
		insp := c.Inspection.Create().SetInstitution(inst).SetInspectedOn(civil.D(2025, 3, 1)).SetKind(inspection.KindROUTINE).
			SetInspector("王").SetOutcome(inspection.OutcomePASSED).SaveX(ctx)
		rows.inspection[p] = insp.ID
		rows.finding[p] = c.Finding.Create().SetInspection(insp).SetRule("消防").SetSeverity(finding.SeverityMINOR).SaveX(ctx).ID
		rows.complaint[p] = c.Complaint.Create().SetInstitution(inst).SetReceivedAt(civil.D(2025, 3, 1)).SetChannel(complaint.ChannelHOTLINE).SetCategory("卫生").SaveX(ctx).ID
		at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		rows.incident[p] = c.Incident.Create().SetInstitution(inst).SetSeverity(incident.SeverityMINOR).SetKind("跌落").SetOccurredAt(at).SetReportedAt(at).SaveX(ctx).ID
		kid := c.Child.Create().SetName("孩子" + strconv.Itoa(i)).SetSex(child.SexFEMALE).SetBirthDate(civil.D(2024, 1, 1)).SaveX(ctx)
		rows.child[p] = kid.ID
		rows.enrolment[p] = c.Enrolment.Create().SetChild(kid).SetInstitution(inst).SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(civil.D(2025, 1, 1)).SaveX(ctx).ID
		st := c.Staff.Create().SetInstitution(inst).SetName("老师" + strconv.Itoa(i)).SetIDNumberHash(fmt.Sprintf("hash%d", i)).
			SetIDNumberMasked("4405**********0014").SetRole(staff.RoleCAREGIVER).SetHiredAt(civil.D(2024, 1, 1)).SaveX(ctx)
		rows.staff[p] = st.ID
		rows.cert[p] = c.Certification.Create().SetStaff(st).SetType(certification.TypeCHILDCARE_WORKER).SetNumber("C1").SetIssuer("人社局").SetIssuedAt(civil.D(2023, 1, 1)).SaveX(ctx).ID
		rows.record[p] = c.HealthRecord.Create().SetChild(kid).SetInstitution(inst).SetKind(healthrecord.KindCHECKUP).SetDate(civil.D(2025, 2, 1)).SaveX(ctx).ID
	}
	return tr, rows
}

// fingerprint renders every row of every writable type, so a denied write
// can be shown to have changed nothing (fields, foreign keys, updated_at).
func fingerprint(t *testing.T, s *gqltest.Server) string {
	t.Helper()
	ctx := testdb.Ctx()
	c := s.Client
	return fmt.Sprint(c.Region.Query().Order(ent.Asc(region.FieldID)).AllX(ctx), c.PopulationStat.Query().AllX(ctx), c.Survey.Query().AllX(ctx),
		c.Target.Query().AllX(ctx), c.Institution.Query().AllX(ctx), c.Filing.Query().AllX(ctx), c.InclusiveDesignation.Query().AllX(ctx),
		c.Seat.Query().AllX(ctx), c.Inspection.Query().AllX(ctx), c.Finding.Query().AllX(ctx), c.Complaint.Query().AllX(ctx),
		c.Incident.Query().AllX(ctx), c.Child.Query().AllX(ctx), c.Enrolment.Query().AllX(ctx), c.Staff.Query().AllX(ctx),
		c.Certification.Query().AllX(ctx), c.HealthRecord.Query().AllX(ctx), c.BanListEntry.Query().AllX(ctx))
}

// writeCase is one mutation of the generated table.
type writeCase struct {
	name      string
	viewer    auth.Viewer
	op, input string // mutation field and its input type
	id        int    // 0 for creates
	in        map[string]any
	want      string // "" or an error code
	wantField string // extensions.field of a FORBIDDEN answer, when it must name one
}

func (c writeCase) run(t *testing.T, s *gqltest.Server) {
	t.Helper()
	vars := map[string]any{"in": c.in}
	query := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { id } }`, c.input, c.op)
	if c.id != 0 {
		vars["id"] = strconv.Itoa(c.id)
		query = fmt.Sprintf(`mutation($id: ID!, $in: %s!) { %s(id: $id, input: $in) { id } }`, c.input, c.op)
	}
	before := ""
	if c.want != "" {
		before = fingerprint(t, s)
	}
	resp := s.DoAs(t, c.viewer, query, vars)
	if got := strings.Join(resp.Codes(), ","); got != c.want {
		t.Fatalf("codes %q; want %q (%s)", got, c.want, resp.Body)
	}
	if c.want == "" {
		return
	}
	if c.wantField != "" && resp.Errors[0].Field() != c.wantField {
		t.Errorf("extensions.field %q; want %q (%s)", resp.Errors[0].Field(), c.wantField, resp.Body)
	}
	if after := fingerprint(t, s); after != before {
		t.Fatalf("a refused write changed the data")
	}
	assertNoLeak(t, resp.Body)
}

// TestWriteScopeEveryTypeRoleAndPlace: for every writable type, every role
// and a row in and out of the viewer's scope, updates of the stored row and
// creates at the place are allowed exactly when the role writes the type and
// the place lies in its scope; everything else is FORBIDDEN and writes
// nothing. (Issue 7 item 1: reading regions, statistics, surveys and targets
// is open to all, so "visible" is not "writable".)
func TestWriteScopeEveryTypeRoleAndPlace(t *testing.T) {
	s := gqltest.New(t)
	tr, rows := buildScopeRows(t, s)
	instA := tr.institutions[0].ID
	roles := []struct {
		viewer auth.Viewer
		scope  []string // places in the viewer's write scope
	}{
		{auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}, []string{districtA, districtB, cityLevel, provinceLevel}},
		{auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}, []string{districtA, districtB, cityLevel}},
		{auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}, []string{districtA}},
		{auth.Viewer{Subject: "s", Role: auth.InstitutionStaff, InstitutionID: instA}, []string{districtA}},
		{auth.Viewer{Subject: "b", Role: auth.BIService, RegionCode: "210000"}, nil},
		{auth.Viewer{Role: auth.Public}, nil},
	}
	id := strconv.Itoa
	n := 0 // makes unique values (codes, credit codes, years) unique per case
	type writable struct {
		typ     string
		writers []auth.Role
		update  func(p string) (int, map[string]any)
		create  func(p string) map[string]any // nil: no create mutation
		field   string                        // the input field a create out of scope is refused on
	}
	regulators := []auth.Role{auth.ProvinceRegulator, auth.CityRegulator, auth.DistrictRegulator}
	staffOnly := []auth.Role{auth.InstitutionStaff}
	regionCode := func(p string) string {
		switch p {
		case districtA:
			return fmt.Sprintf("210102%03d000", 100+n)
		case districtB:
			return fmt.Sprintf("210103%03d000", 100+n)
		case cityLevel:
			return fmt.Sprintf("2101%02d", 20+n%70)
		case provinceLevel:
			return fmt.Sprintf("21%02d00", 20+n%70)
		}
		return fmt.Sprintf("22%02d00", 20+n%70)
	}
	types := []writable{
		{"Region", regulators, func(p string) (int, map[string]any) { return rows.region[p], map[string]any{"name": "改名"} },
			func(p string) map[string]any {
				return map[string]any{"code": regionCode(p), "name": "新区", "level": "SUBDISTRICT", "parentID": id(rows.region[p])}
			}, "parentID"},
		{"PopulationStat", regulators, func(p string) (int, map[string]any) { return rows.popStat[p], map[string]any{"source": "统计年鉴"} },
			func(p string) map[string]any {
				return map[string]any{"regionID": id(rows.region[p]), "year": 1950 + n%250, "residentPopulation": 1000, "under3Population": 30}
			}, "regionID"},
		{"Survey", regulators, func(p string) (int, map[string]any) { return rows.survey[p], map[string]any{"respondents": 120} },
			func(p string) map[string]any {
				return map[string]any{"regionID": id(rows.region[p]), "kind": "SATISFACTION", "date": "2025-07-01", "respondents": 10, "positive": 5}
			}, "regionID"},
		{"Target", regulators, func(p string) (int, map[string]any) { return rows.target[p], map[string]any{"source": "新规划"} },
			func(p string) map[string]any {
				return map[string]any{"regionID": id(rows.region[p]), "indicator": "SEATS_PER_1000", "targetYear": 1950 + n%250, "targetValue": 5, "source": "规划"}
			}, "regionID"},
		{"Institution", regulators, func(p string) (int, map[string]any) { return rows.institution[p], map[string]any{"name": "改名"} },
			func(p string) map[string]any {
				return map[string]any{"name": "新园", "creditCode": creditCode(t, 2000+n), "form": "CENTER", "legalNature": "FOR_PROFIT",
					"ownership": "PRIVATE", "serviceModes": []string{"FULL_DAY"}, "openedAt": "2025-01-01", "regionID": id(rows.region[p])}
			}, "regionID"},
		{"Filing", regulators, func(p string) (int, map[string]any) { return rows.filing[p], map[string]any{"status": "SUBMITTED"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "submittedAt": "2025-01-02", "status": "SUBMITTED"}
			}, "institutionID"},
		{"InclusiveDesignation", regulators, func(p string) (int, map[string]any) {
			return rows.designation[p], map[string]any{"designatedBy": "市卫健委"}
		}, func(p string) map[string]any {
			return map[string]any{"institutionID": id(rows.institution[p]), "validFrom": "2025-01-01", "category": "PUBLIC_INSTITUTION", "designatedBy": "卫健委"}
		}, "institutionID"},
		{"Seat", regulators, func(p string) (int, map[string]any) { return rows.seat[p], map[string]any{"ageBand": "INFANT"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "openedAt": "2025-01-01", "ageBand": "TODDLER"}
			}, "institutionID"},
		{"Inspection", regulators, func(p string) (int, map[string]any) { return rows.inspection[p], map[string]any{"inspector": "李"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "inspectedOn": "2025-04-01", "kind": "ROUTINE", "inspector": "王", "outcome": "PASSED"}
			}, "institutionID"},
		{"Finding", regulators, func(p string) (int, map[string]any) { return rows.finding[p], map[string]any{"rule": "卫生"} },
			func(p string) map[string]any {
				return map[string]any{"inspectionID": id(rows.inspection[p]), "rule": "消防", "severity": "MINOR"}
			}, "inspectionID"},
		{"Complaint", regulators, func(p string) (int, map[string]any) { return rows.complaint[p], map[string]any{"category": "安全"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "receivedAt": "2025-04-01", "channel": "HOTLINE", "category": "卫生"}
			}, "institutionID"},
		{"Incident", regulators, func(p string) (int, map[string]any) { return rows.incident[p], map[string]any{"kind": "烫伤"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "severity": "MINOR", "kind": "跌落",
					"occurredAt": "2025-04-01T09:00:00Z", "reportedAt": "2025-04-01T10:00:00Z"}
			}, "institutionID"},
		{"Child", staffOnly, func(p string) (int, map[string]any) { return rows.child[p], map[string]any{"name": "改名"} }, nil, ""},
		{"Enrolment", staffOnly, func(p string) (int, map[string]any) {
			return rows.enrolment[p], map[string]any{"clearExitReason": true}
		},
			func(p string) map[string]any {
				return map[string]any{"childID": id(rows.child[p]), "institutionID": id(rows.institution[p]), "serviceMode": "HOURLY", "startDate": "2025-05-01"}
			}, ""},
		{"Staff", staffOnly, func(p string) (int, map[string]any) { return rows.staff[p], map[string]any{"role": "TEACHER"} },
			func(p string) map[string]any {
				return map[string]any{"institutionID": id(rows.institution[p]), "name": "新老师", "idNumber": idNumber(t, "44052419800101001"), "role": "CAREGIVER", "hiredAt": "2025-01-01"}
			}, "institutionID"},
		{"Certification", staffOnly, func(p string) (int, map[string]any) { return rows.cert[p], map[string]any{"issuer": "人社厅"} },
			func(p string) map[string]any {
				return map[string]any{"staffID": id(rows.staff[p]), "type": "INFANT_CARER", "number": "N1", "issuer": "人社局", "issuedAt": "2024-01-01"}
			}, "staffID"},
		{"HealthRecord", staffOnly, func(p string) (int, map[string]any) { return rows.record[p], map[string]any{"result": "NORMAL"} },
			func(p string) map[string]any {
				return map[string]any{"childID": id(rows.child[p]), "institutionID": id(rows.institution[p]), "kind": "GROWTH", "date": "2025-03-01"}
			}, ""},
	}
	// Roles that may update but not create a type: regulators end
	// enrolments (e.g. of a closed institution); only staff enrol.
	updaters := map[string][]auth.Role{"Enrolment": regulators}
	has := func(list []string, p string) bool {
		for _, x := range list {
			if x == p {
				return true
			}
		}
		return false
	}
	var cases []writeCase
	for _, role := range roles {
		for _, w := range types {
			writer := false
			for _, r := range w.writers {
				writer = writer || r == role.viewer.Role
			}
			updater := writer
			for _, r := range updaters[w.typ] {
				updater = updater || r == role.viewer.Role
			}
			for _, p := range places {
				want, field, createField := "FORBIDDEN", "", ""
				if writer && has(role.scope, p) {
					want = ""
				} else if writer {
					field, createField = "id", w.field
				}
				wantUpdate, updateField := want, field
				if updater && !writer {
					wantUpdate, updateField = map[bool]string{true: "", false: "FORBIDDEN"}[has(role.scope, p)], map[bool]string{true: "", false: "id"}[has(role.scope, p)]
				}
				rowID, in := w.update(p)
				cases = append(cases, writeCase{name: fmt.Sprintf("%s/update%s/%s", role.viewer.Role, w.typ, p), viewer: role.viewer,
					op: "update" + w.typ, input: "Update" + w.typ + "Input", id: rowID, in: in, want: wantUpdate, wantField: updateField})
				if w.create != nil {
					n++
					cases = append(cases, writeCase{name: fmt.Sprintf("%s/create%s/%s", role.viewer.Role, w.typ, p), viewer: role.viewer,
						op: "create" + w.typ, input: "Create" + w.typ + "Input", in: w.create(p), want: want, wantField: createField})
				}
			}
		}
		// Registering a child and the national ban list have no place.
		cases = append(cases,
			writeCase{name: string(role.viewer.Role) + "/createChild", viewer: role.viewer, op: "createChild", input: "CreateChildInput",
				in: map[string]any{"name": "新生", "sex": "MALE", "birthDate": "2024-06-01"}, want: map[bool]string{true: "", false: "FORBIDDEN"}[role.viewer.Role == auth.InstitutionStaff]},
			writeCase{name: string(role.viewer.Role) + "/createBanListEntry", viewer: role.viewer, op: "createBanListEntry", input: "CreateBanListEntryInput",
				in:   map[string]any{"idNumber": idNumber(t, fmt.Sprintf("11010519800101%03d", 100+len(cases)%900)), "basis": "判决", "decidedAt": "2024-05-01"},
				want: map[bool]string{true: "", false: "FORBIDDEN"}[role.viewer.IsRegulator()]})
	}
	if len(cases) < 6*(12*2*5+5+4*2*5+2) {
		t.Fatalf("generated %d cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, s) })
	}
}

// TestWriteScopeEdges: the rows a write points to, attaches or detaches
// must lie in the viewer's scope too; a region cannot be grafted into, or
// moved out of, a subtree from outside it.
func TestWriteScopeEdges(t *testing.T) {
	s := gqltest.New(t)
	tr, rows := buildScopeRows(t, s)
	id := strconv.Itoa
	ids := func(xs ...int) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = id(x)
		}
		return out
	}
	var (
		province = auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}
		city     = auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}
		district = auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}
		staffA   = auth.Viewer{Subject: "s", Role: auth.InstitutionStaff, InstitutionID: tr.institutions[0].ID}
	)
	ctx := testdb.Ctx()
	// Parentless regions: ent attaches only rows without a parent through
	// addChildIDs, so these are what a graft would take.
	orphanA := s.Client.Region.Create().SetCode("210102888000").SetName("待划入街道").SetLevel(region.LevelSUBDISTRICT).SaveX(ctx).ID
	orphanB := s.Client.Region.Create().SetCode("210103888000").SetName("外区街道").SetLevel(region.LevelSUBDISTRICT).SaveX(ctx).ID
	upd := func(name string, v auth.Viewer, typ string, rowID int, in map[string]any, want, field string) writeCase {
		return writeCase{name: name, viewer: v, op: "update" + typ, input: "Update" + typ + "Input", id: rowID, in: in, want: want, wantField: field}
	}
	cases := []writeCase{
		upd("district grafts a region of another district with addChildIDs", district, "Region", rows.region[districtA],
			map[string]any{"addChildIDs": ids(orphanB)}, "FORBIDDEN", "addChildIDs"),
		upd("district grafts an attached region of another district", district, "Region", rows.region[districtA],
			map[string]any{"addChildIDs": ids(rows.subB1)}, "FORBIDDEN", "addChildIDs"),
		upd("district grafts the city's other district", district, "Region", rows.region[districtA],
			map[string]any{"addChildIDs": ids(rows.region[districtB])}, "FORBIDDEN", "addChildIDs"),
		upd("district detaches a region it does not manage", district, "Region", rows.region[districtA],
			map[string]any{"removeChildIDs": ids(rows.subB1)}, "FORBIDDEN", "removeChildIDs"),
		upd("district moves its subdistrict under another district", district, "Region", rows.subA1,
			map[string]any{"parentID": id(rows.region[districtB])}, "FORBIDDEN", "parentID"),
		upd("district moves its own district out of the city", district, "Region", rows.region[districtA],
			map[string]any{"clearParent": true}, "FORBIDDEN", "clearParent"),
		upd("district recodes its district into another", district, "Region", rows.region[districtA],
			map[string]any{"code": "210103"}, "FORBIDDEN", "code"),
		upd("city grafts another province's region", city, "Region", rows.region[cityLevel],
			map[string]any{"addChildIDs": ids(rows.region[otherProvince])}, "FORBIDDEN", "addChildIDs"),
		upd("province moves another province under itself", province, "Region", rows.region[otherProvince],
			map[string]any{"parentID": id(rows.region[provinceLevel])}, "FORBIDDEN", "id"),
		upd("district moves a target to the city", district, "Target", rows.target[districtA],
			map[string]any{"regionID": id(rows.region[cityLevel])}, "FORBIDDEN", "regionID"),
		upd("district moves an institution to another district", district, "Institution", rows.institution[districtA],
			map[string]any{"regionID": id(rows.subB1)}, "FORBIDDEN", "regionID"),
		upd("district takes a seat of another district's institution", district, "Institution", rows.institution[districtA],
			map[string]any{"addSeatIDs": ids(rows.seat[districtB])}, "FORBIDDEN", "addSeatIDs"),
		upd("district takes another district's inspection", district, "Institution", rows.institution[districtA],
			map[string]any{"addInspectionIDs": ids(rows.inspection[districtB])}, "FORBIDDEN", "addInspectionIDs"),
		upd("regulators do not move staff, even in scope", district, "Institution", rows.institution[districtA],
			map[string]any{"addStaffIDs": ids(rows.staff[districtA])}, "FORBIDDEN", "addStaffIDs"),
		upd("district takes another district's finding", district, "Inspection", rows.inspection[districtA],
			map[string]any{"addFindingIDs": ids(rows.finding[districtB])}, "FORBIDDEN", "addFindingIDs"),
		upd("province moves a finding to another province's inspection", province, "Finding", rows.finding[districtA],
			map[string]any{"inspectionID": id(rows.inspection[otherProvince])}, "FORBIDDEN", "inspectionID"),
		upd("staff take another institution's health record", staffA, "Child", rows.child[districtA],
			map[string]any{"addHealthRecordIDs": ids(rows.record[districtB])}, "FORBIDDEN", "addHealthRecordIDs"),
		upd("staff take another institution's enrolment", staffA, "Child", rows.child[districtA],
			map[string]any{"addEnrolmentIDs": ids(rows.enrolment[districtB])}, "FORBIDDEN", "addEnrolmentIDs"),
		upd("staff take another institution's certificate", staffA, "Staff", rows.staff[districtA],
			map[string]any{"addCertificationIDs": ids(rows.cert[districtB])}, "FORBIDDEN", "addCertificationIDs"),
		upd("staff move an enrolment to another institution", staffA, "Enrolment", rows.enrolment[districtA],
			map[string]any{"institutionID": id(rows.institution[districtB])}, "FORBIDDEN", "institutionID"),
		upd("staff seat a child on another institution's seat", staffA, "Enrolment", rows.enrolment[districtA],
			map[string]any{"seatID": id(rows.seat[districtB])}, "FORBIDDEN", "seatID"),
		{name: "district creates a region holding another district's subdistrict", viewer: district, op: "createRegion", input: "CreateRegionInput",
			in:   map[string]any{"code": "210102777000", "name": "新街道", "level": "SUBDISTRICT", "parentID": id(rows.region[districtA]), "childIDs": ids(rows.subB1)},
			want: "FORBIDDEN", wantField: "childIDs"},
		{name: "district creates an institution holding another district's complaint", viewer: district, op: "createInstitution", input: "CreateInstitutionInput",
			in: map[string]any{"name": "新园", "creditCode": creditCode(t, 3001), "form": "CENTER", "legalNature": "FOR_PROFIT", "ownership": "PRIVATE",
				"serviceModes": []string{"FULL_DAY"}, "openedAt": "2025-01-01", "regionID": id(rows.subA1), "complaintIDs": ids(rows.complaint[districtB])},
			want: "FORBIDDEN", wantField: "complaintIDs"},
		// Legitimate moves inside the viewer's scope still work.
		upd("district attaches a parentless subdistrict of its own", district, "Region", rows.region[districtA],
			map[string]any{"addChildIDs": ids(orphanA)}, "", ""),
		upd("city moves a subdistrict between its districts", city, "Region", rows.subB1,
			map[string]any{"parentID": id(rows.region[districtA])}, "", ""),
		upd("city moves a target down to a district", city, "Target", rows.target[cityLevel],
			map[string]any{"regionID": id(rows.region[districtB]), "targetYear": 2026}, "", ""),
		upd("province moves a seat between its institutions", province, "Seat", rows.seat[districtB],
			map[string]any{"institutionID": id(rows.institution[cityLevel])}, "", ""),
		upd("staff seat a child on their own seat", staffA, "Enrolment", rows.enrolment[districtA],
			map[string]any{"seatID": id(rows.seat[districtA])}, "", ""),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, s) })
	}
	if p := s.Client.Region.GetX(ctx, rows.subB1).ParentID; p == nil || *p != rows.region[districtA] {
		t.Fatalf("the city's move did not happen: parent %v", p)
	}
}
