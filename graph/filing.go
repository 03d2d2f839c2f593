package graph

import (
	"context"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/graph/model"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/supervision"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// This file converts the filing and supervision work lists (internal/filing,
// internal/supervision) to GraphQL models; the resolvers in
// filing.resolvers.go stay one call each.

// asOfOrToday is the day a work list is for.
func (r *Resolver) asOfOrToday(asOf *time.Time) time.Time {
	if asOf != nil {
		return *asOf
	}
	return r.today()
}

func filingDeadlines(ds []filingflow.Deadline, err error) ([]model.FilingDeadline, error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.FilingDeadline, len(ds))
	for i, d := range ds {
		out[i] = model.FilingDeadline{Filing: d.Filing, Kind: model.FilingDeadlineKind(d.Kind), DueOn: d.DueOn, WorkingDaysLeft: d.WorkingDaysLeft, DaysOverdue: d.DaysOverdue}
	}
	return out, nil
}

func overdueFindings(fs []supervision.OverdueFinding, err error) ([]model.OverdueFinding, error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.OverdueFinding, len(fs))
	for i, f := range fs {
		out[i] = model.OverdueFinding{Finding: f.Finding, Deadline: f.Deadline, DaysOverdue: f.DaysOverdue}
	}
	return out, nil
}

func overdueComplaints(cs []supervision.OverdueComplaint, err error) ([]model.OverdueComplaint, error) {
	if err != nil {
		return nil, err
	}
	out := make([]model.OverdueComplaint, len(cs))
	for i, c := range cs {
		out[i] = model.OverdueComplaint{Complaint: c.Complaint, DueOn: c.DueOn, DaysOverdue: c.DaysOverdue}
	}
	return out, nil
}

// loadWorkCalendar stores a year in the mutation's transaction and reports
// the calendar's coverage afterwards.
func (r *Resolver) loadWorkCalendar(ctx context.Context, year int, in []model.WorkCalendarDayInput) (*model.WorkCalendarCoverage, error) {
	days := make([]workday.Day, len(in))
	for i, d := range in {
		days[i] = workday.Day{Date: d.Date, Workday: d.Workday}
		if d.Name != nil {
			days[i].Name = *d.Name
		}
	}
	db := r.db(ctx)
	n, err := workday.LoadYear(ctx, db, year, days)
	if err != nil {
		return nil, err
	}
	cal, err := workday.Load(ctx, db)
	if err != nil {
		return nil, err
	}
	return &model.WorkCalendarCoverage{Year: year, Days: n, LastKnownYear: cal.LastYear()}, nil
}

// workCalendar is the calendar in force for year: what deadlines use.
func (r *Resolver) workCalendar(ctx context.Context, year int) (*model.WorkCalendarYear, error) {
	if msg := workday.YearProblem(year); msg != "" {
		return nil, apperr.Invalid("year", msg)
	}
	cal, err := workday.Load(ctx, r.db(ctx))
	if err != nil {
		return nil, err
	}
	out := &model.WorkCalendarYear{
		Year: year, Covered: cal.Covers(time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)),
		Loaded: cal.Loaded(year), LastKnownYear: cal.LastYear(), Days: []model.WorkCalendarException{},
	}
	for _, d := range cal.Days(year) {
		e := model.WorkCalendarException{Date: d.Date, Workday: d.Workday}
		if d.Name != "" {
			e.Name = &d.Name
		}
		out.Days = append(out.Days, e)
	}
	return out, nil
}

// actorSubject is the event's actor as the viewer may see it: the account
// for regulators, null for everyone else (filingflow.SeesActor) and for
// rows without one.
func actorSubject(ctx context.Context, e *ent.FilingEvent) *string {
	if e.ActorSubject == "" || !filingflow.SeesActor(auth.FromContext(ctx).Role) {
		return nil
	}
	s := e.ActorSubject
	return &s
}
