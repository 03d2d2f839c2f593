package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// Seat is one filed childcare place (托位). KPIs count seats; a child's
// enrolment may occupy one.
type Seat struct{ ent.Schema }

// Mixin of the Seat.
func (Seat) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "opened_at", FromComment: "First day the seat is offered.",
			To: "closed_at", ToComment: "Day the seat is withdrawn (exclusive); null while open.",
		},
	}
}

// Fields of the Seat.
func (Seat) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution offering the seat."),
		field.Enum("age_band").
			Values("INFANT", "TODDLER", "PRESCHOOL", "MIXED").
			Annotations(EnumDoc{"INFANT": "乳儿班 6–12 months.", "TODDLER": "托小班 12–24 months.", "PRESCHOOL": "托大班 24–36 months.", "MIXED": "混合班 mixed ages, 18 months and older."}).
			Comment("Class type of the seat: INFANT 乳儿班 6–12 months, TODDLER 托小班 12–24, PRESCHOOL 托大班 24–36, MIXED 混合班 18 months and older.").
			Annotations(entgql.Type("AgeBand"), entgql.OrderField("AGE_BAND")),
		field.Bool("inclusive").
			Default(false).
			Comment("Offered at the inclusive (普惠) price. Counts as an inclusive seat only while the institution holds a valid designation."),
	}
}

// Edges of the Seat.
func (Seat) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("seats").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution offering the seat."),
		edge.To("enrolments", Enrolment.Type).
			Comment("Enrolments that occupied this seat.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Seat.
func (Seat) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id")}
}

// Policy of the Seat: see policy.go.
func (Seat) Policy() ent.Policy {
	return policy(scoped[predicate.Seat, *gen.SeatQuery](readDirectory, seat.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Seat.
func (Seat) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One filed childcare place (托位) of an institution, counted by the seat KPIs while open over [openedAt, closedAt) and while its institution is open."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Hooks of the Seat: kpistore keeps the precomputed seat counts
// (kpi_seat_groups) exact in the writing transaction.
func (Seat) Hooks() []ent.Hook {
	return []ent.Hook{kpistore.SeatHook}
}
