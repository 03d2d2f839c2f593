package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// KpiChildFact is precomputed per-child KPI data (internal/kpi/kpistore):
// the date of the child's first ENTRY_EXAM health record, which
// HEALTH_RECORD_RATE tests against the as-of day. A child without an entry
// exam has no row. The HealthRecord hooks keep it exact in the writing
// transaction. Derived data: never exposed, never edited by hand.
type KpiChildFact struct{ ent.Schema }

// Fields of the KpiChildFact.
func (KpiChildFact) Fields() []ent.Field {
	return []ent.Field{
		field.Int("child_id").
			Comment("The child (no foreign key: derived data, rebuilt from the registry)."),
		dateField("first_entry_exam", "Date of the child's earliest ENTRY_EXAM health record."),
	}
}

// Indexes of the KpiChildFact: one row per child.
func (KpiChildFact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("child_id").Unique()}
}

// Policy of the KpiChildFact: only trusted server code reads or writes it.
func (KpiChildFact) Policy() ent.Policy { return systemOnly() }

// Annotations of the KpiChildFact.
func (KpiChildFact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Precomputed per-child KPI data (first ENTRY_EXAM date for HEALTH_RECORD_RATE), kept exact by the HealthRecord hooks (internal/kpi/kpistore); internal, never exposed."),
		entsql.Table(kpistore.ChildFactTable),
		entgql.Skip(entgql.SkipAll),
	}
}
