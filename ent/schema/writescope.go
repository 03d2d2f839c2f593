package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/populationstat"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/ent/target"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// This file is the write scope (README "Security"): what a viewer may write
// is decided apart from what it may read, because reading regions,
// population statistics, surveys and targets is open to everyone. A write
// is allowed when the stored row (before the write), every row the write
// points to, and every row it attaches or detaches lie in the viewer's
// write scope:
//
//   - a regulator's scope is the rows whose region has a code inside the
//     viewer's region (regions by their own code; rows of an institution by
//     the institution's region);
//   - institution staff's scope is the rows of their institution (children:
//     those they can read, i.e. enrolled at or registered by their
//     institution, and for an enrolment the child whose ID number they
//     presented).
//
// Lookups run as the system, so a row the viewer may read but not write is
// judged by where it is, not by whether it is visible.

// place is where a stored row lives.
type place struct {
	region      string // code of the row's region; for a region, its own code
	institution int    // the row's institution; 0 for region-level rows
}

// forbidden is the FORBIDDEN answer naming the offending input field
// (ent snake_case or a GraphQL input field name; the presenter camel-cases).
func forbidden(field, reason string) error {
	return &apperr.FieldError{Field: field, Message: reason, Kind: apperr.ErrForbidden}
}

// notWritable is the one answer to a reference (an id, a foreign key) that
// names a record that does not exist or that the viewer may not write
// (README "Errors"): one code, field and message for both, so that no
// reference can probe which records exist outside the viewer's scope.
func notWritable(field string) error {
	return forbidden(field, "names no record the viewer may write")
}

// writeCheck holds what one mutation's checks share.
type writeCheck struct {
	ctx    context.Context // the viewer's context
	sys    context.Context // lookups as the system
	client *gen.Client
	v      *auth.Viewer
}

// checkWrite applies the write scope to m (the role was checked before).
func checkWrite(ctx context.Context, m gen.Mutation) error {
	client := m.(interface{ Client() *gen.Client }).Client()
	w := writeCheck{ctx: ctx, sys: privacy.DecisionContext(ctx, privacy.Allow), client: client, v: auth.FromContext(ctx)}
	typ := m.Type()
	id, hasID := m.(interface{ ID() (int, bool) }).ID()
	if hasID {
		check := w.stored
		if typ == "Child" {
			check = w.ownChild
		}
		if err := check(typ, id, "id"); err != nil {
			return err
		}
	}
	for _, f := range m.Fields() {
		if err := w.pointsTo(m, f); err != nil {
			return err
		}
	}
	if typ == "Region" {
		if err := w.regionCodeAndParent(m, hasID); err != nil {
			return err
		}
	}
	return w.attached(m, id, hasID)
}

// stored checks the stored row typ/id against the viewer's write scope.
func (w writeCheck) stored(typ string, id int, field string) error {
	if typ == "Child" {
		return w.readableChild(id, field)
	}
	if typ == "BanListEntry" {
		return nil // the ban list is national: any regulator (the only writers)
	}
	p, err := placeOf(w.sys, w.client, typ, id)
	if gen.IsNotFound(err) {
		return notWritable(field)
	}
	if err != nil {
		return fmt.Errorf("write scope of %s: %w", typ, err)
	}
	if !w.inScope(p) {
		return notWritable(field)
	}
	return nil
}

// inScope reports whether a row at p lies in the viewer's write scope.
func (w writeCheck) inScope(p place) bool {
	switch {
	case w.v.IsRegulator():
		return p.region != "" && w.v.InRegion(p.region)
	case w.v.Role == auth.InstitutionStaff:
		return p.institution != 0 && p.institution == w.v.InstitutionID
	}
	return false
}

// readableChild: staff write a child they can read (enrolled at their institution).
func (w writeCheck) readableChild(id int, field string) error {
	ok, err := w.canRead(id)
	if err != nil {
		return err
	}
	if !ok {
		return notWritable(field)
	}
	return nil
}

// canRead reports whether the viewer may read child id (its row policy).
func (w writeCheck) canRead(id int) (bool, error) {
	ok, err := w.client.Child.Query().Where(child.ID(id)).Exist(w.ctx)
	if err != nil && !errors.Is(err, privacy.Deny) {
		return false, fmt.Errorf("write scope of Child: %w", err)
	}
	return ok, nil
}

// ownChild: a child's own record (name, identity document, birth date,
// guardian) is corrected by the institution that registered it. Another
// institution that enrolled the child by presenting its ID number reads it
// but must not rewrite the identity the first one holds. A child with no
// registering institution recorded (registered before it was recorded) is
// corrected by any institution that can read it. Who registered a child is
// said only to a viewer who can read the child; anyone else gets the answer
// of a child that does not exist.
func (w writeCheck) ownChild(_ string, id int, field string) error {
	c, err := w.client.Child.Query().Where(child.ID(id)).Only(w.sys)
	if gen.IsNotFound(err) {
		return notWritable(field)
	}
	if err != nil {
		return fmt.Errorf("write scope of Child: %w", err)
	}
	if c.RegisteredByInstitutionID == nil {
		return w.readableChild(id, field)
	}
	if w.v.Role == auth.InstitutionStaff && *c.RegisteredByInstitutionID == w.v.InstitutionID {
		return nil
	}
	readable, err := w.canRead(id)
	if err != nil {
		return err
	}
	if !readable {
		return notWritable(field)
	}
	return forbidden(field, "names a child registered by another institution: only that institution corrects the child's record")
}

// references maps each foreign-key field of a writable type to the type it names.
var references = map[string]string{
	"region_id":      "Region",
	"parent_id":      "Region",
	"institution_id": "Institution",
	"inspection_id":  "Inspection",
	"staff_id":       "Staff",
	"seat_id":        "Seat",
	"child_id":       "Child",
}

// pointsTo checks a foreign key the mutation sets: the row it names must be
// in the viewer's scope (for an enrolment, also a child whose ID number the
// staff presented).
func (w writeCheck) pointsTo(m gen.Mutation, field string) error {
	typ, ok := references[field]
	if !ok {
		return nil // residence_region_id: a child may live anywhere
	}
	value, _ := m.Field(field)
	id, ok := value.(int)
	if !ok {
		return forbidden(field, "is not an ID")
	}
	if typ == "Child" && m.Type() == gen.TypeEnrolment && auth.PresentedChild(w.ctx, id) {
		return w.existingChild(id, field) // staff presented the child's ID number (createEnrolment with childIdNumber)
	}
	return w.stored(typ, id, field)
}

// existingChild checks that a child exists (as the system: the staff
// presented its ID number but cannot read it yet).
func (w writeCheck) existingChild(id int, field string) error {
	ok, err := w.client.Child.Query().Where(child.ID(id)).Exist(w.sys)
	if err != nil {
		return fmt.Errorf("write scope of Child: %w", err)
	}
	if !ok {
		return notWritable(field)
	}
	return nil
}

// regionCodeAndParent: a region's new code must lie in the viewer's region,
// and moving a region (a new or cleared parent) needs its old parent in
// scope too, so that no region is taken out of, or grafted into, a subtree
// the viewer does not manage.
func (w writeCheck) regionCodeAndParent(m gen.Mutation, update bool) error {
	if code, ok := m.Field("code"); ok {
		if s, _ := code.(string); !w.v.InRegion(s) {
			return forbidden("code", "lies outside the viewer's region")
		}
	}
	if !update {
		return nil
	}
	newParent, set := m.Field("parent_id")
	cleared := m.FieldCleared("parent_id")
	if !set && !cleared {
		return nil
	}
	old, err := m.OldField(w.sys, "parent_id")
	if err != nil {
		return fmt.Errorf("write scope of Region: %w", err)
	}
	oldParent, _ := old.(*int)
	if oldParent == nil || (set && newParent == *oldParent) {
		return nil
	}
	field := "parent_id"
	if cleared {
		field = "clearParent"
	}
	if err := w.stored("Region", *oldParent, field); err != nil {
		return forbidden(field, "moves a region out of a region outside the viewer's scope")
	}
	return nil
}

// attached checks every row a mutation attaches through, or detaches from,
// a one-to-many edge (add…IDs, remove…IDs, clear…, and the …IDs of a
// create): changing such an edge rewrites the other row's foreign key, so it
// is a write of that row and must pass that row's own policy.
func (w writeCheck) attached(m gen.Mutation, id int, hasID bool) error {
	edges := oneToMany[m.Type()]
	var to *int
	if hasID {
		to = &id
	}
	for _, name := range m.AddedEdges() {
		e, ok := edges[name]
		if !ok {
			continue // a many-to-one edge: its foreign key was checked as a field
		}
		field := "add" + e.input + "IDs"
		if !hasID {
			field = lowerFirst(e.input) + "IDs"
		}
		for _, x := range m.AddedIDs(name) {
			if err := w.move(e, x.(int), to, field); err != nil {
				return err
			}
		}
	}
	for _, name := range m.RemovedEdges() {
		if e, ok := edges[name]; ok {
			for _, x := range m.RemovedIDs(name) {
				if err := w.move(e, x.(int), nil, "remove"+e.input+"IDs"); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range m.ClearedEdges() {
		e, ok := edges[name]
		if !ok {
			if name == "parent" || name == "seat" || name == "residence_region" {
				continue // many-to-one: the stored row was checked, and parent in regionCodeAndParent
			}
			return forbidden("clear"+pascal(name), "is not a change the viewer may make")
		}
		if !hasID {
			continue
		}
		ids, err := e.current(w.sys, w.client, id)
		if err != nil {
			return fmt.Errorf("write scope of %s: %w", m.Type(), err)
		}
		for _, x := range ids {
			if err := w.move(e, x, nil, "clear"+e.clear); err != nil {
				return err
			}
		}
	}
	return nil
}

// move evaluates the target type's own policy on the update the edge change
// implies (row x gets foreign key to, or loses it when to is nil).
func (w writeCheck) move(e o2m, x int, to *int, field string) error {
	err := e.policy().EvalMutation(w.ctx, e.move(w.client, x, to))
	if err == nil {
		return nil
	}
	if errors.Is(err, privacy.Deny) || errors.Is(err, apperr.ErrForbidden) {
		return notWritable(field)
	}
	return err
}

// o2m is a one-to-many edge whose IDs a mutation input can list.
type o2m struct {
	input   string // singular, as in add<Input>IDs
	clear   string // as in clear<Clear>
	policy  func() ent.Policy
	move    func(c *gen.Client, x int, to *int) gen.Mutation
	current func(ctx context.Context, c *gen.Client, from int) ([]int, error)
}

// oneToMany lists, per type, the one-to-many edges of the mutation inputs.
var oneToMany = map[string]map[string]o2m{
	"Region": {
		"children": {"Child", "Children", func() ent.Policy { return region.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Region.UpdateOneID(x)
			if to == nil {
				return u.ClearParent().Mutation()
			}
			return u.SetParentID(*to).Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Region.Query().Where(region.ParentID(from)).IDs(ctx)
		}},
		"institutions": {"Institution", "Institutions", func() ent.Policy { return institution.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Institution.UpdateOneID(x)
			if to != nil {
				u.SetRegionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Institution.Query().Where(institution.RegionID(from)).IDs(ctx)
		}},
		"population_stats": {"PopulationStat", "PopulationStats", func() ent.Policy { return populationstat.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.PopulationStat.UpdateOneID(x)
			if to != nil {
				u.SetRegionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.PopulationStat.Query().Where(populationstat.RegionID(from)).IDs(ctx)
		}},
		"surveys": {"Survey", "Surveys", func() ent.Policy { return survey.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Survey.UpdateOneID(x)
			if to != nil {
				u.SetRegionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Survey.Query().Where(survey.RegionID(from)).IDs(ctx)
		}},
		"targets": {"Target", "Targets", func() ent.Policy { return target.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Target.UpdateOneID(x)
			if to != nil {
				u.SetRegionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Target.Query().Where(target.RegionID(from)).IDs(ctx)
		}},
	},
	"Institution": {
		"filings": {"Filing", "Filings", func() ent.Policy { return filing.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Filing.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Filing.Query().Where(filing.InstitutionID(from)).IDs(ctx)
		}},
		"designations": {"Designation", "Designations", func() ent.Policy { return inclusivedesignation.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.InclusiveDesignation.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.InclusiveDesignation.Query().Where(inclusivedesignation.InstitutionID(from)).IDs(ctx)
		}},
		"seats": {"Seat", "Seats", func() ent.Policy { return seat.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Seat.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Seat.Query().Where(seat.InstitutionID(from)).IDs(ctx)
		}},
		"staff": {"Staff", "Staff", func() ent.Policy { return staff.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Staff.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Staff.Query().Where(staff.InstitutionID(from)).IDs(ctx)
		}},
		"enrolments": {"Enrolment", "Enrolments", func() ent.Policy { return enrolment.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Enrolment.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Enrolment.Query().Where(enrolment.InstitutionID(from)).IDs(ctx)
		}},
		"health_records": {"HealthRecord", "HealthRecords", func() ent.Policy { return healthrecord.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.HealthRecord.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.HealthRecord.Query().Where(healthrecord.InstitutionID(from)).IDs(ctx)
		}},
		"inspections": {"Inspection", "Inspections", func() ent.Policy { return inspection.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Inspection.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Inspection.Query().Where(inspection.InstitutionID(from)).IDs(ctx)
		}},
		"complaints": {"Complaint", "Complaints", func() ent.Policy { return complaint.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Complaint.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Complaint.Query().Where(complaint.InstitutionID(from)).IDs(ctx)
		}},
		"incidents": {"Incident", "Incidents", func() ent.Policy { return incident.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Incident.UpdateOneID(x)
			if to != nil {
				u.SetInstitutionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Incident.Query().Where(incident.InstitutionID(from)).IDs(ctx)
		}},
	},
	"Inspection": {
		"findings": {"Finding", "Findings", func() ent.Policy { return finding.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Finding.UpdateOneID(x)
			if to != nil {
				u.SetInspectionID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Finding.Query().Where(finding.InspectionID(from)).IDs(ctx)
		}},
	},
	"Staff": {
		"certifications": {"Certification", "Certifications", func() ent.Policy { return certification.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Certification.UpdateOneID(x)
			if to != nil {
				u.SetStaffID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Certification.Query().Where(certification.StaffID(from)).IDs(ctx)
		}},
	},
	"Child": {
		"enrolments": {"Enrolment", "Enrolments", func() ent.Policy { return enrolment.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Enrolment.UpdateOneID(x)
			if to != nil {
				u.SetChildID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Enrolment.Query().Where(enrolment.ChildID(from)).IDs(ctx)
		}},
		"health_records": {"HealthRecord", "HealthRecords", func() ent.Policy { return healthrecord.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.HealthRecord.UpdateOneID(x)
			if to != nil {
				u.SetChildID(*to)
			}
			return u.Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.HealthRecord.Query().Where(healthrecord.ChildID(from)).IDs(ctx)
		}},
	},
	"Seat": {
		"enrolments": {"Enrolment", "Enrolments", func() ent.Policy { return enrolment.Policy }, func(c *gen.Client, x int, to *int) gen.Mutation {
			u := c.Enrolment.UpdateOneID(x)
			if to == nil {
				return u.ClearSeat().Mutation()
			}
			return u.SetSeatID(*to).Mutation()
		}, func(ctx context.Context, c *gen.Client, from int) ([]int, error) {
			return c.Enrolment.Query().Where(enrolment.SeatID(from)).IDs(ctx)
		}},
	},
}

// placeOf finds where the stored row typ/id lives (ctx must bypass privacy).
func placeOf(ctx context.Context, c *gen.Client, typ string, id int) (place, error) {
	regionAt := func(regionID int, err error) (place, error) {
		if err != nil {
			return place{}, err
		}
		r, err := c.Region.Get(ctx, regionID)
		if err != nil {
			return place{}, err
		}
		return place{region: r.Code}, nil
	}
	institutionAt := func(institutionID int, err error) (place, error) {
		if err != nil {
			return place{}, err
		}
		i, err := c.Institution.Get(ctx, institutionID)
		if err != nil {
			return place{}, err
		}
		p, err := regionAt(i.RegionID, nil)
		p.institution = i.ID
		return p, err
	}
	switch typ {
	case "Region":
		r, err := c.Region.Get(ctx, id)
		if err != nil {
			return place{}, err
		}
		return place{region: r.Code}, nil
	case "PopulationStat":
		r, err := c.PopulationStat.Get(ctx, id)
		return regionAt(fkOf(r, err, func(r *gen.PopulationStat) int { return r.RegionID }))
	case "Survey":
		r, err := c.Survey.Get(ctx, id)
		return regionAt(fkOf(r, err, func(r *gen.Survey) int { return r.RegionID }))
	case "Target":
		r, err := c.Target.Get(ctx, id)
		return regionAt(fkOf(r, err, func(r *gen.Target) int { return r.RegionID }))
	case "Institution":
		return institutionAt(id, nil)
	case "Filing":
		r, err := c.Filing.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Filing) int { return r.InstitutionID }))
	case "InclusiveDesignation":
		r, err := c.InclusiveDesignation.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.InclusiveDesignation) int { return r.InstitutionID }))
	case "Seat":
		r, err := c.Seat.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Seat) int { return r.InstitutionID }))
	case "Inspection":
		r, err := c.Inspection.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Inspection) int { return r.InstitutionID }))
	case "Finding":
		r, err := c.Finding.Get(ctx, id)
		if err != nil {
			return place{}, err
		}
		return placeOf(ctx, c, "Inspection", r.InspectionID)
	case "Complaint":
		r, err := c.Complaint.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Complaint) int { return r.InstitutionID }))
	case "Incident":
		r, err := c.Incident.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Incident) int { return r.InstitutionID }))
	case "Staff":
		r, err := c.Staff.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Staff) int { return r.InstitutionID }))
	case "Certification":
		r, err := c.Certification.Get(ctx, id)
		if err != nil {
			return place{}, err
		}
		return placeOf(ctx, c, "Staff", r.StaffID)
	case "Enrolment":
		r, err := c.Enrolment.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.Enrolment) int { return r.InstitutionID }))
	case "HealthRecord":
		r, err := c.HealthRecord.Get(ctx, id)
		return institutionAt(fkOf(r, err, func(r *gen.HealthRecord) int { return r.InstitutionID }))
	}
	return place{}, fmt.Errorf("no write scope for type %s", typ)
}

// fkOf reads one foreign key of a loaded row, passing its load error on.
func fkOf[T any](row T, err error, get func(T) int) (int, error) {
	if err != nil {
		return 0, err
	}
	return get(row), nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

// pascal turns an edge name (snake_case) into its input spelling.
func pascal(s string) string {
	out := []byte{}
	up := true
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '_':
			up = true
		case up && s[i] >= 'a' && s[i] <= 'z':
			out = append(out, s[i]-'a'+'A')
			up = false
		default:
			out = append(out, s[i])
			up = false
		}
	}
	return string(out)
}
