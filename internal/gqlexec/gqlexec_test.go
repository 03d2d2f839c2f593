package gqlexec_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/internal/gqlexec"
)

// listContext is the context of a list field "seats" under an object field
// "institution", with a response context that collects errors.
func listContext() context.Context {
	// Not graphql.DefaultRecover: it prints the stack of every panic.
	recoverQuietly := func(_ context.Context, err any) error { return fmt.Errorf("internal system error: %v", err) }
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, recoverQuietly)
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "institution"}}})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: "seats"}}})
}

// elements is a marshalElement that records the order it was called in and
// the path each call saw, and panics on the index panicAt.
type elements struct {
	calls   []int
	paths   []string
	panicAt int
}

func (e *elements) marshal(ctx context.Context, i int) graphql.Marshaler {
	e.calls = append(e.calls, i)
	e.paths = append(e.paths, graphql.GetPath(ctx).String())
	if i == e.panicAt {
		panic(fmt.Sprintf("element %d is broken", i))
	}
	return graphql.MarshalInt(i * 10)
}

func errorPaths(ctx context.Context) []string {
	var out []string
	for _, err := range graphql.GetErrors(ctx) {
		out = append(out, err.Path.String())
	}
	return out
}

func marshalled(a graphql.Array) []string {
	out := make([]string, len(a))
	for i, m := range a {
		var b strings.Builder
		m.MarshalGQL(&b)
		out[i] = b.String()
	}
	return out
}

// TestMarshalSliceInOrder: same elements, paths and errors as gqlgen's
// concurrent marshaller, produced in index order on the caller's goroutine.
func TestMarshalSliceInOrder(t *testing.T) {
	for _, n := range []int{0, 1, 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			inOrder := &elements{panicAt: 3}
			ctxA, ctxB := listContext(), listContext()
			got := gqlexec.MarshalSliceInOrder(ctxA, n, 0, false, inOrder.marshal)
			// gqlgen's goroutines call in any order: this one records nothing.
			want := graphql.MarshalSliceConcurrently(ctxB, n, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
				if i == 3 {
					panic("element 3 is broken")
				}
				return graphql.MarshalInt(i * 10)
			})
			if g, w := marshalled(got), marshalled(want); !slices.Equal(g, w) {
				t.Fatalf("elements %v, gqlgen's %v", g, w)
			}
			if g, w := errorPaths(ctxA), errorPaths(ctxB); !slices.Equal(g, w) {
				t.Fatalf("errors at %v, gqlgen's at %v", g, w)
			}
			wantCalls := make([]int, n)
			wantPaths := make([]string, n)
			for i := range n {
				wantCalls[i] = i
				wantPaths[i] = fmt.Sprintf("institution.seats[%d]", i)
			}
			if !slices.Equal(inOrder.calls, wantCalls) {
				t.Fatalf("calls in order %v, want %v", inOrder.calls, wantCalls)
			}
			if !slices.Equal(inOrder.paths, wantPaths) {
				t.Fatalf("paths %v, want %v", inOrder.paths, wantPaths)
			}
			if n > 3 {
				if p := errorPaths(ctxA); !slices.Equal(p, []string{"institution.seats[3]"}) {
					t.Fatalf("errors at %v, want one at institution.seats[3]", p)
				}
				if m := marshalled(got); m[3] != "null" || m[4] != "40" {
					t.Fatalf("elements %v, want null for the panicking one and the others marshalled", m)
				}
			}
		})
	}
}

// TestMarshalSliceInOrderOmitPanicHandler: with gqlgen's omit_panic_handler
// a panic is not turned into an error.
func TestMarshalSliceInOrderOmitPanicHandler(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("the panic was recovered although omitPanicHandler is set")
		}
	}()
	e := &elements{panicAt: 1}
	gqlexec.MarshalSliceInOrder(listContext(), 2, 0, true, e.marshal)
}

// TestDeferredGroupPath: the path WithPath fills in is the one gqlgen's
// NewDeferredGroup computes up front, and nothing is computed before.
func TestDeferredGroupPath(t *testing.T) {
	ctx := listContext()
	i := 4
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	want := graphql.NewDeferredGroup(ctx)
	got := gqlexec.NewDeferredGroup(ctx)
	if got.Path != nil {
		t.Fatalf("NewDeferredGroup computed the path %v up front", got.Path)
	}
	if got.Defers == nil || got.FieldSet == nil || got.Context != ctx {
		t.Fatalf("NewDeferredGroup = %+v, want an empty group for ctx", got)
	}
	if g, w := gqlexec.WithPath(got).Path.String(), want.Path.String(); g != w || g != "institution.seats[4]" {
		t.Fatalf("WithPath = %q, gqlgen's path %q, want institution.seats[4]", g, w)
	}
}
