package registry

import (
	"testing"

	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/target"
)

func TestEntities(t *testing.T) {
	want := []string{"regions", "population_stats", "institutions", "filings", "inclusive_designations", "seats", "staff", "certifications", "ban_list", "children", "enrolments", "health_records", "inspections", "findings", "complaints", "incidents", "surveys", "targets", "work_calendar"}
	got := Names()
	if len(got) != len(want) {
		t.Fatalf("got %d entities, want %d", len(got), len(want))
	}
	names := map[string]bool{}
	for _, n := range got {
		names[n] = true
	}
	for _, n := range want {
		if !names[n] {
			t.Errorf("entity %q missing", n)
		}
	}
	for _, e := range All() {
		fields, headers := map[string]bool{}, map[string]bool{}
		if len(e.KeyFields()) == 0 || e.Key == "" || e.Title == "" || e.Type == "" {
			t.Errorf("%s: key, title and type are required", e.Name)
		}
		for _, c := range e.Columns {
			if fields[c.Field] || headers[c.Header] || c.Field == "" || c.Header == "" || c.Doc == "" {
				t.Errorf("%s.%s: field and header must be set and unique, doc set", e.Name, c.Field)
			}
			fields[c.Field], headers[c.Header] = true, true
			if (c.Kind == Enum) != (len(c.Enum) > 0) {
				t.Errorf("%s.%s: enum values exactly for Enum columns", e.Name, c.Field)
			}
		}
	}
	if _, ok := Lookup("Health-Records"); !ok {
		t.Error("Lookup should accept case and dashes")
	}
}

// The enum lists are copies of the ent schema's; the generated validators catch drift.
func TestEnumsMatchSchema(t *testing.T) {
	check := func(entity, field string, valid func(string) error) {
		e, _ := Lookup(entity)
		c, ok := e.Column(field)
		if !ok {
			t.Fatalf("%s.%s missing", entity, field)
		}
		for _, v := range c.Enum {
			if err := valid(v); err != nil {
				t.Errorf("%s.%s: %q rejected by the schema: %v", entity, field, v, err)
			}
		}
	}
	check("institutions", "form", func(v string) error { return institution.FormValidator(institution.Form(v)) })
	check("institutions", "status", func(v string) error { return institution.StatusValidator(institution.Status(v)) })
	check("health_records", "kind", func(v string) error { return healthrecord.KindValidator(healthrecord.Kind(v)) })
	check("health_records", "result", func(v string) error { return healthrecord.ResultValidator(healthrecord.Result(v)) })
	check("targets", "comparator", func(v string) error { return target.ComparatorValidator(target.Comparator(v)) })
}
