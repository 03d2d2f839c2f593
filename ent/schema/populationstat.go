package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PopulationStat is one year of population figures for one region, the
// denominator of SEATS_PER_1000 (常住人口) and ENROLMENT_RATE (under-3s).
type PopulationStat struct{ ent.Schema }

// Mixin of the PopulationStat.
func (PopulationStat) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the PopulationStat.
func (PopulationStat) Fields() []ent.Field {
	return []ent.Field{
		field.Int("region_id").
			Comment("The region these figures describe."),
		field.Int("year").
			Range(1949, 2200).
			Comment("Statistical year (figures as of year end).").
			Annotations(entgql.OrderField("YEAR")),
		field.Int64("resident_population").
			NonNegative().
			Comment("常住人口: resident population."),
		field.Int64("under3_population").
			NonNegative().
			Comment("Resident children aged under 3."),
		field.Int64("births").
			NonNegative().
			Optional().
			Nillable().
			Comment("Live births in the year, when known."),
		field.String("source").
			MaxLen(200).
			Optional().
			Comment("Where the figures come from, e.g. 统计年鉴 2024."),
	}
}

// Edges of the PopulationStat.
func (PopulationStat) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("region", Region.Type).
			Ref("population_stats").
			Field("region_id").
			Unique().
			Required().
			Comment("The region these figures describe."),
	}
}

// Indexes of the PopulationStat: one row per region and year.
func (PopulationStat) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id", "year").Unique()}
}

// Policy of the PopulationStat: see policy.go.
func (PopulationStat) Policy() ent.Policy {
	return policy(readAll(), regulatorWriters...)
}

// Annotations of the PopulationStat.
func (PopulationStat) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One year of population figures for one region (resident population, children under 3, births): the denominators of SEATS_PER_1000 and ENROLMENT_RATE."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
