package filing

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	entfiling "github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/internal/apperr"
)

// The filing state machine (README "Filing workflow"), from 国卫办人口发〔2019〕25号:
// the county office issues the receipt (回执) within 5 working days of the
// submission, verifies the filing at the same time or afterwards
// (事中事后监管), and notifies non-compliance within 15 working days; an
// institution must update its filing after a change of registration
// (变更备案) or a cancellation (注销).
//
//	SUBMITTED    → FILED | NONCOMPLIANT | CANCELLED
//	FILED        → NONCOMPLIANT | CHANGED | CANCELLED
//	NONCOMPLIANT → FILED | CANCELLED
//	CHANGED      → CHANGED | NONCOMPLIANT | CANCELLED
//	CANCELLED    (final)
//
// Nothing goes back to SUBMITTED: materials resubmitted for a new review
// are a new filing, whose deadlines run from its own submission (as the
// demo models it). A non-compliant filing becomes filed again only with a
// receipt (FILED), never by an amendment. CHANGED → CHANGED is a further
// amendment.
var transitions = map[entfiling.Status][]entfiling.Status{
	entfiling.StatusSUBMITTED:    {entfiling.StatusFILED, entfiling.StatusNONCOMPLIANT, entfiling.StatusCANCELLED},
	entfiling.StatusFILED:        {entfiling.StatusNONCOMPLIANT, entfiling.StatusCHANGED, entfiling.StatusCANCELLED},
	entfiling.StatusNONCOMPLIANT: {entfiling.StatusFILED, entfiling.StatusCANCELLED},
	entfiling.StatusCHANGED:      {entfiling.StatusCHANGED, entfiling.StatusNONCOMPLIANT, entfiling.StatusCANCELLED},
	entfiling.StatusCANCELLED:    nil,
}

// CanBecome reports whether a filing in status from may take status to.
func CanBecome(from, to entfiling.Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// TransitionError is the CONFLICT of a refused status change, on the
// field status. Like every message it states the rule, naming the stored
// status, not the value sent.
func TransitionError(from, to entfiling.Status) error {
	next := transitions[from]
	if len(next) == 0 {
		return &apperr.FieldError{Field: entfiling.FieldStatus, Kind: apperr.ErrConflict,
			Message: fmt.Sprintf("cannot change: a %s filing is final (the institution files again with a new filing)", from)}
	}
	names := make([]string, len(next))
	for i, s := range next {
		names[i] = string(s)
	}
	msg := fmt.Sprintf("cannot change this way: a %s filing can only become %s", from, strings.Join(names, ", "))
	if to == entfiling.StatusSUBMITTED {
		msg += "; nothing goes back to SUBMITTED (materials resubmitted for a new review are a new filing)"
	}
	return &apperr.FieldError{Field: entfiling.FieldStatus, Message: msg, Kind: apperr.ErrConflict}
}

// EventStatus is the FilingEvent status of a filing taking status s.
func EventStatus(s entfiling.Status) filingevent.Status {
	switch s {
	case entfiling.StatusFILED:
		return filingevent.StatusRECEIPT_ISSUED
	case entfiling.StatusNONCOMPLIANT:
		return filingevent.StatusNOTICE_ISSUED
	case entfiling.StatusCHANGED:
		return filingevent.StatusCHANGED
	case entfiling.StatusCANCELLED:
		return filingevent.StatusCANCELLED
	}
	return filingevent.StatusSUBMITTED
}

// StatusOf is the filing status an event gives its filing.
func StatusOf(e filingevent.Status) entfiling.Status {
	switch e {
	case filingevent.StatusRECEIPT_ISSUED:
		return entfiling.StatusFILED
	case filingevent.StatusNOTICE_ISSUED:
		return entfiling.StatusNONCOMPLIANT
	case filingevent.StatusCHANGED:
		return entfiling.StatusCHANGED
	case filingevent.StatusCANCELLED:
		return entfiling.StatusCANCELLED
	}
	return entfiling.StatusSUBMITTED
}

// DateField is the field dating status s (ent's name): the day of the
// latest step to s.
func DateField(s entfiling.Status) string {
	switch s {
	case entfiling.StatusFILED:
		return entfiling.FieldReceiptAt
	case entfiling.StatusNONCOMPLIANT:
		return entfiling.FieldNoncomplianceNotifiedAt
	case entfiling.StatusCHANGED:
		return entfiling.FieldChangedAt
	case entfiling.StatusCANCELLED:
		return entfiling.FieldCancelledAt
	}
	return entfiling.FieldSubmittedAt
}

// StatusOfField is the status field (a DateField) dates.
func StatusOfField(field string) (entfiling.Status, bool) {
	for _, s := range []entfiling.Status{entfiling.StatusSUBMITTED, entfiling.StatusFILED, entfiling.StatusNONCOMPLIANT, entfiling.StatusCHANGED, entfiling.StatusCANCELLED} {
		if DateField(s) == field {
			return s, true
		}
	}
	return "", false
}

// DateFields are the day fields of a filing, the submission first.
var DateFields = []string{
	entfiling.FieldSubmittedAt, entfiling.FieldReceiptAt, entfiling.FieldNoncomplianceNotifiedAt,
	entfiling.FieldChangedAt, entfiling.FieldCancelledAt,
}

// Dates are a filing's days: its submission and the day of the latest step
// to each decision (nil while never taken).
type Dates struct {
	Submitted                           time.Time
	Receipt, Notice, Changed, Cancelled *time.Time
}

// Of is the day dating status s (nil when none).
func (d Dates) Of(s entfiling.Status) *time.Time {
	switch s {
	case entfiling.StatusFILED:
		return d.Receipt
	case entfiling.StatusNONCOMPLIANT:
		return d.Notice
	case entfiling.StatusCHANGED:
		return d.Changed
	case entfiling.StatusCANCELLED:
		return d.Cancelled
	}
	return &d.Submitted
}

// Set sets the day dating status s.
func (d *Dates) Set(s entfiling.Status, day *time.Time) {
	switch s {
	case entfiling.StatusFILED:
		d.Receipt = day
	case entfiling.StatusNONCOMPLIANT:
		d.Notice = day
	case entfiling.StatusCHANGED:
		d.Changed = day
	case entfiling.StatusCANCELLED:
		d.Cancelled = day
	default:
		if day != nil {
			d.Submitted = *day
		}
	}
}

// decisions, in the order of a same-day tie (the status's own is moved last).
var decisions = []entfiling.Status{entfiling.StatusNONCOMPLIANT, entfiling.StatusFILED, entfiling.StatusCHANGED, entfiling.StatusCANCELLED}

// CheckFields applies the rules on which days (and receipt number) a filing
// in status may carry, whatever its history:
//   - SUBMITTED: no decision yet, so no receipt (day or number), notice,
//     change or cancellation day;
//   - each decision status has its own day (FILED receipt_at, NONCOMPLIANT
//     noncompliance_notified_at, CHANGED changed_at, CANCELLED cancelled_at);
//   - only a CANCELLED filing has a cancellation day;
//   - an amendment (changed_at, status CHANGED) and a receipt number need a
//     receipt: only a filed filing is amended, and the number is printed on
//     the receipt.
//
// Errors are BAD_USER_INPUT naming the field that must not be given or is
// missing.
func CheckFields(status entfiling.Status, d Dates, hasReceiptNumber bool) error {
	if status == entfiling.StatusSUBMITTED {
		for _, x := range []struct {
			field string
			set   bool
		}{
			{entfiling.FieldReceiptAt, d.Receipt != nil},
			{entfiling.FieldReceiptNumber, hasReceiptNumber},
			{entfiling.FieldNoncomplianceNotifiedAt, d.Notice != nil},
			{entfiling.FieldChangedAt, d.Changed != nil},
			{entfiling.FieldCancelledAt, d.Cancelled != nil},
		} {
			if x.set {
				return apperr.Invalid(x.field, "must not be given while the status is SUBMITTED: no decision was taken yet")
			}
		}
		return nil
	}
	if d.Of(status) == nil {
		return apperr.Invalid(DateField(status), "is required when the status is "+string(status))
	}
	if status != entfiling.StatusCANCELLED && d.Cancelled != nil {
		return apperr.Invalid(entfiling.FieldCancelledAt, "must not be given unless the status is CANCELLED")
	}
	if d.Receipt == nil {
		switch {
		case status == entfiling.StatusCHANGED:
			return apperr.Invalid(entfiling.FieldReceiptAt, "is required when the status is CHANGED: only a filed filing (with its receipt) is amended")
		case d.Changed != nil:
			return apperr.Invalid(entfiling.FieldChangedAt, "must not be given without receiptAt: only a filed filing (with its receipt) is amended")
		case hasReceiptNumber:
			return apperr.Invalid(entfiling.FieldReceiptNumber, "must not be given without receiptAt: the number is printed on the receipt")
		}
	}
	return nil
}

// Step is one entry of a filing's history: the status it took and the day.
type Step struct {
	Status entfiling.Status
	Day    time.Time
}

// Steps is the history a filing in status with days d is given when it
// has none: its submission, then each decision it has a day for, by day
// (on a tie the status's own decision last, otherwise notice, receipt,
// amendment, cancellation). It does not check the result (see History).
func Steps(status entfiling.Status, d Dates) []Step {
	var out []Step
	for _, s := range decisions {
		if day := d.Of(s); day != nil {
			out = append(out, Step{s, *day})
		}
	}
	rank := func(s entfiling.Status) int {
		if s == status {
			return len(decisions)
		}
		for i, x := range decisions {
			if x == s {
				return i
			}
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Day.Equal(out[j].Day) {
			return out[i].Day.Before(out[j].Day)
		}
		return rank(out[i].Status) < rank(out[j].Status)
	})
	return append([]Step{{entfiling.StatusSUBMITTED, d.Submitted}}, out...)
}

// History is the history of a filing created in status with days d — its
// decisions already taken, as an import or back-office entry records them
// (Steps) — after checking that it is one the workflow can produce:
// CheckFields holds, no decision predates the submission, the status's
// own decision is the latest (a FILED filing with a notice after its
// receipt would count as not filed), and each step is a legal transition
// (CanBecome). Errors are BAD_USER_INPUT naming the field to change.
func History(status entfiling.Status, d Dates, hasReceiptNumber bool) ([]Step, error) {
	if err := CheckFields(status, d, hasReceiptNumber); err != nil {
		return nil, err
	}
	steps := Steps(status, d)
	for _, s := range steps[1:] {
		if s.Day.Before(d.Submitted) {
			return nil, apperr.Invalid(DateField(s.Status), "must not be before submittedAt")
		}
	}
	if last := steps[len(steps)-1]; last.Status != status {
		// CheckFields gave the status its day: some decision is later.
		// The field named is the one to change: a cancellation is final
		// and an amendment follows its receipt, so those days are early;
		// otherwise the later decision contradicts the status.
		for i, s := range steps {
			if s.Status != status {
				continue
			}
			later := steps[i+1]
			if status == entfiling.StatusCANCELLED || (status == entfiling.StatusCHANGED && later.Status == entfiling.StatusFILED) {
				return nil, apperr.Invalid(DateField(status), fmt.Sprintf("must not be before %s: a %s filing's %s is its latest decision",
					apperr.GraphQLName(DateField(later.Status)), status, decisionName[status]))
			}
			return nil, apperr.Invalid(DateField(later.Status), fmt.Sprintf("must not be after %s: a %s filing's %s is its latest decision",
				apperr.GraphQLName(DateField(status)), status, decisionName[status]))
		}
	}
	for i := 1; i < len(steps); i++ {
		prev, cur := steps[i-1], steps[i]
		if CanBecome(prev.Status, cur.Status) {
			continue
		}
		rule := fmt.Sprintf("a %s filing cannot become %s", prev.Status, cur.Status)
		if cur.Status == status && prev.Status != entfiling.StatusSUBMITTED {
			return nil, apperr.Invalid(DateField(prev.Status), "must not be before "+apperr.GraphQLName(DateField(cur.Status))+" here: "+rule)
		}
		return nil, apperr.Invalid(DateField(cur.Status), "must not be after "+apperr.GraphQLName(DateField(prev.Status))+" here: "+rule)
	}
	return steps, nil
}

// decisionName names a status's decision in messages.
var decisionName = map[entfiling.Status]string{
	entfiling.StatusSUBMITTED:    "submission",
	entfiling.StatusFILED:        "receipt",
	entfiling.StatusNONCOMPLIANT: "non-compliance notice",
	entfiling.StatusCHANGED:      "amendment",
	entfiling.StatusCANCELLED:    "cancellation",
}

// CorrectionNote is the note of an event whose day was corrected from
// `from` by a change of the filing's day field (role: who corrected it),
// after the event's own note; it keeps within the note's 1,000 bytes
// (FilingEvent.note's MaxLen) by dropping the oldest text.
func CorrectionNote(note string, from time.Time, role string) string {
	add := "day corrected from " + from.Format(time.DateOnly)
	if role != "" {
		add += " by " + role
	}
	if note != "" {
		add = note + "; " + add
	}
	const max = 1000
	if len(add) > max {
		cut := len(add) - (max - len("…"))
		for cut < len(add) && !utf8.RuneStart(add[cut]) {
			cut++
		}
		add = "…" + add[cut:]
	}
	return add
}
