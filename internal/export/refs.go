package export

import (
	"context"
	"fmt"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/staff"
)

// refs resolves the natural keys that rows name each other by, one query
// per referenced type and page.
//
// Region codes, credit codes and inspections are public facts about
// regulated bodies (the public directory shows them), so they are read as
// the system and cached for the whole export (a few thousand at most).
// Children and staff are personal: they are read as the viewer, so a row
// whose child the viewer may not read gets empty child columns, and only
// the current page's are kept.
type refs struct {
	viewer, sys context.Context
	client      *ent.Client
	regions     map[int]string
	insts       map[int]string
	inspections map[int]*ent.Inspection
	children    map[int]*ent.Child
	staff       map[int]*ent.Staff
}

func newRefs(ctx context.Context, client *ent.Client) *refs {
	return &refs{
		viewer: ctx, sys: privacy.DecisionContext(ctx, privacy.Allow), client: client,
		regions: map[int]string{}, insts: map[int]string{},
	}
}

// load fetches what the rows of one page refer to.
func (r *refs) load(typ string, rows []any) error {
	var regionIDs, instIDs, childIDs, staffIDs, inspIDs []int
	want := func(ids *[]int, v any, known func(int) bool) {
		if id, ok := deref(reflectValue(v)).(int); ok && !known(id) {
			*ids = append(*ids, id)
		}
	}
	knownRegion := func(id int) bool { _, ok := r.regions[id]; return ok }
	knownInst := func(id int) bool { _, ok := r.insts[id]; return ok }
	never := func(int) bool { return false }
	for _, x := range rows {
		want(&regionIDs, fieldOf(x, "region_id"), knownRegion)
		want(&regionIDs, fieldOf(x, "parent_id"), knownRegion)
		want(&regionIDs, fieldOf(x, "residence_region_id"), knownRegion)
		want(&instIDs, fieldOf(x, "institution_id"), knownInst)
		want(&childIDs, fieldOf(x, "child_id"), never)
		want(&staffIDs, fieldOf(x, "staff_id"), never)
		want(&inspIDs, fieldOf(x, "inspection_id"), never)
	}
	r.children, r.staff, r.inspections = nil, nil, nil
	if len(staffIDs) > 0 {
		xs, err := r.client.Staff.Query().Where(staff.IDIn(uniq(staffIDs)...)).
			Select(staff.FieldID, staff.FieldInstitutionID, staff.FieldIDNumberHash, staff.FieldIDNumberMasked).All(r.viewer)
		if err != nil {
			return fmt.Errorf("export: staff of %s: %w", typ, err)
		}
		r.staff = make(map[int]*ent.Staff, len(xs))
		for _, s := range xs {
			r.staff[s.ID] = s
			if !knownInst(s.InstitutionID) {
				instIDs = append(instIDs, s.InstitutionID)
			}
		}
	}
	if len(inspIDs) > 0 {
		xs, err := r.client.Inspection.Query().Where(inspection.IDIn(uniq(inspIDs)...)).All(r.sys)
		if err != nil {
			return fmt.Errorf("export: inspections of %s: %w", typ, err)
		}
		r.inspections = make(map[int]*ent.Inspection, len(xs))
		for _, in := range xs {
			r.inspections[in.ID] = in
			if !knownInst(in.InstitutionID) {
				instIDs = append(instIDs, in.InstitutionID)
			}
		}
	}
	if len(childIDs) > 0 {
		xs, err := r.client.Child.Query().Where(child.IDIn(uniq(childIDs)...)).
			Select(child.FieldID, child.FieldIDNumberHash, child.FieldIDNumberMasked, child.FieldIDDocumentType, child.FieldName, child.FieldBirthDate).All(r.viewer)
		if err != nil {
			return fmt.Errorf("export: children of %s: %w", typ, err)
		}
		r.children = make(map[int]*ent.Child, len(xs))
		for _, c := range xs {
			r.children[c.ID] = c
		}
	}
	if len(regionIDs) > 0 {
		xs, err := r.client.Region.Query().Where(region.IDIn(uniq(regionIDs)...)).
			Select(region.FieldID, region.FieldCode).All(r.sys)
		if err != nil {
			return fmt.Errorf("export: regions of %s: %w", typ, err)
		}
		for _, x := range xs {
			r.regions[x.ID] = x.Code
		}
	}
	if len(instIDs) > 0 {
		xs, err := r.client.Institution.Query().Where(institution.IDIn(uniq(instIDs)...)).
			Select(institution.FieldID, institution.FieldCreditCode).All(r.sys)
		if err != nil {
			return fmt.Errorf("export: institutions of %s: %w", typ, err)
		}
		for _, x := range xs {
			r.insts[x.ID] = x.CreditCode
		}
	}
	return nil
}

func (r *refs) regionCode(id any) any {
	if n, ok := deref(reflectValue(id)).(int); ok {
		return r.regions[n]
	}
	return nil
}

func (r *refs) institutionCode(id any) any {
	if n, ok := deref(reflectValue(id)).(int); ok {
		return r.insts[n]
	}
	return nil
}

// childOf is the child a row refers to (enrolments, health records), nil
// when it has none or the viewer may not read it.
func (r *refs) childOf(x any) *ent.Child {
	id, ok := fieldOf(x, "child_id").(int)
	if !ok {
		return nil
	}
	return r.children[id]
}

// uniq drops repeated IDs (a page names the same child many times).
func uniq(ids []int) []int {
	seen := make(map[int]struct{}, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}
