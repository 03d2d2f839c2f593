package kpi

import (
	"strconv"
	"sync"
)

// cell is one (indicator, point, region, group) numerator and denominator,
// and the distinct children behind them where they are counted apart
// (Query.Children).
type cell struct{ num, den, children float64 }

type cellKey struct {
	key    Key
	k      int // point index
	region int // requested region
	group  string
}

// acc accumulates fact rows, keyed by lowest region, into the requested
// regions that contain them. Children counted through several lowest
// regions (a child enrolled in two subdistricts) are counted once per
// requested region and group.
type acc struct {
	mu     sync.Mutex // facts run concurrently
	roll   *rollup
	dim    Dimension
	wanted map[Key]bool // facts serve several indicators; only these are kept
	cells  map[cellKey]*cell
	seen   map[cellKey]map[int]bool
	kids   map[cellKey]map[int]bool // addChildren's seen
}

func newAcc(roll *rollup, dim Dimension, keys []Key) *acc {
	wanted := make(map[Key]bool, len(keys))
	for _, k := range keys {
		wanted[k] = true
	}
	return &acc{roll: roll, dim: dim, wanted: wanted, cells: map[cellKey]*cell{}, seen: map[cellKey]map[int]bool{}, kids: map[cellKey]map[int]bool{}}
}

func (a *acc) cell(key cellKey) *cell {
	c := a.cells[key]
	if c == nil {
		c = &cell{}
		a.cells[key] = c
	}
	return c
}

// group maps a raw group value to the group reported for region: for
// CHILD_REGION the raw value is the child's residence region, reported as the
// child of the requested region that contains it ("" when outside it).
func (a *acc) group(region int, raw string) string {
	if a.dim != ChildRegion {
		return raw
	}
	residence, _ := strconv.Atoi(raw)
	if residence == region {
		return raw
	}
	if c := a.roll.t.childOf(region, residence); c != 0 {
		return strconv.Itoa(c)
	}
	return ""
}

// add adds num and den to every requested region containing lowest.
func (a *acc) add(key Key, k, lowest int, raw string, num, den float64) {
	if !a.wanted[key] {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.roll.targets(lowest) {
		c := a.cell(cellKey{key, k, r, a.group(r, raw)})
		c.num += num
		c.den += den
	}
}

// addChild is add for one child that appears under several lowest regions:
// each requested region counts it once.
func (a *acc) addChild(key Key, k, lowest int, raw string, child int, num, den float64) {
	if !a.wanted[key] {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.roll.targets(lowest) {
		ck := cellKey{key, k, r, a.group(r, raw)}
		if !firstSight(a.seen, ck, child) {
			continue
		}
		c := a.cell(ck)
		c.num += num
		c.den += den
	}
}

// addChildren adds distinct children behind key's pairs to every
// requested region containing lowest: n children found under lowest alone
// (child 0), or the one child child, which also appears under other lowest
// regions or groups and is counted once per requested region and group.
func (a *acc) addChildren(key Key, k, lowest int, raw string, child int, n float64) {
	if !a.wanted[key] {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.roll.targets(lowest) {
		ck := cellKey{key, k, r, a.group(r, raw)}
		if child != 0 && !firstSight(a.kids, ck, child) {
			continue
		}
		a.cell(ck).children += n
	}
}

// firstSight records child under ck in seen and reports whether it was not
// there yet.
func firstSight(seen map[cellKey]map[int]bool, ck cellKey, child int) bool {
	if seen[ck] == nil {
		seen[ck] = map[int]bool{}
	}
	if seen[ck][child] {
		return false
	}
	seen[ck][child] = true
	return true
}

// groups lists the groups present for (key, k, region), in first-seen order
// of the cells map keys sorted by the caller.
func (a *acc) groups(key Key, k, region int) []string {
	var out []string
	for ck := range a.cells {
		if ck.key == key && ck.k == k && ck.region == region {
			out = append(out, ck.group)
		}
	}
	return out
}
