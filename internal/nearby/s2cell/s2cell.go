// Package s2cell turns coordinates into S2 cell IDs and a search circle
// into cell-ID ranges. It is the spatial index of nearbyInstitutions: each
// institution stores the leaf cell of its coordinates (an indexed int64),
// and a circle becomes a few ranges of that column, on PostgreSQL and
// SQLite alike. It imports nothing of ent, so the schema hook can use it.
package s2cell

import (
	"math"

	"github.com/golang/geo/s1"
	"github.com/golang/geo/s2"
)

// EarthRadiusMeters is the mean Earth radius used for distances.
const EarthRadiusMeters = 6371008.8

// ID returns the leaf (level 30) cell of the point as the stored int64: the
// cell's uint64 bits reinterpreted. Cells of one face share a sign, and a
// covering cell never spans faces, so each search range stays ordered.
func ID(lat, lng float64) int64 {
	return int64(s2.CellIDFromLatLng(s2.LatLngFromDegrees(lat, lng)))
}

// Range is an inclusive range of stored cell IDs.
type Range struct{ Min, Max int64 }

// Cover returns the ranges of leaf-cell IDs that cover the circle of
// radiusMeters around (lat, lng). The covering is a superset: callers
// filter candidates by exact distance. At most 16 cells, merged where
// adjacent, keep the query to a handful of index range scans.
func Cover(lat, lng, radiusMeters float64) []Range {
	center := s2.PointFromLatLng(s2.LatLngFromDegrees(lat, lng))
	c := s2.CapFromCenterAngle(center, s1.Angle(radiusMeters/EarthRadiusMeters))
	rc := &s2.RegionCoverer{MinLevel: 4, MaxLevel: 30, MaxCells: 16}
	union := rc.Covering(c)
	var out []Range
	for _, cell := range union {
		r := Range{int64(cell.RangeMin()), int64(cell.RangeMax())}
		// Adjacent cells of one face merge into one range.
		if n := len(out); n > 0 && out[n-1].Max+1 == r.Min && sameSign(out[n-1].Max, r.Min) {
			out[n-1].Max = r.Max
			continue
		}
		out = append(out, r)
	}
	return out
}

func sameSign(a, b int64) bool { return (a < 0) == (b < 0) }

// DistanceMeters is the great-circle distance between two points.
func DistanceMeters(lat1, lng1, lat2, lng2 float64) float64 {
	a := s2.LatLngFromDegrees(lat1, lng1)
	b := s2.LatLngFromDegrees(lat2, lng2)
	d := a.Distance(b).Radians() * EarthRadiusMeters
	if math.IsNaN(d) {
		return 0
	}
	return d
}
