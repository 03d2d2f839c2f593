package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EvaluationItem is one item (指标内容) of an evaluation scheme with its
// points (分值) and its deduction rules as written.
type EvaluationItem struct{ ent.Schema }

// Fields of the EvaluationItem.
func (EvaluationItem) Fields() []ent.Field {
	return []ent.Field{
		field.Int("scheme_id").
			Comment("The scheme the item belongs to."),
		field.Int("section_no").
			Positive().
			Comment("Number of the section, 1 for (一)."),
		field.String("section_name").
			NotEmpty().
			MaxLen(100).
			Comment("Name of the section, e.g. 党政责任."),
		field.Int("section_points").
			Positive().
			Comment("Points of the whole section, e.g. 25."),
		field.Int("item_no").
			Positive().
			Comment("Number of the item within its section."),
		field.Text("content").
			NotEmpty().
			Comment("指标内容: what the city must have done, as written."),
		field.Float("points").
			Positive().
			Comment("分值: the item's maximum score."),
		field.Text("deduction_rules").
			Optional().
			Comment("The deduction (扣分) or award rules as written; empty when the source gives none."),
		field.Enum("auto_rule").
			Values("SEATS_AND_ENROLMENT_VS_PROVINCE", "GUIDANCE_AND_EMPLOYER", "FILING_RATE", "SAFETY_AND_SATISFACTION").
			Optional().
			Nillable().
			Annotations(EnumDoc{
				"SEATS_AND_ENROLMENT_VS_PROVINCE": "千人口托位数 and 入托率 of the city against the province's: −2 for each that is lower.",
				"GUIDANCE_AND_EMPLOYER":           "3 points when the city has an open guidance centre (承担指导功能的普惠性托育机构), 1 more when it has an open employer-run (用人单位办托) institution.",
				"FILING_RATE":                     "备案率 below 100 %: −1 (the item's other rules are judged by people).",
				"SAFETY_AND_SATISFACTION":         "Any safety incident in the year: 0 points; 满意度 below 90 %: −1.",
			}).
			Comment("The rule by which the data pre-fills the item's score; null when only people can judge it."),
	}
}

// Edges of the EvaluationItem.
func (EvaluationItem) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("scheme", EvaluationScheme.Type).
			Ref("items").
			Field("scheme_id").
			Unique().
			Required().
			Comment("The scheme the item belongs to."),
	}
}

// Indexes of the EvaluationItem.
func (EvaluationItem) Indexes() []ent.Index {
	return []ent.Index{index.Fields("scheme_id", "section_no", "item_no").Unique()}
}

// Policy of the EvaluationItem: published reference data.
func (EvaluationItem) Policy() ent.Policy { return referencePolicy() }

// Annotations of the EvaluationItem.
func (EvaluationItem) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One item (指标内容) of an evaluation scheme: its points (分值) and deduction rules as written, and the rule by which data pre-fills it, if any."),
		entgql.Skip(entgql.SkipAll),
	}
}
