package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/tuoyu/tuoyu/internal/apperr"
)

// dateSchema stores calendar dates as DATE on PostgreSQL. SQLite has no date
// type; ent's datetime column keeps UTC midnight values that compare correctly.
var dateSchema = map[string]string{dialect.Postgres: "date"}

// dateField is a calendar date (GraphQL Date, YYYY-MM-DD). Values are UTC midnight.
func dateField(name, comment string, ants ...schema.Annotation) ent.Field {
	return field.Time(name).
		SchemaType(dateSchema).
		Comment(comment).
		Annotations(append(ants, entgql.Type("Date"))...)
}

// optionalDateField is dateField that may be null.
func optionalDateField(name, comment string, ants ...schema.Annotation) ent.Field {
	return field.Time(name).
		SchemaType(dateSchema).
		Optional().
		Nillable().
		Comment(comment).
		Annotations(append(ants, entgql.Type("Date"))...)
}

// TimestampsMixin records when a row was created and last changed. The values
// are set by the server; clients cannot write them.
type TimestampsMixin struct{ mixin.Schema }

// Fields of the TimestampsMixin.
func (TimestampsMixin) Fields() []ent.Field {
	readOnly := entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)
	return []ent.Field{
		field.Time("created_at").
			Default(time.Now).
			Immutable().
			Comment("When this record was created.").
			Annotations(readOnly, entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment("When this record was last changed.").
			Annotations(readOnly),
	}
}

// IntervalMixin adds a half-open date interval [From, To) with To optional
// (null = still valid), indexes both ends for KPI filters, and rejects writes
// where To is not after From. Every membership in the model is such an interval.
type IntervalMixin struct {
	mixin.Schema
	From, To               string // field names, e.g. "opened_at", "closed_at"
	FromComment, ToComment string
}

// Fields of the IntervalMixin.
func (m IntervalMixin) Fields() []ent.Field {
	return []ent.Field{
		dateField(m.From, m.FromComment),
		optionalDateField(m.To, m.ToComment),
	}
}

// Indexes of the IntervalMixin: KPIs filter on both ends.
func (m IntervalMixin) Indexes() []ent.Index {
	return []ent.Index{index.Fields(m.From), index.Fields(m.To)}
}

// Hooks of the IntervalMixin.
func (m IntervalMixin) Hooks() []ent.Hook {
	return []ent.Hook{orderedDatesHook(m.From, m.To, false)}
}

// orderedDatesHook rejects a create or update-one that leaves later before
// earlier (or on the same day unless sameDay). When a mutation sets only one
// end, the other is read from the stored row.
func orderedDatesHook(earlier, later string, sameDay bool) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
				return next.Mutate(ctx, m)
			}
			from, okFrom := mutationTime(ctx, m, earlier)
			to, okTo := mutationTime(ctx, m, later)
			switch {
			case !okFrom || !okTo:
			case sameDay && to.Before(from):
				return nil, apperr.Invalid(later, "must not be before "+apperr.GraphQLName(earlier))
			case !sameDay && !to.After(from):
				return nil, apperr.Invalid(later, "must be after "+apperr.GraphQLName(earlier))
			}
			return next.Mutate(ctx, m)
		})
	}
}

// mutationTime returns the value a time field will have after m: the new value
// if m sets it, else the stored value for update-one mutations.
func mutationTime(ctx context.Context, m ent.Mutation, name string) (time.Time, bool) {
	if v, ok := m.Field(name); ok {
		return asTime(v)
	}
	for _, cleared := range m.ClearedFields() {
		if cleared == name {
			return time.Time{}, false
		}
	}
	if m.Op().Is(ent.OpUpdateOne) {
		if v, err := m.OldField(ctx, name); err == nil {
			return asTime(v)
		}
	}
	return time.Time{}, false
}

func asTime(v ent.Value) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t != nil {
			return *t, true
		}
	}
	return time.Time{}, false
}
