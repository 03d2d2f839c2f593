package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/predicate"
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
			Comment("The inspection that recorded it."),
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
		optionalDateField("deadline", "Day by which it must be rectified (整改期限); a finding still OPEN after this day is OVERDUE."),
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
		optionalDateField("rectified_at", "Day the institution reports the finding rectified; on time when on or before deadline (RECTIFICATION_RATE). Cleared when a re-inspection rejects the rectification.",
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
