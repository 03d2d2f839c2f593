package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EvaluationScheme is a province's indicator system for the national
// demonstration-city (全国婴幼儿照护服务示范城市) evaluation, e.g. Liaoning's
// 100-point 评估指标体系. Reference data: shipped by a seed step and loadable
// for other provinces by their province regulator.
type EvaluationScheme struct{ ent.Schema }

// Mixin of the EvaluationScheme.
func (EvaluationScheme) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the EvaluationScheme.
func (EvaluationScheme) Fields() []ent.Field {
	return []ent.Field{
		field.String("code").
			NotEmpty().
			MaxLen(40).
			Unique().
			Comment("Stable code of the scheme, e.g. LN-2022 (Liaoning, 2022 edition)."),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Comment("Title as published, e.g. 辽宁省开展全国婴幼儿照护服务示范城市创建活动评估指标体系."),
		field.Int("region_id").
			Comment("The province that issued the scheme."),
		field.String("source").
			MaxLen(500).
			Optional().
			Comment("Where the text comes from (document and annex)."),
		field.Int("total_points").
			Positive().
			Comment("Sum of the items' points (100 for Liaoning)."),
	}
}

// Edges of the EvaluationScheme.
func (EvaluationScheme) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("region", Region.Type).
			Field("region_id").
			Unique().
			Required().
			Comment("The issuing province."),
		edge.To("items", EvaluationItem.Type).
			Comment("The scheme's items in section and item order."),
	}
}

// Indexes of the EvaluationScheme: its foreign key, so that a region's
// deletion checks its schemes without scanning them.
func (EvaluationScheme) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id")}
}

// Policy of the EvaluationScheme: published reference data.
func (EvaluationScheme) Policy() ent.Policy { return referencePolicy() }

// Annotations of the EvaluationScheme.
func (EvaluationScheme) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A province's demonstration-city indicator system (评估指标体系): sections of items, each with its points and deduction rules."),
		entgql.Skip(entgql.SkipAll),
	}
}
