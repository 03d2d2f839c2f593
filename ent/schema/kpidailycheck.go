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

// KpiDailyCheck is precomputed DAILY_CHECK_RATE data (internal/kpi/kpistore):
// for one institution and one weekday, how many of the FULL_DAY/HALF_DAY
// enrolments active there that day belong to a child with a MORNING daily
// check dated that day (at any institution) — the rate's numerator, summed
// over an institution's weekdays. The hooks of HealthRecord and Enrolment
// keep it exact in the writing transaction; `tuoyu kpi verify` compares it
// with the live definition. Derived data: never exposed, never edited by
// hand.
type KpiDailyCheck struct{ ent.Schema }

// Fields of the KpiDailyCheck.
func (KpiDailyCheck) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution of the enrolments counted (no foreign key: derived data, rebuilt from the registry)."),
		dateField("day", "The weekday (Monday–Friday) counted."),
		field.Int("checked").
			Comment("Care enrolments active at the institution on the day whose child has a MORNING daily check dated that day."),
	}
}

// Indexes of the KpiDailyCheck: one row per institution and day; the
// dashboard reads a period's days.
func (KpiDailyCheck) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("institution_id", "day").Unique(),
		index.Fields("day"),
	}
}

// Policy of the KpiDailyCheck: only trusted server code (the KPI store)
// reads or writes it.
func (KpiDailyCheck) Policy() ent.Policy { return systemOnly() }

// Annotations of the KpiDailyCheck.
func (KpiDailyCheck) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Precomputed DAILY_CHECK_RATE numerator per institution and weekday, kept exact by the HealthRecord and Enrolment hooks (internal/kpi/kpistore); internal, never exposed."),
		entsql.Table(kpistore.DailyCheckTable),
		entgql.Skip(entgql.SkipAll),
	}
}
