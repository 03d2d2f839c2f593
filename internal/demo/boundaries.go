package demo

import (
	"encoding/json"
	"math"

	"github.com/tuoyu/tuoyu/ent/region"
)

// districtBoundaries gives every district an approximate outline so the
// dashboard can draw a choropleth: the Voronoi cell of its (synthetic)
// centre among its sibling districts, clipped to a box around them. The
// outlines are for display only and are described as approximate; they are
// not the real administrative boundaries.
func (g *gen) districtBoundaries() map[int]string {
	out := map[int]string{}
	for pi := range g.regions {
		var ds []int
		for _, c := range g.regions[pi].children {
			if g.regions[c].level == region.LevelDISTRICT {
				ds = append(ds, c)
			}
		}
		if len(ds) == 0 {
			continue
		}
		minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, d := range ds {
			r := g.regions[d]
			minX, maxX = math.Min(minX, r.lon), math.Max(maxX, r.lon)
			minY, maxY = math.Min(minY, r.lat), math.Max(maxY, r.lat)
		}
		const margin = 0.18
		box := [][2]float64{{minX - margin, minY - margin}, {maxX + margin, minY - margin}, {maxX + margin, maxY + margin}, {minX - margin, maxY + margin}}
		for _, d := range ds {
			cell := box
			p := g.regions[d]
			for _, o := range ds {
				if o == d {
					continue
				}
				q := g.regions[o]
				cell = clipHalfPlane(cell, [2]float64{p.lon, p.lat}, [2]float64{q.lon, q.lat})
			}
			if len(cell) < 3 {
				continue
			}
			ring := make([][2]float64, 0, len(cell)+1)
			for _, v := range cell {
				ring = append(ring, [2]float64{math.Round(v[0]*1e4) / 1e4, math.Round(v[1]*1e4) / 1e4})
			}
			ring = append(ring, ring[0])
			b, err := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
			if err == nil {
				out[d] = string(b)
			}
		}
	}
	return out
}

// clipHalfPlane keeps the part of the convex polygon poly that is closer to
// p than to q (Sutherland–Hodgman against the perpendicular bisector).
func clipHalfPlane(poly [][2]float64, p, q [2]float64) [][2]float64 {
	// Inside when (x - m)·(q - p) <= 0, m the midpoint of p and q.
	nx, ny := q[0]-p[0], q[1]-p[1]
	mx, my := (p[0]+q[0])/2, (p[1]+q[1])/2
	side := func(v [2]float64) float64 { return (v[0]-mx)*nx + (v[1]-my)*ny }
	var out [][2]float64
	for i := range poly {
		a, b := poly[i], poly[(i+1)%len(poly)]
		sa, sb := side(a), side(b)
		if sa <= 0 {
			out = append(out, a)
		}
		if (sa < 0 && sb > 0) || (sa > 0 && sb < 0) {
			t := sa / (sa - sb)
			out = append(out, [2]float64{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
		}
	}
	return out
}
