package schema

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// Complaint is a complaint received about an institution.
type Complaint struct{ ent.Schema }

// Mixin of the Complaint.
func (Complaint) Mixin() []ent.Mixin {
	return []ent.Mixin{TimestampsMixin{}}
}

// Fields of the Complaint.
func (Complaint) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution complained about."),
		dateField("received_at", "Day the complaint was received.", entgql.OrderField("RECEIVED_AT")),
		optionalDateField("closed_at", "Day it was closed; null while open."),
		field.Enum("channel").
			Values("HOTLINE", "ONLINE", "LETTER", "VISIT", "OTHER").
			Annotations(EnumDoc{"HOTLINE": "By telephone hotline (12345 or 12320).", "ONLINE": "Through an online portal or app.", "LETTER": "By letter.", "VISIT": "In person at the commission.", "OTHER": "Any other channel."}).
			Comment("How it arrived: HOTLINE (12345/12320), ONLINE, LETTER, VISIT, OTHER.").
			Annotations(entgql.Type("ComplaintChannel")),
		field.String("category").
			NotEmpty().
			MaxLen(100).
			Comment("Subject, e.g. 安全, 收费, 卫生."),
		optionalDateField("due_on", "Handling deadline (办结期限): the complaint should be closed on or before this day. Defaults to received_at + 15 working days of the official calendar (the common 12345-hotline limit; a local rule may set another day). Clearing it (clearDueOn) restores the default; moving receivedAt moves a default deadline with it and keeps a given one (a receipt after a given deadline is BAD_USER_INPUT on receivedAt). A receipt in a year the calendar does not cover gets CALENDAR_UNKNOWN. A complaint still open after it is overdue."),
		field.Enum("outcome").
			Values("SUBSTANTIATED", "PARTLY_SUBSTANTIATED", "UNSUBSTANTIATED", "REFERRED", "WITHDRAWN").
			Optional().
			Nillable().
			Annotations(EnumDoc{
				"SUBSTANTIATED":        "属实: the complaint was founded; findings or sanctions may follow.",
				"PARTLY_SUBSTANTIATED": "部分属实: partly founded.",
				"UNSUBSTANTIATED":      "不属实: not founded.",
				"REFERRED":             "转办: handed to the competent authority (e.g. market regulation, fire service).",
				"WITHDRAWN":            "撤回: withdrawn by the complainant.",
			}).
			Comment("Outcome of the handling; required when closed_at is set, and only then.").
			Annotations(entgql.Type("ComplaintOutcome")),
		field.String("resolution").
			MaxLen(2000).
			Optional().
			Comment("How it was resolved."),
	}
}

// Edges of the Complaint.
func (Complaint) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("complaints").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution complained about."),
	}
}

// Indexes of the Complaint.
func (Complaint) Indexes() []ent.Index {
	return []ent.Index{index.Fields("institution_id"), index.Fields("received_at"), index.Fields("due_on")}
}

// Hooks of the Complaint.
func (Complaint) Hooks() []ent.Hook {
	return []ent.Hook{
		// complaintDueOn first: it fills a default deadline the order check then sees.
		complaintDueOn,
		receivedNotAfter("closed_at"),
		receivedNotAfter("due_on"),
		complaintOutcome,
	}
}

// ComplaintHandlingDays is the default handling deadline of a complaint in
// working days after its receipt: the limit most 12345 hotlines apply. No
// seed document sets one; a region with another rule sets due_on itself.
const ComplaintHandlingDays = 15

// complaintOutcome: a closed complaint has an outcome and an open one has
// none. Checked when a mutation touches either field, so older closed rows
// without an outcome stay editable.
func complaintOutcome(next gen.Mutator) gen.Mutator {
	return hook.ComplaintFunc(func(ctx context.Context, m *gen.ComplaintMutation) (gen.Value, error) {
		_, setClosed := m.ClosedAt()
		_, setOutcome := m.Outcome()
		if bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) ||
			!(setClosed || setOutcome || m.ClosedAtCleared() || m.OutcomeCleared()) {
			return next.Mutate(ctx, m)
		}
		_, closed := mutationTime(ctx, m, "closed_at")
		hasOutcome := setOutcome
		if !setOutcome && !m.OutcomeCleared() && m.Op().Is(gen.OpUpdateOne) {
			old, err := m.OldOutcome(ctx)
			if err != nil {
				return nil, err
			}
			hasOutcome = old != nil
		}
		switch {
		case closed && !hasOutcome:
			return nil, apperr.Invalid("outcome", "is required when the complaint is closed")
		case !closed && hasOutcome:
			return nil, apperr.Invalid("closed_at", "is required when an outcome is given")
		}
		return next.Mutate(ctx, m)
	})
}

// complaintDueOn keeps the handling deadline of a complaint at its default,
// ComplaintHandlingDays working days after receipt on the official
// calendar, unless one is given:
//
//   - a new complaint without due_on gets the default;
//   - clearing due_on (clearDueOn) restores the default rather than
//     leaving none: a complaint without a deadline is never overdue and
//     drops out of COMPLAINT_ON_TIME_RATE, which would flatter both;
//   - moving received_at moves a default deadline with it; a deadline that
//     was given explicitly (it differs from the default of the stored
//     receipt) stays, and receivedNotAfter refuses a receipt after it.
//
// A receipt day the calendar does not cover is refused
// (workday.ErrUnknownYear, CALENDAR_UNKNOWN) rather than guessed.
func complaintDueOn(next gen.Mutator) gen.Mutator {
	return hook.ComplaintFunc(func(ctx context.Context, m *gen.ComplaintMutation) (gen.Value, error) {
		if bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		if _, given := m.DueOn(); given {
			return next.Mutate(ctx, m)
		}
		received, moved := m.ReceivedAt()
		var cal *workday.Calendar
		switch {
		case m.Op().Is(gen.OpCreate):
			if !moved {
				return next.Mutate(ctx, m) // received_at is required: ent reports it
			}
		case m.DueOnCleared():
			if !moved {
				old, err := m.OldReceivedAt(ctx)
				if err != nil {
					return nil, fmt.Errorf("complaint due_on: %w", err)
				}
				received = old
			}
		case moved:
			var (
				isDefault bool
				err       error
			)
			cal, isDefault, err = defaultDueOnStored(ctx, m)
			if err != nil {
				return nil, err
			}
			if !isDefault {
				return next.Mutate(ctx, m)
			}
		default:
			return next.Mutate(ctx, m)
		}
		if cal == nil {
			var err error
			if cal, err = workday.Load(ctx, m.Client()); err != nil {
				return nil, err
			}
		}
		due, err := cal.Add(received, ComplaintHandlingDays)
		if err != nil {
			return nil, fmt.Errorf("complaint due_on: %w", err)
		}
		m.ResetDueOn() // drops a clearDueOn: the default replaces it
		m.SetDueOn(due)
		return next.Mutate(ctx, m)
	})
}

// defaultDueOnStored reports whether the stored due_on of the complaint m
// updates is the default of its stored received_at. A stored receipt the
// calendar does not cover cannot have had a computed default, so its
// deadline counts as given. The calendar is returned for reuse.
func defaultDueOnStored(ctx context.Context, m *gen.ComplaintMutation) (*workday.Calendar, bool, error) {
	oldDue, err := m.OldDueOn(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("complaint due_on: %w", err)
	}
	if oldDue == nil {
		return nil, false, nil
	}
	oldReceived, err := m.OldReceivedAt(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("complaint due_on: %w", err)
	}
	cal, err := workday.Load(ctx, m.Client())
	if err != nil {
		return nil, false, err
	}
	def, err := cal.Add(oldReceived, ComplaintHandlingDays)
	if errors.Is(err, workday.ErrUnknownYear) {
		return cal, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("complaint due_on: %w", err)
	}
	return cal, civil.Of(def).Equal(civil.Of(oldDue.UTC())), nil
}

// receivedNotAfter is orderedDatesHook("received_at", later, true) that
// blames the field the client changed: when a mutation moves received_at
// past a stored later date it did not send, the error names receivedAt, not
// a field the client never wrote.
func receivedNotAfter(later string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !m.Op().Is(ent.OpCreate | ent.OpUpdateOne) {
				return next.Mutate(ctx, m)
			}
			from, okFrom := mutationTime(ctx, m, "received_at")
			to, okTo := mutationTime(ctx, m, later)
			if okFrom && okTo && to.Before(from) {
				if _, sent := m.Field(later); !sent {
					return nil, apperr.Invalid("received_at", "must not be after "+apperr.GraphQLName(later))
				}
				return nil, apperr.Invalid(later, "must not be before receivedAt")
			}
			return next.Mutate(ctx, m)
		})
	}
}

// Policy of the Complaint: see policy.go.
func (Complaint) Policy() ent.Policy {
	return policy(scoped[predicate.Complaint, *gen.ComplaintQuery](readRegistry, complaint.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Complaint.
func (Complaint) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("A complaint received about an institution, from receipt to resolution, with its handling deadline (due_on) and outcome."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
