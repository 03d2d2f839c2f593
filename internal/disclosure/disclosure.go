// Package disclosure is the public information of an institution (信息公示):
// what anyone may see about a filed institution — its filing receipt, 普惠
// status and price, service modes, seats by age band, and the dates and
// overall outcomes of its inspections. It reads as the system and returns
// only these facts: no person's name, no child, no staff, no inspector.
package disclosure

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/apperr"
)

// Published is the institutions whose public profile (信息公示) is shown:
// those holding a filing receipt (FILED or CHANGED), as the PUBLIC read
// policy has it (ent/schema/policy.go), open on day by their dates, and
// not reported CLOSED. A SUSPENDED (or PREPARING) institution keeps its
// profile, status included: a parent who holds a contract with it, or finds
// it elsewhere, should learn from the register that it is temporarily
// closed rather than find nothing. Searches for a seat use Serving instead.
func Published(day time.Time) predicate.Institution {
	return institution.And(
		institution.HasFilingsWith(filing.StatusIn(filing.StatusFILED, filing.StatusCHANGED), filing.ReceiptAtNotNil()),
		institution.OpenedAtLTE(day),
		institution.Or(institution.ClosedAtIsNil(), institution.ClosedAtGT(day)),
		institution.StatusNEQ(institution.StatusCLOSED),
	)
}

// Serving is the published institutions that take children today: status
// OPERATING. Only these are offered to parents looking for a seat
// (nearbyInstitutions): a SUSPENDED institution's seats and vacancies exist
// on paper but cannot be taken up, and a PREPARING one does not serve yet.
// The dates alone do not say so, because a suspension keeps the
// institution open in the register (KPIs still count its seats).
func Serving(day time.Time) predicate.Institution {
	return institution.And(Published(day), institution.StatusEQ(institution.StatusOPERATING))
}

// designatedOn is a designation valid on day.
func designatedOn(day time.Time) predicate.InclusiveDesignation {
	return inclusivedesignation.And(
		inclusivedesignation.ValidFromLTE(day),
		inclusivedesignation.Or(inclusivedesignation.ValidToIsNil(), inclusivedesignation.ValidToGT(day)),
	)
}

// openSeatOn is a seat offered on day.
func openSeatOn(day time.Time) predicate.Seat {
	return seat.And(seat.OpenedAtLTE(day), seat.Or(seat.ClosedAtIsNil(), seat.ClosedAtGT(day)))
}

// System is ctx with the system's read decision: the facts read here are
// public by definition, and only they leave this package.
func System(ctx context.Context) context.Context { return privacy.DecisionContext(ctx, privacy.Allow) }

// Filing is the public part of the institution's current filing.
type Filing struct {
	// FilingID is the filing record's ID.
	FilingID int
	Status   filing.Status
	// ReceiptNumber is the number printed on the receipt (备案回执编号);
	// nil when the office did not record it.
	ReceiptNumber *string
	// ReceiptDate is the day the receipt (回执) was issued.
	ReceiptDate time.Time
}

// SeatCount is the number of open seats of one age band.
type SeatCount struct {
	AgeBand   seat.AgeBand
	Seats     int
	Inclusive int
}

// Inspection is the public part of an inspection: when, what kind, and the
// overall outcome.
type Inspection struct {
	Date    time.Time
	Kind    inspection.Kind
	Outcome inspection.Outcome
}

// Designation is a 普惠 designation valid on the day.
type Designation struct {
	Category     inclusivedesignation.Category
	DesignatedBy string
	ValidFrom    time.Time
	ValidTo      *time.Time
}

// Profile is an institution's public profile on a day.
type Profile struct {
	Institution *ent.Institution
	Filing      Filing
	// Designation is nil when the institution is not 普惠 on the day.
	Designation *Designation
	// MonthlyFee is what a family pays for full-day care: the inclusive fee
	// while designated (when published), else the published fee; nil when
	// neither is published.
	MonthlyFee  *int
	Seats       []SeatCount
	Inspections []Inspection
}

// MaxInspections bounds the inspections listed (most recent first).
const MaxInspections = 50

// Get returns the public profile of institution id on day, or an
// ErrNotFound error when it is not published (not filed, not open, closed,
// or no such institution). The profile of a SUSPENDED or PREPARING
// institution is returned; its status is in Institution.Status.
func Get(ctx context.Context, client *ent.Client, id int, day time.Time) (*Profile, error) {
	sys := System(ctx)
	inst, err := client.Institution.Query().Where(institution.ID(id), Published(day)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("disclosure: institution: %w", apperr.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("disclosure: institution: %w", err)
	}
	p := &Profile{Institution: inst}
	f, err := client.Filing.Query().
		Where(filing.InstitutionID(id), filing.StatusIn(filing.StatusFILED, filing.StatusCHANGED), filing.ReceiptAtNotNil()).
		Order(ent.Desc(filing.FieldReceiptAt), ent.Desc(filing.FieldID)).
		First(sys)
	if err != nil {
		return nil, fmt.Errorf("disclosure: filing: %w", err)
	}
	p.Filing = Filing{FilingID: f.ID, Status: f.Status, ReceiptNumber: f.ReceiptNumber, ReceiptDate: *f.ReceiptAt}
	designations, err := Designations(sys, client, []int{id}, day)
	if err != nil {
		return nil, err
	}
	p.Designation = designations[id]
	p.MonthlyFee = Fee(inst, p.Designation != nil)
	seats, err := Seats(sys, client, []int{id}, day)
	if err != nil {
		return nil, err
	}
	p.Seats = seats[id]
	if p.Designation == nil {
		// Inclusive seats are offered at the inclusive price only while designated.
		for i := range p.Seats {
			p.Seats[i].Inclusive = 0
		}
	}
	ins, err := client.Inspection.Query().
		Where(inspection.InstitutionID(id), inspection.InspectedOnLTE(day)).
		Order(ent.Desc(inspection.FieldInspectedOn), ent.Desc(inspection.FieldID)).
		Limit(MaxInspections).
		All(sys)
	if err != nil {
		return nil, fmt.Errorf("disclosure: inspections: %w", err)
	}
	for _, i := range ins {
		p.Inspections = append(p.Inspections, Inspection{Date: i.InspectedOn, Kind: i.Kind, Outcome: i.Outcome})
	}
	return p, nil
}

// Fee is the monthly full-day fee a family pays: the inclusive fee while
// designated (when published), else the published fee.
func Fee(inst *ent.Institution, designated bool) *int {
	if designated && inst.InclusiveMonthlyFee != nil {
		return inst.InclusiveMonthlyFee
	}
	return inst.MonthlyFee
}

// Designations returns, per institution, its 普惠 designation valid on day
// (the earliest-starting one when several are).
func Designations(ctx context.Context, client *ent.Client, ids []int, day time.Time) (map[int]*Designation, error) {
	rows, err := client.InclusiveDesignation.Query().
		Where(inclusivedesignation.InstitutionIDIn(ids...), designatedOn(day)).
		Order(ent.Asc(inclusivedesignation.FieldValidFrom), ent.Asc(inclusivedesignation.FieldID)).
		All(System(ctx))
	if err != nil {
		return nil, fmt.Errorf("disclosure: designations: %w", err)
	}
	out := map[int]*Designation{}
	for _, d := range rows {
		if out[d.InstitutionID] == nil {
			out[d.InstitutionID] = &Designation{Category: d.Category, DesignatedBy: d.DesignatedBy, ValidFrom: d.ValidFrom, ValidTo: d.ValidTo}
		}
	}
	return out, nil
}

// bandOrder is the display order of age bands.
var bandOrder = map[seat.AgeBand]int{seat.AgeBandINFANT: 0, seat.AgeBandTODDLER: 1, seat.AgeBandPRESCHOOL: 2, seat.AgeBandMIXED: 3}

// Seats counts the open seats on day per institution and age band, bands
// in age order, bands without seats left out.
func Seats(ctx context.Context, client *ent.Client, ids []int, day time.Time) (map[int][]SeatCount, error) {
	var rows []struct {
		InstitutionID int          `json:"institution_id"`
		AgeBand       seat.AgeBand `json:"age_band"`
		Inclusive     bool         `json:"inclusive"`
		Count         int          `json:"count"`
	}
	err := client.Seat.Query().
		Where(seat.InstitutionIDIn(ids...), openSeatOn(day)).
		GroupBy(seat.FieldInstitutionID, seat.FieldAgeBand, seat.FieldInclusive).
		Aggregate(ent.Count()).
		Scan(System(ctx), &rows)
	if err != nil {
		return nil, fmt.Errorf("disclosure: seats: %w", err)
	}
	idx := map[int]map[seat.AgeBand]*SeatCount{}
	for _, r := range rows {
		m := idx[r.InstitutionID]
		if m == nil {
			m = map[seat.AgeBand]*SeatCount{}
			idx[r.InstitutionID] = m
		}
		c := m[r.AgeBand]
		if c == nil {
			c = &SeatCount{AgeBand: r.AgeBand}
			m[r.AgeBand] = c
		}
		c.Seats += r.Count
		if r.Inclusive {
			c.Inclusive += r.Count
		}
	}
	out := make(map[int][]SeatCount, len(idx))
	for id, m := range idx {
		list := make([]SeatCount, 0, len(m))
		for _, c := range m {
			list = append(list, *c)
		}
		sort.Slice(list, func(i, j int) bool { return bandOrder[list[i].AgeBand] < bandOrder[list[j].AgeBand] })
		out[id] = list
	}
	return out, nil
}
