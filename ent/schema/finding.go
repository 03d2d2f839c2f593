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
		optionalDateField("deadline", "Day by which it must be corrected."),
		optionalDateField("corrected_at", "Day the correction was verified; null while open."),
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
	}
}

// Indexes of the Finding.
func (Finding) Indexes() []ent.Index {
	return []ent.Index{index.Fields("inspection_id")}
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
		schema.Comment("One rule violation found in an inspection, with its deadline for correction and the day it was corrected."),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
