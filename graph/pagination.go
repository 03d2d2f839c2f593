package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// Page sizes of every Relay connection (root fields and nested edges alike).
const (
	MaxPageSize     = 100
	DefaultPageSize = 20
)

// isConnection reports whether a field returns a Relay connection paged by
// first/last.
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && strings.HasSuffix(def.Type.Name(), "Connection") &&
		def.Arguments.ForName("first") != nil && def.Arguments.ForName("last") != nil
}

// defaultPageRule is a validation rule that gives every connection field
// without first and last an explicit `first: DefaultPageSize`. It rewrites the
// document before gqlgen caches it, so both the resolvers and entgql's
// CollectFields (which eager-loads nested edges from the document's
// arguments) page by it: an omitted page size never loads a whole table.
var defaultPageRule = core.Rule{
	Name: "DefaultConnectionPage",
	RuleFunc: func(observers *core.Events, _ core.AddErrFunc) {
		observers.OnField(func(_ *core.Walker, field *ast.Field) {
			if !isConnection(field.Definition) ||
				field.Arguments.ForName("first") != nil || field.Arguments.ForName("last") != nil {
				return
			}
			field.Arguments = append(field.Arguments, &ast.Argument{
				Name:     "first",
				Value:    &ast.Value{Kind: ast.IntValue, Raw: strconv.Itoa(DefaultPageSize), Position: field.Position},
				Position: field.Position,
			})
		})
	},
}

// validationRules are gqlparser's defaults plus defaultPageRule.
func validationRules() *rules.Rules {
	r := rules.NewDefaultRules()
	r.AddRule(defaultPageRule.Name, defaultPageRule.RuleFunc)
	return r
}

// pageLimits rejects, before any resolver runs, a connection whose first or
// last (literal or variable) is negative or above MaxPageSize, whose
// variables leave both null, or that is given both.
type pageLimits struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = pageLimits{}

func (pageLimits) ExtensionName() string                   { return "PageLimits" }
func (pageLimits) Validate(graphql.ExecutableSchema) error { return nil }
func (pageLimits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := selectionWalker{doc: oc.Doc, seen: map[string]bool{}}
	var err *gqlerror.Error
	w.walk(oc.Operation.SelectionSet, func(f *ast.Field) bool {
		if !isConnection(f.Definition) {
			return true
		}
		args := f.ArgumentMap(oc.Variables)
		if args["first"] == nil && args["last"] == nil {
			err = pageError(f, "first", fmt.Sprintf("first or last is required (1 to %d)", MaxPageSize))
			return false
		}
		for _, name := range []string{"first", "last"} {
			if n, ok := args[name].(int64); ok && (n < 0 || n > MaxPageSize) {
				err = pageError(f, name, fmt.Sprintf("%s must be between 0 and %d", name, MaxPageSize))
				return false
			}
		}
		// entgql refuses the pair when the resolver runs, as an untyped
		// error the presenter can only call INTERNAL; it is the client's
		// choice, so it is answered here, before any SQL, naming the
		// second argument.
		if args["first"] != nil && args["last"] != nil {
			err = pageError(f, "last", "first and last cannot be passed together: page forward with first/after or backward with last/before")
			return false
		}
		return true
	})
	return err
}

func pageError(f *ast.Field, arg, msg string) *gqlerror.Error {
	e := gqlerror.ErrorPosf(f.Position, "%s.%s: %s", f.Alias, arg, msg)
	e.Extensions = map[string]any{"code": CodeBadUserInput, "field": arg}
	return e
}

// selectionWalker visits every field of an operation, following named
// fragments (each once) and inline fragments.
type selectionWalker struct {
	doc  *ast.QueryDocument
	seen map[string]bool
}

// walk calls visit for each field; visit returns false to stop.
func (w selectionWalker) walk(set ast.SelectionSet, visit func(*ast.Field) bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !visit(s) || !w.walk(s.SelectionSet, visit) {
				return false
			}
		case *ast.InlineFragment:
			if !w.walk(s.SelectionSet, visit) {
				return false
			}
		case *ast.FragmentSpread:
			if w.seen[s.Name] {
				continue
			}
			w.seen[s.Name] = true
			if def := w.doc.Fragments.ForName(s.Name); def != nil && !w.walk(def.SelectionSet, visit) {
				return false
			}
		}
	}
	return true
}
