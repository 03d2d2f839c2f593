package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/shapelimits"
)

// regulator is a viewer allowed to introspect.
var regulator = auth.Viewer{Subject: "reg-1", Role: auth.ProvinceRegulator, RegionCode: "210000"}

// parentChain returns a query of exactly depth d (d ≥ 3): regions → (edges
// → node: connection plumbing, no level) → parent × (d-2) → id.
func parentChain(d int) string {
	return `{ regions(first: 1) { edges { node { ` + strings.Repeat("parent { ", d-2) + "id" + strings.Repeat(" }", d-2) + ` } } } }`
}

// parents returns n nested parent selections around inner.
func parents(n int, inner string) string {
	return strings.Repeat("parent { ", n) + inner + strings.Repeat(" }", n)
}

// aliases returns n aliased totalCount fields.
func aliases(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: totalCount ", i)
	}
	return b.String()
}

// rootKeys returns n distinct top-level keys (aliases of __typename).
func rootKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d: __typename ", i)
	}
	return b.String()
}

// fragmentBomb returns a document whose fragment F0 spreads F1 twice, F1
// spreads F2 twice, …: levels levels, 2^levels expansions of the leaf, in a
// few hundred bytes and no extra depth.
func fragmentBomb(levels int) string {
	var b strings.Builder
	b.WriteString(`{ regions(first: 1) { edges { node { ...F0 } } } }`)
	for i := range levels {
		fmt.Fprintf(&b, " fragment F%d on Region { ...F%d ...F%d }", i, i+1, i+1)
	}
	fmt.Fprintf(&b, " fragment F%d on Region { id code name }", levels)
	return b.String()
}

func TestOperationLimits(t *testing.T) {
	s := gqltest.New(t, gqltest.As(regulator))
	buildTree(t, s.Client, 2)
	l := shapelimits.Defaults
	d := l.Depth
	tests := []struct {
		name     string
		query    string
		wantCode string // "" = must run without errors
	}{
		// Depth: at the limit passes, one more is refused, however the
		// levels are spelled.
		{"depth at limit", parentChain(d), ""},
		{"depth over limit", parentChain(d + 1), shapelimits.CodeDepth},
		{"depth over limit through a named fragment",
			`{ regions(first: 1) { edges { node { ...P } } } } fragment P on Region { ` + parents(d-1, "id") + ` }`, shapelimits.CodeDepth},
		{"depth at limit through a named fragment",
			`{ regions(first: 1) { edges { node { ...P } } } } fragment P on Region { ` + parents(d-2, "id") + ` }`, ""},
		{"depth over limit through inline fragments",
			`{ regions(first: 1) { edges { node { ... on Region { ` + parents(d-1, "... on Region { id }") + ` } } } } }`, shapelimits.CodeDepth},
		{"depth over limit through chained fragments",
			`{ regions(first: 1) { edges { node { ...A } } } }
			 fragment A on Region { parent { ...B } }
			 fragment B on Region { parent { ...C } }
			 fragment C on Region { ` + parents(d-3, "id") + ` }`, shapelimits.CodeDepth},
		// The fragment is measured once but counted where it is used: the
		// shallow use must not hide the deep one (graphql-armor's
		// "max-depth bypass using fragment cache").
		{"cached fragment reused deeper",
			`{ regions(first: 1) { edges { node { ...P ` + parents(4, "...P") + ` } } } } fragment P on Region { ` + parents(d-5, "id") + ` }`, shapelimits.CodeDepth},
		{"recursive fragment", `{ regions(first: 1) { edges { node { ...R } } } } fragment R on Region { parent { ...R } }`, "GRAPHQL_VALIDATION_FAILED"},

		// Aliases: every alias anywhere, counted where fragments are used.
		{"aliases at limit", `{ regions(first: 1) { ` + aliases(l.Aliases) + `} }`, ""},
		{"aliases over limit", `{ regions(first: 1) { ` + aliases(l.Aliases+1) + `} }`, shapelimits.CodeAliases},
		{"aliases in a fragment used twice",
			`{ regions(first: 1) { ...A edges { node { institutions(first: 1) { ...B } } } } }
			 fragment A on RegionConnection { ` + aliases(l.Aliases/2+1) + ` }
			 fragment B on InstitutionConnection { ` + aliases(l.Aliases/2) + ` }`, shapelimits.CodeAliases},
		{"aliases in a fragment spread twice at the limit",
			`{ regions(first: 1) { ...A edges { node { institutions(first: 1) { ...B } } } } }
			 fragment A on RegionConnection { ` + aliases(l.Aliases/2) + ` }
			 fragment B on InstitutionConnection { ` + aliases(l.Aliases/2) + ` }`, ""},

		// Root fields: distinct top-level response keys.
		{"root fields at limit", `{ ` + rootKeys(l.RootFields) + `}`, ""},
		{"root fields over limit", `{ ` + rootKeys(l.RootFields+1) + `}`, shapelimits.CodeRootFields},
		{"root fields over limit through a fragment", `{ __typename ...Q } fragment Q on Query { ` + rootKeys(l.RootFields) + ` }`, shapelimits.CodeRootFields},
		{"repeated root key counts once", `{ ` + strings.Repeat("__typename ", 40) + `}`, ""},

		// Directives.
		{"directives at limit", `{ regions(first: 1) { ` + strings.Repeat("totalCount @include(if: true) ", l.Directives) + `} }`, ""},
		{"directives over limit", `{ regions(first: 1) { ` + strings.Repeat("totalCount @include(if: true) ", l.Directives+1) + `} }`, shapelimits.CodeDirectives},
		{"directives over limit via fragment spreads",
			`{ regions(first: 1) { ` + strings.Repeat("...C @skip(if: false) ", l.Directives/2+1) + `} } fragment C on RegionConnection { totalCount @include(if: true) }`, shapelimits.CodeDirectives},
		{"unknown directive flood (CVE-2023-49559 shape, under the token limit)", `{ __typename ` + strings.Repeat("@a ", 5000) + `}`, "GRAPHQL_VALIDATION_FAILED"},
		{"directive flood over the token limit", `{ __typename ` + strings.Repeat("@a ", 20000) + `}`, "GRAPHQL_PARSE_FAILED"},

		// Fields with fragments expanded: a fragment bomb of 2^20 expansions
		// in a few hundred bytes.
		{"fragment bomb", fragmentBomb(20), shapelimits.CodeFields},
		{"small fragment fan-out passes", fragmentBomb(3), ""},

		// Complexity: three nested connections of 100 (the depth is fine).
		{"complexity bomb 100×100×100",
			`{ regions(first: 100) { edges { node { institutions(first: 100) { edges { node { seats(first: 100) { edges { node { id } } } } } } } } } }`, graph.CodeComplexity},
		{"complexity of a pinned nested path passes",
			`{ regions(first: 10, where: {level: CITY}) { edges { node { name
			  subregions(first: 10) { edges { node { name
			    subregions(first: 10) { edges { node { name
			      institutions(first: 10) { edges { node { name seats { totalCount } } } }
			    } } } } } } } } } }`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			statements := s.Count(func() { resp = s.Do(t, tc.query, nil) })
			if tc.wantCode == "" {
				if len(resp.Errors) > 0 {
					t.Fatalf("errors: %s", resp.Body)
				}
				return
			}
			codes := resp.Codes()
			if len(codes) == 0 || codes[0] != tc.wantCode || len(codes) > 101 {
				t.Fatalf("%d errors, first %.300s; want %s", len(codes), resp.Body, tc.wantCode)
			}
			for _, c := range codes {
				if c != tc.wantCode {
					t.Fatalf("mixed codes: %.300s", resp.Body)
				}
			}
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d; want 422", resp.Status)
			}
			if statements != 0 {
				t.Errorf("a refused operation ran %d SQL statements", statements)
			}
			if strings.Contains(resp.Body, `"data":{`) {
				t.Errorf("a refused operation returned data: %.200s", resp.Body)
			}
		})
	}
	// The server still serves after every refusal.
	var ok struct{ Regions struct{ TotalCount int } }
	s.Do(t, `{ regions { totalCount } }`, nil).Decode(t, &ok)
	if ok.Regions.TotalCount == 0 {
		t.Fatal("no regions after the refusals")
	}
}

func TestConfiguredLimits(t *testing.T) {
	// The numbers of the security notes, set explicitly: depth 10 vs 11,
	// aliases 30 vs 31.
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{Limits: shapelimits.Limits{Depth: 10, Aliases: 30}, ComplexityLimit: 1000}))
	for _, tc := range []struct {
		query, wantCode string
	}{
		{parentChain(10), ""},
		{parentChain(11), shapelimits.CodeDepth},
		{`{ regions(first: 1) { ` + aliases(30) + `} }`, ""},
		{`{ regions(first: 1) { ` + aliases(31) + `} }`, shapelimits.CodeAliases},
		{`{ regions(first: 100) { edges { node { institutions(first: 10) { totalCount } } } } }`, graph.CodeComplexity},
	} {
		var resp gqltest.Response
		n := s.Count(func() { resp = s.Do(t, tc.query, nil) })
		if got := strings.Join(resp.Codes(), ","); got != tc.wantCode || (tc.wantCode != "" && n != 0) {
			t.Errorf("%.60s…: codes %q, %d statements; want %q", tc.query, got, n, tc.wantCode)
		}
	}
}

// TestIntrospectionQueryWithinLimits runs GraphiQL's own schema query. Its
// depth is 15 (__schema → types → fields → args → type → TypeRef with nine
// nested ofType → name), so it passes only because introspection subtrees
// are left out of depth (Limits.Depth); it has no aliases or directives and
// 227 fields with fragments expanded (Limits.Fields: 2,000).
func TestIntrospectionQueryWithinLimits(t *testing.T) {
	doc, err := parser.ParseQuery(&ast.Source{Input: graphiqlIntrospectionQuery})
	if err != nil {
		t.Fatal(err)
	}
	if e := shapelimits.Check(doc, doc.Operations[0], shapelimits.Limits{}); e != nil {
		t.Fatalf("shapelimits.Check: %v", e)
	}
	for _, tc := range []struct {
		limits shapelimits.Limits
		code   string
	}{
		{shapelimits.Limits{Fields: 227}, ""},
		{shapelimits.Limits{Fields: 226}, shapelimits.CodeFields},
		{shapelimits.Limits{Depth: 1}, ""},
	} {
		var got string
		if e := shapelimits.Check(doc, doc.Operations[0], tc.limits); e != nil {
			got, _ = e.Extensions["code"].(string)
		}
		if got != tc.code {
			t.Errorf("%+v: code %q; want %q", tc.limits, got, tc.code)
		}
	}
	s := gqltest.New(t)
	resp := s.DoAs(t, regulator, graphiqlIntrospectionQuery, nil)
	if len(resp.Errors) > 0 || !strings.Contains(resp.Body, `"queryType":{"name":"Query"`) {
		t.Fatalf("introspection as a regulator: %.500s", resp.Body)
	}
}

func TestConnectionComplexity(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		child       int
		first, last *int
		want        int
	}{
		{5, nil, nil, graph.DefaultPageSize*5 + 1},
		{5, n(10), nil, 51},
		{5, nil, n(3), 16},
		{5, n(2), n(7), 36},
		{5, n(0), nil, 1},
		{5, n(-4), nil, 1},
		{1 << 62, n(100), nil, int(^uint(0) >> 1)},
	}
	for _, tc := range tests {
		if got := graph.ConnectionComplexity(tc.child, tc.first, tc.last); got != tc.want {
			t.Errorf("ConnectionComplexity(%d, %v, %v) = %d; want %d", tc.child, tc.first, tc.last, got, tc.want)
		}
	}
}

// graphiqlIntrospectionQuery is the schema query GraphiQL 4 sends:
// getIntrospectionQuery({inputValueDeprecation: true, schemaDescription: true})
// of graphql-js 16 (internal/graphiql/web), verbatim.
const graphiqlIntrospectionQuery = `
    query IntrospectionQuery {
      __schema {
        description
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types {
          ...FullType
        }
        directives {
          name
          description
          
          
          
          locations
          args(includeDeprecated: true) {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      
      
      fields(includeDeprecated: true) {
        name
        description
        args(includeDeprecated: true) {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields(includeDeprecated: true) {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      isDeprecated
      deprecationReason
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        name
        kind
        ofType {
          name
          kind
          ofType {
            name
            kind
            ofType {
              name
              kind
              ofType {
                name
                kind
                ofType {
                  name
                  kind
                  ofType {
                    name
                    kind
                    ofType {
                      name
                      kind
                      ofType {
                        name
                        kind
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  `
