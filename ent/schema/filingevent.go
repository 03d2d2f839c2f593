package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
)

// FilingEvent is one status change of a filing (备案), dated, with who made
// it. Rows are written only by the Filing hook (in the transaction of the
// filing change) and by the backfill of existing filings; FILING_RATE as of
// a past day reads the latest event on or before that day, so a later
// cancellation never rewrites an earlier value. The one edit is the Filing
// hook's: when the day field an event reflects is corrected (receipt_at of
// the latest receipt, …), the event's date moves with it and its note
// records the correction, so the history and the filing's days agree (the
// fields stay Immutable for every other writer; the hook sets them through
// an update modifier).
type FilingEvent struct{ ent.Schema }

// Mixin of the FilingEvent.
func (FilingEvent) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the FilingEvent.
func (FilingEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("filing_id").
			Immutable().
			Comment("The filing whose status changed."),
		field.Enum("status").
			Values("SUBMITTED", "RECEIPT_ISSUED", "NOTICE_ISSUED", "CHANGED", "CANCELLED").
			Annotations(EnumDoc{
				"SUBMITTED":      "The institution submitted (or resubmitted) its filing materials; the 5- and 15-working-day deadlines run from this day.",
				"RECEIPT_ISSUED": "The county health commission issued the receipt (回执): the institution counts as filed from this day (FILING_RATE).",
				"NOTICE_ISSUED":  "A non-compliance notice was issued (不符合要求的告知): not filed.",
				"CHANGED":        "The filing was amended (变更备案) after a change of registration: still counts as filed.",
				"CANCELLED":      "The filing was cancelled (注销): not filed from this day on; earlier days keep their status.",
			}).
			Immutable().
			Comment("The status the filing took: SUBMITTED, RECEIPT_ISSUED (filed), NOTICE_ISSUED (non-compliant), CHANGED (filed, amended) or CANCELLED.").
			Annotations(entgql.Type("FilingEventStatus")),
		field.Time("date").
			SchemaType(dateSchema).
			Immutable().
			Comment("Day the change took effect (the submission, receipt, notice, change or cancellation day).").
			Annotations(entgql.Type("Date"), entgql.OrderField("DATE")),
		field.String("actor_subject").
			Optional().
			Immutable().
			MaxLen(200).
			Comment("Account that made the change (token subject or API key); null for backfilled and system rows. Shown to regulators only (graph: FilingEvent.actorSubject): which official decided is not the institution's or the public's business.").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipType)),
		field.String("actor_role").
			Optional().
			Immutable().
			MaxLen(40).
			Comment("Role of that account when it made the change, e.g. DISTRICT_REGULATOR; SYSTEM for the backfill and trusted loads."),
		field.String("note").
			Optional().
			Immutable().
			MaxLen(1000).
			Comment("Why the status changed, as recorded (e.g. backfilled from the filing's dates)."),
	}
}

// Edges of the FilingEvent.
func (FilingEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("filing", Filing.Type).
			Ref("events").
			Field("filing_id").
			Unique().
			Required().
			Immutable().
			Comment("The filing whose status changed."),
	}
}

// Indexes of the FilingEvent: FILING_RATE looks up the latest event of a
// filing on or before a day.
func (FilingEvent) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("filing_id", "date"),
		index.Fields("date"),
	}
}

// Policy of the FilingEvent: read like its filing; written only by trusted
// code (the Filing hook, the backfill).
func (FilingEvent) Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{scoped[predicate.FilingEvent, *gen.FilingEventQuery](readRegistry, func(ps ...predicate.Institution) predicate.FilingEvent {
			return filingevent.HasFilingWith(filing.HasInstitutionWith(ps...))
		})},
		Mutation: privacy.MutationPolicy{privacy.AlwaysDenyRule()},
	}
}

// Annotations of the FilingEvent.
func (FilingEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One dated status change of a filing (备案) with the account that made it: the filing's history. Written in the same transaction as the change, never by a client; a correction of the status's day on the filing (receiptAt, …) moves the matching event's date and notes it."),
	}
}
