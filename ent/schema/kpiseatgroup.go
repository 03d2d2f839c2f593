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

// KpiSeatGroup is precomputed seat data (internal/kpi/kpistore): an
// institution's seats counted per opening day, closing day, age band and
// inclusive price. Seats of an institution mostly share them, so the seat
// indicators (SEATS_PER_1000, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE) read a
// few rows per institution instead of every seat. The Seat hooks keep it
// exact in the writing transaction. Derived data: never exposed, never
// edited by hand.
type KpiSeatGroup struct{ ent.Schema }

// Fields of the KpiSeatGroup.
func (KpiSeatGroup) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution offering the seats (no foreign key: derived data, rebuilt from the registry)."),
		dateField("opened_at", "The seats' first day."),
		optionalDateField("closed_at", "The day the seats are withdrawn (exclusive); null while open."),
		field.String("age_band").
			Comment("The seats' age band (Seat.age_band)."),
		field.Bool("inclusive").
			Comment("The seats are offered at the inclusive price (Seat.inclusive)."),
		field.Int("seats").
			Comment("How many seats share these values."),
	}
}

// Indexes of the KpiSeatGroup: rewritten per institution.
func (KpiSeatGroup) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id")}
}

// Policy of the KpiSeatGroup: only trusted server code reads or writes it.
func (KpiSeatGroup) Policy() ent.Policy { return systemOnly() }

// Annotations of the KpiSeatGroup.
func (KpiSeatGroup) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Precomputed seat counts per institution, opening and closing day, age band and inclusive price (SEATS_PER_1000, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE), kept exact by the Seat hooks (internal/kpi/kpistore); internal, never exposed."),
		entsql.Table(kpistore.SeatGroupTable),
		entgql.Skip(entgql.SkipAll),
	}
}
