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

// KpiScreening is precomputed per-child KPI data (internal/kpi/kpistore):
// the days on which a child has a DEV_SCREENING health record, one row per
// child and day. DEV_SCREENING_RATE reads the screenings of a period's
// windows by date from it: in health_records they are a few in a hundred
// rows, and no index there reaches them by date without walking the daily
// checks (a province's dashboard probed 136k children one by one instead).
// The HealthRecord hooks keep it exact in the writing transaction. Derived
// data: never exposed, never edited by hand.
type KpiScreening struct{ ent.Schema }

// Fields of the KpiScreening.
func (KpiScreening) Fields() []ent.Field {
	return []ent.Field{
		field.Int("child_id").
			Comment("The child (no foreign key: derived data, rebuilt from the registry)."),
		dateField("date", "A day with at least one DEV_SCREENING health record of the child."),
	}
}

// Indexes of the KpiScreening: rewritten per child; read by date range
// (the second index covers the read).
func (KpiScreening) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("child_id", "date").Unique(),
		index.Fields("date", "child_id"),
	}
}

// Policy of the KpiScreening: only trusted server code reads or writes it.
func (KpiScreening) Policy() ent.Policy { return systemOnly() }

// Annotations of the KpiScreening.
func (KpiScreening) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Precomputed DEV_SCREENING days per child (DEV_SCREENING_RATE), kept exact by the HealthRecord hooks (internal/kpi/kpistore); internal, never exposed."),
		entsql.Table(kpistore.ScreeningTable),
		entgql.Skip(entgql.SkipAll),
	}
}
