package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// APIKey is a BI service account's key. Only a hash of the secret is kept;
// keys are created and revoked with `server apikey`. Never exposed through
// GraphQL.
type APIKey struct{ ent.Schema }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key_id").
			Unique().
			NotEmpty().
			Comment("Public identifier, the <id> of tuoyu_<id>_<secret>."),
		field.String("secret_hash").
			Sensitive().
			NotEmpty().
			Comment("SHA-256 of the secret (256 random bits, so a fast hash is enough)."),
		field.String("name").
			NotEmpty().
			MaxLen(200).
			Comment("What the key is for, e.g. 市卫健委 BI 看板."),
		field.String("role").
			NotEmpty().
			Comment("Role the key acts as (normally BI_SERVICE)."),
		field.String("region_code").
			Comment("GB/T 2260 code of the key's region scope."),
		field.Time("created_at").
			Default(time.Now).
			Immutable(),
		field.Time("revoked_at").
			Optional().
			Nillable().
			Comment("When the key was revoked; a revoked key authenticates nothing."),
	}
}

// Policy of the APIKey: only trusted server code (the CLI, the
// authenticator) reads or writes keys.
func (APIKey) Policy() ent.Policy { return systemOnly() }

// Annotations of the APIKey.
func (APIKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table("api_keys"), entgql.Skip(entgql.SkipAll)}
}
