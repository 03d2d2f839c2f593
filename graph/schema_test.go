package graph_test

import (
	"flag"
	"os"
	"testing"

	"github.com/tuoyu/tuoyu/graph"
)

var update = flag.Bool("update", false, "rewrite golden files (schema.graphql) from the current code")

// TestSchemaGolden: the printed public schema is committed as
// schema.graphql and current, so every change to the API contract shows up
// in review. `go test ./graph -run TestSchemaGolden -update` refreshes it.
func TestSchemaGolden(t *testing.T) {
	got := graph.PrintSchema(graph.NewSchema(graph.Deps{}).Schema())
	const path = "../schema.graphql"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./graph -run TestSchemaGolden -update)", err)
	}
	if string(want) != got {
		t.Fatalf("schema.graphql is stale: run go test ./graph -run TestSchemaGolden -update and commit it")
	}
}
