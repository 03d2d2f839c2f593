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

// KpiChildSpan is precomputed per-child KPI data (internal/kpi/kpistore):
// the days a child is enrolled in a lowest region (the region of the
// institutions), the child's enrolments there merged into disjoint spans,
// with the child's birth date and first entry exam beside them. Counting the
// spans active on a day gives the distinct enrolled children per region
// (ENROLMENT_RATE, HEALTH_RECORD_RATE) without joining enrolments,
// institutions and children or de-duplicating; the care rows (FULL_DAY and
// HALF_DAY enrolments only) give SEAT_USAGE_RATE's numerator. The hooks of
// Enrolment, HealthRecord, Child and Institution keep it exact in the
// writing transaction. Derived data: never exposed, never edited by hand.
type KpiChildSpan struct{ ent.Schema }

// Fields of the KpiChildSpan.
func (KpiChildSpan) Fields() []ent.Field {
	return []ent.Field{
		field.Int("child_id").
			Comment("The child (no foreign key: derived data, rebuilt from the registry)."),
		field.Int("region_id").
			Comment("The region of the institutions of the merged enrolments."),
		field.Bool("care").
			Comment("True: merged FULL_DAY/HALF_DAY enrolments only (SEAT_USAGE_RATE); false: enrolments of every service mode."),
		dateField("start_date", "First day of the span."),
		optionalDateField("end_date", "Day after the span (exclusive); null while an enrolment in it is open."),
		dateField("birth_date", "The child's birth date (ENROLMENT_RATE counts children under 36 months)."),
		optionalDateField("first_entry_exam", "Date of the child's earliest ENTRY_EXAM health record; null without one."),
		field.Bool("shared").
			Comment("The child has spans in more than one region: such children are de-duplicated per requested region when counted."),
	}
}

// Indexes of the KpiChildSpan: rewritten per child; a district's
// evaluation reads its regions' rows (a province's scans the table).
func (KpiChildSpan) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("child_id"),
		index.Fields("region_id", "care", "start_date"),
	}
}

// Policy of the KpiChildSpan: only trusted server code reads or writes it.
func (KpiChildSpan) Policy() ent.Policy { return systemOnly() }

// Annotations of the KpiChildSpan.
func (KpiChildSpan) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Precomputed merged enrolment spans per child and region (ENROLMENT_RATE, HEALTH_RECORD_RATE, SEAT_USAGE_RATE), kept exact by the Enrolment, HealthRecord, Child and Institution hooks (internal/kpi/kpistore); internal, never exposed."),
		entsql.Table(kpistore.ChildSpanTable),
		entgql.Skip(entgql.SkipAll),
	}
}
