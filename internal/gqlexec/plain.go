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
// for children a scalar never has, wraps the read in a closure and runs it
// through every field middleware. The server's one field middleware,
// graph's personalData, masks and audits the fields of a handful of objects
// (Child, HealthRecord, Enrolment, Staff and their connections) and passes
// every other field through untouched; tracing spans only resolvers and
// methods. ResolvePlainField skips the middleware for the plain fields of
// the objects the application declares free of it (SetPlainObjects), and
// keeps everything else ResolveField does: the field context (errors
// raised while marshalling carry the field's path), panic recovery, null
// checks and the marshaller.

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
// object: the same arguments, with the object's name (from the field's
// scalar field context) in place of the middleware chain, which is nil for
// a plain field. For an object SetPlainObjects admits, it resolves the
// field without the field middleware; for any other it calls
// graphql.ResolveField.
func ResolvePlainField[T any](
	ctx context.Context,
	oc *graphql.OperationContext,
	field graphql.CollectedField,
	initializeFieldContext func(ctx context.Context, field graphql.CollectedField) (*graphql.FieldContext, error),
	fieldResolver func(ctx context.Context) (any, error),
	object string,
	marshal func(ctx context.Context, sel ast.SelectionSet, v T) graphql.Marshaler,
	recoverFromPanic bool,
	nonNull bool,
) (ret graphql.Marshaler) {
	if !skipsMiddleware(object) {
		return graphql.ResolveField(ctx, oc, field, initializeFieldContext, fieldResolver, nil, marshal, recoverFromPanic, nonNull)
	}
	// From here on this is graphql.ResolveField's resolveField without the
	// middleware: a plain field's context is a scalar one, not a method
	// and not a resolver.
	fc := &graphql.FieldContext{Object: object, Field: field, Child: noChildFields}
	ctx = graphql.WithFieldContext(ctx, fc)
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				ret = graphql.Null
			}
		}()
	}
	res, err := fieldResolver(ctx)
	if err != nil {
		oc.Error(ctx, graphql.AddFieldLocationToError(ctx, err))
		return graphql.Null
	}
	if res == nil {
		if nonNull {
			graphql.AddInvalidNullError(ctx, "")
		}
		return graphql.Null
	}
	v, ok := res.(T)
	if !ok {
		oc.Errorf(ctx, `unexpected type %T from field resolver, should be %T`, res, v)
		return graphql.Null
	}
	fc.Result = res
	return marshal(ctx, field.Selections, v)
}
