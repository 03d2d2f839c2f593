package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/predicate"
)

// InclusiveDesignation is a time-bounded 普惠 (inclusive, affordable)
// designation of an institution by a government at county level or above.
type InclusiveDesignation struct{ ent.Schema }

// Mixin of the InclusiveDesignation.
func (InclusiveDesignation) Mixin() []ent.Mixin {
	return []ent.Mixin{
		TimestampsMixin{},
		IntervalMixin{
			From: "valid_from", FromComment: "First day the designation is valid.",
			To: "valid_to", ToComment: "Day it lapses (exclusive); null while it has no end.",
		},
	}
}

// Fields of the InclusiveDesignation.
func (InclusiveDesignation) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The designated institution."),
		field.Enum("category").
			Values("PUBLIC_INSTITUTION", "SOCIAL_INCLUSIVE", "PUBLIC_KINDERGARTEN_CLASS", "PRIVATE_INCLUSIVE_KINDERGARTEN_CLASS").
			Annotations(EnumDoc{"PUBLIC_INSTITUTION": "公办托育服务机构 publicly run childcare institution.", "SOCIAL_INCLUSIVE": "社会办普惠托育服务机构 privately run institution designated inclusive.", "PUBLIC_KINDERGARTEN_CLASS": "公办幼儿园托班 childcare class of a public kindergarten.", "PRIVATE_INCLUSIVE_KINDERGARTEN_CLASS": "普惠性民办幼儿园托班 childcare class of an inclusive private kindergarten."}).
			Comment("PUBLIC_INSTITUTION 公办托育服务机构, SOCIAL_INCLUSIVE 社会办普惠托育服务机构, PUBLIC_KINDERGARTEN_CLASS 公办幼儿园托班, PRIVATE_INCLUSIVE_KINDERGARTEN_CLASS 普惠性民办幼儿园托班.").
			Annotations(entgql.Type("DesignationCategory")),
		field.String("designated_by").
			NotEmpty().
			MaxLen(200).
			Comment("The designating authority, e.g. 大足区卫生健康委员会."),
	}
}

// Edges of the InclusiveDesignation.
func (InclusiveDesignation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("designations").
			Field("institution_id").
			Unique().
			Required().
			Comment("The designated institution."),
	}
}

// Indexes of the InclusiveDesignation.
func (InclusiveDesignation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id")}
}

// Policy of the InclusiveDesignation: see policy.go.
func (InclusiveDesignation) Policy() ent.Policy {
	return policy(scoped[predicate.InclusiveDesignation, *gen.InclusiveDesignationQuery](readDirectory, inclusivedesignation.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the InclusiveDesignation.
func (InclusiveDesignation) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A 普惠 (inclusive, affordable) designation of an institution, valid over [validFrom, validTo); seats marked inclusive count toward INCLUSIVE_SEAT_SHARE while it holds."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
