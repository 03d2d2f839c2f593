// Package nearby finds filed, operating institutions near a point for parents
// (nearbyInstitutions): by distance, with the fee a family pays and the
// vacancies per age band. The search uses the S2 cell index (package
// s2cell): the circle becomes a few ranges of the indexed institutions.s2_cell
// column, and only the candidates in those ranges are measured exactly.
// Nothing personal leaves it: vacancies are counts.
package nearby

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/disclosure"
	"github.com/tuoyu/tuoyu/internal/nearby/s2cell"
)

// Limits of a search: 50 km is far beyond any daily trip (surveys find nine
// parents in ten accept at most 3 km), and 100 results fill any map screen.
const (
	DefaultRadiusMeters = 3000
	MaxRadiusMeters     = 50000
	DefaultFirst        = 20
	MaxFirst            = 100
)

// Query is one search (the GraphQL arguments carry the defaults).
type Query struct {
	Latitude, Longitude float64
	RadiusMeters        int
	// InclusiveOnly keeps institutions holding a 普惠 designation on Day.
	InclusiveOnly bool
	// AgeBand, when set, keeps institutions with open seats of that band.
	AgeBand *seat.AgeBand
	// ServiceMode, when set, keeps institutions offering it.
	ServiceMode *schematype.ServiceMode
	First       int
	// Day is "today" in the server's time zone.
	Day time.Time
}

// Validate checks the query. Errors name the
// GraphQL argument (snake_case; the presenter camel-cases it).
func (q *Query) Validate() error {
	if math.IsNaN(q.Latitude) || q.Latitude < -90 || q.Latitude > 90 {
		return apperr.Invalid("latitude", "must be a WGS-84 latitude between -90 and 90 degrees")
	}
	if math.IsNaN(q.Longitude) || q.Longitude < -180 || q.Longitude > 180 {
		return apperr.Invalid("longitude", "must be a WGS-84 longitude between -180 and 180 degrees")
	}
	if q.RadiusMeters < 1 || q.RadiusMeters > MaxRadiusMeters {
		return apperr.Invalid("radius_meters", fmt.Sprintf("must be between 1 and %d metres", MaxRadiusMeters))
	}
	if q.First < 1 || q.First > MaxFirst {
		return apperr.Invalid("first", fmt.Sprintf("must be between 1 and %d", MaxFirst))
	}
	return nil
}

// Vacancy is the state of one age band at an institution on the day.
type Vacancy struct {
	AgeBand seat.AgeBand
	// Seats open on the day.
	Seats int
	// Occupied: children in FULL_DAY or HALF_DAY care on the day counted
	// against this band (see occupancy).
	Occupied int
	// Vacancies = Seats − Occupied, never below 0.
	Vacancies int
}

// Result is one institution found.
type Result struct {
	Institution    *ent.Institution
	DistanceMeters float64
	// Inclusive: holds a 普惠 designation on the day.
	Inclusive bool
	// MonthlyFee is what a family pays for full-day care (disclosure.Fee).
	MonthlyFee *int
	Vacancies  []Vacancy
}

// Search runs q (validated first) and returns the institutions within the
// radius nearest first (ties by ID), at most q.First: only institutions
// serving today (disclosure.Serving: filed, open and OPERATING), since a
// suspended one has no seat a parent can take. It reads as the system with
// that explicit filter, so every viewer gets the same public answer.
func Search(ctx context.Context, client *ent.Client, q Query) ([]Result, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	sys := disclosure.System(ctx)
	day := civil.Of(q.Day)
	ranges := s2cell.Cover(q.Latitude, q.Longitude, float64(q.RadiusMeters))
	inRanges := make([]predicate.Institution, len(ranges))
	for i, r := range ranges {
		inRanges[i] = institution.And(institution.S2CellGTE(r.Min), institution.S2CellLTE(r.Max))
	}
	candidates, err := client.Institution.Query().
		Where(institution.Or(inRanges...), disclosure.Serving(day)).
		All(sys)
	if err != nil {
		return nil, fmt.Errorf("nearby: candidates: %w", err)
	}
	var found []Result
	for _, inst := range candidates {
		if inst.Latitude == nil || inst.Longitude == nil {
			continue
		}
		if q.ServiceMode != nil && !slices.Contains(inst.ServiceModes, *q.ServiceMode) {
			continue
		}
		d := s2cell.DistanceMeters(q.Latitude, q.Longitude, *inst.Latitude, *inst.Longitude)
		if d > float64(q.RadiusMeters) {
			continue
		}
		found = append(found, Result{Institution: inst, DistanceMeters: d})
	}
	if len(found) == 0 {
		return nil, nil
	}
	ids := make([]int, len(found))
	for i, r := range found {
		ids[i] = r.Institution.ID
	}
	designations, err := disclosure.Designations(sys, client, ids, day)
	if err != nil {
		return nil, err
	}
	vacancies, err := Vacancies(sys, client, ids, day)
	if err != nil {
		return nil, err
	}
	kept := found[:0]
	for _, r := range found {
		id := r.Institution.ID
		r.Inclusive = designations[id] != nil
		if q.InclusiveOnly && !r.Inclusive {
			continue
		}
		r.Vacancies = vacancies[id]
		if q.AgeBand != nil && !slices.ContainsFunc(r.Vacancies, func(v Vacancy) bool { return v.AgeBand == *q.AgeBand }) {
			continue
		}
		r.MonthlyFee = disclosure.Fee(r.Institution, r.Inclusive)
		kept = append(kept, r)
	}
	sort.Slice(kept, func(i, j int) bool {
		if kept[i].DistanceMeters != kept[j].DistanceMeters {
			return kept[i].DistanceMeters < kept[j].DistanceMeters
		}
		return kept[i].Institution.ID < kept[j].Institution.ID
	})
	if len(kept) > q.First {
		kept = kept[:q.First]
	}
	return kept, nil
}

// occupying are the service modes that hold a seat (as SEAT_USAGE_RATE counts).
var occupying = []schematype.ServiceMode{schematype.ServiceModeFullDay, schematype.ServiceModeHalfDay}

// bandOfAge is the age band of a child of m months without an assigned
// seat: 乳儿班 under 12, 托小班 12–23, 托大班 24 and over.
func bandOfAge(m int) seat.AgeBand {
	switch {
	case m < 12:
		return seat.AgeBandINFANT
	case m < 24:
		return seat.AgeBandTODDLER
	}
	return seat.AgeBandPRESCHOOL
}

// Vacancies returns, per institution, its open seats per age band on day
// and the children in FULL_DAY or HALF_DAY care counted against each
// band: a child with an assigned seat against that seat's band; a child
// without one against the band of its age, or, when the institution has
// no seats of that band, against its MIXED seats (混合班, 18 months and
// older). Vacancies are never below 0. Bands without open seats are left
// out. Reads enrolments as the system; only counts leave.
func Vacancies(ctx context.Context, client *ent.Client, ids []int, day time.Time) (map[int][]Vacancy, error) {
	sys := disclosure.System(ctx)
	seats, err := disclosure.Seats(sys, client, ids, day)
	if err != nil {
		return nil, err
	}
	// One statement: each enrolment in care with its seat's band (if any)
	// and the child's birth date (instead of eager-loading seats and children).
	var rows []struct {
		InstitutionID int       `json:"institution_id"`
		SeatBand      *string   `json:"seat_band"`
		BirthDate     time.Time `json:"birth_date"`
	}
	err = client.Enrolment.Query().
		Where(
			enrolment.InstitutionIDIn(ids...),
			enrolment.ServiceModeIn(occupying...),
			enrolment.StartDateLTE(day),
			enrolment.Or(enrolment.EndDateIsNil(), enrolment.EndDateGT(day)),
		).
		Modify(func(s *sql.Selector) {
			st, ct := sql.Table(seat.Table).As("s"), sql.Table(child.Table).As("c")
			s.LeftJoin(st).On(s.C(enrolment.FieldSeatID), st.C(seat.FieldID)).
				Join(ct).On(s.C(enrolment.FieldChildID), ct.C(child.FieldID)).
				Select(s.C(enrolment.FieldInstitutionID), sql.As(st.C(seat.FieldAgeBand), "seat_band"), sql.As(ct.C(child.FieldBirthDate), "birth_date"))
		}).
		Scan(sys, &rows)
	if err != nil {
		return nil, fmt.Errorf("nearby: enrolments: %w", err)
	}
	occupied := map[int]map[seat.AgeBand]int{}
	for _, e := range rows {
		have := map[seat.AgeBand]bool{}
		for _, c := range seats[e.InstitutionID] {
			have[c.AgeBand] = true
		}
		var band seat.AgeBand
		if e.SeatBand != nil {
			band = seat.AgeBand(*e.SeatBand)
		} else {
			m := civil.AgeInMonths(civil.Of(e.BirthDate), day)
			band = bandOfAge(m)
			if !have[band] && m >= 18 && have[seat.AgeBandMIXED] {
				band = seat.AgeBandMIXED
			}
		}
		if occupied[e.InstitutionID] == nil {
			occupied[e.InstitutionID] = map[seat.AgeBand]int{}
		}
		occupied[e.InstitutionID][band]++
	}
	out := make(map[int][]Vacancy, len(seats))
	for id, counts := range seats {
		list := make([]Vacancy, 0, len(counts))
		for _, c := range counts {
			o := occupied[id][c.AgeBand]
			list = append(list, Vacancy{AgeBand: c.AgeBand, Seats: c.Seats, Occupied: o, Vacancies: max(0, c.Seats-o)})
		}
		out[id] = list
	}
	return out, nil
}
