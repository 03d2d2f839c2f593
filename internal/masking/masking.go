// Package masking holds the one table of personal fields that are masked by
// role, and the maskers, so that every way data leaves the server (the
// GraphQL field middleware in graph/personal.go and the CSV/XLSX export in
// internal/export) masks the same fields the same way for the same role.
//
// The decision depends on the viewer's role only:
//
//   - INSTITUTION_STAFF and DISTRICT_REGULATOR see clear values: the rows
//     they can read at all (row policies, ent/schema/policy.go) are their
//     institution's or district's, and they case-manage them.
//   - Every other role (CITY_REGULATOR, PROVINCE_REGULATOR, and, should a
//     row ever reach them, BI_SERVICE, PUBLIC or a role not yet known) gets
//     masked values: fail closed.
//
// A privacy bypass (privacy.DecisionContext Allow) lifts row policies, not
// masking: masking looks at the viewer in the context and nothing else.
//
// The fields (entity type, ent field name, GraphQL field name):
//
//	Child.name / name                       pii.MaskName: "张小明" → "张**"
//	Child.birth_date / birthDate            first day of its month: 2023-05-20 → 2023-05-01
//	Child.guardian_name / guardianName      pii.MaskName
//	Child.guardian_phone / guardianPhone    pii.MaskPhone: "138****5678"
//	Staff.name / name                       pii.MaskName
//	HealthRecord.height_cm / heightCm       null
//	HealthRecord.weight_kg / weightKg       null
//	HealthRecord.head_cm / headCm           null
//	HealthRecord.temperature_c / temperatureC null
//	HealthRecord.notes / notes              null
//
// ID-card numbers are never stored in clear (only a keyed hash, which no
// role reads, and the masked form "3301**********1234", which every role
// that reads the row sees), so they need no rule here.
package masking

import (
	"errors"
	"time"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// Masker turns a clear value into its masked form of the same Go type
// (string, *string, time.Time, *time.Time, …), or nil (GraphQL null, an
// empty cell) for nullable fields.
type Masker func(any) (any, error)

// Rule masks one field of one entity type.
type Rule struct {
	// Type is the ent entity and GraphQL object name ("Child").
	Type string
	// Field is the ent field (and SQL column) name ("birth_date").
	Field string
	// GraphQL is the GraphQL field name ("birthDate").
	GraphQL string
	// Mask computes the masked value.
	Mask Masker
}

// Rules are all masked fields. Adding a rule masks the field everywhere.
var Rules = []Rule{
	{"Child", "name", "name", String(pii.MaskName)},
	{"Child", "birth_date", "birthDate", BirthDate},
	{"Child", "guardian_name", "guardianName", String(pii.MaskName)},
	{"Child", "guardian_phone", "guardianPhone", String(pii.MaskPhone)},
	{"Staff", "name", "name", String(pii.MaskName)},
	{"HealthRecord", "height_cm", "heightCm", Hide},
	{"HealthRecord", "weight_kg", "weightKg", Hide},
	{"HealthRecord", "head_cm", "headCm", Hide},
	{"HealthRecord", "temperature_c", "temperatureC", Hide},
	{"HealthRecord", "notes", "notes", Hide},
}

// SeesClearText reports whether a viewer with role r sees the personal
// fields of the rows it can read in clear. Every role not listed is masked.
func SeesClearText(r auth.Role) bool {
	switch r {
	case auth.InstitutionStaff, auth.DistrictRegulator:
		return true
	}
	return false
}

// GraphQLFields returns the maskers of typ's fields by GraphQL field name
// (nil when typ has no masked field).
func GraphQLFields(typ string) map[string]Masker {
	var m map[string]Masker
	for _, r := range Rules {
		if r.Type == typ {
			if m == nil {
				m = map[string]Masker{}
			}
			m[r.GraphQL] = r.Mask
		}
	}
	return m
}

// Field returns the masker of typ's ent field, or nil when the field is
// never masked.
func Field(typ, field string) Masker {
	for _, r := range Rules {
		if r.Type == typ && r.Field == field {
			return r.Mask
		}
	}
	return nil
}

// ErrMask is returned when a value has a type a masker does not know: the
// caller fails rather than sending the value in clear.
var ErrMask = errors.New("masking: cannot mask a value of this type")

// String masks string and *string values with f.
func String(f func(string) string) Masker {
	return func(v any) (any, error) {
		switch s := v.(type) {
		case string:
			return f(s), nil
		case *string:
			if s == nil {
				return s, nil
			}
			m := f(*s)
			return &m, nil
		case nil:
			return nil, nil
		}
		return nil, ErrMask
	}
}

// BirthDate keeps the year and month of a date: the first day of its month,
// in the date's own location (calendar dates are UTC midnight). A birth date
// is a required Date, so it cannot become null: readers of a masked role
// must read it as year and month only.
func BirthDate(v any) (any, error) {
	firstOfMonth := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	}
	switch d := v.(type) {
	case time.Time:
		return firstOfMonth(d), nil
	case *time.Time:
		if d == nil {
			return d, nil
		}
		m := firstOfMonth(*d)
		return &m, nil
	case nil:
		return nil, nil
	}
	return nil, ErrMask
}

// Hide answers null (only for nullable fields): a hidden measurement reads
// the same as "not measured", by design.
func Hide(any) (any, error) { return nil, nil }
