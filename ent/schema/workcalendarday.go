package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/ent/privacy"
)

// WorkCalendarDay is one exception to the Monday–Friday week in the official
// working-day calendar (国务院办公厅 holiday notice): a public holiday on a
// weekday, or a make-up workday (调休) on a weekend. A year loaded here
// (loadWorkCalendar) replaces the built-in table of github.com/6tail/lunar-go
// for that year and extends the calendar's last known year.
type WorkCalendarDay struct{ ent.Schema }

// Mixin of the WorkCalendarDay.
func (WorkCalendarDay) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the WorkCalendarDay.
func (WorkCalendarDay) Fields() []ent.Field {
	return []ent.Field{
		dateField("date", "The calendar day."),
		field.Int("year").
			Range(2000, 2200).
			Comment("Calendar year the day was loaded for (its holiday notice's year; a 元旦 holiday may fall in the previous December)."),
		field.Bool("workday").
			Comment("True for a make-up workday (调休上班) on a weekend; false for a public holiday (放假)."),
		field.String("name").
			MaxLen(100).
			Optional().
			Comment("Holiday name, e.g. 国庆节; make-up days carry the holiday they make up for."),
	}
}

// Indexes of the WorkCalendarDay.
func (WorkCalendarDay) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("date").Unique(),
		index.Fields("year"),
	}
}

// Policy of the WorkCalendarDay: the calendar is public; it is written only
// by loadWorkCalendar (internal/workday checks the role) and trusted imports.
func (WorkCalendarDay) Policy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{readAll()},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// Annotations of the WorkCalendarDay.
func (WorkCalendarDay) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One exception to the Monday–Friday week of the official working-day calendar (a holiday on a weekday or a make-up workday on a weekend), loaded by an operator for a year; working-day deadlines use it."),
	}
}
