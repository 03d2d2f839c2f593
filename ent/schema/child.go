package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"
)

// Child is a child in care. Every child is under 3, so every field here is
// sensitive personal information (PIPL Art. 28). The ID-card number is stored
// only as a keyed hash and a masked display form.
type Child struct{ ent.Schema }

// Mixin of the Child.
func (Child) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Child.
func (Child) Fields() []ent.Field {
	noFilter := entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)
	return []ent.Field{
		field.String("name").
			NotEmpty().
			MaxLen(50).
			Comment("Full name. Sensitive.").
			Annotations(noFilter),
		field.Enum("sex").
			Values("FEMALE", "MALE").
			Annotations(EnumDoc{"FEMALE": "Female.", "MALE": "Male."}).
			Comment("Sex as registered.").
			Annotations(entgql.Type("Sex"), noFilter),
		dateField("birth_date", "Date of birth; ages in months are computed from it. Sensitive.", noFilter),
		field.String("id_number_hash").
			Optional().
			Sensitive().
			Comment("Keyed hash (HMAC-SHA256) of the ID-card number, for matching without storing it.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("id_number_masked").
			Optional().
			Comment("ID-card number with the middle masked (3301**********1234); the clear number is never stored.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("guardian_name").
			Optional().
			MaxLen(50).
			Comment("Name of the guardian to contact. Sensitive.").
			Annotations(noFilter),
		field.String("guardian_phone").
			Optional().
			MaxLen(20).
			Comment("Guardian's phone number. Sensitive.").
			Annotations(noFilter),
		field.Int("residence_region_id").
			Optional().
			Nillable().
			Comment("Region of residence (the lowest known level); used for breakdowns by child region."),
		// Added after the first release: last, so SQLite adds the columns
		// in place instead of rebuilding the table.
		field.Enum("id_document_type").
			Values("RESIDENT_ID", "HK_MACAO_PERMIT", "TAIWAN_PERMIT", "PASSPORT", "OTHER").
			Optional().
			Nillable().
			Comment("Kind of identity document whose number identifies the child: RESIDENT_ID 居民身份证 (18 characters, GB 11643 check character; also the 居住证 of Hong Kong, Macao and Taiwan residents), HK_MACAO_PERMIT 港澳居民来往内地通行证 (H or M and 8 or 10 digits), TAIWAN_PERMIT 台湾居民来往大陆通行证 (8 digits, or 10 digits and an optional letter), PASSPORT (5 to 20 letters and digits), OTHER (4 to 30 letters, digits or hyphens). Null when no number was given. One child per document type and number: registering the same document again is CONFLICT.").
			Annotations(EnumDoc{
				"RESIDENT_ID":     "居民身份证 resident ID card, also the 居住证 of Hong Kong, Macao and Taiwan residents: 18 characters with the GB 11643 check character.",
				"HK_MACAO_PERMIT": "港澳居民来往内地通行证: H or M followed by 8 or 10 digits.",
				"TAIWAN_PERMIT":   "台湾居民来往大陆通行证: 8 digits, or 10 digits and an optional letter.",
				"PASSPORT":        "Passport of a foreign child: 5 to 20 letters and digits.",
				"OTHER":           "Any other identity document: 4 to 30 letters, digits or hyphens.",
			}).
			Annotations(entgql.Type("IDDocumentType"), noFilter),
		field.Int("registered_by_institution_id").
			Optional().
			Nillable().
			Comment("Institution whose staff registered the child; they see it before enrolling it. Never exposed: it would tell who holds the record.").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the Child.
func (Child) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("residence_region", Region.Type).
			Ref("resident_children").
			Field("residence_region_id").
			Unique().
			Comment("Region of residence."),
		edge.To("enrolments", Enrolment.Type).
			Comment("Enrolments of this child.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)),
		edge.To("health_records", HealthRecord.Type).
			Comment("Health records of this child.").
			Annotations(entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of the Child.
func (Child) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("residence_region_id"),
		// One child per identity document (hash of type and number); children
		// without a number have NULL, which unique indexes do not compare.
		index.Fields("id_number_hash").Unique(),
		index.Fields("registered_by_institution_id"),
		index.Fields("birth_date"),
	}
}

// Policy of the Child: see policy.go.
func (Child) Policy() ent.Policy {
	return policy(childScope(), staffWriters...)
}

// Annotations of the Child.
func (Child) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A child in care (under 3). Personal fields are masked for city and province regulators; every read is audited. BI_SERVICE and PUBLIC cannot read children."),
		entsql.Table("children"),
		entgql.RelayConnection(),
		entgql.QueryField("children"),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// Hooks of the Child: kpistore keeps the birth dates copied into the
// precomputed enrolment spans (kpi_child_spans) exact in the writing
// transaction.
func (Child) Hooks() []ent.Hook {
	return []ent.Hook{kpistore.ChildHook}
}
