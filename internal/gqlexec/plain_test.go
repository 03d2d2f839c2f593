package gqlexec_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/internal/gqlexec"
)

// plainCase is one plain field: its value and its marshaller.
type plainCase[T any] struct {
	value   T
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler
	nonNull bool
}

// resolved is what a field resolution produced: the JSON written, the
// errors' messages and paths, and how often the field middleware ran.
type resolved struct {
	json, errors string
	middleware   int
}

// resolve runs c through gqlgen's graphql.ResolveField or through
// gqlexec.ResolvePlainField, under the parent fields institution.seats[2],
// with a field middleware that counts its calls and passes through.
func resolve[T any](c plainCase[T], plain bool) resolved {
	var out resolved
	ctx := listContext()
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: ptr(2)})
	ctx = context.WithValue(ctx, parentKey{}, "viewer")
	oc := &graphql.OperationContext{
		RecoverFunc: func(_ context.Context, err any) error { return fmt.Errorf("internal system error: %v", err) },
		ResolverMiddleware: func(ctx context.Context, next graphql.Resolver) (any, error) {
			out.middleware++
			return next(ctx)
		},
	}
	field := graphql.CollectedField{Field: &ast.Field{Alias: "band", Name: "ageBand"}}
	initFC := func(_ context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
		return graphql.NewScalarFieldContext("Seat", field, false, false, "AgeBand")
	}
	var m graphql.Marshaler
	if plain {
		m = gqlexec.ResolvePlainField(ctx, oc, field, initFC, func() T { return c.value }, "Seat", c.marshal, true, c.nonNull)
	} else {
		read := func(context.Context) (any, error) { return c.value, nil }
		m = graphql.ResolveField(ctx, oc, field, initFC, read, nil, c.marshal, true, c.nonNull)
	}
	var b strings.Builder
	m.MarshalGQL(&b)
	out.json = b.String()
	for _, err := range graphql.GetErrors(ctx) {
		out.errors += err.Path.String() + ": " + err.Message + "\n"
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// parentKey is a context key set above the field.
type parentKey struct{}

// marshalNonNullString is a generated marshaller of a String! held as
// *string: it reports a nil pointer at the field's path.
func marshalNonNullString(ctx context.Context, _ ast.SelectionSet, v *string) graphql.Marshaler {
	if v == nil {
		if !graphql.HasFieldError(ctx, graphql.GetFieldContext(ctx)) {
			graphql.AddErrorf(ctx, "the requested element is null which the schema does not allow")
		}
		return graphql.Null
	}
	return graphql.MarshalString(*v)
}

// checkPlain compares ResolvePlainField with graphql.ResolveField for c,
// with and without Seat declared plain.
func checkPlain[T any](t *testing.T, name string, c plainCase[T]) {
	t.Run(name, func(t *testing.T) {
		gqlexec.SetPlainObjects(func(string) bool { return false })
		want := resolve(c, false)
		if want.middleware != 1 {
			t.Fatalf("graphql.ResolveField ran the middleware %d times", want.middleware)
		}
		if got := resolve(c, true); got != want {
			t.Errorf("Seat not plain: ResolvePlainField = %+v, want ResolveField's %+v", got, want)
		}
		gqlexec.SetPlainObjects(func(object string) bool { return object == "Seat" })
		got := resolve(c, true)
		if got.middleware != 0 {
			t.Errorf("Seat plain: the middleware ran %d times", got.middleware)
		}
		got.middleware = want.middleware
		if got != want {
			t.Errorf("Seat plain: ResolvePlainField = %+v, want ResolveField's %+v", got, want)
		}
	})
}

func TestResolvePlainFieldIsResolveField(t *testing.T) {
	t.Cleanup(func() { gqlexec.SetPlainObjects(func(string) bool { return false }) })
	checkPlain(t, "string", plainCase[string]{value: "MONTHS_12_24", nonNull: true,
		marshal: func(_ context.Context, _ ast.SelectionSet, v string) graphql.Marshaler {
			return graphql.MarshalString(v)
		}})
	checkPlain(t, "null where the schema forbids it", plainCase[*string]{value: nil, nonNull: true, marshal: marshalNonNullString})
	checkPlain(t, "nullable null", plainCase[*string]{value: nil,
		marshal: func(_ context.Context, _ ast.SelectionSet, v *string) graphql.Marshaler {
			if v == nil {
				return graphql.Null
			}
			return graphql.MarshalString(*v)
		}})
	checkPlain(t, "marshaller panics", plainCase[int]{value: 7, nonNull: true,
		marshal: func(context.Context, ast.SelectionSet, int) graphql.Marshaler { panic("broken marshaller") }})
	checkPlain(t, "interface-typed null where the schema forbids it", plainCase[any]{value: nil, nonNull: true,
		marshal: func(context.Context, ast.SelectionSet, any) graphql.Marshaler {
			return graphql.MarshalString("unreached")
		}})
	checkPlain(t, "marshaller reads the parent's context", plainCase[int]{value: 7, nonNull: true,
		marshal: func(ctx context.Context, _ ast.SelectionSet, v int) graphql.Marshaler {
			return graphql.MarshalString(fmt.Sprint(ctx.Value(parentKey{}), v))
		}})
	checkPlain(t, "marshaller reads its field context", plainCase[int]{value: 7, nonNull: true,
		marshal: func(ctx context.Context, _ ast.SelectionSet, v int) graphql.Marshaler {
			fc := graphql.GetFieldContext(ctx)
			return graphql.MarshalString(fmt.Sprintf("%s.%s=%d at %s", fc.Object, fc.Field.Name, v, graphql.GetPath(ctx)))
		}})
}
