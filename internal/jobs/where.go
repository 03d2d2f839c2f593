package jobs

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/apperr"
)

// whereInputs makes an empty filter of each exportable entity (registry
// name → the ent type's WhereInput), for decoding a stored filter.
var whereInputs = map[string]func() any{
	"regions":                func() any { return new(ent.RegionWhereInput) },
	"population_stats":       func() any { return new(ent.PopulationStatWhereInput) },
	"institutions":           func() any { return new(ent.InstitutionWhereInput) },
	"filings":                func() any { return new(ent.FilingWhereInput) },
	"inclusive_designations": func() any { return new(ent.InclusiveDesignationWhereInput) },
	"seats":                  func() any { return new(ent.SeatWhereInput) },
	"staff":                  func() any { return new(ent.StaffWhereInput) },
	"certifications":         func() any { return new(ent.CertificationWhereInput) },
	"ban_list":               func() any { return new(ent.BanListEntryWhereInput) },
	"children":               func() any { return new(ent.ChildWhereInput) },
	"enrolments":             func() any { return new(ent.EnrolmentWhereInput) },
	"health_records":         func() any { return new(ent.HealthRecordWhereInput) },
	"inspections":            func() any { return new(ent.InspectionWhereInput) },
	"findings":               func() any { return new(ent.FindingWhereInput) },
	"complaints":             func() any { return new(ent.ComplaintWhereInput) },
	"incidents":              func() any { return new(ent.IncidentWhereInput) },
	"surveys":                func() any { return new(ent.SurveyWhereInput) },
	"targets":                func() any { return new(ent.TargetWhereInput) },
	"work_calendar":          func() any { return new(ent.WorkCalendarDayWhereInput) },
}

// Entities lists the registry names DecodeWhere knows.
func Entities() []string {
	out := make([]string, 0, len(whereInputs))
	for k := range whereInputs {
		out = append(out, k)
	}
	return out
}

// DecodeWhere turns a stored filter (the entity's WhereInput as JSON) back
// into the typed *ent.<Type>WhereInput export.Write expects; empty JSON is
// nil (every row). A filter that does not decode or does not form a
// predicate is a BAD_USER_INPUT error on field "where".
func DecodeWhere(entity string, raw []byte) (any, error) {
	mk, ok := whereInputs[entity]
	if !ok {
		return nil, apperr.Invalid("entity", "cannot be exported") // shown as "entity cannot be exported"
	}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	w := mk()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(w); err != nil {
		return nil, apperr.Invalid("where", "the filter is not a valid filter of this entity")
	}
	if err := validate(w); err != nil {
		return nil, apperr.Invalid("where", "the filter is not a valid filter of this entity")
	}
	return w, nil
}

// validate builds the filter's predicate (WhereInput.P), which checks it;
// an empty filter ({}) is valid and means every row.
func validate(w any) error {
	m := reflect.ValueOf(w).MethodByName("P")
	if !m.IsValid() {
		return errors.New("jobs: filter has no predicate")
	}
	out := m.Call(nil)
	err, _ := out[1].Interface().(error)
	if err != nil && strings.HasPrefix(err.Error(), "ent: empty predicate ") {
		return nil
	}
	return err
}
