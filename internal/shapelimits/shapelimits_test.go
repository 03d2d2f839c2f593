package shapelimits_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tuoyu/tuoyu/internal/shapelimits"
)

func TestCheckOnUnvalidatedDocuments(t *testing.T) {
	// gqlparser's validator refuses fragment cycles before the limits run;
	// Check must still neither hang nor crash on them.
	tests := []struct {
		name, query, wantCode string
	}{
		{"self-recursive fragment", `{ ...A } fragment A on Query { a { ...A } }`, shapelimits.CodeDepth},
		{"mutual recursion", `{ ...A } fragment A on Query { a { ...B } } fragment B on Query { b { ...A } }`, shapelimits.CodeDepth},
		{"recursion without fields", `{ ...A } fragment A on Query { ...A }`, shapelimits.CodeDepth},
		{"unknown fragment", `{ a ...Missing }`, ""},
		{"bomb of 2^60 does not overflow", fragmentBombRaw(60), shapelimits.CodeFields},
		{"aliases through a 2^40 bomb", aliasBombRaw(40), shapelimits.CodeAliases},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			var got string
			go func() {
				defer close(done)
				if e := shapelimits.Check(doc, doc.Operations[0], shapelimits.Limits{}); e != nil {
					got, _ = e.Extensions["code"].(string)
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Check hangs")
			}
			if got != tc.wantCode {
				t.Fatalf("code %q; want %q", got, tc.wantCode)
			}
		})
	}
}

func fragmentBombRaw(levels int) string {
	var b strings.Builder
	b.WriteString(`{ ...F0 }`)
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Query { x }", levels)
	return b.String()
}

func aliasBombRaw(levels int) string {
	var b strings.Builder
	b.WriteString(`{ x { ...F0 } }`)
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on T { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on T { y: z }", levels)
	return b.String()
}
