package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// ServerSecret holds a key the server generated for this database (the PII
// hashing key, the development token secret) when none is configured. It is
// never exposed through GraphQL.
type ServerSecret struct{ ent.Schema }

// Fields of the ServerSecret.
func (ServerSecret) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").
			Unique().
			NotEmpty(),
		field.Bytes("value").
			Sensitive().
			NotEmpty(),
		field.Time("created_at").
			Default(time.Now).
			Immutable(),
	}
}

// Policy of the ServerSecret: see policy.go.
func (ServerSecret) Policy() ent.Policy {
	return systemOnly()
}

// Annotations of the ServerSecret.
func (ServerSecret) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
