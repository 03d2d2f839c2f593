package graph_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/gqltest"
)

// TestREADMEExamplesValidate keeps the README's GraphQL examples true to
// the schema: every ```graphql block must parse and validate (fields,
// arguments, enum values, input fields, variables) as the server would
// validate it. A renamed field or enum value fails here instead of in a
// reader's first query. (That they run on the demo is what the examples
// themselves promise; the GraphiQL tabs, which are run, are
// internal/httpapi's ExampleTabs.)
func TestREADMEExamplesValidate(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := fencedBlocks(string(readme), "graphql")
	if len(blocks) < 5 {
		t.Fatalf("found %d graphql blocks in README.md; the extraction is broken", len(blocks))
	}
	schema := graph.NewSchema(graph.Deps{}).Schema()
	for _, b := range blocks {
		if _, errs := gqlparser.LoadQueryWithRules(schema, b.text, rules.NewDefaultRules()); len(errs) > 0 {
			t.Errorf("README.md:%d: %v\n%s", b.line, errs, b.text)
		}
	}
}

type fencedBlock struct {
	line int // of the opening fence
	text string
}

// fencedBlocks returns the bodies of the ```lang blocks of a Markdown text.
func fencedBlocks(md, lang string) []fencedBlock {
	var out []fencedBlock
	var cur *fencedBlock
	var body []string
	for i, l := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(l) == "```"+lang:
			cur, body = &fencedBlock{line: i + 1}, nil
		case cur != nil && strings.TrimSpace(l) == "```":
			cur.text = strings.Join(body, "\n")
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body = append(body, l)
		}
	}
	return out
}

// TestREADMEQueriesRun runs the README's example queries (not its
// mutations, whose IDs are the demo's) as a province regulator on a small
// world, with their variables bound to its regions: each must answer
// without an error, so an example that validates but is refused (a wrong
// level, an argument out of range) fails here too.
func TestREADMEQueriesRun(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	bound := map[string]string{"region": nodeID(f.province.ID), "city": nodeID(f.city.ID)}
	schema := graph.NewSchema(graph.Deps{}).Schema()
	ran := 0
	for _, b := range fencedBlocks(string(readme), "graphql") {
		doc, errs := gqlparser.LoadQueryWithRules(schema, b.text, rules.NewDefaultRules())
		if len(errs) > 0 || len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
			continue // invalid ones fail TestREADMEExamplesValidate; mutations are not run
		}
		vars := map[string]any{}
		for _, v := range doc.Operations[0].VariableDefinitions {
			id, ok := bound[v.Variable]
			if !ok {
				t.Fatalf("README.md:%d: variable $%s has no value here: bind it in this test", b.line, v.Variable)
			}
			vars[v.Variable] = id
		}
		if resp := s.DoAs(t, provinceViewer, b.text, vars); len(resp.Errors) > 0 || resp.Status != http.StatusOK {
			t.Errorf("README.md:%d: %d %s", b.line, resp.Status, resp.Body)
		}
		ran++
	}
	if ran < 4 {
		t.Fatalf("ran %d README queries; the extraction is broken", ran)
	}
}
