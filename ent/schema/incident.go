package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/predicate"
)

// Incident is a safety incident involving children at an institution.
type Incident struct{ ent.Schema }

// Mixin of the Incident.
func (Incident) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Incident.
func (Incident) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("Where it happened."),
		field.Enum("severity").
			Values("MINOR", "SERIOUS", "MAJOR").
			Annotations(EnumDoc{"MINOR": "一般 minor incident.", "SERIOUS": "较大 serious incident.", "MAJOR": "重大 major incident."}).
			Comment("MINOR 一般, SERIOUS 较大, MAJOR 重大.").
			Annotations(entgql.Type("IncidentSeverity")),
		field.String("kind").
			NotEmpty().
			MaxLen(100).
			Comment("Kind of incident, e.g. 跌落, 烫伤, 食物中毒."),
		field.Time("occurred_at").
			Comment("When it happened.").
			Annotations(entgql.OrderField("OCCURRED_AT")),
		field.Time("reported_at").
			Comment("When it was reported to the regulator."),
		field.String("description").
			MaxLen(2000).
			Optional().
			Comment("What happened, without personal data."),
	}
}

// Edges of the Incident.
func (Incident) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("incidents").
			Field("institution_id").
			Unique().
			Required().
			Comment("Where it happened."),
	}
}

// Indexes of the Incident.
func (Incident) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id"), index.Fields("occurred_at")}
}

// Hooks of the Incident.
func (Incident) Hooks() []ent.Hook {
	return []ent.Hook{orderedDatesHook("occurred_at", "reported_at", true)}
}

// Policy of the Incident: see policy.go.
func (Incident) Policy() ent.Policy {
	return policy(scoped[predicate.Incident, *gen.IncidentQuery](readRegistry, incident.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Incident.
func (Incident) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A safety incident involving children at an institution, with its severity and follow-up."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
