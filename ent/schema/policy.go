package schema

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// This file is the row-level access model (README "Security"). Every query
// of a type runs its policy — root connections, node/nodes, nested edges,
// eager loading, counts — so scope holds on every entry point. Trusted
// server code (demo loader, audit writer, CLI) bypasses it with
// privacy.DecisionContext(ctx, privacy.Allow); nothing reachable over HTTP can.

// readClass says who may read a type.
type readClass int

const (
	// readDirectory: PUBLIC sees filed institutions and their published facts
	// (seats, designations); staff their institution; regulators and BI their region.
	readDirectory readClass = iota
	// readRegistry: as readDirectory, without PUBLIC.
	readRegistry
	// readPersonal: personal data; no PUBLIC and no BI_SERVICE (aggregate-only).
	readPersonal
)

// errNoScope denies a viewer whose scope is unusable (a regulator without a region).
var errNoScope = privacy.Denyf("viewer has no region scope")

// institutionScope returns the institutions the viewer may see for a class.
func institutionScope(ctx context.Context, class readClass) (predicate.Institution, error) {
	v := auth.FromContext(ctx)
	switch {
	case v.Role == auth.Public:
		if class != readDirectory {
			return nil, privacy.Denyf("PUBLIC may not read this")
		}
		return institution.HasFilingsWith(filedStatus, filing.ReceiptAtNotNil()), nil
	case v.Role == auth.InstitutionStaff:
		return institution.ID(v.InstitutionID), nil
	case v.Role == auth.BIService && class == readPersonal:
		return nil, privacy.Denyf("BI_SERVICE is aggregate-only")
	case v.Role == auth.BIService || v.IsRegulator():
		prefix, ok := v.RegionPrefix()
		if !ok {
			return nil, errNoScope
		}
		return institution.HasRegionWith(regionUnder(prefix)), nil
	}
	return nil, privacy.Denyf("unknown role")
}

// regionUnder keeps the regions whose code starts with prefix (a viewer's
// RegionPrefix). The prefix is written into the statement, not passed as an
// argument, when it is all digits, as every region code is: a generic plan
// cannot see an argument and guesses that 0.5 % of the regions match, where
// a province's prefix matches all of them, so statements with arguments are
// planned for each run (internal/db, plan_cache_mode); with the prefix in
// the text, a page with no other argument (an unfiltered first page) is one
// statement per region that PostgreSQL plans once for its real row counts
// and reuses (internal/db's statement cache). Anything else stays an
// argument.
func regionUnder(prefix string) predicate.Region {
	return func(s *sql.Selector) { s.Where(codeUnder(s.C(region.FieldCode), prefix)) }
}

// filedStatus keeps the filings in force (FILED, CHANGED): what PUBLIC's
// directory shows. The two constants are written into the statement, as
// the region prefix is (regionUnder), so that an unfiltered public page
// has no argument and is planned once.
var filedStatus predicate.Filing = func(s *sql.Selector) {
	s.Where(sql.P(func(b *sql.Builder) {
		b.Ident(s.C(filing.FieldStatus)).WriteString(" IN ('" + filing.StatusFILED.String() + "', '" + filing.StatusCHANGED.String() + "')")
	}))
}

// codeUnder is regionUnder's predicate on the code column col.
func codeUnder(col, prefix string) *sql.Predicate {
	if prefix == "" || strings.Trim(prefix, "0123456789") != "" {
		return sql.HasPrefix(col, prefix)
	}
	return sql.P(func(b *sql.Builder) {
		b.Ident(col).WriteString(" LIKE '" + prefix + "%'")
	})
}

// scoped is a query rule restricting a type to the rows whose institution
// the viewer may see; via reaches the institution from the type.
func scoped[P ~func(*sql.Selector), Q interface{ Where(...P) Q }](class readClass, via func(...predicate.Institution) P) privacy.QueryRule {
	return privacy.QueryRuleFunc(func(ctx context.Context, q gen.Query) error {
		p, err := institutionScope(ctx, class)
		if err != nil {
			return err
		}
		tq, ok := q.(Q)
		if !ok {
			return privacy.Denyf("unexpected query type")
		}
		tq.Where(via(p))
		return privacy.Allow
	})
}

// childScope: staff see children enrolled at their institution (ever) and
// the children their institution registered; regulators children enrolled
// in, or living in, their region.
func childScope() privacy.QueryRule {
	return privacy.ChildQueryRuleFunc(func(ctx context.Context, q *gen.ChildQuery) error {
		p, err := institutionScope(ctx, readPersonal)
		if err != nil {
			return err
		}
		enrolled := child.HasEnrolmentsWith(enrolment.HasInstitutionWith(p))
		v := auth.FromContext(ctx)
		switch prefix, ok := v.RegionPrefix(); {
		case ok && v.IsRegulator():
			q.Where(child.Or(enrolled, child.HasResidenceRegionWith(regionUnder(prefix))))
		case v.Role == auth.InstitutionStaff:
			// (a literal column: the schema cannot use code generated from itself)
			q.Where(child.Or(enrolled, predicate.Child(sql.FieldEQ("registered_by_institution_id", v.InstitutionID))))
		default:
			q.Where(enrolled)
		}
		return privacy.Allow
	})
}

// readAll lets every viewer read (regions and public statistics).
func readAll() privacy.QueryRule { return privacy.AlwaysAllowRule() }

// onlyRoles allows the listed roles and denies everyone else.
func onlyRoles(roles ...auth.Role) privacy.QueryRule {
	return privacy.QueryRuleFunc(func(ctx context.Context, _ gen.Query) error {
		v := auth.FromContext(ctx)
		for _, r := range roles {
			if v.Role == r {
				return privacy.Allow
			}
		}
		return privacy.Denyf("role may not read this")
	})
}

// Writers of each kind of data (issue "Security and privacy"): institution
// staff record children's care, staff and health for their institution;
// regulators manage institutions, filings, designations, inspections,
// targets and reference data in their region; BI_SERVICE and PUBLIC never write.
var (
	staffWriters     = []auth.Role{auth.InstitutionStaff}
	regulatorWriters = []auth.Role{auth.ProvinceRegulator, auth.CityRegulator, auth.DistrictRegulator}
)

// scopedWrite is the mutation rule of every registry type: the role must be
// a writer, and the stored row, every row the mutation points to and every
// row it attaches or detaches must lie in the viewer's write scope
// (writescope.go). Bulk updates and deletes are for trusted code only.
func scopedWrite(writers ...auth.Role) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m gen.Mutation) error {
		v := auth.FromContext(ctx)
		allowed := false
		for _, r := range writers {
			allowed = allowed || v.Role == r
		}
		if !allowed {
			return privacy.Denyf("role may not write %s", m.Type())
		}
		if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne | ent.OpDeleteOne) {
			return privacy.Denyf("bulk writes are not allowed")
		}
		if err := checkWrite(ctx, m); err != nil {
			return err
		}
		return privacy.Allow
	})
}

// regulatorUpdates lets a regulator update a record in its region under
// the same scope checks as any write, changing only the fields it names
// (ent names: set lists the fields it may set, cleared those it may clear;
// updated_at follows every update). Setting any other field to a new value,
// or clearing it, is FORBIDDEN on that input field; setting it to the value
// it holds is no change (an import re-sends whole rows). The stored row's
// scope is checked first, so nothing is compared for a row the viewer may
// not write. Every other mutation is left to the next rule. The rest of the
// record is the case record institution staff keep (README "Roles").
func regulatorUpdates(set, cleared []string) privacy.MutationRule {
	scoped := scopedWrite(regulatorWriters...)
	mayChange := func(names []string, extra ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range append(names, extra...) {
			m[n] = true
		}
		return m
	}
	maySet, mayClear := mayChange(set, "updated_at"), mayChange(cleared)
	return privacy.MutationRuleFunc(func(ctx context.Context, m gen.Mutation) error {
		if !auth.FromContext(ctx).IsRegulator() || !m.Op().Is(ent.OpUpdateOne) {
			return privacy.Skip
		}
		if err := scoped.EvalMutation(ctx, m); !errors.Is(err, privacy.Allow) {
			return err
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		for _, f := range m.Fields() {
			if maySet[f] {
				continue
			}
			v, _ := m.Field(f)
			old, err := m.OldField(sys, f)
			if err != nil {
				return fmt.Errorf("regulator update of %s: %w", m.Type(), err)
			}
			if !sameValue(old, v) {
				return forbidden(f, "is not a change a regulator may make to this record")
			}
		}
		for _, f := range m.ClearedFields() {
			if mayClear[f] {
				continue
			}
			old, err := m.OldField(sys, f)
			if err != nil {
				return fmt.Errorf("regulator update of %s: %w", m.Type(), err)
			}
			if rv := reflect.ValueOf(old); old != nil && !(rv.Kind() == reflect.Pointer && rv.IsNil()) {
				return forbidden("clear"+pascal(f), "is not a change a regulator may make to this record")
			}
		}
		return privacy.Allow
	})
}

// sameValue reports whether a field's new value equals its stored one
// (times by instant, pointers by what they point to).
func sameValue(old, v any) bool {
	if rv := reflect.ValueOf(old); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return false // a value set where none was
		}
		old = rv.Elem().Interface()
	}
	if a, ok := old.(time.Time); ok {
		b, ok := v.(time.Time)
		return ok && a.Equal(b)
	}
	return reflect.DeepEqual(old, v)
}

// policy assembles a type's policy: one read rule and the writers.
func policy(read privacy.QueryRule, writers ...auth.Role) ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{read},
		Mutation: privacy.MutationPolicy{scopedWrite(writers...)},
	}
}

// systemOnly denies every viewer: only trusted server code (with an Allow
// decision in its context) reads or writes.
func systemOnly() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{privacy.AlwaysDenyRule()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// auditPolicy: province regulators read the audit trail of their region;
// only the server appends to it.
func auditPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{auditScope()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// auditScope lets a PROVINCE_REGULATOR read the audit rows of the viewers
// inside its region, as every other row type is scoped: a staff member's
// row (institution_id set) by the region of that institution, any other
// row by the region code of the viewer who read (a regulator's scope). A
// staff token's own region claim is not trusted for this, its institution
// is. Rows with neither (the server's own, e.g. the retention purge, which
// spans every region) lie in no viewer's region and are read in the
// database only. Both tests are in the statement, so counts and pages agree.
func auditScope() privacy.QueryRule {
	return privacy.AuditLogQueryRuleFunc(func(ctx context.Context, q *gen.AuditLogQuery) error {
		v := auth.FromContext(ctx)
		if v.Role != auth.ProvinceRegulator {
			return privacy.Denyf("role may not read this")
		}
		prefix, ok := v.RegionPrefix()
		if !ok {
			return errNoScope
		}
		q.Where(func(s *sql.Selector) {
			inst, reg := sql.Table(institution.Table), sql.Table(region.Table)
			inRegion := sql.Dialect(s.Dialect()).
				Select(inst.C(institution.FieldID)).
				From(inst).
				Join(reg).
				On(inst.C(institution.FieldRegionID), reg.C(region.FieldID)).
				Where(codeUnder(reg.C(region.FieldCode), prefix))
			staffID := s.C(auditlog.FieldInstitutionID)
			s.Where(sql.Or(
				sql.And(
					sql.Or(sql.IsNull(staffID), sql.EQ(staffID, 0)),
					codeUnder(s.C(auditlog.FieldRegionCode), prefix),
				),
				sql.In(staffID, inRegion),
			))
		})
		return privacy.Allow
	})
}

// noWherePredicate removes an edge's has…/has…With predicates from the
// source type's where input. ent runs no privacy rule inside an edge
// predicate, so a predicate over a target that some viewer may read less of
// than the source would let that viewer count or find rows it cannot read
// (e.g. PUBLIC filtering the directory by hasIncidents). Every edge whose
// target has a stricter row policy than its source carries it (README
// "Security"); the reverse edge, from the stricter type, stays filterable.
var noWherePredicate = entgql.Skip(entgql.SkipWhereInput)
