// Package dailycheck records a class's morning or noon checks (晨午检) in one
// all-or-nothing write: the recordDailyChecks mutation of mobile clients.
//
// There is one DAILY_CHECK health record per child, date, session and
// institution (a unique index on health_records enforces it), so recording
// the same class and day again updates those records: the write is
// naturally idempotent.
//
// Authorization is checked here once for the whole class, with two queries
// (the viewer's institution, the children's active enrolments), and the rows
// are then written as trusted code in the caller's transaction: running the
// per-row policy instead would cost a visibility query per child.
package dailycheck

import (
	"context"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// MaxChecks is the most checks one request may carry (a large class is 20;
// 200 covers a whole small institution).
const MaxChecks = 200

// Bounds of a body temperature, as HealthRecord.temperature_c.
const (
	MinTemperatureC = 34
	MaxTemperatureC = 43
	maxNotes        = 1000
)

// Check is one child's check.
type Check struct {
	ChildID      int
	TemperatureC *float64
	Result       healthrecord.Result
	Notes        *string
}

// Class is one request: the checks of an institution's children on a day
// and session.
type Class struct {
	InstitutionID int
	Date          time.Time
	Session       healthrecord.Session
	Checks        []Check
}

// Result is what happened to Checks[Index].
type Result struct {
	Index   int
	ChildID int
	Created bool // false: an existing record was updated
	Record  *ent.HealthRecord
}

// Errors are all the input errors of a request, in check order; each is an
// *apperr.FieldError whose Field is the input path (checks[3].temperature_c).
type Errors []error

func (e Errors) Error() string { return fmt.Sprintf("dailycheck: %d invalid checks", len(e)) }

// Record validates and authorizes class for the viewer in ctx and writes it
// through client (the mutation's transactional client). It returns one
// Result per check in request order, or an error and writes nothing the
// caller's transaction keeps.
func Record(ctx context.Context, client *ent.Client, class Class) ([]Result, error) {
	if err := validate(class); err != nil {
		return nil, err
	}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if err := authorize(ctx, sys, client, class); err != nil {
		return nil, err
	}
	ids := make([]int, len(class.Checks))
	for i, c := range class.Checks {
		ids[i] = c.ChildID
	}
	ofClass := func() *ent.HealthRecordQuery {
		return client.HealthRecord.Query().Where(sameClass(class, ids)...)
	}
	existed, err := ofClass().Select(healthrecord.FieldChildID).Ints(sys)
	if err != nil {
		return nil, fmt.Errorf("dailycheck: load existing checks: %w", err)
	}
	// One INSERT … ON CONFLICT DO UPDATE for the class: a re-sent check
	// replaces temperature, result and notes (a value left out is NULL in
	// the excluded row, so it clears the stored one; the tests pin this).
	rows := make([]*ent.HealthRecordCreate, len(class.Checks))
	for i, c := range class.Checks {
		rows[i] = client.HealthRecord.Create().
			SetChildID(c.ChildID).
			SetInstitutionID(class.InstitutionID).
			SetKind(healthrecord.KindDAILY_CHECK).
			SetDate(class.Date).
			SetSession(class.Session).
			SetResult(c.Result).
			SetNillableTemperatureC(c.TemperatureC).
			SetNillableNotes(c.Notes)
	}
	err = client.HealthRecord.CreateBulk(rows...).
		OnConflict(sql.ConflictColumns(
			healthrecord.FieldInstitutionID, healthrecord.FieldChildID, healthrecord.FieldKind,
			healthrecord.FieldDate, healthrecord.FieldSession)).
		Update(func(u *ent.HealthRecordUpsert) {
			u.UpdateTemperatureC().UpdateResult().UpdateNotes().UpdateUpdatedAt()
		}).
		Exec(sys)
	if err != nil {
		return nil, fmt.Errorf("dailycheck: write checks: %w", err)
	}
	stored, err := ofClass().All(sys)
	if err != nil {
		return nil, fmt.Errorf("dailycheck: read checks back: %w", err)
	}
	byChild := make(map[int]*ent.HealthRecord, len(stored))
	for _, r := range stored {
		byChild[r.ChildID] = r
	}
	old := make(map[int]bool, len(existed))
	for _, id := range existed {
		old[id] = true
	}
	results := make([]Result, len(class.Checks))
	for i, c := range class.Checks {
		rec, ok := byChild[c.ChildID]
		if !ok {
			return nil, fmt.Errorf("dailycheck: check %d not found after writing", i)
		}
		results[i] = Result{Index: i, ChildID: c.ChildID, Created: !old[c.ChildID], Record: rec}
	}
	return results, nil
}

// sameClass selects the daily checks of class for the children ids.
func sameClass(class Class, ids []int) []predicate.HealthRecord {
	return []predicate.HealthRecord{
		healthrecord.InstitutionID(class.InstitutionID),
		healthrecord.ChildIDIn(ids...),
		healthrecord.KindEQ(healthrecord.KindDAILY_CHECK),
		healthrecord.DateEQ(class.Date),
		healthrecord.SessionEQ(class.Session),
	}
}

// validate checks the input alone and reports every bad entry.
func validate(class Class) error {
	n := len(class.Checks)
	if n == 0 || n > MaxChecks {
		return apperr.Invalid("checks", fmt.Sprintf("must hold 1 to %d checks", MaxChecks))
	}
	if err := healthrecord.SessionValidator(class.Session); err != nil {
		return apperr.Invalid("session", "must be MORNING or NOON")
	}
	var errs Errors
	seen := make(map[int]int, n)
	for i, c := range class.Checks {
		at := func(field string) string { return fmt.Sprintf("checks[%d].%s", i, field) }
		if _, dup := seen[c.ChildID]; dup {
			errs = append(errs, apperr.Invalid(at("child_id"), "repeats a child of an earlier check; each child once"))
		}
		seen[c.ChildID] = i
		if t := c.TemperatureC; t != nil && (math.IsNaN(*t) || *t < MinTemperatureC || *t > MaxTemperatureC) {
			errs = append(errs, apperr.Invalid(at("temperature_c"), fmt.Sprintf("must be between %d and %d °C", MinTemperatureC, MaxTemperatureC)))
		}
		if err := healthrecord.ResultValidator(c.Result); err != nil {
			errs = append(errs, apperr.Invalid(at("result"), "must be NORMAL, ABNORMAL or REFERRED"))
		}
		if c.Notes != nil && utf8.RuneCountInString(*c.Notes) > maxNotes {
			errs = append(errs, apperr.Invalid(at("notes"), fmt.Sprintf("must be at most %d characters", maxNotes)))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// authorize: institution staff record for their own institution, and only
// for children actively enrolled there on the date. Regulators supervise;
// they do not record health checks (as createHealthRecord).
func authorize(ctx, sys context.Context, client *ent.Client, class Class) error {
	v := auth.FromContext(ctx)
	if v.Role != auth.InstitutionStaff {
		return &apperr.FieldError{Field: "institution_id", Message: "only the institution's staff record daily checks", Kind: apperr.ErrForbidden}
	}
	if v.InstitutionID != class.InstitutionID {
		return &apperr.FieldError{Field: "institution_id", Message: "is not the viewer's institution", Kind: apperr.ErrForbidden}
	}
	ids := make([]int, len(class.Checks))
	for i, c := range class.Checks {
		ids[i] = c.ChildID
	}
	enrolled, err := client.Enrolment.Query().
		Where(
			enrolment.InstitutionID(class.InstitutionID),
			enrolment.ChildIDIn(ids...),
			enrolment.StartDateLTE(class.Date),
			enrolment.Or(enrolment.EndDateIsNil(), enrolment.EndDateGT(class.Date)),
		).
		Select(enrolment.FieldChildID).
		Ints(sys)
	if err != nil {
		return fmt.Errorf("dailycheck: load enrolments: %w", err)
	}
	active := make(map[int]bool, len(enrolled))
	for _, id := range enrolled {
		active[id] = true
	}
	var errs Errors
	for i, c := range class.Checks {
		if !active[c.ChildID] {
			errs = append(errs, &apperr.FieldError{
				Field:   fmt.Sprintf("checks[%d].child_id", i),
				Message: "is not a child actively enrolled at the institution on the date",
				Kind:    apperr.ErrForbidden,
			})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
