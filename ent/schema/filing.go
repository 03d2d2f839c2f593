package schema

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	gen "github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/ent/hook"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/civil"
)

// Filing is one 备案 of an institution with the county-level health
// commission (托育机构登记和备案办法（试行）, 国卫办人口发〔2019〕25号).
type Filing struct{ ent.Schema }

// Mixin of the Filing.
func (Filing) Mixin() []ent.Mixin { return []ent.Mixin{TimestampsMixin{}} }

// Fields of the Filing.
func (Filing) Fields() []ent.Field {
	return []ent.Field{
		field.Int("institution_id").
			Comment("The institution that filed."),
		dateField("submitted_at", "Day the filing was submitted."),
		optionalDateField("receipt_at", "Day the receipt (回执) was issued; due within 5 working days of submission. An institution counts as filed from this day while the status is FILED or CHANGED."),
		field.String("receipt_number").
			Optional().
			Nillable().
			NotEmpty().
			MaxLen(64).
			Comment("Number printed on the filing receipt (备案回执编号), set when the receipt is issued; shown on the public profile (信息公示) with receipt_at. Empty while no receipt was issued."),
		field.Enum("status").
			Values("SUBMITTED", "FILED", "NONCOMPLIANT", "CHANGED", "CANCELLED").
			Annotations(EnumDoc{"SUBMITTED": "Submitted, awaiting review.", "FILED": "Accepted: receipt (回执) issued; counts as filed.", "NONCOMPLIANT": "A non-compliance notice was issued; does not count as filed.", "CHANGED": "Filed and since amended (变更备案); counts as filed.", "CANCELLED": "Withdrawn or cancelled (注销); no longer counts as filed from cancelled_at on; earlier days keep their status."}).
			Comment("SUBMITTED awaiting review, FILED receipt issued, NONCOMPLIANT notice issued, CHANGED filed and since amended, CANCELLED withdrawn.").
			Annotations(entgql.Type("FilingStatus"), entgql.OrderField("STATUS")),
		optionalDateField("noncompliance_notified_at", "Day the non-compliance notice was issued; due within 15 working days of submission."),
		optionalDateField("changed_at", "Day of the latest amendment (变更备案); set to the change's day when status becomes CHANGED (today when not given)."),
		optionalDateField("cancelled_at", "Day the filing was cancelled (注销); set when status becomes CANCELLED (today when not given). The institution no longer counts as filed from this day; earlier days keep their status (FilingEvent history)."),
		field.JSON("documents", []schematype.FilingDocument{}).
			Optional().
			Comment("Documents attached to the filing.").
			Annotations(entgql.Type("[FilingDocument!]")),
	}
}

// Edges of the Filing.
func (Filing) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("institution", Institution.Type).
			Ref("filings").
			Field("institution_id").
			Unique().
			Required().
			Comment("The institution that filed."),
		edge.To("events", FilingEvent.Type).
			Comment("The filing's history: one row per status change, oldest first by date.").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Filing.
func (Filing) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("institution_id"),
		index.Fields("receipt_at"),
		index.Fields("status"),
	}
}

// Hooks of the Filing.
func (Filing) Hooks() []ent.Hook {
	return []ent.Hook{
		orderedDatesHook("submitted_at", "receipt_at", true),
		orderedDatesHook("submitted_at", "noncompliance_notified_at", true),
		orderedDatesHook("submitted_at", "changed_at", true),
		orderedDatesHook("submitted_at", "cancelled_at", true),
		recordFilingHistory,
	}
}

// recordFilingHistory writes a FilingEvent for each status change of a
// filing (and for each new amendment day of a CHANGED filing), through the
// mutation's own client: in a GraphQL mutation that is the request's
// transaction, so the change and its history commit or fail together. A
// change is dated by the status's own field (receipt_at for FILED, …);
// when the mutation leaves that field empty it is set to today, so every
// event has a day. Trusted bulk loads (bulkload.With) skip the hook and
// backfill the history afterwards (internal/filing.Backfill).
func recordFilingHistory(next gen.Mutator) gen.Mutator {
	return hook.FilingFunc(func(ctx context.Context, m *gen.FilingMutation) (gen.Value, error) {
		if bulkload.From(ctx) || !m.Op().Is(gen.OpCreate|gen.OpUpdateOne) {
			return next.Mutate(ctx, m)
		}
		created := m.Op().Is(gen.OpCreate)
		status, set := m.Status()
		changed := set && created
		if set && !created {
			old, err := m.OldStatus(ctx)
			if err != nil {
				return nil, fmt.Errorf("filing history: %w", err)
			}
			changed = old != status
		}
		_, amended := m.ChangedAt()
		amended = amended && !changed && status == filing.StatusCHANGED
		if !changed && !amended {
			return next.Mutate(ctx, m)
		}
		if dateField := statusDateField[status]; dateField != "" {
			if err := defaultToToday(ctx, m, dateField); err != nil {
				return nil, err
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return nil, err
		}
		f, ok := v.(*gen.Filing)
		if !ok {
			return nil, fmt.Errorf("filing history: unexpected value %T", v)
		}
		events := []filingEvent{eventOf(ctx, f, f.Status)}
		if created {
			events = createdEvents(ctx, f)
		}
		viewer := auth.FromContext(ctx)
		role, subject := string(viewer.Role), viewer.Principal()
		if _, trusted := privacy.DecisionFromContext(ctx); trusted && viewer.Role == auth.Public {
			role, subject = "SYSTEM", ""
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		for _, e := range events {
			c := m.Client().FilingEvent.Create().
				SetFilingID(f.ID).
				SetStatus(e.status).
				SetDate(e.date).
				SetActorRole(role)
			if subject != "" {
				c.SetActorSubject(subject)
			}
			if err := c.Exec(sys); err != nil {
				return nil, fmt.Errorf("filing history: %w", err)
			}
		}
		return f, nil
	})
}

// statusDateField is the field dating each status.
var statusDateField = map[filing.Status]string{
	filing.StatusSUBMITTED:    filing.FieldSubmittedAt,
	filing.StatusFILED:        filing.FieldReceiptAt,
	filing.StatusNONCOMPLIANT: filing.FieldNoncomplianceNotifiedAt,
	filing.StatusCHANGED:      filing.FieldChangedAt,
	filing.StatusCANCELLED:    filing.FieldCancelledAt,
}

// defaultToToday sets a date field to today (the server's configured time
// zone, civil.Location) when the
// mutation leaves it empty.
func defaultToToday(ctx context.Context, m *gen.FilingMutation, name string) error {
	if v, ok := m.Field(name); ok {
		if _, ok := asTime(v); ok {
			return nil
		}
	}
	if m.Op().Is(gen.OpUpdateOne) && !slices.Contains(m.ClearedFields(), name) {
		old, err := m.OldField(ctx, name)
		if err != nil {
			return fmt.Errorf("filing history: %w", err)
		}
		if _, ok := asTime(old); ok {
			return nil
		}
	}
	return m.SetField(name, civil.TodayIn(ctx))
}

type filingEvent struct {
	status filingevent.Status
	date   time.Time
}

// eventOf is the event of a filing taking status, dated by its field
// (today in ctx's time zone when the field is empty).
func eventOf(ctx context.Context, f *gen.Filing, status filing.Status) filingEvent {
	day := func(t *time.Time) time.Time {
		if t == nil {
			return civil.TodayIn(ctx)
		}
		return *t
	}
	switch status {
	case filing.StatusFILED:
		return filingEvent{filingevent.StatusRECEIPT_ISSUED, day(f.ReceiptAt)}
	case filing.StatusNONCOMPLIANT:
		return filingEvent{filingevent.StatusNOTICE_ISSUED, day(f.NoncomplianceNotifiedAt)}
	case filing.StatusCHANGED:
		return filingEvent{filingevent.StatusCHANGED, day(f.ChangedAt)}
	case filing.StatusCANCELLED:
		return filingEvent{filingevent.StatusCANCELLED, day(f.CancelledAt)}
	}
	return filingEvent{filingevent.StatusSUBMITTED, f.SubmittedAt}
}

// createdEvents is the history of a filing created with its decisions
// already taken (imports, back-office entry): the submission, then each
// dated decision in order.
func createdEvents(ctx context.Context, f *gen.Filing) []filingEvent {
	out := []filingEvent{{filingevent.StatusSUBMITTED, f.SubmittedAt}}
	if f.NoncomplianceNotifiedAt != nil {
		out = append(out, filingEvent{filingevent.StatusNOTICE_ISSUED, *f.NoncomplianceNotifiedAt})
	}
	if f.ReceiptAt != nil {
		out = append(out, filingEvent{filingevent.StatusRECEIPT_ISSUED, *f.ReceiptAt})
	}
	if f.Status == filing.StatusCHANGED || f.Status == filing.StatusCANCELLED {
		out = append(out, eventOf(ctx, f, f.Status))
	}
	return out
}

// Policy of the Filing: see policy.go.
func (Filing) Policy() ent.Policy {
	return policy(scoped[predicate.Filing, *gen.FilingQuery](readRegistry, filing.HasInstitutionWith), regulatorWriters...)
}

// Annotations of the Filing.
func (Filing) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment("One 备案 (filing) of an institution with the county-level health commission: submission, review, receipt (回执) or non-compliance notice. Every status change is kept as a FilingEvent; FILING_RATE as of a day counts institutions whose filing's latest event on or before that day is RECEIPT_ISSUED or CHANGED."),
		entgql.RelayConnection(),
		entgql.QueryField(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}
