package filing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	entfiling "github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/internal/apperr"
)

// Problem is a filing whose status, days and history disagree.
type Problem struct {
	FilingID int
	Reason   string
}

func (p Problem) String() string { return fmt.Sprintf("filing %d: %s", p.FilingID, p.Reason) }

// Inconsistencies lists the filings whose status, days and history
// (FilingEvent) disagree, the disagreements the Filing hook refuses (README
// "Filing workflow"): a filing without history; days its status must not
// carry or lacks (CheckFields); a latest event (FILING_RATE's reading) that
// is not the current status; a day field that is not the day of the latest
// event it dates (the first, for submitted_at), or an event without its
// day; a step the state machine does not allow. Rows written by trusted
// bulk loads, or before these rules, can break them; changes made through
// ent cannot. It reads every filing and event: an operator's check, not a
// request path.
func Inconsistencies(ctx context.Context, db DB) ([]Problem, error) {
	type row struct {
		id     int
		status entfiling.Status
		d      Dates
		number bool
		events []Step
	}
	rows, err := db.QueryContext(ctx, `SELECT id, status, submitted_at, receipt_at, noncompliance_notified_at, changed_at, cancelled_at,
  CASE WHEN receipt_number IS NULL THEN 0 ELSE 1 END FROM filings ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("filing: check: read filings: %w", err)
	}
	var (
		all  []*row
		byID = map[int]*row{}
	)
	for rows.Next() {
		var (
			r                                   row
			submitted                           time.Time
			receipt, notice, changed, cancelled sql.NullTime
			number                              int
		)
		if err := rows.Scan(&r.id, &r.status, &submitted, &receipt, &notice, &changed, &cancelled, &number); err != nil {
			rows.Close()
			return nil, fmt.Errorf("filing: check: read filings: %w", err)
		}
		day := func(t sql.NullTime) *time.Time {
			if !t.Valid {
				return nil
			}
			d := dateOf(t.Time)
			return &d
		}
		r.d = Dates{Submitted: dateOf(submitted), Receipt: day(receipt), Notice: day(notice), Changed: day(changed), Cancelled: day(cancelled)}
		r.number = number == 1
		all = append(all, &r)
		byID[r.id] = &r
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("filing: check: read filings: %w", err)
	}
	// FILING_RATE's order: by date, the later recorded last.
	rows, err = db.QueryContext(ctx, `SELECT filing_id, status, date FROM filing_events ORDER BY filing_id, date, id`)
	if err != nil {
		return nil, fmt.Errorf("filing: check: read events: %w", err)
	}
	for rows.Next() {
		var (
			id     int
			status filingevent.Status
			day    time.Time
		)
		if err := rows.Scan(&id, &status, &day); err != nil {
			rows.Close()
			return nil, fmt.Errorf("filing: check: read events: %w", err)
		}
		if r := byID[id]; r != nil {
			r.events = append(r.events, Step{StatusOf(status), dateOf(day)})
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("filing: check: read events: %w", err)
	}
	var out []Problem
	for _, r := range all {
		for _, reason := range problemsOf(r.status, r.d, r.number, r.events) {
			out = append(out, Problem{r.id, reason})
		}
	}
	return out, nil
}

// problemsOf lists what is wrong with one filing.
func problemsOf(status entfiling.Status, d Dates, number bool, events []Step) []string {
	if len(events) == 0 {
		return []string{"has no history"}
	}
	var out []string
	if err := CheckFields(status, d, number); err != nil {
		var fe *apperr.FieldError
		if errors.As(err, &fe) {
			out = append(out, apperr.GraphQLName(fe.Field)+" "+fe.Message)
		} else {
			out = append(out, err.Error())
		}
	}
	if last := events[len(events)-1]; last.Status != status {
		out = append(out, fmt.Sprintf("status is %s but its latest event is %s on %s (FILING_RATE reads the event)",
			status, EventStatus(last.Status), last.Day.Format(time.DateOnly)))
	}
	if first := events[0]; first.Status != entfiling.StatusSUBMITTED || !first.Day.Equal(d.Submitted) {
		out = append(out, fmt.Sprintf("history does not start with SUBMITTED on submittedAt (%s)", d.Submitted.Format(time.DateOnly)))
	}
	for _, s := range decisions {
		var latest *time.Time
		for _, e := range events {
			if e.Status == s {
				day := e.Day
				latest = &day
			}
		}
		field, day := apperr.GraphQLName(DateField(s)), d.Of(s)
		switch {
		case day == nil && latest != nil:
			out = append(out, fmt.Sprintf("has a %s event on %s but no %s", EventStatus(s), latest.Format(time.DateOnly), field))
		case day != nil && latest == nil:
			out = append(out, fmt.Sprintf("%s is %s but the history has no %s", field, day.Format(time.DateOnly), EventStatus(s)))
		case day != nil && !day.Equal(*latest):
			out = append(out, fmt.Sprintf("%s is %s but its latest %s event is on %s", field, day.Format(time.DateOnly), EventStatus(s), latest.Format(time.DateOnly)))
		}
	}
	for i := 1; i < len(events); i++ {
		if prev, cur := events[i-1], events[i]; !CanBecome(prev.Status, cur.Status) {
			out = append(out, fmt.Sprintf("history goes from %s to %s on %s", prev.Status, cur.Status, cur.Day.Format(time.DateOnly)))
		}
	}
	return out
}
