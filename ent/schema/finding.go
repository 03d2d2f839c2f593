package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/bulkload"
)

// Finding is one rule violation found in an inspection, with its deadline
// for correction.
type Finding struct{ ent.Schema }

// Mixin of the Finding.
func (Finding) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Finding.
func (Finding) Fields() []ent.Field {
	return []ent.Field{
		field.Int("inspection_id").
			Comment("The inspection that recorded it. Dated on or before the deadline (BAD_USER_INPUT otherwise); a finding reported rectified or verified stays with an inspection of its institution dated on or before rectifiedAt and correctedAt (CONFLICT otherwise)."),
		field.String("rule").
			NotEmpty().
			MaxLen(200).
			Comment("The rule violated, e.g. 托育机构管理规范 第十九条."),
		field.Enum("severity").
			Values("MINOR", "MAJOR", "CRITICAL").
			Annotations(EnumDoc{"MINOR": "Minor: correct by the deadline.", "MAJOR": "Major: correction and follow-up inspection required.", "CRITICAL": "Critical: endangers children; may suspend operation."}).
			Comment("Severity.").
			Annotations(entgql.Type("FindingSeverity")),
		field.String("description").
			MaxLen(2000).
			Optional().
			Comment("What was found."),
		optionalDateField("deadline", "Day by which it must be rectified (整改期限); a finding still OPEN after this day is OVERDUE. Not before the inspection's day (inspectedOn): BAD_USER_INPUT on deadline otherwise."),
		optionalDateField("corrected_at", "Day the rectification was verified by a re-inspection (the inspection's day); null until VERIFIED.",
			entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Enum("status").
			Values("OPEN", "RECTIFIED", "VERIFIED").
			Default("OPEN").
			Annotations(EnumDoc{
				"OPEN":      "Not yet rectified. Past its deadline the finding's state is OVERDUE (derived, not stored).",
				"RECTIFIED": "The institution reported the rectification (markFindingRectified, by its staff) on rectified_at; awaits verification.",
				"VERIFIED":  "A regulator's re-inspection (verifyFinding) confirmed the rectification on corrected_at.",
			}).
			Comment("Stored workflow status: OPEN, RECTIFIED (reported by the institution) or VERIFIED (confirmed by a re-inspection). Set only by markFindingRectified and verifyFinding; OVERDUE is derived (see state).").
			Annotations(entgql.Type("FindingStatus"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		optionalDateField("rectified_at", "Day the institution reports the finding rectified (markFindingRectified); null when it never reported, also after a re-inspection verified the finding without a report (RECTIFICATION_RATE then uses correctedAt). A report dated after the re-inspection that verified the finding is moved back to that re-inspection's day. On time when on or before deadline (RECTIFICATION_RATE). Cleared when a re-inspection rejects the rectification.",
			entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("verified_by_id").
			Optional().
			Nillable().
			Comment("The re-inspection (FOLLOW_UP) that verified the rectification.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Edges of the Finding.
func (Finding) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("inspection", Inspection.Type).
			Ref("findings").
			Field("inspection_id").
			Unique().
			Required().
			Comment("The inspection that recorded it."),
		edge.From("verified_by", Inspection.Type).
			Ref("verified_findings").
			Field("verified_by_id").
			Unique().
			Comment("The re-inspection (FOLLOW_UP) that verified the rectification; null until VERIFIED.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Finding.
func (Finding) Indexes() []ent.Index {
	return []ent.Index{index.Fields("inspection_id"), index.Fields("deadline"), index.Fields("status"), index.Fields("verified_by_id")}
}

// Hooks of the Finding.
func (Finding) Hooks() []ent.Hook {
	return []ent.Hook{findingInspection}
}

// findingInspection keeps a finding consistent with the inspection that
// recorded it when a create or update sets its deadline or its inspection
// (inspectionID): see placeFinding. The inspection's own updates, and
// findings attached through it (findingIDs, addFindingIDs), are checked by
// inspectionKeepsFindings.
func findingInspection(next gen.Mutator) gen.Mutator {
	return hook.FindingFunc(func(ctx context.Context, m *gen.FindingMutation) (gen.Value, error) {
		if bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		inspID, moved := m.InspectionID()
		_, setDeadline := m.Deadline()
		if m.Op().Is(gen.OpUpdateOne) && (moved || setDeadline) {
			old, err := m.OldInspectionID(ctx)
			if err != nil {
				return nil, fmt.Errorf("finding inspection: %w", err)
			}
			if !moved || old == inspID {
				// Not moved (an import re-sends the same inspection): only a new deadline is checked.
				inspID, moved = old, false
			}
		}
		if !moved && !setDeadline {
			return next.Mutate(ctx, m)
		}
		// The write scope (policy) has checked both rows; read them as the
		// system so the check does not depend on what the viewer may read.
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		c := m.Client()
		to, err := c.Inspection.Get(sys, inspID)
		if gen.IsNotFound(err) {
			return next.Mutate(ctx, m) // the write scope or the foreign key reports it
		}
		if err != nil {
			return nil, fmt.Errorf("finding inspection: %w", err)
		}
		if deadline, ok := mutationTime(ctx, m, "deadline"); ok && deadline.Before(to.InspectedOn) {
			if setDeadline {
				return nil, apperr.Invalid("deadline", "must not be before the day of the finding's inspection (inspectedOn)")
			}
			return nil, apperr.Invalid("inspection_id", "names an inspection dated after the finding's deadline")
		}
		if id, ok := m.ID(); ok && moved {
			stored, err := c.Finding.Query().Where(finding.ID(id)).WithInspection().Only(sys)
			if err != nil {
				return nil, fmt.Errorf("finding inspection: %w", err)
			}
			stored.Deadline = nil // checked above with the new value
			if err := placeFinding(stored, to.InstitutionID, to.InspectedOn, "inspection_id"); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// placeFinding checks that the stored finding f (with its inspection
// loaded) may belong to an inspection of institution on day; field is the
// input field that asks for it. The rules:
//
//   - the deadline is not before the inspection's day: a finding recorded
//     with its deadline already past is OVERDUE the moment it exists, and
//     counts as late in RECTIFICATION_RATE (BAD_USER_INPUT);
//   - a finding reported rectified or verified (status RECTIFIED or
//     VERIFIED) stays with its institution, whose staff reported it and
//     whose re-inspection verified it, and its inspection is not dated
//     after rectifiedAt or correctedAt: either would leave a verification
//     or report about another visit (CONFLICT).
func placeFinding(f *gen.Finding, institution int, day time.Time, field string) error {
	if f.Deadline != nil && f.Deadline.Before(day) {
		return apperr.Invalid(field, "would date the finding's inspection after the finding's deadline")
	}
	if f.Status == finding.StatusOPEN {
		return nil
	}
	if f.Edges.Inspection == nil || f.Edges.Inspection.InstitutionID != institution {
		return &apperr.FieldError{Field: field, Kind: apperr.ErrConflict,
			Message: "would move a finding already reported rectified or verified to another institution: its report and verification belong to the first"}
	}
	for _, d := range []*time.Time{f.RectifiedAt, f.CorrectedAt} {
		if d != nil && d.Before(day) {
			return &apperr.FieldError{Field: field, Kind: apperr.ErrConflict,
				Message: "would date a finding's inspection after its reported rectification (rectifiedAt) or verification (correctedAt)"}
		}
	}
	return nil
}

// Policy of the Finding: see policy.go.
func (Finding) Policy() ent.Policy {
	return policy(scoped[predicate.Finding, *gen.FindingQuery](readRegistry, func(ps ...predicate.Institution) predicate.Finding {
		return finding.HasInspectionWith(inspection.HasInstitutionWith(ps...))
	}), regulatorWriters...)
}

// Annotations of the Finding.
func (Finding) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One rule violation found in an inspection, with its rectification deadline (整改期限) and workflow: OPEN, RECTIFIED by the institution, VERIFIED by a regulator's re-inspection; OVERDUE when still OPEN after the deadline."),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
