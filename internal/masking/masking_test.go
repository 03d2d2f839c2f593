package masking

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/auth"
)

func TestSeesClearText(t *testing.T) {
	clear := map[auth.Role]bool{auth.InstitutionStaff: true, auth.DistrictRegulator: true}
	for _, r := range append(auth.Roles, auth.Role("SOMETHING_NEW"), "") {
		if got := SeesClearText(r); got != clear[r] {
			t.Errorf("SeesClearText(%q) = %v, want %v", r, got, clear[r])
		}
	}
}

func TestRules(t *testing.T) {
	birth := time.Date(2023, 5, 20, 0, 0, 0, 0, time.UTC)
	phone := "13812345678"
	tests := []struct {
		name        string
		typ, field  string
		in, want    any
		wantGraphQL string
	}{
		{"child name", "Child", "name", "张小明", "张**", "name"},
		{"birth date", "Child", "birth_date", birth, time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), "birthDate"},
		{"guardian phone pointer", "Child", "guardian_phone", &phone, "138****5678", "guardianPhone"},
		{"staff name", "Staff", "name", "李四", "李*", "name"},
		{"health notes", "HealthRecord", "notes", "发热", nil, "notes"},
		{"height", "HealthRecord", "height_cm", 80.5, nil, "heightCm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Field(tt.typ, tt.field)
			if m == nil {
				t.Fatalf("Field(%s, %s) = nil", tt.typ, tt.field)
			}
			got, err := m(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := got.(*string); ok {
				got = *p
			}
			if got != tt.want {
				t.Errorf("masked %v = %v, want %v", tt.in, got, tt.want)
			}
			if GraphQLFields(tt.typ)[tt.wantGraphQL] == nil {
				t.Errorf("GraphQLFields(%s) lacks %s", tt.typ, tt.wantGraphQL)
			}
		})
	}
	for _, f := range []struct{ typ, field string }{{"Child", "sex"}, {"Child", "id_number_masked"}, {"HealthRecord", "result"}, {"Region", "name"}} {
		if Field(f.typ, f.field) != nil {
			t.Errorf("%s.%s is masked, want clear", f.typ, f.field)
		}
	}
	if _, err := String(func(s string) string { return s })(42); err != ErrMask {
		t.Errorf("masking an int as a string: err %v, want ErrMask", err)
	}
}

// TestRulesNameRealFields catches a renamed field: each rule's ent field
// exists on its entity (and so is read by the export), with the GraphQL name
// entgql derives from it (and so is reached by the field middleware).
func TestRulesNameRealFields(t *testing.T) {
	types := map[string]reflect.Type{
		"Child":        reflect.TypeFor[ent.Child](),
		"Staff":        reflect.TypeFor[ent.Staff](),
		"HealthRecord": reflect.TypeFor[ent.HealthRecord](),
	}
	for _, r := range Rules {
		typ, ok := types[r.Type]
		if !ok {
			t.Errorf("rule %s.%s: unknown type", r.Type, r.Field)
			continue
		}
		found := false
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == r.Field {
				found = true
			}
		}
		if !found {
			t.Errorf("rule %s.%s: no such ent field", r.Type, r.Field)
		}
		parts := strings.Split(r.Field, "_")
		for i := 1; i < len(parts); i++ {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
		if camel := strings.Join(parts, ""); camel != r.GraphQL {
			t.Errorf("rule %s.%s: GraphQL name %q, entgql names it %q", r.Type, r.Field, r.GraphQL, camel)
		}
	}
}
