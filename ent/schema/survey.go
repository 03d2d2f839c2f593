package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/tuoyu/tuoyu/internal/apperr"
)

// Survey is one wave of a parent survey in a region, stored as counts
// (never individual answers): the source of SATISFACTION_RATE and
// PARENTING_KNOWLEDGE_RATE.
type Survey struct{ ent.Schema }

// Mixin of the Survey.
func (Survey) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Survey.
func (Survey) Fields() []ent.Field {
	return []ent.Field{
		field.Int("region_id").
			Comment("The surveyed region."),
		field.Enum("kind").
			Values("SATISFACTION", "PARENTING_KNOWLEDGE").
			Annotations(EnumDoc{"SATISFACTION": "满意度 parent satisfaction survey (SATISFACTION_RATE).", "PARENTING_KNOWLEDGE": "科学育儿知识 parenting knowledge survey (PARENTING_KNOWLEDGE_RATE)."}).
			Comment("SATISFACTION 满意度 or PARENTING_KNOWLEDGE 科学育儿知识.").
			Annotations(entgql.Type("SurveyKind")),
		dateField("date", "Day the survey closed; period indicators count it in the period containing this day.", entgql.OrderField("DATE")),
		field.Int("respondents").
			Positive().
			Comment("Number of respondents."),
		field.Int("positive").
			NonNegative().
			Comment("Respondents answering positively (satisfied / meeting the knowledge threshold); at most respondents."),
	}
}

// Edges of the Survey.
func (Survey) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("region", Region.Type).
			Ref("surveys").
			Field("region_id").
			Unique().
			Required().
			Comment("The surveyed region."),
	}
}

// Indexes of the Survey.
func (Survey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id"), index.Fields("date")}
}

// Hooks of the Survey.
func (Survey) Hooks() []ent.Hook {
	return []ent.Hook{positiveWithinRespondents}
}

// positiveWithinRespondents rejects positive > respondents, reading the
// stored value of whichever side an update leaves unchanged. Respondents
// below 1 are left to the field's validator, which runs after hooks: the
// client is then told respondents is wrong, not positive.
func positiveWithinRespondents(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
			pos, okPos := mutationInt(ctx, m, "positive")
			resp, okResp := mutationInt(ctx, m, "respondents")
			if okPos && okResp && resp > 0 && pos > resp {
				return nil, apperr.Invalid("positive", "must not exceed respondents")
			}
		}
		return next.Mutate(ctx, m)
	})
}

// mutationInt is mutationTime for int fields.
func mutationInt(ctx context.Context, m ent.Mutation, name string) (int, bool) {
	if v, ok := m.Field(name); ok {
		i, ok := v.(int)
		return i, ok
	}
	if m.Op().Is(ent.OpUpdateOne) {
		if v, err := m.OldField(ctx, name); err == nil {
			i, ok := v.(int)
			return i, ok
		}
	}
	return 0, false
}

// Policy of the Survey: see policy.go.
func (Survey) Policy() ent.Policy {
	return policy(readAll(), regulatorWriters...)
}

// Annotations of the Survey.
func (Survey) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One wave of a parent survey in a region, as counts of respondents and positive answers: the source of SATISFACTION_RATE and PARENTING_KNOWLEDGE_RATE."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
