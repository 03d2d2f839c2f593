package export

// Code below is one pager per registry entity: a page of at most n rows with
// IDs above after, in ID order, filtered by the entity's entgql where input
// when one is given. Paging by ID keeps memory flat however large the table
// is, and each page is an ordinary ent query, so row policies apply.

import (
	"context"
	"fmt"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/incident"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/populationstat"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/ent/target"
	"github.com/tuoyu/tuoyu/ent/workcalendarday"
)

// pager reads one page of an entity's rows ([]*ent.T as []any).
type pager func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error)

// whereAs checks that where is nil or the entity's where input.
func whereAs[W any](where any) (W, bool, error) {
	var zero W
	if where == nil {
		return zero, false, nil
	}
	w, ok := where.(W)
	if !ok {
		return zero, false, fmt.Errorf("export: a %T filter does not apply to this entity (want %T)", where, zero)
	}
	return w, true, nil
}

// page reads one page: q filtered by where (nil, or W: the entity's entgql
// where input), its rows as []any.
func page[W interface {
	comparable
	Filter(Q) (Q, error)
}, Q any, T any](ctx context.Context, where any, q Q, all func(Q, context.Context) ([]*T, error)) ([]any, error) {
	w, ok, err := whereAs[W](where)
	if err != nil {
		return nil, err
	}
	var none W
	if ok && w != none {
		if q, err = w.Filter(q); err != nil {
			return nil, fmt.Errorf("export: filter: %w", err)
		}
	}
	return anys(all(q, ctx))
}

func anys[T any](rows []*T, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, nil
}

// pagers by ent type name.
var pagers = map[string]pager{
	"Region": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.RegionWhereInput](ctx, where, c.Region.Query().Where(region.IDGT(after)).Order(ent.Asc(region.FieldID)).Limit(n), (*ent.RegionQuery).All)
	},
	"PopulationStat": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.PopulationStatWhereInput](ctx, where, c.PopulationStat.Query().Where(populationstat.IDGT(after)).Order(ent.Asc(populationstat.FieldID)).Limit(n), (*ent.PopulationStatQuery).All)
	},
	"Institution": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.InstitutionWhereInput](ctx, where, c.Institution.Query().Where(institution.IDGT(after)).Order(ent.Asc(institution.FieldID)).Limit(n), (*ent.InstitutionQuery).All)
	},
	"Filing": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.FilingWhereInput](ctx, where, c.Filing.Query().Where(filing.IDGT(after)).Order(ent.Asc(filing.FieldID)).Limit(n), (*ent.FilingQuery).All)
	},
	"InclusiveDesignation": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.InclusiveDesignationWhereInput](ctx, where, c.InclusiveDesignation.Query().Where(inclusivedesignation.IDGT(after)).Order(ent.Asc(inclusivedesignation.FieldID)).Limit(n), (*ent.InclusiveDesignationQuery).All)
	},
	"Seat": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.SeatWhereInput](ctx, where, c.Seat.Query().Where(seat.IDGT(after)).Order(ent.Asc(seat.FieldID)).Limit(n), (*ent.SeatQuery).All)
	},
	"Staff": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.StaffWhereInput](ctx, where, c.Staff.Query().Where(staff.IDGT(after)).Order(ent.Asc(staff.FieldID)).Limit(n), (*ent.StaffQuery).All)
	},
	"Certification": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.CertificationWhereInput](ctx, where, c.Certification.Query().Where(certification.IDGT(after)).Order(ent.Asc(certification.FieldID)).Limit(n), (*ent.CertificationQuery).All)
	},
	"BanListEntry": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.BanListEntryWhereInput](ctx, where, c.BanListEntry.Query().Where(banlistentry.IDGT(after)).Order(ent.Asc(banlistentry.FieldID)).Limit(n), (*ent.BanListEntryQuery).All)
	},
	"Child": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.ChildWhereInput](ctx, where, c.Child.Query().Where(child.IDGT(after)).Order(ent.Asc(child.FieldID)).Limit(n), (*ent.ChildQuery).All)
	},
	"Enrolment": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.EnrolmentWhereInput](ctx, where, c.Enrolment.Query().Where(enrolment.IDGT(after)).Order(ent.Asc(enrolment.FieldID)).Limit(n), (*ent.EnrolmentQuery).All)
	},
	"HealthRecord": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.HealthRecordWhereInput](ctx, where, c.HealthRecord.Query().Where(healthrecord.IDGT(after)).Order(ent.Asc(healthrecord.FieldID)).Limit(n), (*ent.HealthRecordQuery).All)
	},
	"Inspection": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.InspectionWhereInput](ctx, where, c.Inspection.Query().Where(inspection.IDGT(after)).Order(ent.Asc(inspection.FieldID)).Limit(n), (*ent.InspectionQuery).All)
	},
	"Finding": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.FindingWhereInput](ctx, where, c.Finding.Query().Where(finding.IDGT(after)).Order(ent.Asc(finding.FieldID)).Limit(n), (*ent.FindingQuery).All)
	},
	"Complaint": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.ComplaintWhereInput](ctx, where, c.Complaint.Query().Where(complaint.IDGT(after)).Order(ent.Asc(complaint.FieldID)).Limit(n), (*ent.ComplaintQuery).All)
	},
	"Incident": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.IncidentWhereInput](ctx, where, c.Incident.Query().Where(incident.IDGT(after)).Order(ent.Asc(incident.FieldID)).Limit(n), (*ent.IncidentQuery).All)
	},
	"Survey": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.SurveyWhereInput](ctx, where, c.Survey.Query().Where(survey.IDGT(after)).Order(ent.Asc(survey.FieldID)).Limit(n), (*ent.SurveyQuery).All)
	},
	"Target": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.TargetWhereInput](ctx, where, c.Target.Query().Where(target.IDGT(after)).Order(ent.Asc(target.FieldID)).Limit(n), (*ent.TargetQuery).All)
	},
	"WorkCalendarDay": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		return page[*ent.WorkCalendarDayWhereInput](ctx, where, c.WorkCalendarDay.Query().Where(workcalendarday.IDGT(after)).Order(ent.Asc(workcalendarday.FieldID)).Limit(n), (*ent.WorkCalendarDayQuery).All)
	},
}
