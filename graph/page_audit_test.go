package graph_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqltest"
)

// TestTypenamePageIsACountRead (README "Personal data: masking and
// audit"): a page of children, enrolments or health records whose edges
// select only __typename tells how many rows there are, as totalCount does,
// so it is recorded (field "edges", the page's IDs); a page that selects
// anything audited records that instead, with no "edges".
func TestTypenamePageIsACountRead(t *testing.T) {
	s := gqltest.New(t)
	f := newPersonal(t, s.Client)
	type row = auditRow
	for _, tc := range []struct {
		name, query string
		want        []row
	}{
		{"typename of the node and of the edge",
			`query CNT { children(first: 100) { edges { node { __typename } } } e: enrolments(last: 100) { edges { __typename } } }`,
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"edges"}}, {"Enrolment", sortedIDs(f.enrolA.ID), []string{"edges"}}}},
		{"through fragments, nested",
			`query N { institutions { edges { node { healthRecords { edges { ... on HealthRecordEdge { node { ... on Node { __typename } } } } } } } } }`,
			[]row{{"HealthRecord", sortedIDs(f.healthA.ID), []string{"edges"}}}},
		{"a field of the node records itself",
			`query I { children { edges { __typename node { ... on Child { id } } } } }`,
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"id"}}}},
		{"an edge's cursor records itself",
			`query C { children { edges { cursor } } }`,
			[]row{{"Child", sortedIDs(f.childA.ID), []string{"cursor"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(auditRows(t, s.Client))
			if resp := s.DoAs(t, f.staffOfA(), tc.query, nil); len(resp.Errors) > 0 {
				t.Fatal(resp.Body)
			}
			var got []row
			for _, r := range auditRows(t, s.Client)[before:] {
				got = append(got, auditRowOf(r))
			}
			slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.Entity, b.Entity) })
			if jsonOf(t, got) != jsonOf(t, tc.want) {
				t.Errorf("rows\n got %s\nwant %s", jsonOf(t, got), jsonOf(t, tc.want))
			}
		})
	}
}
