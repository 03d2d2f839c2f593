package db_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"

	"github.com/tuoyu/tuoyu/internal/db"
)

// TestRoutesListsEveryRoute: Routes has each Route constant of replica.go
// once, so the metric's pre-created series cannot drift from the values
// the router reports.
func TestRoutesListsEveryRoute(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "replica.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []db.Route
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Route" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("a Route constant that is not a string literal: %#v", v)
				}
				declared = append(declared, db.Route(lit.Value[1:len(lit.Value)-1]))
			}
		}
	}
	listed := db.Routes()
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) == 0 || !slices.Equal(declared, listed) {
		t.Errorf("Routes() = %v; replica.go declares %v", listed, declared)
	}
}
