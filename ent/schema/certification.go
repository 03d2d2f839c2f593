package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/staff"
)

// Certification is a qualification certificate held by a staff member.
type Certification struct{ ent.Schema }

// Mixin of the Certification.
func (Certification) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "issued_at", FromComment: "Day the certificate was issued.",
			To: "expires_at", ToComment: "Day it expires (exclusive); null if it does not expire.",
		},
	}
}

// Fields of the Certification.
func (Certification) Fields() []ent.Field {
	return []ent.Field{
		field.Int("staff_id").
			Comment("The holder."),
		field.Enum("type").
			Values("CHILDCARE_WORKER", "INFANT_CARER", "KINDERGARTEN_TEACHER", "HEALTH_TRAINING", "PRINCIPAL_TRAINING", "NURSE", "DOCTOR", "SECURITY_GUARD").
			Annotations(EnumDoc{"CHILDCARE_WORKER": "保育师 childcare worker certificate (counts as a childcare qualification).", "INFANT_CARER": "育婴员 infant carer certificate (counts as a childcare qualification).", "KINDERGARTEN_TEACHER": "幼儿园教师资格证 kindergarten teacher qualification (counts as a childcare qualification).", "HEALTH_TRAINING": "卫生保健培训合格 health-care training certificate (health staff).", "PRINCIPAL_TRAINING": "负责人岗位培训 principal's post training certificate.", "NURSE": "Nurse's licence (护士执业证书).", "DOCTOR": "Doctor's licence (医师执业证书).", "SECURITY_GUARD": "保安员证 security guard certificate."}).
			Comment("CHILDCARE_WORKER 保育师, INFANT_CARER 育婴员, KINDERGARTEN_TEACHER 幼儿园教师资格证, HEALTH_TRAINING 卫生保健培训合格, PRINCIPAL_TRAINING 负责人岗位培训, NURSE, DOCTOR, SECURITY_GUARD 保安员证.").
			Annotations(entgql.Type("CertificationType"), entgql.OrderField("TYPE")),
		field.Int("level").
			Range(1, 5).
			Optional().
			Nillable().
			Comment("Vocational level 5 (初级) to 1 (高级技师), where the certificate has levels."),
		field.String("number").
			NotEmpty().
			MaxLen(64).
			Comment("Certificate number."),
		field.String("issuer").
			NotEmpty().
			MaxLen(200).
			Comment("Issuing body."),
	}
}

// Edges of the Certification.
func (Certification) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("staff", Staff.Type).
			Ref("certifications").
			Field("staff_id").
			Unique().
			Required().
			Comment("The holder."),
	}
}

// Indexes of the Certification.
func (Certification) Indexes() []ent.Index {
	return []ent.Index{index.Fields("staff_id")}
}

// Policy of the Certification: see policy.go.
func (Certification) Policy() ent.Policy {
	return policy(scoped[predicate.Certification, *gen.CertificationQuery](readPersonal, func(ps ...predicate.Institution) predicate.Certification {
		return certification.HasStaffWith(staff.HasInstitutionWith(ps...))
	}), staffWriters...)
}

// Annotations of the Certification.
func (Certification) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A qualification certificate held by a staff member, valid over [issuedAt, expiresAt): it no longer counts on its expiry day (STAFF_CERTIFICATION_RATE)."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
