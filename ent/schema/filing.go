package schema

import (
	"context"
	"fmt"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
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
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/bulkload"
	"github.com/tuoyu/tuoyu/internal/civil"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
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
		lockFilingRow,
		orderedDatesHook("submitted_at", "receipt_at", true),
		orderedDatesHook("submitted_at", "noncompliance_notified_at", true),
		orderedDatesHook("submitted_at", "changed_at", true),
		orderedDatesHook("submitted_at", "cancelled_at", true),
		recordFilingHistory,
	}
}

// recordFilingHistory keeps a filing's status, its days and its history
// (FilingEvent) in agreement; README "Filing workflow" states the rules and
// internal/filing (flow.go) holds the state machine. It runs through the
// mutation's own client: in a GraphQL mutation that is the request's
// transaction, so the change and its history commit or fail together, and
// a refused change writes nothing.
//
//   - Create: the filing's own day (receipt_at for FILED, …) is today when
//     not given; the days must describe a history the workflow can produce
//     (filing.History), which is written: SUBMITTED, then each decision by
//     day.
//   - A status change must be legal (filing.CanBecome; CONFLICT on status).
//     It is dated by the new status's own field, set to today when the
//     change does not give it — never the day a previous step to the same
//     status left there — and adds one event.
//   - changed_at later than the stored one on a CHANGED filing is a further
//     amendment: one more CHANGED event, whether or not status is sent.
//   - Any other new value of a day field corrects the day of the latest
//     event it dates (submitted_at the submission, receipt_at the latest
//     receipt, …): that event's date moves with it, noted "day corrected
//     from …", so FILING_RATE (events) and FILING_ON_TIME_RATE (receipt_at)
//     read the same day. A correction keeps the history's order, and a day
//     with no such event in the history is refused.
//   - A recorded day cannot be cleared.
//
// Trusted bulk loads (bulkload.With) skip the hook and backfill the history
// afterwards (internal/filing.Backfill); updates of many filings at once
// may not touch status or days.
func recordFilingHistory(next gen.Mutator) gen.Mutator {
	return hook.FilingFunc(func(ctx context.Context, m *gen.FilingMutation) (gen.Value, error) {
		switch {
		case bulkload.From(ctx):
			return next.Mutate(ctx, m)
		case m.Op().Is(gen.OpCreate):
			return createFilingHistory(ctx, m, next)
		case m.Op().Is(gen.OpUpdateOne):
			return updateFilingHistory(ctx, m, next)
		case m.Op().Is(gen.OpUpdate) && touchesWorkflow(m):
			return nil, fmt.Errorf("filing history: change the status or days of one filing at a time (UpdateOne), so its history follows")
		}
		return next.Mutate(ctx, m)
	})
}

// lockFilingRow, the first of the filing's hooks: an update of one
// filing's workflow holds its row (PostgreSQL: SELECT … FOR UPDATE in the
// mutation's transaction) before any hook reads the stored values, so two
// changes of one filing are made one after the other, the second checked
// against the first's result. Without it both read the old status, both
// passed the transition check, and the history recorded both
// (SUBMITTED → CANCELLED → FILED, ending FILED). SQLite runs one writing
// transaction at a time (BEGIN IMMEDIATE) and needs no lock.
func lockFilingRow(next ent.Mutator) ent.Mutator {
	return hook.FilingFunc(func(ctx context.Context, m *gen.FilingMutation) (gen.Value, error) {
		id, ok := m.ID()
		if !ok || !m.Op().Is(ent.OpUpdateOne) || !touchesWorkflow(m) {
			return next.Mutate(ctx, m)
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow) // the policy decides the update itself
		_, err := m.Client().Filing.Query().Where(filing.ID(id)).Modify(func(s *sql.Selector) {
			if s.Dialect() == dialect.Postgres {
				s.ForUpdate()
			}
		}).IDs(sys)
		if err != nil {
			return nil, fmt.Errorf("filing history: lock filing %d: %w", id, err)
		}
		return next.Mutate(ctx, m)
	})
}

// touchesWorkflow reports whether m sets or clears the status, a day or the
// receipt number.
func touchesWorkflow(m *gen.FilingMutation) bool {
	for _, f := range append([]string{filing.FieldStatus, filing.FieldReceiptNumber}, filingflow.DateFields...) {
		if _, set := m.Field(f); set || m.FieldCleared(f) {
			return true
		}
	}
	return false
}

// createFilingHistory is the hook on create.
func createFilingHistory(ctx context.Context, m *gen.FilingMutation, next gen.Mutator) (gen.Value, error) {
	status, ok := m.Status()
	submitted, okSub := m.SubmittedAt()
	if !ok || !okSub {
		return next.Mutate(ctx, m) // ent refuses the missing required field
	}
	if status != filing.StatusSUBMITTED {
		if _, given := mutationDay(m, filingflow.DateField(status)); !given {
			if err := m.SetField(filingflow.DateField(status), civil.TodayIn(ctx)); err != nil {
				return nil, fmt.Errorf("filing history: %w", err)
			}
		}
	}
	d := filingflow.Dates{Submitted: submitted}
	for _, f := range filingflow.DateFields[1:] {
		if day, given := mutationDay(m, f); given {
			s, _ := filingflow.StatusOfField(f)
			d.Set(s, &day)
		}
	}
	_, number := m.ReceiptNumber()
	return mutateWithHistory(ctx, m, next, status, d, number)
}

// mutateWithHistory writes a filing whose history is written whole from its
// days (a new filing, or one a bulk load left without history) and then
// that history, after checking it is one the workflow can produce.
func mutateWithHistory(ctx context.Context, m *gen.FilingMutation, next gen.Mutator, status filing.Status, d filingflow.Dates, number bool) (gen.Value, error) {
	steps, err := filingflow.History(status, d, number)
	if err != nil {
		return nil, err
	}
	v, err := next.Mutate(ctx, m)
	if err != nil {
		return nil, err
	}
	f, ok := v.(*gen.Filing)
	if !ok {
		return nil, fmt.Errorf("filing history: unexpected value %T", v)
	}
	if err := writeEvents(ctx, m, f.ID, steps); err != nil {
		return nil, err
	}
	return f, nil
}

// plannedEvent is one event of a filing's history as an update leaves it.
type plannedEvent struct {
	id     int // 0: added by this change
	status filing.Status
	day    time.Time
	note   string
	// field is the day field that moved (or dates the added event).
	field string
	moved bool
	from  time.Time
}

// updateFilingHistory is the hook on update-one.
func updateFilingHistory(ctx context.Context, m *gen.FilingMutation, next gen.Mutator) (gen.Value, error) {
	if !touchesWorkflow(m) {
		return next.Mutate(ctx, m)
	}
	id, _ := m.ID()
	oldStatus, err := m.OldStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("filing history: %w", err)
	}
	old, err := oldDates(ctx, m)
	if err != nil {
		return nil, err
	}
	oldNumber, err := m.OldReceiptNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("filing history: %w", err)
	}
	// A recorded day is part of the history: it is corrected, never erased.
	for _, f := range filingflow.DateFields[1:] {
		s, _ := filingflow.StatusOfField(f)
		if m.FieldCleared(f) && old.Of(s) != nil {
			return nil, apperr.Invalid(f, "cannot be cleared: the filing's history records this decision (give the corrected day instead)")
		}
	}
	status := oldStatus
	if s, ok := m.Status(); ok {
		status = s
	}
	transition := status != oldStatus
	if transition && !filingflow.CanBecome(oldStatus, status) {
		return nil, filingflow.TransitionError(oldStatus, status)
	}
	own := filingflow.DateField(status)
	if transition {
		if m.FieldCleared(own) {
			return nil, apperr.Invalid(own, "must not be cleared: it dates the new status")
		}
		// The new step is dated by its own field: the day given, else today —
		// never the day an earlier step to the same status left there.
		if _, given := mutationDay(m, own); !given {
			if err := m.SetField(own, civil.TodayIn(ctx)); err != nil {
				return nil, fmt.Errorf("filing history: %w", err)
			}
		}
	}
	d := old
	for _, f := range filingflow.DateFields {
		s, _ := filingflow.StatusOfField(f)
		if day, given := mutationDay(m, f); given {
			d.Set(s, &day)
		}
	}
	_, number := m.ReceiptNumber()
	number = number || (oldNumber != nil && !m.ReceiptNumberCleared())
	if err := filingflow.CheckFields(status, d, number); err != nil {
		return nil, err
	}

	sys := privacy.DecisionContext(ctx, privacy.Allow)
	stored, err := m.Client().FilingEvent.Query().Where(filingevent.FilingID(id)).
		Order(gen.Asc(filingevent.FieldDate), gen.Asc(filingevent.FieldID)).All(sys)
	if err != nil {
		return nil, fmt.Errorf("filing history: %w", err)
	}
	if len(stored) == 0 {
		// No history yet (a bulk load not backfilled): the filing gets its
		// whole history from its days after the change, as on create.
		return mutateWithHistory(ctx, m, next, status, d, number)
	}
	plan := make([]plannedEvent, len(stored))
	for i, e := range stored {
		plan[i] = plannedEvent{id: e.ID, status: filingflow.StatusOf(e.Status), day: e.Date, note: e.Note}
	}
	amended := false
	if day, given := mutationDay(m, filing.FieldChangedAt); given && !transition && status == filing.StatusCHANGED {
		amended = old.Changed == nil || day.After(*old.Changed)
	}
	for _, f := range filingflow.DateFields {
		day, given := mutationDay(m, f)
		s, _ := filingflow.StatusOfField(f)
		was := old.Of(s)
		if !given || (was != nil && was.Equal(day)) || (transition && f == own) || (amended && f == filing.FieldChangedAt) {
			continue
		}
		// A correction of the day of the latest event the field dates (the
		// submission: the first).
		at := -1
		for i := range plan {
			if plan[i].status == s && (at < 0 || s != filing.StatusSUBMITTED) {
				at = i
			}
		}
		if at < 0 {
			return nil, apperr.Invalid(f, fmt.Sprintf("must not be given: the filing's history has no %s to date (set it with status %s)",
				filingflow.EventStatus(s), s))
		}
		plan[at].from, plan[at].day, plan[at].field, plan[at].moved = plan[at].day, day, f, true
	}
	if transition || amended {
		plan = append(plan, plannedEvent{status: status, day: *d.Of(status), field: own})
	}
	// Corrections and the new step keep the history in order: FILING_RATE
	// reads the latest event on or before a day, ordered by date.
	for i := 1; i < len(plan); i++ {
		prev, cur := plan[i-1], plan[i]
		// Same day: the later recorded decides (FILING_RATE's tie-break).
		tieOutOfOrder := cur.day.Equal(prev.day) && cur.id != 0 && cur.id < prev.id
		if !cur.day.Before(prev.day) && !tieOutOfOrder {
			continue
		}
		if cur.moved || cur.id == 0 {
			return nil, apperr.Invalid(cur.field, fmt.Sprintf("must not be before the day of the filing's preceding history entry (%s)", filingflow.EventStatus(prev.status)))
		}
		return nil, apperr.Invalid(prev.field, fmt.Sprintf("must not be after the day of the filing's following history entry (%s)", filingflow.EventStatus(cur.status)))
	}

	v, err := next.Mutate(ctx, m)
	if err != nil {
		return nil, err
	}
	role, _ := actorOf(ctx)
	var added []filingflow.Step
	for _, p := range plan {
		switch {
		case p.moved:
			day, note := p.day, filingflow.CorrectionNote(p.note, p.from, role)
			err := m.Client().FilingEvent.UpdateOneID(p.id).Modify(func(u *sql.UpdateBuilder) {
				u.Set(filingevent.FieldDate, day).Set(filingevent.FieldNote, note)
			}).Exec(sys)
			if err != nil {
				return nil, fmt.Errorf("filing history: correct event %d: %w", p.id, err)
			}
		case p.id == 0:
			added = append(added, filingflow.Step{Status: p.status, Day: p.day})
		}
	}
	if err := writeEvents(ctx, m, id, added); err != nil {
		return nil, err
	}
	return v, nil
}

// mutationDay is the day m sets field to, if it does.
func mutationDay(m *gen.FilingMutation, field string) (time.Time, bool) {
	if v, ok := m.Field(field); ok {
		return asTime(v)
	}
	return time.Time{}, false
}

// oldDates are the stored days of the filing m updates.
func oldDates(ctx context.Context, m *gen.FilingMutation) (filingflow.Dates, error) {
	var (
		d   filingflow.Dates
		err error
	)
	if d.Submitted, err = m.OldSubmittedAt(ctx); err != nil {
		return d, fmt.Errorf("filing history: %w", err)
	}
	for _, x := range []struct {
		to  **time.Time
		old func(context.Context) (*time.Time, error)
	}{
		{&d.Receipt, m.OldReceiptAt}, {&d.Notice, m.OldNoncomplianceNotifiedAt},
		{&d.Changed, m.OldChangedAt}, {&d.Cancelled, m.OldCancelledAt},
	} {
		if *x.to, err = x.old(ctx); err != nil {
			return d, fmt.Errorf("filing history: %w", err)
		}
	}
	return d, nil
}

// actorOf is the role and principal recorded on events written in ctx:
// SYSTEM for trusted server code without a viewer.
func actorOf(ctx context.Context) (role, subject string) {
	viewer := auth.FromContext(ctx)
	role, subject = string(viewer.Role), viewer.Principal()
	if _, trusted := privacy.DecisionFromContext(ctx); trusted && viewer.Role == auth.Public {
		role, subject = "SYSTEM", ""
	}
	return role, subject
}

// writeEvents adds steps to the history of filing id, in order, as the
// actor of ctx.
func writeEvents(ctx context.Context, m *gen.FilingMutation, id int, steps []filingflow.Step) error {
	role, subject := actorOf(ctx)
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	for _, s := range steps {
		c := m.Client().FilingEvent.Create().
			SetFilingID(id).
			SetStatus(filingflow.EventStatus(s.Status)).
			SetDate(s.Day).
			SetActorRole(role)
		if subject != "" {
			c.SetActorSubject(subject)
		}
		if err := c.Exec(sys); err != nil {
			return fmt.Errorf("filing history: %w", err)
		}
	}
	return nil
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
