package geojson

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateBoundary(t *testing.T) {
	square := `[[123.1,41.7],[123.2,41.7],[123.2,41.8],[123.1,41.8],[123.1,41.7]]`
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"polygon", `{"type":"Polygon","coordinates":[` + square + `]}`, true},
		{"polygon with hole", `{"type":"Polygon","coordinates":[` + square + `,` + square + `]}`, true},
		{"multipolygon", `{"type":"MultiPolygon","coordinates":[[` + square + `],[` + square + `]]}`, true},
		{"altitude", `{"type":"Polygon","coordinates":[[[1,2,3],[2,2,3],[2,3,3],[1,2,3]]]}`, true},
		{"not json", `{"type":`, false},
		{"point", `{"type":"Point","coordinates":[123.1,41.7]}`, false},
		{"feature", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[` + square + `]}}`, false},
		{"open ring", `{"type":"Polygon","coordinates":[[[1,2],[2,2],[2,3],[1,3]]]}`, false},
		{"short ring", `{"type":"Polygon","coordinates":[[[1,2],[2,2],[1,2]]]}`, false},
		{"no rings", `{"type":"Polygon","coordinates":[]}`, false},
		{"empty multipolygon", `{"type":"MultiPolygon","coordinates":[]}`, false},
		{"latitude out of range", `{"type":"Polygon","coordinates":[[[1,95],[2,2],[2,3],[1,95]]]}`, false},
		{"longitude out of range", `{"type":"Polygon","coordinates":[[[181,2],[2,2],[2,3],[181,2]]]}`, false},
		{"one-element position", `{"type":"Polygon","coordinates":[[[1],[2,2],[2,3],[1]]]}`, false},
		{"strings", `{"type":"Polygon","coordinates":[[["a","b"],[2,2],[2,3],["a","b"]]]}`, false},
		{"too long", `{"type":"Polygon","coordinates":[` + strings.Repeat(" ", MaxBoundaryBytes) + square + `]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateBoundary(tt.in)
			if tt.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v; want ErrInvalid", err)
			}
			if err != nil && strings.Contains(err.Error(), "123.1") {
				t.Fatalf("message repeats the input: %v", err)
			}
		})
	}
}
