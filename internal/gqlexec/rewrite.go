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
//
// It fails rather than return a half-rewritten executor: when the source has
// none of the calls (gqlgen's templates changed and this rewrite no longer
// applies), or when deferred groups are created but never processed (their
// paths would stay empty). Source it has already rewritten comes back
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
	var slices, groups, processed, alreadyRewritten int
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		switch {
		case isCall(call, graphqlName, "MarshalSliceConcurrently"):
			call.Fun = selector(pkgName, "MarshalSliceInOrder")
			slices++
		case isCall(call, graphqlName, "NewDeferredGroup"):
			call.Fun = selector(pkgName, "NewDeferredGroup")
			groups++
		case isCall(call, pkgName, "MarshalSliceInOrder"), isCall(call, pkgName, "NewDeferredGroup"):
			alreadyRewritten++
		case isMethodCall(call, "ProcessDeferredGroup") && len(call.Args) == 1:
			if arg, ok := call.Args[0].(*ast.CallExpr); ok && isCall(arg, pkgName, "WithPath") {
				alreadyRewritten++
				break
			}
			call.Args[0] = &ast.CallExpr{Fun: selector(pkgName, "WithPath"), Args: []ast.Expr{call.Args[0]}}
			processed++
		}
		return true
	})
	switch {
	case slices+groups+processed == 0 && alreadyRewritten > 0:
		return src, nil
	case slices == 0 || groups == 0:
		return nil, errors.New("found no graphql.MarshalSliceConcurrently or graphql.NewDeferredGroup call: gqlgen's generated code changed, so internal/gqlexec's rewrite must be checked against it")
	case processed == 0:
		return nil, fmt.Errorf("found %d deferred groups but no ProcessDeferredGroup call: gqlgen's generated code changed, so internal/gqlexec's rewrite must be checked against it", groups)
	}
	astutil.AddImport(fset, file, importPath)
	var out bytes.Buffer
	if err := format.Node(&out, fset, file); err != nil {
		return nil, fmt.Errorf("format %s: %w", filename, err)
	}
	return out.Bytes(), nil
}

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

func selector(pkg, name string) *ast.SelectorExpr {
	return &ast.SelectorExpr{X: ast.NewIdent(pkg), Sel: ast.NewIdent(name)}
}
