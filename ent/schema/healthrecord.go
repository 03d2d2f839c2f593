package schema

import (
	"context"
	"fmt"
	"reflect"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// HealthRecord is one health observation of a child at an institution: entry
// exam, periodic check-up, growth monitoring, developmental screening,
// vaccination check or a daily (morning/noon) check. Daily checks make this
// the high-volume table. All of it is sensitive health data.
type HealthRecord struct{ ent.Schema }

// Mixin of the HealthRecord.
func (HealthRecord) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the HealthRecord.
func (HealthRecord) Fields() []ent.Field {
	measurement := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.Int("child_id").
			Comment("The child examined."),
		field.Int("institution_id").
			Comment("The institution where the record was taken."),
		field.Enum("kind").
			Values("ENTRY_EXAM", "CHECKUP", "GROWTH", "DEV_SCREENING", "VACCINATION_CHECK", "DAILY_CHECK").
			Annotations(EnumDoc{"ENTRY_EXAM": "入托体检 entry health exam; counts for HEALTH_RECORD_RATE.", "CHECKUP": "定期体检 periodic check-up.", "GROWTH": "生长监测 growth measurement (height, weight, head).", "DEV_SCREENING": "发育筛查 developmental screening; counts for DEV_SCREENING_RATE within 30 days of a check-point.", "VACCINATION_CHECK": "预防接种查验 vaccination record check.", "DAILY_CHECK": "晨午检 daily health check; session says MORNING or NOON (DAILY_CHECK_RATE counts MORNING)."}).
			Comment("ENTRY_EXAM 入托体检, CHECKUP 定期体检, GROWTH 生长监测, DEV_SCREENING 发育筛查, VACCINATION_CHECK 预防接种查验, DAILY_CHECK 晨午检.").
			Annotations(entgql.Type("HealthRecordKind"), entgql.OrderField("KIND")),
		dateField("date", "Day of the observation.", entgql.OrderField("DATE")),
		field.Enum("session").
			Values("MORNING", "NOON").
			Optional().
			Nillable().
			Annotations(EnumDoc{"MORNING": "晨检 morning check on arrival; counted by DAILY_CHECK_RATE.", "NOON": "午检 noon check."}).
			Comment("For daily checks: MORNING 晨检 or NOON 午检.").
			Annotations(entgql.Type("CheckSession")),
		field.Float("height_cm").
			Range(30, 130).
			Optional().
			Nillable().
			Comment("Height in centimetres.").
			Annotations(measurement),
		field.Float("weight_kg").
			Range(1, 40).
			Optional().
			Nillable().
			Comment("Weight in kilograms.").
			Annotations(measurement),
		field.Float("head_cm").
			Range(25, 60).
			Optional().
			Nillable().
			Comment("Head circumference in centimetres.").
			Annotations(measurement),
		field.Float("temperature_c").
			Range(34, 43).
			Optional().
			Nillable().
			Comment("Body temperature in °C.").
			Annotations(measurement),
		field.Enum("result").
			Values("NORMAL", "ABNORMAL", "REFERRED").
			Default("NORMAL").
			Annotations(EnumDoc{"NORMAL": "Nothing abnormal found.", "ABNORMAL": "Abnormal: followed up at the institution.", "REFERRED": "Referred to a doctor."}).
			Comment("Outcome: NORMAL, ABNORMAL (follow-up at the institution) or REFERRED to a doctor.").
			Annotations(entgql.Type("HealthResult")),
		field.String("notes").
			MaxLen(1000).
			Optional().
			Comment("Free-text notes.").
			Annotations(measurement),
	}
}

// Edges of the HealthRecord.
func (HealthRecord) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("child", Child.Type).
			Ref("health_records").
			Field("child_id").
			Unique().
			Required().
			Annotations(noWherePredicate).
			Comment("The child examined."),
		edge.From("institution", Institution.Type).
			Ref("health_records").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution where the record was taken."),
	}
}

// Indexes of the HealthRecord: the KPI lookups are (child, kind, date) and
// (institution, kind, date); session is included for the morning-check test.
func (HealthRecord) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("child_id", "kind", "date"),
		index.Fields("institution_id", "kind", "date"),
		index.Fields("date"),
		// One daily check per child, day, session and institution:
		// recordDailyChecks updates it when a class is sent again. Other
		// kinds have no session, and NULLs are never equal, so the index
		// constrains daily checks only (a partial index would do the same
		// but PostgreSQL rewrites its predicate, which Atlas then sees as drift).
		index.Fields("institution_id", "child_id", "kind", "date", "session").
			Unique(),
	}
}

// Hooks of the HealthRecord.
func (HealthRecord) Hooks() []ent.Hook {
	// kpistore keeps the precomputed DAILY_CHECK_RATE and
	// HEALTH_RECORD_RATE data exact in the writing transaction.
	return []ent.Hook{sessionMatchesKind, dailyCheckInCare, kpistore.HealthRecordHook}
}

// sessionMatchesKind: a DAILY_CHECK has a session (MORNING or NOON) and no
// other kind has one. The unique index above relies on it: a daily check
// without a session would escape it (NULLs are never equal), and two
// check-ups of one day with a session would collide.
func sessionMatchesKind(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		kind := valueAfter(ctx, m, healthrecord.FieldKind)
		session := valueAfter(ctx, m, healthrecord.FieldSession)
		switch {
		case kind == healthrecord.KindDAILY_CHECK.String() && session == "":
			return nil, apperr.Invalid(healthrecord.FieldSession, "is required for a DAILY_CHECK: MORNING or NOON")
		case kind != healthrecord.KindDAILY_CHECK.String() && session != "":
			return nil, apperr.Invalid(healthrecord.FieldSession, "applies to DAILY_CHECK records only")
		}
		return next.Mutate(ctx, m)
	})
}

// valueAfter is the text of field name after m ("" when null): the new
// value if m sets it, "" if m clears it, else the stored one (updates).
func valueAfter(ctx context.Context, m ent.Mutation, name string) string {
	v, ok := m.Field(name)
	if !ok {
		if m.FieldCleared(name) || !m.Op().Is(ent.OpUpdateOne) {
			return ""
		}
		old, err := m.OldField(ctx, name)
		if err != nil {
			return ""
		}
		v = old
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	return fmt.Sprint(rv.Interface())
}

// Policy of the HealthRecord: see policy.go.
func (HealthRecord) Policy() ent.Policy {
	return policy(scoped[predicate.HealthRecord, *gen.HealthRecordQuery](readPersonal, healthrecord.HasInstitutionWith), staffWriters...)
}

// Annotations of the HealthRecord.
func (HealthRecord) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One health observation of a child at an institution: entry exam, check-up, growth measurement, developmental screening, vaccination check or daily (morning/noon) check."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
