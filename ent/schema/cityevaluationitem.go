package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
)

// CityEvaluationItem is one row of a city's self-evaluation table: the
// city's self-score (自评分), note and evidence (佐证材料), the score the
// data supports where a rule can decide it, and the province's review.
type CityEvaluationItem struct{ ent.Schema }

// Mixin of the CityEvaluationItem.
func (CityEvaluationItem) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the CityEvaluationItem.
func (CityEvaluationItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("evaluation_id").Comment("The evaluation."),
		field.Int("item_id").Comment("The scheme item scored."),
		field.Float("self_score").Optional().Nillable().Comment("自评分: the city's score, 0 to the item's points; null until scored."),
		field.Text("note").Optional().Comment("The city's explanation of its score."),
		field.JSON("evidence", []schematype.EvaluationEvidence{}).Optional().Comment("佐证材料: supporting documents (metadata)."),
		field.Float("auto_score").Optional().Nillable().Comment("Score the data supports under the item's auto rule; null for items only people judge."),
		field.Text("auto_basis").Optional().Comment("The rule applied and the numbers it used, e.g. 千人口托位数 4.10 < 全省 4.52: −2."),
		field.Float("review_score").Optional().Nillable().Comment("The province's score; null until reviewed."),
		field.Text("review_comment").Optional().Comment("The province reviewer's comment."),
		field.Text("override_reason").Optional().Comment("Why the reviewer's score differs from the data's (auto_score); required then."),
	}
}

// Edges of the CityEvaluationItem.
func (CityEvaluationItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("evaluation", CityEvaluation.Type).
			Ref("items").
			Field("evaluation_id").
			Unique().
			Required().
			Comment("The evaluation."),
		edge.To("item", EvaluationItem.Type).
			Field("item_id").
			Unique().
			Required().
			Comment("The scheme item scored."),
	}
}

// Indexes of the CityEvaluationItem.
func (CityEvaluationItem) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("evaluation_id", "item_id").Unique(),
		// Every foreign key is indexed: a scheme item's deletion checks the
		// scores given to it without scanning them.
		index.Fields("item_id"),
	}
}

// Policy of the CityEvaluationItem: evaluationpolicy.go.
func (CityEvaluationItem) Policy() ent.Policy { return evaluationPolicy(evaluationInScope) }

// Annotations of the CityEvaluationItem.
func (CityEvaluationItem) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One row of a city's self-evaluation table: self-score, note and evidence, the data's pre-filled score with its basis, and the province's review."),
		entgql.Skip(entgql.SkipAll),
	}
}
