package schema

import (
	"context"
	"time"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/privacy"
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
