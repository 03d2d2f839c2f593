package gqlexec

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Plain fields: the fourth replacement. Most fields of a list page are plain
// reads of a struct field (Institution.name is obj.Name): no resolver, no
// method, no directive, a scalar or enum value. gqlgen still runs each
// through graphql.ResolveField, which builds a field context with a closure
// for children a scalar never has and a context to hold it, boxes the value
// in an interface, wraps the read in a closure and runs it through every
// field middleware. The server's one field middleware, graph's
// personalData, masks and audits the fields of a handful of objects (Child,
// HealthRecord, Enrolment, Staff and their connections) and passes every
// other field through untouched; tracing spans only resolvers and methods.
// ResolvePlainField skips the middleware for the plain fields of the
// objects the application declares free of it (SetPlainObjects), reads the
// value typed, and keeps everything else ResolveField does: the field
// context (made when first asked for, so errors raised while marshalling
// still carry the field's path), panic recovery, null checks and the
// marshaller. On nested3 (bench/RESULTS.md, "Per-request costs") that is
// 31 % fewer allocations per request, with the other changes of the day.

// PlainObjects says which objects' plain fields no field middleware needs
// to see.
type PlainObjects func(object string) bool

var plainObjects atomic.Pointer[PlainObjects]

// SetPlainObjects declares which objects' plain fields skip the field
// middleware. The application sets it once, where it registers that
// middleware, and must keep it in step with it: a middleware that acts on
// a plain field of an object it admits would not see that field. Until it
// is set, every field runs through the middleware.
func SetPlainObjects(f PlainObjects) { plainObjects.Store(&f) }

// skipsMiddleware reports whether object's plain fields skip the field
// middleware.
func skipsMiddleware(object string) bool {
	f := plainObjects.Load()
	return f != nil && (*f)(object)
}

// errNoChildFields answers a request for a child of a scalar field, which
// gqlgen never makes for a valid operation.
var errNoChildFields = errors.New("a scalar field has no child fields")

func noChildFields(context.Context, graphql.CollectedField) (*graphql.FieldContext, error) {
	return nil, errNoChildFields
}

// ResolvePlainField replaces graphql.ResolveField for a plain field of
// object: the same arguments, except that the field's read is typed
// (value, func() T { return obj.Field } where gqlgen has func(ctx) (any,
// error) { return obj.Field, nil }) and the object's name (from the field's
// scalar field context) takes the place of the middleware chain, which is
// nil for a plain field. For an object SetPlainObjects admits, it resolves
// the field without the field middleware, without putting the value in an
// interface, and with a field context made only if something asks for it
// (an error's path, a marshaller that reads it); for any other object it
// calls graphql.ResolveField.
func ResolvePlainField[T any](
	ctx context.Context,
	oc *graphql.OperationContext,
	field graphql.CollectedField,
	initializeFieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	value func() T,
	object string,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler,
	recoverFromPanic bool,
	nonNull bool,
) (ret graphql.Marshaler) {
	if fieldContextKey == nil || !skipsMiddleware(object) {
		read := func(context.Context) (any, error) { return value(), nil }
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, read, nil, marshal, recoverFromPanic, nonNull)
	}
	// From here on this is graphql.ResolveField's resolveField without the
	// middleware, for a read that cannot fail: a plain field's context is a
	// scalar one, not a method and not a resolver.
	fieldCtx := &plainContext[T]{Context: ctx, object: object, field: field}
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(fieldCtx, oc.Recover(fieldCtx, r))
				ret = graphql.Null
			}
		}()
	}
	v := value()
	fieldCtx.value = v
	if any(v) == nil { // an interface-typed field holding nil
		if nonNull {
			graphql.AddInvalidNullError(fieldCtx, "")
		}
		return graphql.Null
	}
	return marshal(fieldCtx, field.Selections, v)
}

// plainContext is the context of a plain field: its parent's, plus the
// field's context, made on first use. graphql.WithFieldContext would
// allocate the field context and a context for it for every field of every
// object of a list page, where the marshaller of a scalar that is present
// never reads them.
type plainContext[T any] struct {
	context.Context // the parent field's
	object          string
	field           graphql.CollectedField
	value           T
	fc              atomic.Pointer[graphql.FieldContext]
}

// Value answers gqlgen's field-context key with the field's context, what
// graphql.WithFieldContext would have stored, and every other key from the
// parent.
func (c *plainContext[T]) Value(key any) any {
	if key == fieldContextKey {
		return c.fieldContext()
	}
	return c.Context.Value(key)
}

func (c *plainContext[T]) fieldContext() *graphql.FieldContext {
	if fc := c.fc.Load(); fc != nil {
		return fc
	}
	fc := &graphql.FieldContext{
		Parent: graphql.GetFieldContext(c.Context),
		Object: c.object,
		Field:  c.field,
		Result: c.value,
		Child:  noChildFields,
	}
	if c.fc.CompareAndSwap(nil, fc) {
		return fc
	}
	return c.fc.Load()
}

// fieldContextKey is the context key graphql.WithFieldContext stores a
// field context under. gqlgen keeps it unexported, so it is learned once
// from graphql.GetFieldContext, which asks a context for it, and checked
// against graphql.WithFieldContext; when that check fails (a gqlgen that
// stores field contexts differently) it is nil and ResolvePlainField calls
// graphql.ResolveField for every field.
var fieldContextKey = probeFieldContextKey()

func probeFieldContextKey() any {
	probe := &keyProbe{Context: context.Background()}
	graphql.GetFieldContext(probe)
	if len(probe.keys) != 1 {
		return nil
	}
	key := probe.keys[0]
	want := &graphql.FieldContext{}
	if got, ok := graphql.WithFieldContext(context.Background(), want).Value(key).(*graphql.FieldContext); !ok || got != want {
		return nil
	}
	return key
}

// keyProbe records the keys it is asked for.
type keyProbe struct {
	context.Context
	keys []any
}

func (p *keyProbe) Value(key any) any {
	p.keys = append(p.keys, key)
	return nil
}
