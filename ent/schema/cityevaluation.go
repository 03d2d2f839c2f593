package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// CityEvaluation is one city's self-evaluation for one year against its
// province's scheme, and the province's review of it:
// DRAFT → SUBMITTED → REVIEWED.
type CityEvaluation struct{ ent.Schema }

// Mixin of the CityEvaluation.
func (CityEvaluation) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the CityEvaluation.
func (CityEvaluation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("scheme_id").
			Comment("The scheme evaluated against."),
		field.Int("region_id").
			Comment("The city (设区的市) evaluated."),
		field.Int("year").
			Range(2000, 2200).
			Comment("The year evaluated; KPIs are taken as of 31 December (or today, for the current year)."),
		field.Enum("status").
			Values("DRAFT", "SUBMITTED", "REVIEWED").
			Default("DRAFT").
			Annotations(EnumDoc{"DRAFT": "The city's regulators are filling it in.", "SUBMITTED": "Submitted to the province; the city can no longer edit it.", "REVIEWED": "The province has scored every item; final."}).
			Comment("DRAFT, SUBMITTED or REVIEWED."),
		field.Time("submitted_at").Optional().Nillable().Comment("When the city submitted it."),
		field.String("submitted_by").MaxLen(200).Optional().Comment("Subject of the city regulator who submitted it."),
		field.Time("reviewed_at").Optional().Nillable().Comment("When the province completed the review."),
		field.String("reviewed_by").MaxLen(200).Optional().Comment("Subject of the province regulator who completed the review."),
	}
}

// Edges of the CityEvaluation.
func (CityEvaluation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("scheme", EvaluationScheme.Type).
			Field("scheme_id").
			Unique().
			Required().
			Comment("The scheme evaluated against."),
		edge.To("region", Region.Type).
			Field("region_id").
			Unique().
			Required().
			Comment("The city evaluated."),
		edge.To("items", CityEvaluationItem.Type).
			Comment("One row per scheme item."),
	}
}

// Indexes of the CityEvaluation.
func (CityEvaluation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("region_id", "year").Unique(),
		// Every foreign key is indexed: a scheme's deletion checks its
		// evaluations without scanning them.
		index.Fields("scheme_id"),
	}
}

// Policy of the CityEvaluation: evaluationpolicy.go.
func (CityEvaluation) Policy() ent.Policy { return evaluationPolicy(cityInScope("region_id")) }

// Annotations of the CityEvaluation.
func (CityEvaluation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A city's demonstration-city self-evaluation for one year and the province's review of it (DRAFT → SUBMITTED → REVIEWED)."),
		entgql.Skip(entgql.SkipAll),
	}
}
