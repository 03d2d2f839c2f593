package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/staff"
)

// Staff is one person's employment at an institution. Identity data is
// personal information; the ID-card number is stored only hashed and masked.
type Staff struct{ ent.Schema }

// Mixin of the Staff.
func (Staff) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "hired_at", FromComment: "First day of employment.",
			To: "left_at", ToComment: "Day the employment ended (exclusive); null while employed.",
		},
	}
}

// Fields of the Staff.
func (Staff) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(50).
			Comment("Full name. Personal information.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.String("id_number_hash").
			Sensitive().
			NotEmpty().
			Comment("Keyed hash (HMAC-SHA256) of the ID-card number; matched against the ban list on hiring.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("id_number_masked").
			NotEmpty().
			Comment("ID-card number with the middle masked (3301**********1234); the clear number is never stored.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Enum("role").
			Values("PRINCIPAL", "CAREGIVER", "HEALTH", "TEACHER", "SECURITY", "COOK", "OTHER").
			Annotations(EnumDoc{"PRINCIPAL": "负责人 head of the institution.", "CAREGIVER": "保育人员 caregiver; STAFF_CERTIFICATION_RATE counts caregivers.", "HEALTH": "卫生保健人员 health-care staff.", "TEACHER": "教师 teacher.", "SECURITY": "安全保卫 security staff.", "COOK": "炊事 kitchen staff.", "OTHER": "Any other post."}).
			Comment("Post: PRINCIPAL 负责人, CAREGIVER 保育人员, HEALTH 卫生保健人员, TEACHER 教师, SECURITY 安全保卫, COOK 炊事, OTHER.").
			Annotations(entgql.Type("StaffRole"), entgql.OrderField("ROLE")),
		field.Int("institution_id").
			Comment("The employing institution."),
		optionalDateField("health_certificate_valid_until", "Last day the staff member's health certificate (健康证明) is valid."),
	}
}

// Edges of the Staff.
func (Staff) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("staff").
			Field("institution_id").
			Unique().
			Required().
			Comment("The employing institution."),
		edge.To("certifications", Certification.Type).
			Comment("Certificates held.").
			Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Staff.
func (Staff) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("institution_id"),
		index.Fields("id_number_hash"),
		index.Fields("role"),
	}
}

// Hooks of the Staff.
func (Staff) Hooks() []ent.Hook {
	return []ent.Hook{hook.On(notBanned, ent.OpCreate|ent.OpUpdateOne)}
}

// Policy of the Staff: see policy.go.
func (Staff) Policy() ent.Policy {
	return policy(scoped[predicate.Staff, *gen.StaffQuery](readPersonal, staff.HasInstitutionWith), staffWriters...)
}

// Annotations of the Staff.
func (Staff) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One person's employment at an institution over [hiredAt, leftAt), with their post; the ID-card number is kept only as a keyed hash and a masked form."),
		entsql.Table("staff"),
		entgql.RelayConnection(),
		entgql.QueryField("staff"),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
