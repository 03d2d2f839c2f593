package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// BanListEntry is a lifetime ban from childcare work (终身禁入, 国办发〔2019〕15号).
// Hiring a person whose ID-card hash is on the list fails.
type BanListEntry struct{ ent.Schema }

// Mixin of the BanListEntry.
func (BanListEntry) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the BanListEntry.
func (BanListEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("id_number_hash").
			Sensitive().
			NotEmpty().
			Comment("Keyed hash of the banned person's ID-card number.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("id_number_masked").
			NotEmpty().
			Comment("Masked ID-card number for display.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("basis").
			NotEmpty().
			MaxLen(500).
			Comment("Legal basis and decision reference."),
		dateField("decided_at", "Day the ban was decided."),
	}
}

// Indexes of the BanListEntry.
func (BanListEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("id_number_hash")}
}

// Policy of the BanListEntry: see policy.go.
func (BanListEntry) Policy() ent.Policy {
	return policy(onlyRoles(regulatorWriters...), regulatorWriters...)
}

// Annotations of the BanListEntry.
func (BanListEntry) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A lifetime ban from childcare work (终身禁入, 国办发〔2019〕15号), keyed by the hash of an ID-card number: hiring a person on the list fails with FORBIDDEN."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate()),
	}
}
