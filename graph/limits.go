package graph

import (
	"context"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of operations refused before execution because of their shape or
// cost. Apollo Router uses the same MAX_* names; COMPLEXITY_LIMIT_EXCEEDED is
// gqlgen's.
const (
	CodeMaxDepth      = "MAX_DEPTH_LIMIT"
	CodeMaxAliases    = "MAX_ALIASES_LIMIT"
	CodeMaxRootFields = "MAX_ROOT_FIELDS_LIMIT"
	CodeMaxDirectives = "MAX_DIRECTIVES_LIMIT"
	CodeMaxFields     = "MAX_FIELDS_LIMIT"
	CodeComplexity    = "COMPLEXITY_LIMIT_EXCEEDED"
	// CodeBadRequest: the request itself is malformed (also sent by
	// requestGuard), e.g. an APQ hash that does not match its query.
	CodeBadRequest = "BAD_REQUEST"
	// CodeRateLimited is sent by internal/ratelimit (HTTP 429); listed here
	// with the other codes.
	CodeRateLimited = "RATE_LIMITED"
)

// DefaultComplexityLimit is the default HandlerOptions.ComplexityLimit.
// With connections costing page size × item + 1 and every other field 1 +
// its children (gqlgen's default), the cost estimates rows × selected fields,
// and over-estimates: a connection selecting only totalCount is still charged
// a full page. Measured: the deepest path the graph pins (10 cities →
// districts → subdistricts → institutions with seats { totalCount }) costs
// 244,441; 100 institutions × 100 seats × 5 fields 70,401; three nested
// connections of 100 over 3,000,000. 500,000 (GitHub's per-call node limit,
// the security notes' upper anchor) admits the first two with room and
// refuses the third; lower it once bench/ has numbers.
const DefaultComplexityLimit = 500_000

func init() {
	// Refusals before execution are protocol errors: HTTP 422 (400 with
	// Accept: application/graphql-response+json), like gqlgen's own parse and
	// validation errors. gqlgen registers none of these (its complexity
	// extension's "422" comment is not true without this).
	for _, code := range []string{CodeMaxDepth, CodeMaxAliases, CodeMaxRootFields, CodeMaxDirectives, CodeMaxFields,
		CodeComplexity, CodeIntrospectionDisabled, CodePersistedQueryNotAllowed, CodeBadRequest} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// Limits bound the shape of one operation. They are checked before any
// resolver runs, counting through named fragments (each spread counts where
// it is used, as if expanded) and inline fragments. Zero fields take the
// defaults; there is no "off".
type Limits struct {
	// Depth is the longest chain of nested fields (default 10). A Relay
	// connection's plumbing — edges on a *Connection, node on an *Edge —
	// adds no level, so a hop through a connection costs one level like any
	// other edge: the deepest path the graph pins (city → districts →
	// subdistricts → institutions → seats { totalCount }) is 6 deep, where
	// counting every field would make it 14 and the default useless. The
	// subtrees of __schema and __type count one level: GraphiQL's
	// introspection query is 15 deep (TypeRef nests ofType 9 times),
	// gqlparser's MaxIntrospectionDepth rule already bounds introspection
	// nesting, and graphql-armor and Apollo also leave introspection out of
	// depth.
	Depth int
	// Aliases is the number of aliased fields anywhere (default 30): aliases
	// multiply work inside one request (OWASP batching attacks), and BI
	// clients should pass lists of regions instead of many aliases.
	Aliases int
	// RootFields is the number of distinct top-level response keys
	// (default 20).
	RootFields int
	// Directives is the number of directive uses anywhere, on the operation,
	// its variables, fields, fragments and spreads (default 50, graphql-armor).
	Directives int
	// Fields is the number of field selections with fragments expanded
	// (default 2,000; GraphiQL's introspection query has 227). It is
	// what keeps fragment bombs, fragments spread several times in fragments
	// spread several times, linear: gqlgen's complexity walk (and execution)
	// expand fragments without memoising, so without this an operation of a
	// few hundred tokens could make them visit millions of fields.
	Fields int
}

// DefaultLimits are the limits used for zero Limits fields (read-only).
var DefaultLimits = Limits{Depth: 10, Aliases: 30, RootFields: 20, Directives: 50, Fields: 2000}

func (l *Limits) defaults() {
	d := DefaultLimits
	for _, f := range []struct{ v, def *int }{{&l.Depth, &d.Depth}, {&l.Aliases, &d.Aliases}, {&l.RootFields, &d.RootFields}, {&l.Directives, &d.Directives}, {&l.Fields, &d.Fields}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
}

// operationLimits is the gqlgen extension enforcing Limits.
type operationLimits struct{ limits Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = operationLimits{}

func (operationLimits) ExtensionName() string                   { return "OperationLimits" }
func (operationLimits) Validate(graphql.ExecutableSchema) error { return nil }
func (o operationLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return CheckLimits(oc.Doc, oc.Operation, o.limits)
}

// CheckLimits checks op of doc against limits (zero fields take the
// defaults) and returns the first limit exceeded, in the order depth,
// aliases, root fields, directives, fields, with its code in
// extensions.code. It runs in time linear in the document whatever its
// fragments do (each fragment is measured once), and tolerates documents
// that were not validated: unknown fragments count nothing, and a fragment
// cycle (which would expand forever) exceeds every limit.
func CheckLimits(doc *ast.QueryDocument, op *ast.OperationDefinition, limits Limits) *gqlerror.Error {
	limits.defaults()
	w := limitWalker{doc: doc, memo: map[string]shape{}, active: map[string]bool{}}
	s := w.selectionSet(op.SelectionSet)
	s.directives = satAdd(s.directives, len(op.Directives))
	for _, v := range op.VariableDefinitions {
		s.directives = satAdd(s.directives, len(v.Directives))
	}
	roots := w.rootKeys(op.SelectionSet, map[string]bool{}, map[string]bool{})
	switch {
	case s.depth > limits.Depth:
		return limitError(op, CodeMaxDepth, "depth", s.depth, limits.Depth)
	case s.aliases > limits.Aliases:
		return limitError(op, CodeMaxAliases, "aliases", s.aliases, limits.Aliases)
	case roots > limits.RootFields:
		return limitError(op, CodeMaxRootFields, "root fields", roots, limits.RootFields)
	case s.directives > limits.Directives:
		return limitError(op, CodeMaxDirectives, "directives", s.directives, limits.Directives)
	case s.fields > limits.Fields:
		return limitError(op, CodeMaxFields, "fields", s.fields, limits.Fields)
	}
	return nil
}

func limitError(op *ast.OperationDefinition, code, what string, got, limit int) *gqlerror.Error {
	var e *gqlerror.Error
	if got == math.MaxInt {
		e = gqlerror.ErrorPosf(op.Position, "operation has unbounded %s (a fragment cycle), above the limit of %d", what, limit)
	} else {
		e = gqlerror.ErrorPosf(op.Position, "operation has %s %d, above the limit of %d", what, got, limit)
	}
	errcode.Set(e, code)
	return e
}

// shape is what the limits measure of a selection set, fragments expanded.
type shape struct{ depth, aliases, directives, fields int }

// infinite is the shape of a fragment cycle.
var infinite = shape{math.MaxInt, math.MaxInt, math.MaxInt, math.MaxInt}

func (s *shape) add(o shape) {
	s.depth = max(s.depth, o.depth)
	s.aliases = satAdd(s.aliases, o.aliases)
	s.directives = satAdd(s.directives, o.directives)
	s.fields = satAdd(s.fields, o.fields)
}

// limitWalker measures selection sets. memo holds each named fragment's
// shape, so a fragment spread k times costs one walk plus k additions
// (the graphql-armor "fragment cache" bypass came from caching that skipped
// the additions); active holds the fragments being walked, to detect cycles.
type limitWalker struct {
	doc    *ast.QueryDocument
	memo   map[string]shape
	active map[string]bool
}

func (w *limitWalker) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			sub := w.selectionSet(f.SelectionSet)
			if f.Name == "__schema" || f.Name == "__type" {
				sub.depth = 0 // see Limits.Depth
			}
			level := 1
			if relayPlumbing(f) {
				level = 0 // see Limits.Depth
			}
			s.add(shape{depth: satAdd(sub.depth, level), aliases: sub.aliases, directives: sub.directives, fields: sub.fields})
			s.fields = satAdd(s.fields, 1)
			s.directives = satAdd(s.directives, len(f.Directives))
			if f.Alias != "" && f.Alias != f.Name {
				s.aliases = satAdd(s.aliases, 1)
			}
		case *ast.InlineFragment:
			s.add(w.selectionSet(f.SelectionSet))
			s.directives = satAdd(s.directives, len(f.Directives))
		case *ast.FragmentSpread:
			s.add(w.fragment(f.Name))
			s.directives = satAdd(s.directives, len(f.Directives))
		}
	}
	return s
}

// relayPlumbing reports whether f is the edges field of a connection or the
// node field of an edge (known once the document is validated).
func relayPlumbing(f *ast.Field) bool {
	if f.ObjectDefinition == nil {
		return false
	}
	parent := f.ObjectDefinition.Name
	return (f.Name == "edges" && strings.HasSuffix(parent, "Connection")) ||
		(f.Name == "node" && strings.HasSuffix(parent, "Edge"))
}

func (w *limitWalker) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		return s
	}
	if w.active[name] {
		return infinite
	}
	def := w.doc.Fragments.ForName(name)
	if def == nil {
		return shape{}
	}
	w.active[name] = true
	s := w.selectionSet(def.SelectionSet)
	s.directives = satAdd(s.directives, len(def.Directives))
	delete(w.active, name)
	w.memo[name] = s
	return s
}

// rootKeys counts the distinct response keys of the top level, looking
// through fragments (each walked once: a second visit adds no new key).
func (w *limitWalker) rootKeys(set ast.SelectionSet, keys, seen map[string]bool) int {
	for _, sel := range set {
		switch f := sel.(type) {
		case *ast.Field:
			keys[f.Alias] = true
		case *ast.InlineFragment:
			w.rootKeys(f.SelectionSet, keys, seen)
		case *ast.FragmentSpread:
			if seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			if def := w.doc.Fragments.ForName(f.Name); def != nil {
				w.rootKeys(def.SelectionSet, keys, seen)
			}
		}
	}
	return len(keys)
}

func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// ConnectionComplexity is the cost of a Relay connection field: the page
// size (first or last, the larger if both; DefaultPageSize when neither)
// times the cost of one item's selection, plus one for the connection. This
// makes the complexity a node-count estimate: three nested connections of 100
// cost at least 100³.
func ConnectionComplexity(childComplexity int, first, last *int) int {
	n := DefaultPageSize
	switch {
	case first != nil && last != nil:
		n = max(*first, *last)
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return satAdd(satMul(max(n, 0), max(childComplexity, 0)), 1)
}

// listComplexity is the cost of a field returning one item per input id
// (Query.nodes): len(ids) × item + 1.
func listComplexity(childComplexity, n int) int {
	return satAdd(satMul(max(n, 0), max(childComplexity, 0)), 1)
}

// costedSchema gives every connection field (the same test as pageLimits:
// isConnection) ConnectionComplexity and Query.nodes listComplexity, and
// leaves every other field to the generated schema. NewHandler costs the
// schema through it, so a connection added to the schema is costed without
// anyone remembering to: the complexity limit cannot silently fall back to
// gqlgen's one-per-field default, under which 100×100×100 nested
// connections cost a few dozen.
type costedSchema struct{ graphql.ExecutableSchema }

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	if c, ok := kpiComplexity(typeName, field, childComplexity, args); ok {
		return c, true
	}
	if def := s.Schema().Types[typeName]; def != nil {
		fd := def.Fields.ForName(field)
		if isConnection(fd) {
			return ConnectionComplexity(childComplexity, intArg(args["first"]), intArg(args["last"])), true
		}
		if fd != nil && def.Name == s.Schema().Query.Name && field == "nodes" {
			if ids, set := args["ids"]; set && ids != nil {
				return listComplexity(childComplexity, len(asList(ids))), true
			}
		}
	}
	return s.ExecutableSchema.Complexity(ctx, typeName, field, childComplexity, args)
}

// intArg reads an Int argument as ArgumentMap yields it (int64 from
// literals and coerced variables; other integer forms defensively).
func intArg(v any) *int {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int32:
		n = int(x)
	case int64:
		n = int(max(min(x, math.MaxInt32), math.MinInt32))
	case float64:
		n = int(max(min(x, math.MaxInt32), math.MinInt32))
	default:
		return nil
	}
	return &n
}

// complexityLimit is gqlgen's FixedComplexityLimit computed over
// costedSchema; its errors carry COMPLEXITY_LIMIT_EXCEEDED and its stats are
// read with extension.GetComplexityStats as usual.
type complexityLimit struct{ *extension.ComplexityLimit }

func newComplexityLimit(limit int) complexityLimit {
	return complexityLimit{extension.FixedComplexityLimit(limit)}
}

func (c complexityLimit) Validate(es graphql.ExecutableSchema) error {
	return c.ComplexityLimit.Validate(costedSchema{es})
}
