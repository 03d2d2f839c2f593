package persisted_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/persisted"
)

func TestLoadAllowList(t *testing.T) {
	const q1, q2 = `{ regions(first: 1) { totalCount } }`, `query Two { __typename }`
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	good := map[string]string{
		"map": write("map.json", js(map[string]string{persisted.Hash(q1): q1, strings.ToUpper(persisted.Hash(q2)): q2})),
		"apollo manifest": write("manifest.json", js(map[string]any{
			"format": "apollo-persisted-query-manifest", "version": 1,
			"operations": []map[string]any{{"id": persisted.Hash(q1), "body": q1, "name": "One", "type": "query"}, {"id": persisted.Hash(q2), "body": q2, "name": "Two", "type": "query"}},
		})),
	}
	for name, path := range good {
		l, err := persisted.LoadAllowList(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(l) != 2 || l[persisted.Hash(q1)] != q1 || l[persisted.Hash(q2)] != q2 {
			t.Fatalf("%s: %v", name, l)
		}
	}
	bad := map[string]string{
		"hash of another query": write("bad-hash.json", js(map[string]string{persisted.Hash(q1): q2})),
		"manifest with a bad id": write("bad-manifest.json", js(map[string]any{
			"format": "apollo-persisted-query-manifest", "operations": []map[string]any{{"id": persisted.Hash(q2), "body": q1}},
		})),
		"unknown format": write("format.json", `{"format": "relay", "operations": []}`),
		"not JSON":       write("garbage.json", `{{`),
		"array":          write("array.json", `["`+q1+`"]`),
		"missing file":   filepath.Join(dir, "nope.json"),
	}
	for name, path := range bad {
		if _, err := persisted.LoadAllowList(path); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestOperationNames(t *testing.T) {
	l := persisted.NewAllowList(`query One { a } query Two { b }`, `{ anonymous }`, `mutation Three { c }`, `not a document {`)
	got := l.OperationNames()
	slices.Sort(got)
	if want := []string{"One", "Three", "Two"}; !slices.Equal(got, want) {
		t.Fatalf("OperationNames() = %v; want %v", got, want)
	}
}
