package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Bounds on the input values of one operation, checked by inputChecks.
const (
	// MaxListItems caps any list in an argument (an ID list, an `in`
	// filter, keys, region IDs): beyond it a filter stops being a filter and
	// becomes a bulk export (and PostgreSQL refuses statements with more
	// than 65,535 parameters).
	MaxListItems = 1000
	// MaxNodeIDs caps Query.nodes(ids:), like a page.
	MaxNodeIDs = MaxPageSize
	// MaxInputDepth caps the nesting of input objects and lists (a `where`
	// of and/or/not inside each other becomes nested SQL).
	MaxInputDepth = 12
	// MaxInputValues caps the leaf values of all arguments of one
	// operation together.
	MaxInputValues = 5000
)

// inputChecks is the one place where argument values are checked and
// coerced before anything else looks at them: page limits, complexity,
// the KPI cost model and the resolvers all see what it leaves.
//
// gqlparser accepts numeric strings ("1000000") and JSON numbers of any size
// for Int variables and keeps them as strings or json.Number in nested
// input objects and lists, which every check that looks for integers
// skipped. inputChecks visits every argument of every field the operation
// selects (fragments included), resolving variables against their use, and:
//
//   - turns every Int into an int64 in the operation's variables, refusing
//     strings (the GraphQL spec's Int input coercion does not accept them)
//     and values outside 32 bits (Int is a signed 32-bit integer);
//   - refuses IDs that are not integers (every ID here is an ent global ID),
//     cursors that do not decode, strings holding a NUL byte (PostgreSQL
//     text cannot store one), lists longer than MaxListItems (nodes:
//     MaxNodeIDs), inputs nested deeper than MaxInputDepth and more than
//     MaxInputValues values in all.
//
// Each refusal is BAD_USER_INPUT with the argument path (e.g.
// "where.regionID") in extensions.field, and never repeats the value.
type inputChecks struct{ schema *ast.Schema }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &inputChecks{}

func (*inputChecks) ExtensionName() string { return "InputChecks" }
func (c *inputChecks) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

func (ic *inputChecks) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if oc.Variables == nil {
		oc.Variables = map[string]any{}
	}
	c := &inputChecker{schema: ic.schema, vars: oc.Variables, done: map[string]int{}}
	var err *gqlerror.Error
	w := selectionWalker{doc: oc.Doc, seen: map[string]bool{}}
	w.walk(oc.Operation.SelectionSet, func(f *ast.Field) bool {
		if f.Definition == nil {
			return true
		}
		for _, arg := range f.Arguments {
			def := f.Definition.Arguments.ForName(arg.Name)
			if def == nil {
				continue
			}
			limit := MaxListItems
			if f.Name == "nodes" && arg.Name == "ids" && f.ObjectDefinition != nil && f.ObjectDefinition.Name == "Query" {
				limit = MaxNodeIDs
			}
			if err = c.literal(arg.Value, def.Type, arg.Name, 0, limit); err != nil {
				if arg.Position != nil {
					err.Locations = []gqlerror.Location{{Line: arg.Position.Line, Column: arg.Position.Column}}
				}
				return false
			}
		}
		return true
	})
	return err
}

// inputChecker walks argument values; vars are the operation's variables,
// normalised in place, done the variables already checked.
type inputChecker struct {
	schema *ast.Schema
	vars   map[string]any
	done   map[string]int // variable → the smallest list limit it was checked against
	values int
}

// literal checks a value written in the document (or a variable used there)
// of type typ at path.
func (c *inputChecker) literal(v *ast.Value, typ *ast.Type, path string, depth, listLimit int) *gqlerror.Error {
	if v == nil || typ == nil {
		return nil
	}
	if depth > MaxInputDepth {
		return inputError(path, fmt.Sprintf("is nested more than %d levels deep", MaxInputDepth))
	}
	switch v.Kind {
	case ast.Variable:
		name := v.Raw
		val, ok := c.vars[name]
		// A variable used in several places is checked against the
		// smallest list limit among them (nodes(ids:) allows fewer items
		// than a filter's idIn), not only where it is first used.
		if lim, seen := c.done[name]; !ok || seen && lim <= listLimit {
			return nil
		}
		c.done[name] = listLimit
		norm, err := c.value(val, typ, c.typeDef(typ.Name()), path, depth, listLimit)
		if err != nil {
			return err
		}
		c.vars[name] = norm
		return nil
	case ast.NullValue:
		return nil
	case ast.ListValue:
		if typ.Elem == nil { // not after validation
			return nil
		}
		if len(v.Children) > listLimit {
			return inputError(path, fmt.Sprintf("has more than %d items", listLimit))
		}
		for i, child := range v.Children {
			if err := c.literal(child.Value, typ.Elem, fmt.Sprintf("%s[%d]", path, i), depth+1, MaxListItems); err != nil {
				return err
			}
		}
		return nil
	case ast.ObjectValue:
		def := c.typeDef(typ.Name())
		for _, child := range v.Children {
			if def == nil {
				continue
			}
			fd := def.Fields.ForName(child.Name)
			if fd == nil {
				continue
			}
			if err := c.literal(child.Value, fd.Type, path+"."+child.Name, depth+1, MaxListItems); err != nil {
				return err
			}
		}
		return nil
	}
	if typ.Elem != nil {
		return c.literal(v, typ.Elem, path+"[0]", depth+1, MaxListItems)
	}
	if err := c.count(path); err != nil {
		return err
	}
	return scalar(v.Raw, typ.NamedType, path)
}

// value checks and normalises a variable's value val of type typ (def is the
// named type's definition when known).
func (c *inputChecker) value(val any, typ *ast.Type, def *ast.Definition, path string, depth, listLimit int) (any, *gqlerror.Error) {
	if val == nil {
		return nil, nil
	}
	if depth > MaxInputDepth {
		return nil, inputError(path, fmt.Sprintf("is nested more than %d levels deep", MaxInputDepth))
	}
	if typ.Elem != nil {
		list, ok := val.([]any)
		if !ok && reflect.ValueOf(val).Kind() == reflect.Slice { // a list coerced to a typed slice
			list, ok = asList(val), true
		}
		if !ok { // a single value where a list is expected
			v, err := c.value(val, typ.Elem, def, path+"[0]", depth+1, MaxListItems)
			return v, err
		}
		if len(list) > listLimit {
			return nil, inputError(path, fmt.Sprintf("has more than %d items", listLimit))
		}
		for i, item := range list {
			v, err := c.value(item, typ.Elem, def, fmt.Sprintf("%s[%d]", path, i), depth+1, MaxListItems)
			if err != nil {
				return nil, err
			}
			list[i] = v
		}
		return list, nil
	}
	if obj, ok := val.(map[string]any); ok {
		if def == nil || def.Kind != ast.InputObject {
			return val, nil
		}
		for name, fv := range obj {
			fd := def.Fields.ForName(name)
			if fd == nil {
				continue
			}
			v, err := c.value(fv, fd.Type, c.typeDef(fd.Type.Name()), path+"."+name, depth+1, MaxListItems)
			if err != nil {
				return nil, err
			}
			obj[name] = v
		}
		return obj, nil
	}
	if err := c.count(path); err != nil {
		return nil, err
	}
	switch typ.NamedType {
	case "Int":
		return intValue(val, path)
	case "Float":
		return floatValue(val, path)
	case "Boolean":
		if _, ok := val.(bool); !ok {
			return nil, inputError(path, "must be true or false")
		}
		return val, nil
	}
	var raw string
	switch x := val.(type) {
	case string:
		raw = x
	case json.Number:
		raw = x.String()
	case int64:
		raw = strconv.FormatInt(x, 10)
	case int:
		raw = strconv.Itoa(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			if typ.NamedType == "ID" {
				return nil, inputError(path, "must be an ID")
			}
			return val, nil
		}
		raw = strconv.FormatInt(int64(x), 10)
	default:
		return val, nil
	}
	return val, scalar(raw, typ.NamedType, path)
}

// typeDef is the schema definition of a named type (nil when unknown).
func (c *inputChecker) typeDef(name string) *ast.Definition {
	if c.schema == nil {
		return nil
	}
	return c.schema.Types[name]
}

func (c *inputChecker) count(path string) *gqlerror.Error {
	c.values++
	if c.values > MaxInputValues {
		return inputError(path, fmt.Sprintf("the operation's arguments hold more than %d values", MaxInputValues))
	}
	return nil
}

// intValue coerces a variable's Int: a JSON number with no fraction within
// 32 bits. Numeric strings are refused.
func intValue(val any, path string) (any, *gqlerror.Error) {
	var n int64
	switch x := val.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return nil, inputError(path, "must be a 32-bit integer")
		}
		n = i
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt32 || x < math.MinInt32 {
			return nil, inputError(path, "must be a 32-bit integer")
		}
		n = int64(x)
	case string:
		return nil, inputError(path, "must be a JSON number, not a string")
	default:
		return nil, inputError(path, "must be a 32-bit integer")
	}
	if n > math.MaxInt32 || n < math.MinInt32 {
		return nil, inputError(path, "must be a 32-bit integer")
	}
	return n, nil
}

// floatValue coerces a variable's Float: a JSON number, as the GraphQL
// spec's input coercion says. gqlgen would also parse a numeric string
// ("41.68"), which lets a client's type bug pass unnoticed.
func floatValue(val any, path string) (any, *gqlerror.Error) {
	switch x := val.(type) {
	case float64, float32, int, int32, int64:
		return val, nil
	case json.Number:
		if _, err := x.Float64(); err != nil {
			return nil, inputError(path, "must be a number")
		}
		return val, nil
	case string:
		return nil, inputError(path, "must be a JSON number, not a string")
	default:
		return nil, inputError(path, "must be a number")
	}
}

// scalar checks the text of a scalar value of the named type.
func scalar(raw, named, path string) *gqlerror.Error {
	if strings.IndexByte(raw, 0) >= 0 {
		return inputError(path, "must not contain a NUL character")
	}
	switch named {
	case "Int": // a literal: gqlparser checks its syntax, not always its range
		if _, err := strconv.ParseInt(raw, 10, 32); err != nil {
			return inputError(path, "must be a 32-bit integer")
		}
	case "ID":
		if _, err := strconv.ParseInt(raw, 10, 64); err != nil {
			return inputError(path, "must be an ID")
		}
	case "Cursor":
		var cur entgql.Cursor[int]
		if err := cur.UnmarshalGQL(raw); err != nil || !cursorValue(cur.Value) {
			return inputError(path, "must be a cursor from pageInfo or an edge")
		}
	case "Time":
		// gqlgen's own parse, so that what passes here also unmarshals; its
		// error would otherwise surface as INTERNAL.
		if _, err := graphql.UnmarshalTime(raw); err != nil {
			return inputError(path, "must be a date and time in RFC 3339, e.g. 2026-01-01T00:00:00+08:00")
		}
	}
	return nil
}

// cursorValue reports whether v can be the sort value of a cursor the
// server made: none, or one scalar of an order field. A crafted cursor
// carrying a list or a map decodes, but no statement can compare a column
// with it.
func cursorValue(v any) bool {
	switch v.(type) {
	case nil, bool, string, time.Time,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

func inputError(path, msg string) *gqlerror.Error {
	e := gqlerror.Errorf("%s %s", path, msg)
	e.Extensions = map[string]any{"code": CodeBadUserInput, "field": path}
	return e
}
