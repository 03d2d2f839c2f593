package graph_test

import (
	"fmt"
	"testing"

	"github.com/tuoyu/tuoyu/graph"
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

// TestEveryOrderFieldPages: the end cursor of a first page, whatever the
// order field (text, enum, date, time, number), is accepted as after and
// gives the next page: the cursor checks of inputChecks refuse only what no
// order field produces.
func TestEveryOrderFieldPages(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	newPersonal(t, s.Client)
	schema := graph.NewSchema(graph.Deps{}).Schema()
	paged := 0
	for _, f := range schema.Query.Fields {
		order := f.Arguments.ForName("orderBy")
		if order == nil || f.Arguments.ForName("after") == nil {
			continue
		}
		orderType := schema.Types[order.Type.Name()]
		fieldEnum := schema.Types[orderType.Fields.ForName("field").Type.Name()]
		for _, v := range fieldEnum.EnumValues {
			query := fmt.Sprintf(`query($after: Cursor) { %s(first: 1, after: $after, orderBy: {field: %s, direction: DESC}) { edges { node { id } } pageInfo { endCursor } } }`, f.Name, v.Name)
			var first map[string]struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct{ EndCursor *string }
			}
			s.Do(t, query, nil).Decode(t, &first)
			page := first[f.Name]
			if page.PageInfo.EndCursor == nil {
				continue // no rows in this fixture
			}
			var next map[string]struct {
				Edges []struct{ Node struct{ ID string } }
			}
			s.Do(t, query, map[string]any{"after": *page.PageInfo.EndCursor}).Decode(t, &next)
			for _, e := range next[f.Name].Edges {
				if e.Node.ID == page.Edges[0].Node.ID {
					t.Errorf("%s by %s: the page after the first repeats %s", f.Name, v.Name, e.Node.ID)
				}
			}
			paged++
		}
	}
	if paged < 10 {
		t.Fatalf("only %d order fields had rows to page; the fixture no longer covers them", paged)
	}
}
