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

// Target is a plan target for one indicator in one region, as set by a
// policy document (e.g. 4.5 seats per 1,000 residents by 2025). Values are in
// the indicator's unit: rates as fractions 0..1.
type Target struct{ ent.Schema }

// Mixin of the Target.
func (Target) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Target.
func (Target) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("indicator").
			GoType(schematype.IndicatorKey("")).
			Comment("The indicator the target applies to.").
			Annotations(entgql.Type("IndicatorKey"), entgql.OrderField("INDICATOR")),
		field.Int("region_id").
			Comment("The region the target applies to (covering its descendants)."),
		field.Int("baseline_year").
			Range(1949, 2200).
			Optional().
			Nillable().
			Comment("Year of the baseline value."),
		field.Float("baseline_value").
			Optional().
			Nillable().
			Comment("Baseline value in the indicator's unit."),
		field.Int("target_year").
			Range(1949, 2200).
			Comment("Year by which the target applies; a value as of year Y uses the target with the smallest target_year >= Y.").
			Annotations(entgql.OrderField("TARGET_YEAR")),
		field.Float("target_value").
			Comment("Target value in the indicator's unit (rates as fractions 0..1)."),
		field.Enum("comparator").
			NamedValues( // named, because ComparatorEQ would collide with ent's predicate
				"AtLeast", "GE",
				"Above", "GT",
				"AtMost", "LE",
				"Below", "LT",
				"Exactly", "EQ",
			).
			Default("GE").
			Comment("How a value attains the target: GE ≥, GT >, LE ≤, LT <, EQ =.").
			Annotations(entgql.Type("Comparator")),
		field.String("source").
			NotEmpty().
			MaxLen(300).
			Comment("The policy document, e.g. 大足府办发〔2024〕16号."),
		field.Enum("kind").
			Values("EXPECTED", "BINDING").
			Default("EXPECTED").
			Comment("EXPECTED 预期性 or BINDING 约束性.").
			Annotations(entgql.Type("TargetKind")),
	}
}

// Edges of the Target.
func (Target) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("region", Region.Type).
			Ref("targets").
			Field("region_id").
			Unique().
			Required().
			Comment("The region the target applies to."),
	}
}

// Indexes of the Target: one target per indicator, region and year.
func (Target) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id", "indicator", "target_year").Unique()}
}

// Policy of the Target: see policy.go.
func (Target) Policy() ent.Policy {
	return policy(readAll(), regulatorWriters...)
}

// Annotations of the Target.
func (Target) Annotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
