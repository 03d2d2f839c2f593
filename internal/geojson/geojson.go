// Package geojson validates the region boundaries that the map draws: a
// GeoJSON (RFC 7946) Polygon or MultiPolygon geometry in WGS-84 longitude,
// latitude order.
package geojson

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// MaxBoundaryBytes bounds a boundary's text: enough for a district outline
// simplified for display, small enough that a page of regions stays light.
const MaxBoundaryBytes = 512 << 10

// MaxPositions bounds the number of positions in one boundary.
const MaxPositions = 50000

// ErrInvalid is wrapped by every error of ValidateBoundary. Messages never
// repeat the submitted text.
var ErrInvalid = errors.New("not a GeoJSON Polygon or MultiPolygon")

type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// ValidateBoundary checks that s is a GeoJSON geometry object of type
// Polygon or MultiPolygon: every ring is closed, has at least four
// positions, and every position is [longitude, latitude] (an optional third
// element, altitude, is allowed) within range.
func ValidateBoundary(s string) error {
	if len(s) > MaxBoundaryBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalid, MaxBoundaryBytes)
	}
	var g geometry
	if err := json.Unmarshal([]byte(s), &g); err != nil {
		return fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	n := 0
	switch g.Type {
	case "Polygon":
		var rings [][][]float64
		if err := json.Unmarshal(g.Coordinates, &rings); err != nil {
			return fmt.Errorf("%w: Polygon coordinates must be an array of rings of [longitude, latitude] positions", ErrInvalid)
		}
		if err := checkPolygon(rings, &n); err != nil {
			return err
		}
	case "MultiPolygon":
		var polys [][][][]float64
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			return fmt.Errorf("%w: MultiPolygon coordinates must be an array of polygons", ErrInvalid)
		}
		if len(polys) == 0 {
			return fmt.Errorf("%w: MultiPolygon has no polygon", ErrInvalid)
		}
		for _, p := range polys {
			if err := checkPolygon(p, &n); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%w: type must be Polygon or MultiPolygon", ErrInvalid)
	}
	return nil
}

func checkPolygon(rings [][][]float64, n *int) error {
	if len(rings) == 0 {
		return fmt.Errorf("%w: a polygon needs an outer ring", ErrInvalid)
	}
	for _, ring := range rings {
		if len(ring) < 4 {
			return fmt.Errorf("%w: a ring needs at least 4 positions", ErrInvalid)
		}
		*n += len(ring)
		if *n > MaxPositions {
			return fmt.Errorf("%w: more than %d positions", ErrInvalid, MaxPositions)
		}
		for _, p := range ring {
			if len(p) < 2 || len(p) > 3 {
				return fmt.Errorf("%w: a position is [longitude, latitude]", ErrInvalid)
			}
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
				return fmt.Errorf("%w: a position is out of range", ErrInvalid)
			}
		}
		first, last := ring[0], ring[len(ring)-1]
		if first[0] != last[0] || first[1] != last[1] {
			return fmt.Errorf("%w: a ring must end where it starts", ErrInvalid)
		}
	}
	return nil
}
