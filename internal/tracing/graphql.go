package tracing

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Extension is the gqlgen extension that opens a span per operation. With
// a recording provider, NewExtension returns a FieldExtension instead,
// which also spans each resolver that may reach the database.
type Extension struct {
	tracer trace.Tracer
}

// FieldExtension is Extension plus a span per resolver that may reach the
// database: resolver functions and methods of the models (ent edges are
// methods). Plain struct fields (scalars read from a loaded row) and
// introspection get none: a 20-row list would otherwise make hundreds of
// spans that say nothing.
type FieldExtension struct{ Extension }

// NewExtension traces with tp. Field spans are only opened when tp records:
// gqlgen runs a field interceptor around every field of a response, scalars
// included, so even one that returns at once costs a frame per field on
// every goroutine's stack (the stack growth of a 300-row nested list showed
// in its CPU profile); with a no-op provider there is nothing to intercept.
func NewExtension(tp trace.TracerProvider) graphql.HandlerExtension {
	e := Extension{tracer: tp.Tracer(ScopeName)}
	if Recording(tp) {
		return FieldExtension{e}
	}
	return e
}

var (
	_ graphql.HandlerExtension     = Extension{}
	_ graphql.OperationInterceptor = Extension{}
	_ graphql.FieldInterceptor     = FieldExtension{}
)

func (Extension) ExtensionName() string                   { return "Tracing" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation spans the operation from dispatch to its response:
// "query IndicatorDashboard". Attributes carry the operation's type and
// name, never the document or variables (they may hold personal data).
func (e Extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	kind, name := "operation", ""
	if oc != nil && oc.Operation != nil {
		kind, name = string(oc.Operation.Operation), oc.Operation.Name
	}
	spanName := kind
	if name != "" {
		spanName += " " + name
	}
	ctx, span := e.tracer.Start(ctx, spanName, trace.WithAttributes(
		attribute.String("graphql.operation.type", kind),
		attribute.String("graphql.operation.name", name),
	))
	rh := next(ctx)
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := rh(ctx)
		once.Do(func() {
			if resp != nil && len(resp.Errors) > 0 {
				code, _ := resp.Errors[0].Extensions["code"].(string)
				span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)), attribute.String("graphql.error.code", code))
				span.SetStatus(codes.Error, code)
			}
			span.End()
		})
		return resp
	}
}

// InterceptField spans resolvers and model methods: "Query.indicatorValues".
func (e FieldExtension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !(fc.IsResolver || fc.IsMethod) || strings.HasPrefix(fc.Object, "__") {
		return next(ctx)
	}
	ctx, span := e.tracer.Start(ctx, fc.Object+"."+fc.Field.Name)
	defer span.End()
	if span.IsRecording() { // attributes cost allocations; a no-op span drops them
		span.SetAttributes(attribute.String("graphql.field.object", fc.Object), attribute.String("graphql.field.name", fc.Field.Name))
	}
	res, err := next(ctx)
	if err != nil {
		// The status says that it failed; the error text may quote input.
		span.SetStatus(codes.Error, "resolver error")
	}
	return res, err
}
