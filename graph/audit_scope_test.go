package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestAuditLogScopedToTheProvince: a province regulator reads the audit rows
// of the viewers inside its province only — a regulator's row by the
// regulator's region, a staff member's by its institution's region (not by
// a region claim of the staff token) — and totalCount agrees with the page.
// Another province's regulator reads none of them, and the server's own
// rows (no region, no institution) are read by no viewer.
func TestAuditLogScopedToTheProvince(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	ctx := testdb.Ctx()
	jilin := newRegion(t, s.Client, "220000", "吉林省", region.LevelPROVINCE, nil)
	changchun := newRegion(t, s.Client, "220102", "南关区", region.LevelDISTRICT, jilin)
	instJ := s.Client.Institution.Create().SetName("南关托育中心").SetCreditCode(creditCode(t, 977)).
		SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNatureNONPROFIT).
		SetOwnership(institution.OwnershipPRIVATE).SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).
		SetOpenedAt(civil.D(2023, 1, 1)).SetRegion(changchun).SaveX(ctx)

	row := func(v auth.Viewer, op string) audit.Record {
		r := audit.By(&v, time.Now())
		r.Operation, r.DocumentHash, r.EntityType, r.EntityIDs, r.Fields = op, "h", "Child", []int{f.childA.ID}, []string{"name"}
		return r
	}
	jilinProvince := auth.Viewer{Subject: "province-220000", Role: auth.ProvinceRegulator, RegionCode: "220000"}
	staffJ := auth.Viewer{Subject: "staff-j", Role: auth.InstitutionStaff, InstitutionID: instJ.ID}
	staffJClaim := staffJ
	staffJClaim.Subject, staffJClaim.RegionCode = "staff-j-claim", "210102" // a region claim outside its institution's
	system := audit.Record{At: time.Now(), Subject: "system:retention", Role: "SYSTEM", Operation: "purge",
		DocumentHash: "retention", EntityType: "Child", EntityIDs: []int{f.childB.ID}}
	if err := audit.Insert(ctx, s.Client,
		row(districtViewer, "District"), row(cityViewer, "City"), row(f.staffOfA(), "StaffA"),
		row(auth.Viewer{Subject: "district-220102", Role: auth.DistrictRegulator, RegionCode: "220102"}, "JilinDistrict"),
		row(staffJ, "StaffJ"), row(staffJClaim, "StaffJClaim"), system,
	); err != nil {
		t.Fatal(err)
	}

	const q = `{ auditLogs(first: 100) { totalCount edges { node { operation } } } }`
	read := func(v auth.Viewer) []string {
		t.Helper()
		var got struct {
			AuditLogs struct {
				TotalCount int
				Edges      []struct{ Node struct{ Operation string } }
			}
		}
		s.DoAs(t, v, q, nil).Decode(t, &got)
		var ops []string
		for _, e := range got.AuditLogs.Edges {
			ops = append(ops, e.Node.Operation)
		}
		slices.Sort(ops)
		if got.AuditLogs.TotalCount != len(ops) {
			t.Errorf("%s: totalCount %d, page %d rows", v.Subject, got.AuditLogs.TotalCount, len(ops))
		}
		return ops
	}
	if got, want := read(provinceViewer), []string{"City", "District", "StaffA"}; !slices.Equal(got, want) {
		t.Errorf("辽宁 reads %v; want %v", got, want)
	}
	if got, want := read(jilinProvince), []string{"JilinDistrict", "StaffJ", "StaffJClaim"}; !slices.Equal(got, want) {
		t.Errorf("吉林 reads %v; want %v", got, want)
	}
	// A province that holds no row reads nothing, and node(id:) of a row
	// outside the scope is NOT_FOUND like any row out of scope.
	if got := read(auth.Viewer{Subject: "province-230000", Role: auth.ProvinceRegulator, RegionCode: "230000"}); len(got) != 0 {
		t.Errorf("黑龙江 reads %v; want nothing", got)
	}
	var id int
	for _, r := range auditRows(t, s.Client) {
		if r.Operation == "District" {
			id = r.ID
		}
	}
	resp := s.DoAs(t, jilinProvince, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": nodeID(id)})
	if !slices.Equal(resp.Codes(), []string{"NOT_FOUND"}) {
		t.Errorf("吉林 node(id) of a 辽宁 row: %s; want NOT_FOUND", resp.Body)
	}
}
