package gqlexec

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"strconv"

	"golang.org/x/tools/go/ast/astutil"
)

const (
	gqlgenGraphQL = "github.com/99designs/gqlgen/graphql"
	importPath    = "github.com/tuoyu/tuoyu/internal/gqlexec"
	pkgName       = "gqlexec"
)

// Rewrite rewrites gqlgen's generated executor src to call this package:
//
//	graphql.MarshalSliceConcurrently(…)  →  gqlexec.MarshalSliceInOrder(…)
//	graphql.NewDeferredGroup(ctx)        →  gqlexec.NewDeferredGroup(ctx)
//	ec.ProcessDeferredGroup(deferred)    →  ec.ProcessDeferredGroup(gqlexec.WithPath(deferred))
//	return out                           →  return gqlexec.Object(fields, out)
//	graphql.ResolveField(…, resolve, nil, marshal, …)
//	                                     →  gqlexec.ResolvePlainField(…, read, "Object", marshal, …)
//
// where out := graphql.NewFieldSet(fields) is the object's field set, in
// the function that made it, and the last rule applies to plain fields
// only (plain.go): a field whose resolver returns obj.Field, nil (the
// rewrite types it: func() T { return obj.Field }), whose context is a
// scalar field context that is neither a method nor a resolver, and whose
// middleware chain is nil.
//
// It fails rather than return a half-rewritten executor: when the source has
// none of the calls of one rule, rewritten or not (gqlgen's templates
// changed and the rule no longer applies; deferred groups never processed
// would keep empty paths). Source it has already rewritten comes back
// unchanged.
func Rewrite(filename string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", filename, err)
	}
	graphqlName := importName(file, gqlgenGraphQL)
	if graphqlName == "" {
		return nil, fmt.Errorf("%s does not import %s: not a gqlgen executor", filename, gqlgenGraphQL)
	}
	// Each rule counts the calls it rewrote and those it finds rewritten
	// already, so a file rewritten by an older version of this rewrite gets
	// the newer rules.
	var slices, groups, processed, objects, plain rule
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch {
		case isCall(call, graphqlName, "MarshalSliceConcurrently"):
			call.Fun = selector(pkgName, "MarshalSliceInOrder", call.Fun.Pos())
			slices.rewritten++
		case isCall(call, pkgName, "MarshalSliceInOrder"):
			slices.already++
		case isCall(call, graphqlName, "NewDeferredGroup"):
			call.Fun = selector(pkgName, "NewDeferredGroup", call.Fun.Pos())
			groups.rewritten++
		case isCall(call, pkgName, "NewDeferredGroup"):
			groups.already++
		case isMethodCall(call, "ProcessDeferredGroup") && len(call.Args) == 1:
			if arg, ok := call.Args[0].(*ast.CallExpr); ok && isCall(arg, pkgName, "WithPath") {
				processed.already++
				break
			}
			arg := call.Args[0]
			call.Args[0] = &ast.CallExpr{Fun: selector(pkgName, "WithPath", arg.Pos()), Lparen: arg.Pos(), Args: []ast.Expr{arg}, Rparen: arg.End()}
			processed.rewritten++
		}
		return true
	})
	objects.rewritten, objects.already = rewriteObjectReturns(file, graphqlName)
	plain.rewritten, plain.already = rewritePlainFields(file, graphqlName)
	const changed = "gqlgen's generated code changed, so internal/gqlexec's rewrite must be checked against it"
	switch {
	case slices.none():
		return nil, errors.New("found no graphql.MarshalSliceConcurrently call: " + changed)
	case groups.none():
		return nil, errors.New("found no graphql.NewDeferredGroup call: " + changed)
	case processed.none():
		return nil, errors.New("found deferred groups but no ProcessDeferredGroup call: " + changed)
	case objects.none():
		return nil, errors.New("found no object returning the field set it made with graphql.NewFieldSet: " + changed)
	case plain.none():
		return nil, errors.New("found no plain field resolved with graphql.ResolveField: " + changed)
	case slices.rewritten+groups.rewritten+processed.rewritten+objects.rewritten+plain.rewritten == 0:
		return src, nil
	}
	astutil.AddImport(fset, file, importPath)
	var out bytes.Buffer
	if err := format.Node(&out, fset, file); err != nil {
		return nil, fmt.Errorf("format %s: %w", filename, err)
	}
	return out.Bytes(), nil
}

// rule counts one rewrite rule's matches.
type rule struct{ rewritten, already int }

// none reports that the rule matched nothing, rewritten or not.
func (r rule) none() bool { return r.rewritten+r.already == 0 }

// importName is the name file refers to the package at path by, or "".
func importName(file *ast.File, path string) string {
	for _, spec := range file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p != path {
			continue
		}
		if spec.Name != nil {
			return spec.Name.Name
		}
		return "graphql"
	}
	return ""
}

// isCall reports whether call is pkg.name(…).
func isCall(call *ast.CallExpr, pkg, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != name {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg
}

// isMethodCall reports whether call is x.name(…) for any x.
func isMethodCall(call *ast.CallExpr, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == name
}

// selector is pkg.name placed at pos: new nodes carry the position of the
// code they replace, so the printer keeps the comments around them in place.
func selector(pkg, name string, pos token.Pos) *ast.SelectorExpr {
	return &ast.SelectorExpr{X: &ast.Ident{Name: pkg, NamePos: pos}, Sel: &ast.Ident{Name: name, NamePos: pos}}
}

// rewriteObjectReturns rewrites, in each function that makes a field set
// (out := graphql.NewFieldSet(fields)), the statements returning it to
// return gqlexec.Object(fields, out). It reports how many functions it
// rewrote and how many already return gqlexec.Object.
func rewriteObjectReturns(file *ast.File, graphqlName string) (rewritten, already int) {
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		set, fields := fieldSetOf(fn.Body, graphqlName)
		if set == "" {
			continue
		}
		changed := false
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // a closure's return is not the object's
			case *ast.ReturnStmt:
				if len(n.Results) != 1 {
					return true
				}
				if id, ok := n.Results[0].(*ast.Ident); ok && id.Name == set {
					pos := id.Pos()
					n.Results[0] = &ast.CallExpr{
						Fun:    selector(pkgName, "Object", pos),
						Lparen: pos,
						Args:   []ast.Expr{&ast.Ident{Name: fields, NamePos: pos}, &ast.Ident{Name: set, NamePos: pos}},
						Rparen: id.End(),
					}
					changed = true
				} else if call, ok := n.Results[0].(*ast.CallExpr); ok && isCall(call, pkgName, "Object") {
					already++
				}
			}
			return true
		})
		if changed {
			rewritten++
		}
	}
	return rewritten, already
}

// fieldSetOf finds out := graphql.NewFieldSet(fields) among body's
// statements and returns the names of out and fields.
func fieldSetOf(body *ast.BlockStmt, graphqlName string) (set, fields string) {
	for _, stmt := range body.List {
		assign, ok := stmt.(*ast.AssignStmt)
		if !ok || assign.Tok != token.DEFINE || len(assign.Lhs) != 1 || len(assign.Rhs) != 1 {
			continue
		}
		id, ok := assign.Lhs[0].(*ast.Ident)
		call, isCallExpr := assign.Rhs[0].(*ast.CallExpr)
		if !ok || !isCallExpr || !isCall(call, graphqlName, "NewFieldSet") || len(call.Args) != 1 {
			continue
		}
		if fields, ok := call.Args[0].(*ast.Ident); ok {
			return id.Name, fields.Name
		}
	}
	return "", ""
}

// rewritePlainFields rewrites the graphql.ResolveField call of each plain
// field to gqlexec.ResolvePlainField with the field's object name. It
// reports how many it rewrote and how many it found rewritten.
func rewritePlainFields(file *ast.File, graphqlName string) (rewritten, already int) {
	objects := scalarFieldContexts(file, graphqlName)
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil || len(fn.Body.List) != 1 {
			continue
		}
		ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		call, ok := ret.Results[0].(*ast.CallExpr)
		if !ok {
			continue
		}
		if isCall(call, pkgName, "ResolvePlainField") {
			already++
			continue
		}
		if !isCall(call, graphqlName, "ResolveField") || len(call.Args) != 9 {
			continue
		}
		object, ok := objects[fieldContextCalled(call.Args[3])]
		if !ok || !isNil(call.Args[5]) {
			continue
		}
		getter, ok := typedRead(call.Args[4], call.Args[6])
		if !ok {
			continue
		}
		call.Args[4] = getter
		// The object's name takes the place (and the position) of the nil
		// middleware chain.
		call.Fun = selector(pkgName, "ResolvePlainField", call.Fun.Pos())
		call.Args[5] = &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote(object), ValuePos: call.Args[5].Pos()}
		rewritten++
	}
	return rewritten, already
}

// scalarFieldContexts maps the name of each field-context method that
// returns graphql.NewScalarFieldContext("Object", field, false, false, …)
// (neither a method nor a resolver) to its object name.
func scalarFieldContexts(file *ast.File, graphqlName string) map[string]string {
	out := map[string]string{}
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || fn.Body == nil || len(fn.Body.List) != 1 {
			continue
		}
		ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
		if !ok || len(ret.Results) != 1 {
			continue
		}
		call, ok := ret.Results[0].(*ast.CallExpr)
		if !ok || !isCall(call, graphqlName, "NewScalarFieldContext") || len(call.Args) != 5 {
			continue
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || !isIdent(call.Args[2], "false") || !isIdent(call.Args[3], "false") {
			continue
		}
		if object, err := strconv.Unquote(lit.Value); err == nil {
			out[fn.Name.Name] = object
		}
	}
	return out
}

// fieldContextCalled is the name of the method m in
// func(ctx, field) (…) { return ec.m(ctx, field) }, or "".
func fieldContextCalled(e ast.Expr) string {
	lit, ok := e.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return ""
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 1 {
		return ""
	}
	call, ok := ret.Results[0].(*ast.CallExpr)
	if !ok {
		return ""
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	return sel.Sel.Name
}

// typedRead turns resolve, func(ctx context.Context) (any, error) { return
// obj.Field, nil } (a read that cannot fail), into func() T { return
// obj.Field }, T being the type of the value marshal, func(ctx, selections,
// v T) graphql.Marshaler, takes. It reports false for any other shape.
func typedRead(resolve, marshal ast.Expr) (*ast.FuncLit, bool) {
	lit, ok := resolve.(*ast.FuncLit)
	if !ok || len(lit.Body.List) != 1 {
		return nil, false
	}
	ret, ok := lit.Body.List[0].(*ast.ReturnStmt)
	if !ok || len(ret.Results) != 2 || !isNil(ret.Results[1]) {
		return nil, false
	}
	sel, ok := ret.Results[0].(*ast.SelectorExpr)
	if !ok || !isIdent(sel.X, "obj") {
		return nil, false
	}
	m, ok := marshal.(*ast.FuncLit)
	if !ok || len(m.Type.Params.List) != 3 || len(m.Type.Params.List[2].Names) != 1 {
		return nil, false
	}
	// The new type sits where the old signature was, on one line.
	pos := lit.Type.Func
	typ, ok := cloneTypeAt(m.Type.Params.List[2].Type, pos)
	if !ok {
		return nil, false
	}
	return &ast.FuncLit{
		Type: &ast.FuncType{
			Func:    pos,
			Params:  &ast.FieldList{Opening: pos, Closing: pos},
			Results: &ast.FieldList{List: []*ast.Field{{Type: typ}}},
		},
		Body: &ast.BlockStmt{
			Lbrace: lit.Body.Lbrace,
			List:   []ast.Stmt{&ast.ReturnStmt{Return: ret.Return, Results: []ast.Expr{sel}}},
			Rbrace: lit.Body.Rbrace,
		},
	}, true
}

// cloneTypeAt copies a type expression of the shapes gqlgen's marshallers
// take (names, qualified names, pointers, slices, maps, generic types of
// one argument), every position
// set to pos.
func cloneTypeAt(e ast.Expr, pos token.Pos) (ast.Expr, bool) {
	switch t := e.(type) {
	case *ast.Ident:
		return &ast.Ident{Name: t.Name, NamePos: pos}, true
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		if !ok {
			return nil, false
		}
		return selector(x.Name, t.Sel.Name, pos), true
	case *ast.StarExpr:
		x, ok := cloneTypeAt(t.X, pos)
		return &ast.StarExpr{Star: pos, X: x}, ok
	case *ast.ArrayType:
		if t.Len != nil {
			return nil, false
		}
		elt, ok := cloneTypeAt(t.Elt, pos)
		return &ast.ArrayType{Lbrack: pos, Elt: elt}, ok
	case *ast.MapType:
		k, okK := cloneTypeAt(t.Key, pos)
		v, okV := cloneTypeAt(t.Value, pos)
		return &ast.MapType{Map: pos, Key: k, Value: v}, okK && okV
	case *ast.IndexExpr: // one type argument: entgql.Cursor[int]
		x, okX := cloneTypeAt(t.X, pos)
		i, okI := cloneTypeAt(t.Index, pos)
		return &ast.IndexExpr{X: x, Lbrack: pos, Index: i, Rbrack: pos}, okX && okI
	}
	return nil, false
}

func isNil(e ast.Expr) bool { return isIdent(e, "nil") }

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
