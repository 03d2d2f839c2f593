package schema

import (
	"context"
	"time"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/bulkload"
)

// This file holds the cross-row rules that need the generated client. Each
// costs one query per mutation, so trusted bulk loads (bulkload.With) skip
// them and guarantee the rule themselves.

// noOverlappingCare rejects a FULL_DAY or HALF_DAY enrolment that overlaps
// another FULL_DAY or HALF_DAY enrolment of the same child (design.md §2).
func noOverlappingCare(next gen.Mutator) gen.Mutator {
	return hook.EnrolmentFunc(func(ctx context.Context, m *gen.EnrolmentMutation) (gen.Value, error) {
		if bulkload.From(ctx) {
			return next.Mutate(ctx, m)
		}
		span, err := enrolmentSpanOf(ctx, m)
		if err != nil {
			return nil, err
		}
		if !span.careMode() {
			return next.Mutate(ctx, m)
		}
		// The rule spans institutions the viewer may not see: check as the system.
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		q := m.Client().Enrolment.Query().Where(
			enrolment.ChildID(span.child),
			enrolment.ServiceModeIn(schematype.ServiceModeFullDay, schematype.ServiceModeHalfDay),
			enrolment.Or(enrolment.EndDateIsNil(), enrolment.EndDateGT(span.start)),
		)
		if span.end != nil {
			q.Where(enrolment.StartDateLT(*span.end))
		}
		if id, ok := m.ID(); ok {
			q.Where(enrolment.IDNEQ(id))
		}
		overlap, err := q.Exist(sys)
		if err != nil {
			return nil, err
		}
		if overlap {
			return nil, &apperr.FieldError{
				Field:   "start_date",
				Message: "overlaps another full-day or half-day enrolment of this child",
				Kind:    apperr.ErrConflict,
			}
		}
		return next.Mutate(ctx, m)
	})
}

// enrolmentSpan is what the overlap rule needs of an enrolment after the mutation.
type enrolmentSpan struct {
	child int
	mode  schematype.ServiceMode
	start time.Time
	end   *time.Time
}

func (s enrolmentSpan) careMode() bool {
	return s.mode == schematype.ServiceModeFullDay || s.mode == schematype.ServiceModeHalfDay
}

// enrolmentSpanOf merges the mutation's new values over the stored row.
func enrolmentSpanOf(ctx context.Context, m *gen.EnrolmentMutation) (enrolmentSpan, error) {
	var s enrolmentSpan
	if m.Op().Is(gen.OpUpdateOne) {
		id, _ := m.ID()
		old, err := m.Client().Enrolment.Get(privacy.DecisionContext(ctx, privacy.Allow), id)
		if err != nil {
			return s, err
		}
		s = enrolmentSpan{child: old.ChildID, mode: old.ServiceMode, start: old.StartDate, end: old.EndDate}
	}
	if v, ok := m.ChildID(); ok {
		s.child = v
	}
	if v, ok := m.ServiceMode(); ok {
		s.mode = v
	}
	if v, ok := m.StartDate(); ok {
		s.start = v
	}
	if v, ok := m.EndDate(); ok {
		s.end = &v
	}
	if m.EndDateCleared() {
		s.end = nil
	}
	return s, nil
}

// notBanned rejects hiring (or re-identifying) a person whose ID-card hash is
// on the lifetime ban list (终身禁入, 国办发〔2019〕15号).
func notBanned(next gen.Mutator) gen.Mutator {
	return hook.StaffFunc(func(ctx context.Context, m *gen.StaffMutation) (gen.Value, error) {
		hash, ok := m.IDNumberHash()
		if !ok || bulkload.From(ctx) {
			return next.Mutate(ctx, m)
		}
		// Staff may not read the ban list; the check runs as the system.
		banned, err := m.Client().BanListEntry.Query().Where(banlistentry.IDNumberHash(hash)).Exist(privacy.DecisionContext(ctx, privacy.Allow))
		if err != nil {
			return nil, err
		}
		if banned {
			return nil, &apperr.FieldError{
				Field:   "id_number",
				Message: "belongs to a person on the lifetime ban list (终身禁入), who may not be hired",
				Kind:    apperr.ErrForbidden,
			}
		}
		return next.Mutate(ctx, m)
	})
}

// dailyCheckInCare: an API caller records a DAILY_CHECK (晨午检) only for a
// child in care at the institution on that day, i.e. with an enrolment there
// that has started and not ended, as recordDailyChecks and the import
// require. Other kinds (an entry exam before the first day, a screening)
// are not bound to an enrolment. Trusted code that decided Allow (the
// import and recordDailyChecks, which check a whole file or class at once;
// loaders of stored data) is not checked row by row.
func dailyCheckInCare(next gen.Mutator) gen.Mutator {
	return hook.HealthRecordFunc(func(ctx context.Context, m *gen.HealthRecordMutation) (gen.Value, error) {
		if d, trusted := privacy.DecisionFromContext(ctx); (trusted && d == nil) || bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		kind, _ := m.Kind()
		child, _ := m.ChildID()
		inst, _ := m.InstitutionID()
		day, _ := m.Date()
		if m.Op().Is(gen.OpUpdateOne) {
			id, _ := m.ID()
			old, err := m.Client().HealthRecord.Get(sys, id)
			if err != nil {
				return nil, err
			}
			if _, ok := m.Kind(); !ok {
				kind = old.Kind
			}
			if _, ok := m.ChildID(); !ok {
				child = old.ChildID
			}
			if _, ok := m.InstitutionID(); !ok {
				inst = old.InstitutionID
			}
			if _, ok := m.Date(); !ok {
				day = old.Date
			}
		}
		if kind != healthrecord.KindDAILY_CHECK {
			return next.Mutate(ctx, m)
		}
		inCare, err := m.Client().Enrolment.Query().Where(
			enrolment.ChildID(child),
			enrolment.InstitutionID(inst),
			enrolment.StartDateLTE(day),
			enrolment.Or(enrolment.EndDateIsNil(), enrolment.EndDateGT(day)),
		).Exist(sys)
		if err != nil {
			return nil, err
		}
		if !inCare {
			return nil, &apperr.FieldError{
				Field:   "child_id",
				Message: "is not in care at the institution on that day: a DAILY_CHECK needs an enrolment there that has started and not ended",
				Kind:    apperr.ErrForbidden,
			}
		}
		return next.Mutate(ctx, m)
	})
}

// seatOfTheInstitution rejects an enrolment whose seat belongs to another
// institution: on create, and on an update that moves the enrolment or
// changes its seat. A regulator moving an enrolment to another institution
// gives that institution's seat, or clears the seat.
func seatOfTheInstitution(next gen.Mutator) gen.Mutator {
	return hook.EnrolmentFunc(func(ctx context.Context, m *gen.EnrolmentMutation) (gen.Value, error) {
		inst, instSet := m.InstitutionID()
		seat, seatSet := m.SeatID()
		if bulkload.From(ctx) || (m.Op().Is(gen.OpUpdateOne) && !instSet && !seatSet) {
			return next.Mutate(ctx, m)
		}
		// The seat may belong to an institution the viewer may not read.
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		if m.Op().Is(gen.OpUpdateOne) {
			id, _ := m.ID()
			old, err := m.Client().Enrolment.Get(sys, id)
			if err != nil {
				return nil, err
			}
			if !instSet {
				inst = old.InstitutionID
			}
			if !seatSet && !m.SeatCleared() && old.SeatID != nil {
				seat, seatSet = *old.SeatID, true
			}
		}
		if !seatSet {
			return next.Mutate(ctx, m)
		}
		s, err := m.Client().Seat.Get(sys, seat)
		if gen.IsNotFound(err) {
			return next.Mutate(ctx, m) // the foreign key refuses it, on the seat's field
		}
		if err != nil {
			return nil, err
		}
		if s.InstitutionID != inst {
			field := "seat_id"
			if !m.SeatCleared() && instSet {
				if _, newSeat := m.SeatID(); !newSeat {
					field = "institution_id" // the move left the old institution's seat behind
				}
			}
			return nil, apperr.Invalid(field, "the enrolment's seat must be a seat of its institution: give a seat of the new institution, or clearSeat")
		}
		return next.Mutate(ctx, m)
	})
}

// noRegionCycle rejects a parent that would make a region its own parent
// or ancestor. Only an update can (a new region has nothing below it); the
// walk up from the new parent costs one query per level (at most five).
func noRegionCycle(next gen.Mutator) gen.Mutator {
	return hook.RegionFunc(func(ctx context.Context, m *gen.RegionMutation) (gen.Value, error) {
		parent, set := m.ParentID()
		id, hasID := m.ID()
		if bulkload.From(ctx) || !set || !hasID {
			return next.Mutate(ctx, m)
		}
		// Regions are public, but walk as the system all the same.
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		for range 16 {
			if parent == id {
				return nil, apperr.Invalid("parent_id", "would make the region its own parent or ancestor; a region's parent must be a region above it")
			}
			p, err := m.Client().Region.Query().Where(region.ID(parent)).Select(region.FieldParentID).Only(sys)
			if gen.IsNotFound(err) {
				break // the foreign key refuses it
			}
			if err != nil {
				return nil, err
			}
			if p.ParentID == nil {
				break
			}
			parent = *p.ParentID
		}
		return next.Mutate(ctx, m)
	})
}
