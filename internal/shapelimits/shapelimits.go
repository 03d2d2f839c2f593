// Package shapelimits bounds the shape of a GraphQL operation before it
// runs: its depth, aliases, distinct root fields, directive uses and fields
// with fragments expanded. It measures in time linear in the document,
// whatever its fragments do, so a fragment bomb is refused for the price of
// reading it.
package shapelimits

import (
	"context"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Codes of operations refused for their shape (extensions.code). Apollo
// Router uses the same names.
const (
	CodeDepth      = "MAX_DEPTH_LIMIT"
	CodeAliases    = "MAX_ALIASES_LIMIT"
	CodeRootFields = "MAX_ROOT_FIELDS_LIMIT"
	CodeDirectives = "MAX_DIRECTIVES_LIMIT"
	CodeFields     = "MAX_FIELDS_LIMIT"
)

func init() {
	// Refusals before execution are protocol errors: HTTP 422 (400 with
	// Accept: application/graphql-response+json), like gqlgen's own parse
	// and validation errors.
	for _, code := range []string{CodeDepth, CodeAliases, CodeRootFields, CodeDirectives, CodeFields} {
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

// Defaults are the limits used for zero Limits fields (read-only).
var Defaults = Limits{Depth: 10, Aliases: 30, RootFields: 20, Directives: 50, Fields: 2000}

func (l *Limits) defaults() {
	d := Defaults
	for _, f := range []struct{ v, def *int }{{&l.Depth, &d.Depth}, {&l.Aliases, &d.Aliases}, {&l.RootFields, &d.RootFields}, {&l.Directives, &d.Directives}, {&l.Fields, &d.Fields}} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
}

// Extension is the gqlgen extension enforcing Limits on every operation,
// after validation and before any resolver runs.
type Extension struct{ Limits Limits }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Extension{}

// ExtensionName names the extension for gqlgen.
func (Extension) ExtensionName() string { return "OperationLimits" }

// Validate accepts any schema: the limits are about documents.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation if it exceeds a limit.
func (e Extension) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return Check(oc.Doc, oc.Operation, e.Limits)
}

// Check checks op of doc against limits (zero fields take the
// defaults) and returns the first limit exceeded, in the order depth,
// aliases, root fields, directives, fields, with its code in
// extensions.code. It runs in time linear in the document whatever its
// fragments do (each fragment is measured once), and tolerates documents
// that were not validated: unknown fragments count nothing, and a fragment
// cycle (which would expand forever) exceeds every limit.
func Check(doc *ast.QueryDocument, op *ast.OperationDefinition, limits Limits) *gqlerror.Error {
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
		return limitError(op, CodeDepth, "depth", s.depth, limits.Depth)
	case s.aliases > limits.Aliases:
		return limitError(op, CodeAliases, "aliases", s.aliases, limits.Aliases)
	case roots > limits.RootFields:
		return limitError(op, CodeRootFields, "root fields", roots, limits.RootFields)
	case s.directives > limits.Directives:
		return limitError(op, CodeDirectives, "directives", s.directives, limits.Directives)
	case s.fields > limits.Fields:
		return limitError(op, CodeFields, "fields", s.fields, limits.Fields)
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

// satAdd is a + b, saturating at math.MaxInt (a fragment cycle measures
// infinite, and huge spread counts must not wrap around).
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
