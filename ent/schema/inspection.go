package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/predicate"
)

// Inspection is a supervisory visit to an institution by a regulator.
type Inspection struct{ ent.Schema }

// Mixin of the Inspection.
func (Inspection) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Inspection.
func (Inspection) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The inspected institution."),
		dateField("inspected_on", "Day of the visit.", entgql.OrderField("INSPECTED_ON")),
		field.Enum("kind").
			Values("ROUTINE", "SPECIAL", "FOLLOW_UP", "COMPLAINT").
			Annotations(EnumDoc{"ROUTINE": "日常 routine inspection.", "SPECIAL": "专项 special (thematic) inspection.", "FOLLOW_UP": "复查 follow-up of earlier findings.", "COMPLAINT": "投诉核查 inspection to verify a complaint."}).
			Comment("ROUTINE 日常, SPECIAL 专项, FOLLOW_UP 复查, COMPLAINT 投诉核查.").
			Annotations(entgql.Type("InspectionKind")),
		field.String("inspector").
			NotEmpty().
			MaxLen(200).
			Comment("Inspecting authority or team."),
		field.Enum("outcome").
			Values("PASSED", "CORRECTIONS_REQUIRED", "FAILED").
			Annotations(EnumDoc{"PASSED": "No violations, or only corrected on the spot.", "CORRECTIONS_REQUIRED": "Findings must be corrected by their deadlines.", "FAILED": "Failed: serious findings; sanctions may follow."}).
			Comment("Overall outcome.").
			Annotations(entgql.Type("InspectionOutcome")),
	}
}

// Edges of the Inspection.
func (Inspection) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("inspections").
			Field("institution_id").
			Unique().
			Required().
			Comment("The inspected institution."),
		edge.To("findings", Finding.Type).
			Comment("Findings recorded during the visit."),
		edge.To("verified_findings", Finding.Type).
			Comment("Earlier findings whose rectification this re-inspection verified (verifyFinding).").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Inspection.
func (Inspection) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id"), index.Fields("inspected_on")}
}

// Policy of the Inspection: see policy.go.
func (Inspection) Policy() ent.Policy {
	return policy(scoped[predicate.Inspection, *gen.InspectionQuery](readRegistry, inspection.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Inspection.
func (Inspection) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A supervisory visit (监督检查) to an institution by a regulator, with its outcome and findings."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
