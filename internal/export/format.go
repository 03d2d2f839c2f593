package export

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/masking"
	"github.com/tuoyu/tuoyu/internal/registry"
)

// cell is one value of a row with its column's kind: sinks write text for
// CSV and typed cells (numbers, dates) for XLSX.
type cell struct {
	kind registry.Kind
	null bool
	s    string    // text form (every kind)
	t    time.Time // Date
	n    float64   // Int, Decimal
}

// formatter turns ent rows into registry rows.
type formatter struct {
	e      registry.Entity
	opts   Options
	masked bool
	refs   *refs
}

// special columns are references and identity documents: not fields of the
// row itself.
var special = map[string]bool{
	"regionCode": true, "parentCode": true, "residenceRegionCode": true,
	"institutionCreditCode": true, "childIdDocumentType": true, "childIdNumber": true,
	"staffIdNumber": true, "idNumber": true, "inspectedOn": true, "inspectionKind": true,
	"count": true, "childName": true, "childBirthDate": true,
}

// check fails when a registry column has no value source, so a column added
// to the registry without export support is caught by the first export (and
// by TestEveryEntityExports), not written empty.
func (f *formatter) check() error {
	t, ok := entTypes[f.e.Type]
	if !ok {
		return fmt.Errorf("export: %s: no ent row type %s", f.e.Name, f.e.Type)
	}
	for _, c := range f.e.Columns {
		if special[c.Field] {
			if c.Field == "inspectedOn" && f.e.Type == "Inspection" {
				// the inspection's own field
			} else {
				continue
			}
		}
		if _, ok := fieldIndex(t)[camelToSnake(c.Field)]; !ok {
			return fmt.Errorf("export: %s column %s has no source field", f.e.Name, c.Field)
		}
	}
	return nil
}

// row formats one ent row.
func (f *formatter) row(x any) ([]cell, error) {
	out := make([]cell, len(f.e.Columns))
	for i, c := range f.e.Columns {
		v, err := f.value(x, c)
		if err != nil {
			return nil, err
		}
		out[i] = format(c, v, f.opts.Location)
	}
	return out, nil
}

// seatRow formats a group of seats.
func (f *formatter) seatRow(g *seatGroup) ([]cell, error) {
	out, err := f.row(g.first)
	if err != nil {
		return nil, err
	}
	for i, c := range f.e.Columns {
		if c.Field == "count" {
			out[i] = format(c, g.count, f.opts.Location)
		}
	}
	return out, nil
}

// value is the (masked) value of column c of row x: a field of x, or a
// reference resolved by refs.
func (f *formatter) value(x any, c registry.Column) (any, error) {
	switch c.Field {
	case "regionCode":
		return f.refs.regionCode(fieldOf(x, "region_id")), nil
	case "parentCode":
		return f.refs.regionCode(fieldOf(x, "parent_id")), nil
	case "residenceRegionCode":
		return f.refs.regionCode(fieldOf(x, "residence_region_id")), nil
	case "institutionCreditCode":
		switch r := x.(type) {
		case *ent.Certification:
			if s := f.refs.staff[r.StaffID]; s != nil {
				return f.refs.institutionCode(s.InstitutionID), nil
			}
			return "", nil
		case *ent.Finding:
			if in := f.refs.inspections[r.InspectionID]; in != nil {
				return f.refs.institutionCode(in.InstitutionID), nil
			}
			return "", nil
		}
		return f.refs.institutionCode(fieldOf(x, "institution_id")), nil
	case "inspectedOn":
		if r, ok := x.(*ent.Finding); ok {
			if in := f.refs.inspections[r.InspectionID]; in != nil {
				return in.InspectedOn, nil
			}
			return nil, nil
		}
	case "inspectionKind":
		if r, ok := x.(*ent.Finding); ok {
			if in := f.refs.inspections[r.InspectionID]; in != nil {
				return string(in.Kind), nil
			}
		}
		return nil, nil
	case "childIdDocumentType", "childIdNumber":
		ch := f.refs.childOf(x)
		if ch == nil {
			return nil, nil
		}
		if c.Field == "childIdDocumentType" {
			return docType(ch), nil
		}
		return f.identity(ch.IDNumberHash, ch.IDNumberMasked), nil
	case "childName", "childBirthDate":
		// Only a child without an identity document is named by name and
		// birth date (README "Import"); the others' names stay out of files
		// that do not need them. Masked as the child's own fields.
		ch := f.refs.childOf(x)
		if ch == nil || ch.IDNumberHash != "" || ch.IDNumberMasked != "" {
			return nil, nil
		}
		field, v := "name", any(ch.Name)
		if c.Field == "childBirthDate" {
			field, v = "birth_date", ch.BirthDate
		}
		if f.masked {
			if m := masking.Field("Child", field); m != nil {
				mv, err := m(v)
				if err != nil {
					return nil, fmt.Errorf("export: mask Child.%s: %w", field, err)
				}
				v = mv
			}
		}
		return v, nil
	case "idDocumentType":
		if ch, ok := x.(*ent.Child); ok {
			return docType(ch), nil
		}
	case "staffIdNumber":
		if r, ok := x.(*ent.Certification); ok {
			if s := f.refs.staff[r.StaffID]; s != nil {
				return f.identity(s.IDNumberHash, s.IDNumberMasked), nil
			}
		}
		return nil, nil
	case "idNumber":
		return f.identity(stringOf(fieldOf(x, "id_number_hash")), stringOf(fieldOf(x, "id_number_masked"))), nil
	case "count":
		return 1, nil
	}
	field := camelToSnake(c.Field)
	v := fieldOf(x, field)
	if f.masked {
		if m := masking.Field(f.e.Type, field); m != nil {
			mv, err := m(v)
			if err != nil {
				return nil, fmt.Errorf("export: mask %s.%s: %w", f.e.Type, field, err)
			}
			v = mv
		}
	}
	return v, nil
}

// identity is the cell of an identity document: its masked form, or with
// IdentityHashes the keyed hash and the masked form.
func (f *formatter) identity(hash, masked string) string {
	if masked == "" && hash == "" {
		return ""
	}
	if f.opts.IdentityHashes && hash != "" {
		return IdentityHashPrefix + hash + ":" + masked
	}
	return masked
}

// IdentityHashPrefix starts an identity cell written with
// Options.IdentityHashes: "HASH:<64 hex digits>:<masked number>".
const IdentityHashPrefix = "HASH:"

// format turns a Go value into a cell of column c's kind.
func format(c registry.Column, v any, loc *time.Location) cell {
	out := cell{kind: c.Kind}
	rv := deref(reflect.ValueOf(v))
	if rv == nil {
		out.null = true
		return out
	}
	switch x := rv.(type) {
	case time.Time:
		if c.Kind == registry.DateTime {
			out.s = x.In(loc).Format(time.RFC3339)
			out.kind = registry.Text // a text cell: exact, with its offset
			return out
		}
		out.t = x
		out.s = x.Format("2006-01-02")
		return out
	case bool:
		out.s = "否"
		if x {
			out.s = "是"
		}
		return out
	case int:
		out.n, out.s = float64(x), strconv.Itoa(x)
	case int64:
		out.n, out.s = float64(x), strconv.FormatInt(x, 10)
	case float64:
		out.n, out.s = x, strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		out.s = x
		if c.Kind == registry.Int || c.Kind == registry.Decimal {
			out.kind = registry.Text
		}
	default:
		r := reflect.ValueOf(x)
		switch r.Kind() {
		case reflect.String: // ent enums
			out.s = r.String()
		case reflect.Slice: // a list of enum values (service modes)
			parts := make([]string, r.Len())
			for i := range parts {
				parts[i] = fmt.Sprint(r.Index(i).Interface())
			}
			out.s = strings.Join(parts, ",")
		default:
			out.s = fmt.Sprint(x)
		}
		if c.Kind == registry.Int || c.Kind == registry.Decimal {
			out.kind = registry.Text
		}
	}
	return out
}

// deref follows pointers: nil for a nil pointer or nil value.
func deref(v reflect.Value) any {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}

// entTypes are the ent row types by type name.
var entTypes = map[string]reflect.Type{
	"Region": reflect.TypeFor[ent.Region](), "PopulationStat": reflect.TypeFor[ent.PopulationStat](),
	"Institution": reflect.TypeFor[ent.Institution](), "Filing": reflect.TypeFor[ent.Filing](),
	"InclusiveDesignation": reflect.TypeFor[ent.InclusiveDesignation](), "Seat": reflect.TypeFor[ent.Seat](),
	"Staff": reflect.TypeFor[ent.Staff](), "Certification": reflect.TypeFor[ent.Certification](),
	"BanListEntry": reflect.TypeFor[ent.BanListEntry](), "Child": reflect.TypeFor[ent.Child](),
	"Enrolment": reflect.TypeFor[ent.Enrolment](), "HealthRecord": reflect.TypeFor[ent.HealthRecord](),
	"Inspection": reflect.TypeFor[ent.Inspection](), "Finding": reflect.TypeFor[ent.Finding](),
	"Complaint": reflect.TypeFor[ent.Complaint](), "Incident": reflect.TypeFor[ent.Incident](),
	"Survey": reflect.TypeFor[ent.Survey](), "Target": reflect.TypeFor[ent.Target](),
	"WorkCalendarDay": reflect.TypeFor[ent.WorkCalendarDay](),
}

var fieldIndexes sync.Map // reflect.Type → map[string]int

// fieldIndex maps an ent struct's field names (its json tags, and for
// fields hidden from JSON such as id_number_hash the snake case of the Go
// name) to struct field indexes.
func fieldIndex(t reflect.Type) map[string]int {
	if m, ok := fieldIndexes.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Name == "Edges" {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = goToSnake(sf.Name)
		}
		m[name] = i
	}
	fieldIndexes.Store(t, m)
	return m
}

// fieldOf is field name of ent row x (a pointer to an ent struct), nil when
// it has none.
func fieldOf(x any, name string) any {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	v = v.Elem()
	i, ok := fieldIndex(v.Type())[name]
	if !ok {
		return nil
	}
	return v.Field(i).Interface()
}

func stringOf(v any) string {
	s, _ := deref(reflect.ValueOf(v)).(string)
	return s
}

// idOf is the ID of an ent row.
func idOf(x any) int {
	id, _ := fieldOf(x, "id").(int)
	return id
}

// camelToSnake maps a registry field ("under3Population") to its ent field
// ("under3_population").
func camelToSnake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goToSnake maps a Go field name ("IDNumberHash") to snake case
// ("id_number_hash"), initialisms kept together.
func goToSnake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]))) {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// docType is the type of a child's identity document: a number stored
// without a type (written before types existed) is a RESIDENT_ID, the
// type an import assumes for an empty cell; none without a number.
func docType(ch *ent.Child) any {
	if ch.IDDocumentType != nil {
		return string(*ch.IDDocumentType)
	}
	if ch.IDNumberHash != "" || ch.IDNumberMasked != "" {
		return "RESIDENT_ID"
	}
	return nil
}
