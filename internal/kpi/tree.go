package kpi

import (
	"context"
	"fmt"

	entsql "entgo.io/ent/dialect/sql"
)

// tree is the region hierarchy, loaded once per evaluation (a province has a
// few thousand regions). KPI rows are keyed by the lowest region an
// institution, survey or subdistrict belongs to; the tree rolls them up.
type tree struct {
	parent map[int]int    // 0 for roots
	level  map[int]string // PROVINCE, CITY, DISTRICT, SUBDISTRICT
	kids   map[int][]int
}

func (r *runner) loadTree(ctx context.Context) (*tree, error) {
	t := &tree{parent: map[int]int{}, level: map[int]string{}, kids: map[int][]int{}}
	err := r.query(ctx, "SELECT id, parent_id, level FROM regions ORDER BY id", nil, func(rows *entsql.Rows) error {
		var (
			id     int
			parent entsql.NullInt64
			level  string
		)
		if err := rows.Scan(&id, &parent, &level); err != nil {
			return err
		}
		t.parent[id] = int(parent.Int64)
		t.level[id] = level
		if parent.Valid {
			t.kids[int(parent.Int64)] = append(t.kids[int(parent.Int64)], id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: load regions: %w", err)
	}
	return t, nil
}

// has reports whether id is a region.
func (t *tree) has(id int) bool { _, ok := t.level[id]; return ok }

// ancestors returns id and its ancestors, nearest first.
func (t *tree) ancestors(id int) []int {
	var out []int
	for seen := 0; id != 0 && seen < 64; seen++ { // 64 guards against a cycle in bad data
		out = append(out, id)
		id = t.parent[id]
	}
	return out
}

// rollup maps a row's lowest region to the requested regions that contain
// it, memoised per region.
type rollup struct {
	t         *tree
	requested map[int]bool
	memo      map[int][]int
}

func newRollup(t *tree, requested []int) *rollup {
	req := make(map[int]bool, len(requested))
	for _, id := range requested {
		req[id] = true
	}
	return &rollup{t: t, requested: req, memo: map[int][]int{}}
}

// targets lists the requested regions containing region (itself included).
func (r *rollup) targets(region int) []int {
	if out, ok := r.memo[region]; ok {
		return out
	}
	var out []int
	for _, a := range r.t.ancestors(region) {
		if r.requested[a] {
			out = append(out, a)
		}
	}
	r.memo[region] = out
	return out
}

// childOf returns the child of root on the path to region (itself when
// region is a child of root), or 0 when region is not below root.
func (t *tree) childOf(root, region int) int {
	prev := 0
	for _, a := range t.ancestors(region) {
		if a == root {
			return prev
		}
		prev = a
	}
	return 0
}

// subdistricts returns the SUBDISTRICT regions in root's subtree, root included.
func (t *tree) subdistricts(root int) []int {
	var out []int
	var walk func(int, int)
	walk = func(id, depth int) {
		if depth > 64 {
			return
		}
		if t.level[id] == "SUBDISTRICT" {
			out = append(out, id)
		}
		for _, k := range t.kids[id] {
			walk(k, depth+1)
		}
	}
	walk(root, 0)
	return out
}
