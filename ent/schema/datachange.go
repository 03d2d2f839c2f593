package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"

	"github.com/tuoyu/tuoyu/internal/dataversion"
)

// DataChange is the data version (internal/dataversion): on PostgreSQL a
// statement trigger on every registry table adds one row per writing
// transaction, in that transaction, so the sum of Changes grows with every
// commit that changes data and with nothing else. The KPI result cache
// keeps an answer only while that sum stays what it was when the answer
// was computed. Rows are folded into one from time to time (the sum
// unchanged). SQLite has no triggers and leaves the table empty. Internal:
// never exposed, never edited by hand.
type DataChange struct{ ent.Schema }

// Fields of the DataChange.
func (DataChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("txid").
			Unique().
			Comment("The writing transaction (txid_current()); 0 for the row the others are folded into."),
		field.Int64("changes").
			Default(1).
			Comment("Writing transactions this row counts: 1, or the folded total."),
	}
}

// Policy of the DataChange: only trusted server code reads or writes it.
func (DataChange) Policy() ent.Policy { return systemOnly() }

// Annotations of the DataChange.
func (DataChange) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("Data version: one row per writing transaction, added by statement triggers (PostgreSQL; internal/dataversion); internal, never exposed."),
		entsql.Table(dataversion.Table),
		entgql.Skip(entgql.SkipAll),
	}
}
