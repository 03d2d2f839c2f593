package graph_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqltest"
)

// A page with edges gets its pageInfo from the extra row it loads; only
// totalCount, or pageInfo without rows, costs a COUNT statement.
func TestPageInfoWithoutCount(t *testing.T) {
	s := gqltest.New(t)
	buildTree(t, s.Client, 0) // 8 regions
	type page struct {
		Regions struct {
			TotalCount int
			Edges      []struct{ Node struct{ Code string } }
			PageInfo   struct {
				HasNextPage, HasPreviousPage bool
				EndCursor                    *string
			}
		}
	}
	cases := []struct {
		name, query          string
		statements           int64
		rows, total          int
		hasNext, hasPrevious bool
	}{
		{"first page", `{ regions(first: 3) { edges { node { code } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, 1, 3, 0, true, false},
		{"whole table", `{ regions(first: 8) { edges { node { code } } pageInfo { hasNextPage hasPreviousPage } } }`, 1, 8, 0, false, false},
		{"last page", `{ regions(last: 3) { edges { node { code } } pageInfo { hasNextPage hasPreviousPage } } }`, 1, 3, 0, false, true},
		{"with totalCount", `{ regions(first: 3) { totalCount edges { node { code } } pageInfo { hasNextPage } } }`, 2, 3, 8, true, false},
		{"pageInfo alone", `{ regions(first: 3) { pageInfo { hasNextPage hasPreviousPage } } }`, 1, 0, 0, true, false},
		{"empty page", `{ regions(first: 0) { edges { node { code } } pageInfo { hasNextPage } } }`, 1, 0, 0, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			n := s.Count(func() { resp = s.Do(t, tc.query, nil) })
			var got page
			resp.Decode(t, &got)
			r := got.Regions
			if n != tc.statements || len(r.Edges) != tc.rows || r.TotalCount != tc.total ||
				r.PageInfo.HasNextPage != tc.hasNext || r.PageInfo.HasPreviousPage != tc.hasPrevious {
				t.Fatalf("%d statements (want %d), %d rows (want %d), totalCount %d (want %d), hasNext %v (want %v), hasPrevious %v (want %v)\n%s",
					n, tc.statements, len(r.Edges), tc.rows, r.TotalCount, tc.total, r.PageInfo.HasNextPage, tc.hasNext, r.PageInfo.HasPreviousPage, tc.hasPrevious, resp.Body)
			}
		})
	}
}
