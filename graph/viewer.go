package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// CodeIntrospectionDisabled refuses an operation that selects __schema or
// __type for a viewer who may not introspect (auth.Viewer.CanIntrospect).
const CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"

func init() {
	// A refusal before execution is a protocol error: HTTP 422 (400 with
	// Accept: application/graphql-response+json).
	errcode.RegisterErrorType(CodeIntrospectionDisabled, errcode.KindProtocol)
}

// viewerIntrospection makes introspection depend on the viewer: gqlgen's
// extension.Introspection is all or nothing per server, but it is only an
// OperationContextMutator setting DisableIntrospection, so this one sets it
// per request from the viewer in the context (put there by
// auth.Authenticator.Middleware; PUBLIC when absent). An operation that asks
// for __schema or __type without the right is refused as a whole before
// execution, rather than having its other fields run and the introspection
// fields fail.
type viewerIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = viewerIntrospection{}

func (viewerIntrospection) ExtensionName() string                   { return "ViewerIntrospection" }
func (viewerIntrospection) Validate(graphql.ExecutableSchema) error { return nil }
func (viewerIntrospection) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	allowed := auth.FromContext(ctx).CanIntrospect()
	oc.DisableIntrospection = !allowed
	if allowed || oc.Operation == nil {
		return nil
	}
	w := selectionWalker{doc: oc.Doc, seen: map[string]bool{}}
	var err *gqlerror.Error
	w.walk(oc.Operation.SelectionSet, func(f *ast.Field) bool {
		if f.Name == "__schema" || f.Name == "__type" {
			err = gqlerror.ErrorPosf(f.Position, "introspection is not available to this viewer")
			errcode.Set(err, CodeIntrospectionDisabled)
			return false
		}
		return true
	})
	return err
}
