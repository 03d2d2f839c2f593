package graph_test

import (
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
)

// TestViewerQuery: every viewer learns its role and scope; PUBLIC has none.
func TestViewerQuery(t *testing.T) {
	s := gqltest.New(t)
	tr := buildTree(t, s.Client, 1)
	const q = `{ viewer { role subject regionCode region { code name level } institution { name } } }`
	type out struct {
		Viewer struct {
			Role        string
			Subject     *string
			RegionCode  *string
			Region      *struct{ Code, Name, Level string }
			Institution *struct{ Name string }
		}
	}
	tests := []struct {
		name        string
		viewer      auth.Viewer
		wantRole    string
		wantRegion  string // name; "" = null
		wantInst    bool
		wantSubject string
	}{
		{"public", auth.Viewer{Role: auth.Public}, "PUBLIC", "", false, ""},
		{"city regulator", auth.Viewer{Subject: "zhang", Role: auth.CityRegulator, RegionCode: "210100"}, "CITY_REGULATOR", "沈阳市", false, "zhang"},
		{"district regulator", auth.Viewer{Subject: "li", Role: auth.DistrictRegulator, RegionCode: "210102"}, "DISTRICT_REGULATOR", "和平区", false, "li"},
		{"BI service", auth.Viewer{Subject: "apikey:k1", Role: auth.BIService, RegionCode: "210000", KeyID: "k1"}, "BI_SERVICE", "辽宁省", false, "apikey:k1"},
		{"region not in the database", auth.Viewer{Subject: "w", Role: auth.ProvinceRegulator, RegionCode: "110000"}, "PROVINCE_REGULATOR", "", false, "w"},
		{"institution staff", auth.Viewer{Subject: "s", Role: auth.InstitutionStaff, InstitutionID: tr.institutions[0].ID}, "INSTITUTION_STAFF", "", true, "s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got out
			s.DoAs(t, tt.viewer, q, nil).Decode(t, &got)
			v := got.Viewer
			if v.Role != tt.wantRole {
				t.Errorf("role %q; want %q", v.Role, tt.wantRole)
			}
			if (v.Region == nil) != (tt.wantRegion == "") || (v.Region != nil && v.Region.Name != tt.wantRegion) {
				t.Errorf("region %+v; want %q", v.Region, tt.wantRegion)
			}
			if (v.Institution != nil) != tt.wantInst {
				t.Errorf("institution %+v; want present=%v", v.Institution, tt.wantInst)
			}
			if (v.Subject == nil) != (tt.wantSubject == "") || (v.Subject != nil && *v.Subject != tt.wantSubject) {
				t.Errorf("subject %v; want %q", v.Subject, tt.wantSubject)
			}
			if tt.viewer.RegionCode != "" && (v.RegionCode == nil || *v.RegionCode != tt.viewer.RegionCode) {
				t.Errorf("regionCode %v; want %s", v.RegionCode, tt.viewer.RegionCode)
			}
		})
	}
}

// TestRegionBoundary: createRegion/updateRegion accept a GeoJSON Polygon or
// MultiPolygon and refuse anything else as BAD_USER_INPUT on boundary.
func TestRegionBoundary(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	square := `{"type":"Polygon","coordinates":[[[123.1,41.7],[123.2,41.7],[123.2,41.8],[123.1,41.8],[123.1,41.7]]]}`
	multi := `{"type":"MultiPolygon","coordinates":[[[[123.1,41.7],[123.2,41.7],[123.2,41.8],[123.1,41.7]]]]}`
	var created struct{ CreateRegion struct{ ID, Boundary string } }
	s.Do(t, `mutation($b: String) { createRegion(input: {code: "210000", name: "辽宁省", level: PROVINCE, boundary: $b}) { id boundary } }`,
		map[string]any{"b": square}).Decode(t, &created)
	if created.CreateRegion.Boundary != square {
		t.Fatalf("boundary %q", created.CreateRegion.Boundary)
	}
	id := created.CreateRegion.ID
	bad := []struct{ name, value string }{
		{"point", `{"type":"Point","coordinates":[123.1,41.7]}`},
		{"open ring", `{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,3]]]}`},
		{"not json", `polygon`},
		{"feature collection", `{"type":"FeatureCollection","features":[]}`},
		{"out of range", `{"type":"Polygon","coordinates":[[[200,2],[2,2],[2,3],[200,2]]]}`},
	}
	for _, tt := range bad {
		t.Run("create "+tt.name, func(t *testing.T) {
			r := s.Do(t, `mutation($b: String) { createRegion(input: {code: "220000", name: "吉林省", level: PROVINCE, boundary: $b}) { id } }`, map[string]any{"b": tt.value})
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Field() != "boundary" {
				t.Fatalf("got %s; want BAD_USER_INPUT on boundary", r.Body)
			}
			if strings.Contains(r.Body, "123.1") || strings.Contains(r.Body, "200,2") {
				t.Fatalf("error repeats the submitted value: %s", r.Body)
			}
		})
		t.Run("update "+tt.name, func(t *testing.T) {
			r := s.Do(t, `mutation($id: ID!, $b: String) { updateRegion(id: $id, input: {boundary: $b}) { id } }`, map[string]any{"id": id, "b": tt.value})
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Field() != "boundary" {
				t.Fatalf("got %s; want BAD_USER_INPUT on boundary", r.Body)
			}
		})
	}
	var updated struct{ UpdateRegion struct{ Boundary *string } }
	s.Do(t, `mutation($id: ID!, $b: String) { updateRegion(id: $id, input: {boundary: $b}) { boundary } }`, map[string]any{"id": id, "b": multi}).Decode(t, &updated)
	if updated.UpdateRegion.Boundary == nil || *updated.UpdateRegion.Boundary != multi {
		t.Fatalf("after update: %v", updated.UpdateRegion.Boundary)
	}
	s.Do(t, `mutation($id: ID!) { updateRegion(id: $id, input: {clearBoundary: true}) { boundary } }`, map[string]any{"id": id}).Decode(t, &updated)
	if updated.UpdateRegion.Boundary != nil {
		t.Fatal("clearBoundary left a boundary")
	}
}
