package graph_test

import (
	"flag"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/graph"
)

var update = flag.Bool("update", false, "rewrite golden files (schema.graphql) from the current code")

// TestSchemaGolden: the printed public schema is committed as
// schema.graphql and current, so every change to the API contract shows up
// in review. `go test ./graph -run TestSchemaGolden -update` refreshes it.
func TestSchemaGolden(t *testing.T) {
	got := graph.PrintSchema(graph.NewSchema(graph.Deps{}).Schema())
	const path = "../schema.graphql"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -run TestSchemaGolden -update)", err)
	}
	if string(want) != got {
		t.Fatalf("schema.graphql is stale: run go test ./graph -run TestSchemaGolden -update and commit it")
	}
}

// TestSchemaDescribed walks the executable schema as introspection shows
// it and fails on any type, field, argument or enum value without a
// description (the rules CI also checks with graphql-schema-linter), and on
// a code-generation directive (@goModel, @goField) visible to clients.
func TestSchemaDescribed(t *testing.T) {
	s := graph.NewSchema(graph.Deps{}).Schema()
	var missing []string
	for name, def := range s.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if strings.TrimSpace(def.Description) == "" {
			missing = append(missing, "type "+name)
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // __schema and __type are gqlgen's
			}
			if strings.TrimSpace(f.Description) == "" {
				missing = append(missing, name+"."+f.Name)
			}
			for _, a := range f.Arguments {
				if strings.TrimSpace(a.Description) == "" {
					missing = append(missing, name+"."+f.Name+"("+a.Name+":)")
				}
			}
		}
		for _, v := range def.EnumValues {
			if strings.TrimSpace(v.Description) == "" {
				missing = append(missing, name+"."+v.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d schema members without a description:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for _, d := range []string{"goModel", "goField"} {
		if s.Directives[d] != nil {
			t.Errorf("@%s is visible through introspection", d)
		}
	}
}

// TestDeprecatedHasTheSpecLocations: @deprecated is declared with the
// locations of the GraphQL specification only. gqlparser's built-in
// declaration adds DIRECTIVE_DEFINITION, and graphql-core (Python's gql)
// refuses a schema whose introspection lists it.
func TestDeprecatedHasTheSpecLocations(t *testing.T) {
	d := graph.NewSchema(graph.Deps{}).Schema().Directives["deprecated"]
	if d == nil {
		t.Fatal("@deprecated is not declared")
	}
	want := []ast.DirectiveLocation{ast.LocationFieldDefinition, ast.LocationArgumentDefinition, ast.LocationInputFieldDefinition, ast.LocationEnumValue}
	if !slices.Equal(d.Locations, want) {
		t.Fatalf("@deprecated on %v; want %v", d.Locations, want)
	}
}
