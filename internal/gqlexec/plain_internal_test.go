package gqlexec

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
)

// TestFieldContextKeyIsGQLGens: the probe finds the key gqlgen stores field
// contexts under, so that plain fields are resolved without the middleware
// at all (a nil key would quietly send every field through
// graphql.ResolveField), and a plainContext answers it as
// graphql.WithFieldContext would.
func TestFieldContextKeyIsGQLGens(t *testing.T) {
	if fieldContextKey == nil {
		t.Fatal("the field-context key was not found: gqlgen changed how it stores field contexts")
	}
	parent := &graphql.FieldContext{Object: "Institution"}
	ctx := graphql.WithFieldContext(context.Background(), parent)
	c := &plainContext[string]{Context: ctx, object: "Seat", field: graphql.CollectedField{}, value: "v"}
	fc := graphql.GetFieldContext(c)
	if fc == nil || fc.Object != "Seat" || fc.Parent != parent || fc.Result != "v" {
		t.Fatalf("GetFieldContext(plainContext) = %+v", fc)
	}
	if again := graphql.GetFieldContext(c); again != fc {
		t.Fatal("a plain field's context is made more than once")
	}
}
