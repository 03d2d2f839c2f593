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
		q := c.Region.Query().Where(region.IDGT(after)).Order(ent.Asc(region.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.RegionWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"PopulationStat": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.PopulationStat.Query().Where(populationstat.IDGT(after)).Order(ent.Asc(populationstat.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.PopulationStatWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Institution": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Institution.Query().Where(institution.IDGT(after)).Order(ent.Asc(institution.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.InstitutionWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Filing": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Filing.Query().Where(filing.IDGT(after)).Order(ent.Asc(filing.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.FilingWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"InclusiveDesignation": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.InclusiveDesignation.Query().Where(inclusivedesignation.IDGT(after)).Order(ent.Asc(inclusivedesignation.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.InclusiveDesignationWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Seat": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Seat.Query().Where(seat.IDGT(after)).Order(ent.Asc(seat.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.SeatWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Staff": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Staff.Query().Where(staff.IDGT(after)).Order(ent.Asc(staff.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.StaffWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Certification": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Certification.Query().Where(certification.IDGT(after)).Order(ent.Asc(certification.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.CertificationWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"BanListEntry": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.BanListEntry.Query().Where(banlistentry.IDGT(after)).Order(ent.Asc(banlistentry.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.BanListEntryWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Child": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Child.Query().Where(child.IDGT(after)).Order(ent.Asc(child.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.ChildWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Enrolment": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Enrolment.Query().Where(enrolment.IDGT(after)).Order(ent.Asc(enrolment.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.EnrolmentWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"HealthRecord": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.HealthRecord.Query().Where(healthrecord.IDGT(after)).Order(ent.Asc(healthrecord.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.HealthRecordWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Inspection": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Inspection.Query().Where(inspection.IDGT(after)).Order(ent.Asc(inspection.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.InspectionWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Finding": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Finding.Query().Where(finding.IDGT(after)).Order(ent.Asc(finding.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.FindingWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Complaint": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Complaint.Query().Where(complaint.IDGT(after)).Order(ent.Asc(complaint.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.ComplaintWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Incident": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Incident.Query().Where(incident.IDGT(after)).Order(ent.Asc(incident.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.IncidentWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Survey": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Survey.Query().Where(survey.IDGT(after)).Order(ent.Asc(survey.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.SurveyWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
	"Target": func(ctx context.Context, c *ent.Client, where any, after, n int) ([]any, error) {
		q := c.Target.Query().Where(target.IDGT(after)).Order(ent.Asc(target.FieldID)).Limit(n)
		w, ok, err := whereAs[*ent.TargetWhereInput](where)
		if err != nil {
			return nil, err
		}
		if ok && w != nil {
			if q, err = w.Filter(q); err != nil {
				return nil, fmt.Errorf("export: filter: %w", err)
			}
		}
		return anys(q.All(ctx))
	},
}
