package graph_test

import (
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/tuoyu/tuoyu/graph"
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
