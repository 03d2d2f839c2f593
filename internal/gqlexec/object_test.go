package gqlexec_test

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/internal/gqlexec"
)

// TestObjectWritesWhatFieldSetWrites: the same bytes as gqlgen's
// FieldSet.MarshalGQL, a repeated response key written once.
func TestObjectWritesWhatFieldSetWrites(t *testing.T) {
	for name, aliases := range map[string][]string{
		"no fields":     nil,
		"one field":     {"id"},
		"several":       {"id", "name", "_typename2", "openedAt"},
		"repeated key":  {"id", "name", "id"},
		"repeated last": {"a", "b", "b"},
	} {
		t.Run(name, func(t *testing.T) {
			fields := make([]graphql.CollectedField, len(aliases))
			for i, a := range aliases {
				fields[i] = graphql.CollectedField{Field: &ast.Field{Alias: a, Name: a}}
			}
			set := graphql.NewFieldSet(fields)
			for i := range fields {
				set.Values[i] = graphql.MarshalString(strings.Repeat("v", i+1) + `"quoted"`)
			}
			var got, want strings.Builder
			gqlexec.Object(fields, set).MarshalGQL(&got)
			set.MarshalGQL(&want)
			if got.String() != want.String() {
				t.Fatalf("Object wrote %s, FieldSet %s", got.String(), want.String())
			}
		})
	}
}
