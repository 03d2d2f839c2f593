// Package filing is the 备案 workflow's deadlines: which filings awaiting a
// decision are due or overdue for their receipt (回执, 5 working days) or
// non-compliance notice (15 working days), counted on the official
// working-day calendar (internal/workday) from the submission day, as
// 托育机构登记和备案办法（试行） (国卫办人口发〔2019〕25号) requires. It also
// backfills the status history (FilingEvent) of filings written before the
// history existed or by trusted bulk loads.
package filing

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	entfiling "github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// The 25号文 deadlines, in working days after the submission.
const (
	ReceiptDays = 5
	NoticeDays  = 15
	// MaxWithin bounds filingsDue's horizon.
	MaxWithin = 30
)

// Kind says which deadline an item is about.
type Kind string

// Kinds.
const (
	Receipt Kind = "RECEIPT"
	Notice  Kind = "NOTICE"
)

// Deadline is one work-list item.
type Deadline struct {
	Filing *ent.Filing
	Kind   Kind
	DueOn  time.Time
	// WorkingDaysLeft is the working days from asOf to DueOn (negative when overdue).
	WorkingDaysLeft int
	// DaysOverdue is the calendar days after DueOn (0 when not overdue).
	DaysOverdue int
}

// Region loads a region for a regulator's work list: the viewer must be a
// regulator and the region inside the viewer's own (FORBIDDEN otherwise;
// NOT_FOUND when it does not exist). It returns the code prefix shared by
// the region and its descendants.
func Region(ctx context.Context, client *ent.Client, id int) (string, error) {
	v := auth.FromContext(ctx)
	if !v.IsRegulator() {
		return "", apperr.Forbidden("work lists need a regulator token")
	}
	reg, err := client.Region.Query().Where(region.ID(id)).Only(ctx)
	if err != nil {
		if ent.IsNotFound(err) {
			return "", fmt.Errorf("region %d: %w", id, apperr.ErrNotFound)
		}
		return "", fmt.Errorf("work list region: %w", err)
	}
	if !v.InRegion(reg.Code) {
		return "", apperr.Forbidden("work lists are readable only for regions inside your token's region")
	}
	prefix, ok := (&auth.Viewer{RegionCode: reg.Code}).RegionPrefix()
	if !ok {
		prefix = reg.Code
	}
	return prefix, nil
}

// beyondCalendar is a deadline the calendar cannot place: the count of
// working days reached a year it does not cover, so the deadline is on or
// after notBefore (the first day of that year, or the day after the
// submission when the submission's own year is not covered). That is
// enough to leave it out of a list it cannot belong to; a list it might
// belong to is refused with err, never guessed.
type beyondCalendar struct {
	notBefore time.Time
	err       error
}

// InstitutionPlace loads, with institutions of a work list, their region
// and its parent (district · subdistrict): what a list shows of where an
// item is, in two statements for the whole list rather than two per item.
func InstitutionPlace(q *ent.InstitutionQuery) {
	q.WithRegion(func(q *ent.RegionQuery) { q.WithParent() })
}

// pending lists every deadline of the filings awaiting a decision (status
// SUBMITTED) at institutions in the region, as of asOf, with those the
// calendar cannot place kept apart, and the calendar it used. The query
// runs as the viewer, so row policies apply on top of the region check.
func pending(ctx context.Context, client *ent.Client, regionID int, asOf time.Time) ([]Deadline, []beyondCalendar, *workday.Calendar, error) {
	prefix, err := Region(ctx, client, regionID)
	if err != nil {
		return nil, nil, nil, err
	}
	cal, err := workday.Load(ctx, client)
	if err != nil {
		return nil, nil, nil, err
	}
	filings, err := client.Filing.Query().
		Where(
			entfiling.StatusEQ(entfiling.StatusSUBMITTED),
			// Pending as of asOf: a filing submitted later is not yet.
			entfiling.SubmittedAtLTE(asOf),
			entfiling.HasInstitutionWith(institution.HasRegionWith(region.CodeHasPrefix(prefix))),
		).
		Order(ent.Asc(entfiling.FieldSubmittedAt), ent.Asc(entfiling.FieldID)).
		// The work list shows the institution and where it is: one
		// statement each, not one per filing.
		WithInstitution(InstitutionPlace).
		All(ctx)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("filing: pending filings: %w", err)
	}
	out := make([]Deadline, 0, 2*len(filings))
	var beyond []beyondCalendar
	for _, f := range filings {
		for _, k := range []struct {
			kind Kind
			days int
		}{{Receipt, ReceiptDays}, {Notice, NoticeDays}} {
			d, err := deadline(cal, f, k.kind, k.days, asOf)
			var unknown *workday.UnknownYearError
			switch {
			case errors.As(err, &unknown) && d.DueOn.IsZero():
				notBefore := time.Date(unknown.Year, time.January, 1, 0, 0, 0, 0, time.UTC)
				if f.SubmittedAt.Year() == unknown.Year {
					notBefore = time.Date(unknown.Year, f.SubmittedAt.Month(), f.SubmittedAt.Day()+1, 0, 0, 0, 0, time.UTC)
				}
				beyond = append(beyond, beyondCalendar{notBefore: notBefore, err: err})
			case err != nil:
				return nil, nil, nil, err
			default:
				out = append(out, d)
			}
		}
	}
	return out, beyond, cal, nil
}

func deadline(cal *workday.Calendar, f *ent.Filing, kind Kind, days int, asOf time.Time) (Deadline, error) {
	due, err := cal.Add(f.SubmittedAt, days)
	if err != nil {
		return Deadline{}, fmt.Errorf("filing %d %s deadline: %w", f.ID, kind, err)
	}
	left, err := cal.Between(asOf, due)
	if err != nil {
		// The deadline is known; the calendar fails at asOf.
		return Deadline{DueOn: due}, fmt.Errorf("filing %d %s deadline: %w", f.ID, kind, err)
	}
	d := Deadline{Filing: f, Kind: kind, DueOn: due, WorkingDaysLeft: left}
	if asOf.After(due) {
		d.DaysOverdue = int(asOf.Sub(due).Hours() / 24)
	}
	return d, nil
}

// Due lists the deadlines falling within the next `within` working days:
// asOf <= DueOn <= the within-th working day after asOf; soonest first.
func Due(ctx context.Context, client *ent.Client, regionID, within int, asOf time.Time) ([]Deadline, error) {
	if within < 0 || within > MaxWithin {
		return nil, apperr.Invalid("within", fmt.Sprintf("must be between 0 and %d working days", MaxWithin))
	}
	all, beyond, cal, err := pending(ctx, client, regionID, asOf)
	if err != nil {
		return nil, err
	}
	horizon, err := cal.Add(asOf, within)
	if err != nil {
		return nil, fmt.Errorf("filing: due horizon: %w", err)
	}
	for _, b := range beyond {
		if !b.notBefore.After(horizon) { // it might fall within the horizon
			return nil, b.err
		}
	}
	var out []Deadline
	for _, d := range all {
		if !d.DueOn.Before(asOf) && !d.DueOn.After(horizon) {
			out = append(out, d)
		}
	}
	sortDeadlines(out)
	return out, nil
}

// Overdue lists the deadlines that passed (DueOn < asOf), most overdue first.
func Overdue(ctx context.Context, client *ent.Client, regionID int, asOf time.Time) ([]Deadline, error) {
	all, beyond, _, err := pending(ctx, client, regionID, asOf)
	if err != nil {
		return nil, err
	}
	for _, b := range beyond {
		if b.notBefore.Before(asOf) { // it might have passed
			return nil, b.err
		}
	}
	var out []Deadline
	for _, d := range all {
		if d.DueOn.Before(asOf) {
			out = append(out, d)
		}
	}
	sortDeadlines(out)
	return out, nil
}

// sortDeadlines orders by due day, then receipt before notice, then filing.
func sortDeadlines(ds []Deadline) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		switch {
		case !a.DueOn.Equal(b.DueOn):
			return a.DueOn.Before(b.DueOn)
		case a.Kind != b.Kind:
			return a.Kind == Receipt
		}
		return a.Filing.ID < b.Filing.ID
	})
}
