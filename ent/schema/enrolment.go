package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// Enrolment (入托) is a child's time-bounded place at an institution.
// A child has at most one FULL_DAY or HALF_DAY enrolment at any time.
type Enrolment struct{ ent.Schema }

// Mixin of the Enrolment.
func (Enrolment) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "start_date", FromComment: "First day in care.",
			To: "end_date", ToComment: "Day the child left (exclusive: not in care on this day); null while enrolled.",
		},
	}
}

// Fields of the Enrolment.
func (Enrolment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("child_id").
			Comment("The enrolled child."),
		field.Int("institution_id").
			Comment("The institution providing care."),
		field.Int("seat_id").
			Optional().
			Nillable().
			Comment("The seat occupied, when the institution assigns seats."),
		field.Enum("service_mode").
			GoType(schematype.ServiceMode("")).
			Annotations(EnumDoc{"FULL_DAY": "全日托 full-day care; counts toward seat usage.", "HALF_DAY": "半日托 half-day care; counts toward seat usage.", "HOURLY": "计时托 care by the hour; does not occupy a seat in SEAT_USAGE_RATE.", "TEMPORARY": "临时托 occasional care; does not occupy a seat in SEAT_USAGE_RATE."}).
			Comment("FULL_DAY 全日托, HALF_DAY 半日托, HOURLY 计时托 or TEMPORARY 临时托.").
			Annotations(entgql.Type("ServiceMode")),
		field.Enum("exit_reason").
			Values("KINDERGARTEN", "MOVED", "PARENT_CHOICE", "HEALTH", "OTHER").
			Optional().
			Nillable().
			Annotations(EnumDoc{"KINDERGARTEN": "Moved on to kindergarten.", "MOVED": "The family moved away.", "PARENT_CHOICE": "The parents withdrew the child.", "HEALTH": "Left for health reasons.", "OTHER": "Any other reason."}).
			Comment("Why the child left, when end_date is set.").
			Annotations(entgql.Type("ExitReason")),
	}
}

// Edges of the Enrolment.
func (Enrolment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("child", Child.Type).
			Ref("enrolments").
			Field("child_id").
			Unique().
			Required().
			Comment("The enrolled child.").
			// createEnrolment takes childID or childIdNumber (tuoyu.graphql).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput)),
		edge.From("institution", Institution.Type).
			Ref("enrolments").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution providing care."),
		edge.From("seat", Seat.Type).
			Ref("enrolments").
			Field("seat_id").
			Unique().
			Comment("The seat occupied, if any."),
	}
}

// Indexes of the Enrolment.
func (Enrolment) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("child_id"),
		index.Fields("institution_id"),
		index.Fields("seat_id"),
	}
}

// Hooks of the Enrolment.
func (Enrolment) Hooks() []ent.Hook {
	// kpistore keeps the precomputed DAILY_CHECK_RATE data exact in the
	// writing transaction (a child's checks count where it is in care).
	return []ent.Hook{
		hook.On(noOverlappingCare, ent.OpCreate|ent.OpUpdateOne),
		hook.On(seatOfTheInstitution, ent.OpCreate|ent.OpUpdateOne),
		kpistore.EnrolmentHook,
	}
}

// Policy of the Enrolment: see policy.go.
func (Enrolment) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{scoped[predicate.Enrolment, *gen.EnrolmentQuery](readPersonal, enrolment.HasInstitutionWith)},
		// Staff enrol at their institution; a regulator may end an
		// enrolment in its region, e.g. of a closed institution, or move
		// it to another institution of the region (with a seat of that
		// institution, or none), correct or clear the reason it ended, and
		// change nothing else of it (reopening one is the institution's).
		Mutation: privacy.MutationPolicy{
			regulatorUpdates(
				[]string{enrolment.FieldEndDate, enrolment.FieldExitReason, enrolment.FieldInstitutionID, enrolment.FieldSeatID},
				[]string{enrolment.FieldSeatID, enrolment.FieldExitReason},
			),
			scopedWrite(staffWriters...),
		},
	}
}

// Annotations of the Enrolment.
func (Enrolment) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A child's enrolment (入托) at an institution over [startDate, endDate) in one service mode; a child has at most one FULL_DAY or HALF_DAY enrolment on any day."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
