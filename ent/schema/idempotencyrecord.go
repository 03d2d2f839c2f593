package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyRecord is the stored outcome of a mutation sent with an
// Idempotency-Key header (internal/idempotency): written in the mutation's
// own transaction, so a commit whose acknowledgement was lost is replayed
// rather than executed again. Kept 24 hours. Never exposed through GraphQL.
type IdempotencyRecord struct{ ent.Schema }

// Fields of the IdempotencyRecord.
func (IdempotencyRecord) Fields() []ent.Field {
	return []ent.Field{
		field.String("principal").
			NotEmpty().
			MaxLen(300).
			Comment("Who sent the request (token subject or API key): keys are scoped per principal."),
		field.String("key").
			NotEmpty().
			MaxLen(255).
			Comment("The Idempotency-Key header's value."),
		field.String("document_hash").
			NotEmpty().
			MaxLen(64).
			Comment("SHA-256 (hex) of the document and operation name."),
		field.String("variables_hash").
			NotEmpty().
			MaxLen(64).
			Comment("SHA-256 (hex) of the variables as canonical JSON."),
		field.Bytes("response").
			Optional().
			Sensitive().
			Comment("The JSON response sent the first time; empty while the first request runs."),
		field.Time("created_at").
			Default(time.Now).
			Immutable(),
		field.Time("expires_at").
			Comment("After this the record is ignored and purged."),
	}
}

// Indexes of the IdempotencyRecord.
func (IdempotencyRecord) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("principal", "key").Unique(),
		index.Fields("expires_at"),
	}
}

// Policy of the IdempotencyRecord: only trusted server code (the
// idempotency layer) reads or writes records.
func (IdempotencyRecord) Policy() ent.Policy { return systemOnly() }

// Annotations of the IdempotencyRecord.
func (IdempotencyRecord) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Table("idempotency_records"), entgql.Skip(entgql.SkipAll)}
}
