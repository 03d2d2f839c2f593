// Package gqlexec holds the replacements that go generate puts into gqlgen's
// generated executor (graph/generated) in place of gqlgen runtime calls, and
// the rewrite that puts them there (Rewrite, run by cmd/gqlexecpatch). Object
// (object.go) is the third replacement and ResolvePlainField (plain.go) the
// fourth; the two below came first.
//
// Why: a server profile of the list pages (bench/peer, nested3: ten regions
// × ten institutions × ten seats, about 7,000 fields) showed two costs that
// buy nothing for tuoyu's lists:
//
//   - gqlgen marshals every element of a list of objects on its own goroutine
//     (graphql.MarshalSliceConcurrently). A page of ten seats under ten
//     institutions under ten regions starts 1,110 goroutines whose work is
//     in-memory (entgql loads the nested pages up front with the root
//     query), and each new goroutine soon outgrows its first stack: stack
//     copying alone was 12 % of the server's CPU.
//   - every object computes its response path for @defer up front
//     (graphql.NewDeferredGroup calls graphql.GetPath, which allocates the
//     whole path), 10 % of the CPU, although only an object with a deferred
//     fragment ever reads it.
//
// MarshalSliceInOrder marshals the elements one after another on the
// caller's goroutine, and NewDeferredGroup leaves the path to WithPath,
// which the generated code calls only when the object has deferred
// fragments. With both, nested3 served 41–43 % more requests a second at 8
// and 32 clients and 23 % more at one client, with a memory peak of 117 MB
// instead of 151 (bench/RESULTS.md, "gqlgen's executor: list elements in
// order").
//
// What changes for a resolver: the elements of one list are resolved in
// order, not concurrently. Requests still run concurrently, and so do the
// root fields of one operation (gqlgen's own code, untouched). A resolver
// that does I/O per list element now waits for the previous element's; the
// one such resolver that matters, Region.indicators, batches the whole list
// through its loader on the first element (graph/kpi.go), and entgql loads
// nested connections with the parent query, so no list page depends on
// per-element concurrency.
package gqlexec

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalSliceInOrder replaces graphql.MarshalSliceConcurrently (same
// signature, same results): each element is marshalled with a field context
// holding its index, and an element whose marshalElement panics is Null with
// the panic reported as the field's error, unless omitPanicHandler. The
// worker limit means nothing here: there are no workers.
func MarshalSliceInOrder(
	ctx context.Context,
	length int,
	_ int64,
	omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler,
) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		elementCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(elementCtx, i)
			continue
		}
		ret[i] = marshalRecovering(elementCtx, i, marshalElement)
	}
	return ret
}

// marshalRecovering marshals element i, turning a panic into a Null element
// and an error at its path, as gqlgen does for a concurrent element.
func marshalRecovering(ctx context.Context, i int, marshalElement func(ctx context.Context, i int) graphql.Marshaler) (ret graphql.Marshaler) {
	defer func() {
		if r := recover(); r != nil {
			graphql.AddError(ctx, graphql.Recover(ctx, r))
			ret = graphql.Null
		}
	}()
	return marshalElement(ctx, i)
}

// NewDeferredGroup replaces graphql.NewDeferredGroup without computing the
// group's path: WithPath does, for the groups that have deferred fragments.
func NewDeferredGroup(ctx context.Context) graphql.DeferredGroup {
	return graphql.DeferredGroup{
		FieldSet: graphql.NewFieldSet(nil),
		Defers:   make(map[string]*graphql.FieldSetView),
		Context:  ctx,
	}
}

// WithPath returns dg with the response path of the object it was made for,
// the path graphql.NewDeferredGroup would have computed up front. The
// object's field contexts do not change after it is created, so the path is
// the same whenever it is computed.
func WithPath(dg graphql.DeferredGroup) graphql.DeferredGroup {
	dg.Path = graphql.GetPath(dg.Context)
	return dg
}
