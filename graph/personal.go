package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqlexec"
	"github.com/tuoyu/tuoyu/internal/masking"
)

// Personal data of children and staff: field-level masking by role, and the
// hook that feeds the audit trail (audit.go). Both run in one gqlgen field
// middleware, personalData, so they apply wherever a field is reached: root
// connections, node(id:) and nodes(ids:), nested edges (institution →
// enrolments → child, healthRecord → child, …) and mutation results.
//
// Row policies (ent/schema/policy.go) decide which rows a viewer sees at all;
// this layer decides whether the personal fields of a row the viewer does see
// are shown in clear or masked:
//
//   - INSTITUTION_STAFF sees clear values: the only children, staff and health
//     records it can read are its own institution's (children enrolled there).
//   - DISTRICT_REGULATOR sees clear values: the rows it can read are its
//     district's (children enrolled at an institution in the district or
//     resident there; the district's staff and health records).
//   - CITY_REGULATOR and PROVINCE_REGULATOR see masked values: they oversee,
//     they do not case-manage, so they get what statistics and supervision need.
//   - BI_SERVICE and PUBLIC cannot read these rows at all (FORBIDDEN from the
//     row policy); should one ever reach them, they get masked values, as does
//     any role not named above (fail closed).
//
// The rules (which fields, which masker, which roles see clear text) live in
// internal/masking, shared with the CSV/XLSX export (internal/export), so the
// two can never disagree; this file applies them to GraphQL fields.
//
// The decision depends on the viewer's role only. A privacy bypass
// (privacy.DecisionContext Allow, trusted server code) lifts row policies,
// not masking.
//
// # Fields (GraphQL-facing; the README's table is a copy of this one)
//
//	Type.field                  GraphQL type  Clear for                 Masked form (all other roles)
//	--------------------------  ------------  ------------------------  ------------------------------------------------
//	Child.name                  String!       staff, district regulator first character kept: "张小明" → "张**" (pii.MaskName)
//	Child.birthDate             Date!         staff, district regulator first day of the month: 2023-05-20 → "2023-05-01"
//	Child.guardianName          String        staff, district regulator pii.MaskName: "张伟" → "张*"
//	Child.guardianPhone         String        staff, district regulator 11 digits keep the first 3 and last 4: "138****5678";
//	                                                                    any other form keeps its last 2 (pii.MaskPhone)
//	Staff.name                  String!       staff, district regulator pii.MaskName
//	HealthRecord.heightCm       Float         staff, district regulator null
//	HealthRecord.weightKg       Float         staff, district regulator null
//	HealthRecord.headCm         Float         staff, district regulator null
//	HealthRecord.temperatureC   Float         staff, district regulator null
//	HealthRecord.notes          String        staff, district regulator null
//
// ("staff" = INSTITUTION_STAFF, "district regulator" = DISTRICT_REGULATOR.)
//
// birthDate is a non-null Date, so it cannot become null or "2023-05": a
// masked birth date is the first day of its month, still a valid Date. Clients
// of masked roles must read it as year and month only (an age in months
// computed from it is at most one month high, enough for age bands). A masked health
// measurement is null, the same as "not measured": a masked role cannot tell
// the two apart, by design.
//
// Not masked, for every role that can read the row: Child.sex,
// Child.idNumberMasked (stored masked already: "3301**********1234", the birth
// date digits hidden), Child.residenceRegionID / residenceRegion (needed for
// breakdowns by region), Staff.idNumberMasked, HealthRecord.kind, date,
// session and result (needed for the health-check indicators), and every
// Enrolment field. Empty strings stay empty.
func personalData(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return next(ctx)
	}
	if entity, ok := auditedConnections[fc.Field.Definition.Type.Name()]; ok {
		return filteredRead(ctx, fc, entity, next)
	}
	obj, ok := personalObjects[fc.Object]
	if !ok {
		return next(ctx)
	}
	field := fc.Field.Name
	if obj.page && field == "edges" {
		return pageRead(ctx, fc, obj, next)
	}
	mask := obj.mask[field]
	audited := obj.audited(field)
	if mask == nil && !audited {
		return next(ctx)
	}
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	if audited {
		if err := recordRead(ctx, fc, obj, field); err != nil {
			return nil, err
		}
	}
	if mask != nil && !masking.SeesClearText(auth.FromContext(ctx).Role) {
		return mask(res)
	}
	return res, nil
}

// personalData is the server's one field middleware, and it passes every
// field of an object outside personalObjects through untouched (tracing's
// spans only resolvers and methods): the plain fields of those objects
// (struct field reads, most of a list page) skip the field middleware
// (internal/gqlexec, plain.go).
func init() {
	gqlexec.SetPlainObjects(func(object string) bool {
		_, personal := personalObjects[object]
		return !personal
	})
}

// personalObject says which fields of a GraphQL object are masked and which
// are audited, and how to find the ID of the record a field belongs to.
type personalObject struct {
	// entity is the entity type written to the audit trail ("" = not audited).
	entity string
	// auditAll audits every field except id and __typename; otherwise audit
	// lists the audited fields.
	auditAll bool
	audit    map[string]bool
	// mask maps a field to its masking function (values of the field's Go
	// type): internal/masking's rules for the object's type.
	mask map[string]masking.Masker
	// ids returns the IDs of the records a field of the object belongs to,
	// from the result of the parent field context.
	ids func(any) ([]int, bool)
	// page: a connection, whose edges are a count read when nothing else
	// of them is (pageRead).
	page bool
}

func (o *personalObject) audited(field string) bool {
	if o.entity == "" {
		return false
	}
	if o.auditAll {
		return field != "__typename"
	}
	return o.audit[field]
}

// personalObjects are the GraphQL objects with personal fields. The audit
// sets are documented in audit.go.
var personalObjects = map[string]*personalObject{
	"Child": {
		entity:   "Child",
		auditAll: true,
		mask:     masking.GraphQLFields("Child"),
		ids:      idFrom(func(c *ent.Child) int { return c.ID }),
	},
	"HealthRecord": {
		entity:   "HealthRecord",
		auditAll: true,
		mask:     masking.GraphQLFields("HealthRecord"),
		ids:      idFrom(func(h *ent.HealthRecord) int { return h.ID }),
	},
	"Enrolment": {
		entity:   "Enrolment",
		auditAll: true,
		ids:      idFrom(func(e *ent.Enrolment) int { return e.ID }),
	},
	"Staff": {
		mask: masking.GraphQLFields("Staff"),
	},
	"ChildConnection": connectionObject("Child", func(c *ent.ChildConnection) []int {
		return edgeIDs(c.Edges, func(e *ent.ChildEdge) *ent.Child { return e.Node })
	}),
	"HealthRecordConnection": connectionObject("HealthRecord", func(c *ent.HealthRecordConnection) []int {
		return edgeIDs(c.Edges, func(e *ent.HealthRecordEdge) *ent.HealthRecord { return e.Node })
	}),
	"EnrolmentConnection": connectionObject("Enrolment", func(c *ent.EnrolmentConnection) []int {
		return edgeIDs(c.Edges, func(e *ent.EnrolmentEdge) *ent.Enrolment { return e.Node })
	}),
	"ChildEdge":        edgeObject("Child", func(e *ent.ChildEdge) *ent.Child { return e.Node }),
	"HealthRecordEdge": edgeObject("HealthRecord", func(e *ent.HealthRecordEdge) *ent.HealthRecord { return e.Node }),
	"EnrolmentEdge":    edgeObject("Enrolment", func(e *ent.EnrolmentEdge) *ent.Enrolment { return e.Node }),
}

// auditedConnections are the connection types of audited rows, by the
// entity type they hold.
var auditedConnections = map[string]string{
	"ChildConnection":        "Child",
	"HealthRecordConnection": "HealthRecord",
	"EnrolmentConnection":    "Enrolment",
}

// connectionObject audits a connection's totalCount and pageInfo, with the
// IDs of the rows of the page.
func connectionObject[C any](entity string, ids func(*C) []int) *personalObject {
	return &personalObject{
		entity: entity,
		audit:  set("totalCount", "pageInfo"),
		page:   true,
		ids: func(v any) ([]int, bool) {
			c, ok := v.(*C)
			if !ok || c == nil {
				return nil, false
			}
			return ids(c), true
		},
	}
}

// edgeObject audits an edge's cursor, with the edge's row.
func edgeObject[E any, N interface{ comparable }](entity string, node func(*E) N) *personalObject {
	return &personalObject{
		entity: entity,
		audit:  set("cursor"),
		ids: func(v any) ([]int, bool) {
			e, ok := v.(*E)
			if pe, isPtr := v.(**E); isPtr && pe != nil { // an element of the edges list
				e, ok = *pe, true
			}
			if !ok || e == nil {
				return nil, false
			}
			var zero N
			n := node(e)
			if n == zero {
				return nil, true
			}
			return idOfNode(n)
		},
	}
}

// idOfNode reads the ID of an audited ent node.
func idOfNode(n any) ([]int, bool) {
	switch x := n.(type) {
	case *ent.Child:
		return []int{x.ID}, true
	case *ent.HealthRecord:
		return []int{x.ID}, true
	case *ent.Enrolment:
		return []int{x.ID}, true
	}
	return nil, false
}

// pageRead resolves the edges of a connection of audited rows. A page
// whose edges select nothing audited (only __typename, of the edge or its
// node) still says how many rows there are, the same count totalCount
// gives: it is recorded as a count read (field "edges", with the IDs of the
// page's rows, as totalCount is). Any other selection records itself
// (cursor, the node's fields), so it adds nothing.
func pageRead(ctx context.Context, fc *graphql.FieldContext, obj *personalObject, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || !edgesReadNothing(oc, fc.Field.Selections, fc.Field.Definition.Type.Name(), obj.entity) {
		return res, nil
	}
	if err := recordRead(ctx, fc, obj, "edges"); err != nil {
		return nil, err
	}
	return res, nil
}

// edgesReadNothing reports whether an edges selection (edges of edgeType,
// nodes of entity) reads nothing the audit records: only __typename of the
// edge and of its node, fragments and skipped fields included.
func edgesReadNothing(oc *graphql.OperationContext, sel ast.SelectionSet, edgeType, entity string) bool {
	for _, e := range graphql.CollectFields(oc, sel, []string{edgeType}) {
		switch e.Name {
		case "__typename":
		case "node":
			for _, n := range graphql.CollectFields(oc, e.Selections, []string{entity, "Node"}) {
				if n.Name != "__typename" {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// edgeIDs are the IDs of the rows of a page.
func edgeIDs[E any, N any](edges []*E, node func(*E) N) []int {
	ids := make([]int, 0, len(edges))
	for _, e := range edges {
		if e == nil {
			continue
		}
		if got, ok := idOfNode(node(e)); ok {
			ids = append(ids, got...)
		}
	}
	return ids
}

// filteredRead resolves a field returning a connection of audited rows and,
// when it has a where filter, records the filter's field names (never
// values) with the rows returned: a filter is a read of the rows it
// matches even when nothing else of them is selected.
func filteredRead(ctx context.Context, fc *graphql.FieldContext, entity string, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, err
	}
	var vars map[string]any
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		vars = oc.Variables
	}
	var names []string
	whereNames("where", fc.Field.ArgumentMap(vars)["where"], &names)
	if len(names) == 0 {
		return res, nil
	}
	c := audit.FromContext(ctx)
	if c == nil {
		return nil, errUnaudited
	}
	var ids []int
	if obj := personalObjects[fc.Field.Definition.Type.Name()]; obj != nil {
		ids, _ = obj.ids(res)
	}
	c.Add(entity, ids, names...)
	return res, nil
}

// whereNames collects the paths of the fields set in a where input.
func whereNames(prefix string, v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, fv := range x {
			if fv == nil {
				continue
			}
			whereNames(prefix+"."+k, fv, out)
		}
	case []any:
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				whereNames(prefix, e, out)
			} else {
				*out = append(*out, prefix)
				return
			}
		}
	case nil:
	default:
		*out = append(*out, prefix)
	}
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// idFrom returns a function finding the record of type T in the result of a
// parent field context: T itself (a field returning the object, e.g.
// enrolment.child or an edge's node), *T (an element of a list of objects),
// or a Node holding T (node(id:), and *Node for an element of nodes(ids:)).
func idFrom[T comparable](id func(T) int) func(any) ([]int, bool) {
	return func(v any) ([]int, bool) {
		var zero T
		switch x := v.(type) {
		case T:
			if x != zero {
				return []int{id(x)}, true
			}
		case *T:
			if x != nil && *x != zero {
				return []int{id(*x)}, true
			}
		case *ent.Noder:
			if x != nil {
				if n, ok := (*x).(T); ok && n != zero {
					return []int{id(n)}, true
				}
			}
		}
		return nil, false
	}
}

// errUnaudited fails a sensitive field whose read cannot be recorded: no
// audit collector (the handler was not built by NewHandler) or no record ID
// (a resolution path personalObject.id does not know). Failing closed keeps
// an unaudited read from ever reaching a client.
var errUnaudited = errors.New("graph: sensitive field read cannot be audited")

// recordRead adds a read of field of the record in the parent field context
// to the operation's audit collector.
func recordRead(ctx context.Context, fc *graphql.FieldContext, obj *personalObject, field string) error {
	c := audit.FromContext(ctx)
	var parent any
	if fc.Parent != nil {
		parent = fc.Parent.Result
	}
	ids, ok := obj.ids(parent)
	if c == nil || !ok {
		return errUnaudited
	}
	c.Add(obj.entity, ids, field)
	return nil
}
