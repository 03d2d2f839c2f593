package gqlexec_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqlexec"
)

// executor is the shape of gqlgen's generated code the rewrite touches.
const executor = `package generated

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

func (ec *executionContext) _Seat(ctx context.Context, sel ast.SelectionSet, obj *Seat) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, seatImplementors)
	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	out.Dispatch(ctx)
	if out.Invalids > 0 {
		return graphql.Null
	}
	if n := len(deferred.Defers); n > 0 {
		ec.ProcessDeferredGroup(deferred)
	}
	return out
}

func (ec *executionContext) _Seat_ageBand(ctx context.Context, field graphql.CollectedField, obj *Seat) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Seat_ageBand(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.AgeBand, nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) fieldContext_Seat_ageBand(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("Seat", field, false, false, "AgeBand")
}

// A method: not plain.
func (ec *executionContext) _Seat_label(ctx context.Context, field graphql.CollectedField, obj *Seat) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Seat_label(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Label(), nil
		},
		nil,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) fieldContext_Seat_label(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("Seat", field, true, false, "String")
}

// A plain read behind a directive: not plain.
func (ec *executionContext) _Seat_note(ctx context.Context, field graphql.CollectedField, obj *Seat) (ret graphql.Marshaler) {
	return graphql.ResolveField(
		ctx,
		ec.OperationContext,
		field,
		func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error) {
			return ec.fieldContext_Seat_note(ctx, field)
		},
		func(ctx context.Context) (any, error) {
			return obj.Note, nil
		},
		ec.noteDirectives,
		func(ctx context.Context, selections ast.SelectionSet, v string) graphql.Marshaler {
			return ec.marshalNString2string(ctx, selections, v)
		},
		true,
		true,
	)
}

func (ec *executionContext) fieldContext_Seat_note(_ context.Context, field graphql.CollectedField) (fc *graphql.FieldContext, err error) {
	return graphql.NewScalarFieldContext("Seat", field, false, false, "String")
}

func (ec *executionContext) marshalSeats(ctx context.Context, sel ast.SelectionSet, v []*Seat) graphql.Marshaler {
	return graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Seat(ctx, sel, v[i])
	})
}
`

func TestRewrite(t *testing.T) {
	out, err := gqlexec.Rewrite("generated.go", []byte(executor))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`"github.com/tuoyu/tuoyu/internal/gqlexec"`,
		"deferred := gqlexec.NewDeferredGroup(ctx)",
		"ec.ProcessDeferredGroup(gqlexec.WithPath(deferred))",
		"return gqlexec.MarshalSliceInOrder(ctx, len(v), 0, false, func(",
		"return gqlexec.Object(fields, out)",
		"return graphql.Null\n",
		"return gqlexec.ResolvePlainField(",
		"func() string {\n\t\t\treturn obj.AgeBand\n\t\t},\n\t\t\"Seat\",\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten executor lacks %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"graphql.NewDeferredGroup", "graphql.MarshalSliceConcurrently"} {
		if strings.Contains(got, gone) {
			t.Errorf("rewritten executor still calls %s", gone)
		}
	}
	// The method and the field behind a directive keep gqlgen's call.
	if n := strings.Count(got, "return graphql.ResolveField("); n != 2 {
		t.Errorf("%d fields still resolved by graphql.ResolveField, want 2 (label, note):\n%s", n, got)
	}
	again, err := gqlexec.Rewrite("generated.go", out)
	if err != nil || string(again) != got {
		t.Fatalf("rewriting the rewritten executor changed it (err %v):\n%s", err, again)
	}
}

// TestRewriteRefusesUnknownShapes: when gqlgen's output no longer has the
// calls, the rewrite fails instead of leaving the executor half done.
func TestRewriteRefusesUnknownShapes(t *testing.T) {
	for name, src := range map[string]string{
		"no calls": `package generated

import "github.com/99designs/gqlgen/graphql"

var _ = graphql.Null
`,
		"groups never processed": strings.Replace(executor, "ec.ProcessDeferredGroup(deferred)", "_ = deferred", 1),
		"field set not returned": strings.Replace(executor, "return out", "return graphql.Null", 1),
		"no plain field":         strings.Replace(executor, `NewScalarFieldContext("Seat", field, false, false, "AgeBand")`, `NewScalarFieldContext("Seat", field, false, true, "AgeBand")`, 1),
		"no gqlgen import":       "package generated\n",
	} {
		if _, err := gqlexec.Rewrite("generated.go", []byte(src)); err == nil {
			t.Errorf("%s: Rewrite succeeded", name)
		}
	}
}

// TestGeneratedExecutorIsRewritten: the committed executor is the rewritten
// one (go generate runs the rewrite after gqlgen; CI's drift check runs go
// generate). This fails first when someone regenerates with gqlgen alone.
func TestGeneratedExecutorIsRewritten(t *testing.T) {
	const path = "../../graph/generated/generated.go"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gqlexec.Rewrite(path, src)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(src) {
		t.Fatalf("%s is not rewritten: run go generate ./... (generate.go runs gqlgen, then internal/gqlexec/cmd/gqlexecpatch)", path)
	}
	if !strings.Contains(string(src), "gqlexec.MarshalSliceInOrder(") {
		t.Fatalf("%s marshals no list through gqlexec.MarshalSliceInOrder", path)
	}
	if !strings.Contains(string(src), "func() string {\n\t\t\treturn obj.Name\n\t\t},\n\t\t\"Institution\",\n") {
		t.Fatalf("%s does not resolve Institution.name as a plain field", path)
	}
}
