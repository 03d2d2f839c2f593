package gqlscalar_test

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqlscalar"
)

func TestFloatWireForm(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{3011395, "3011395"},
		{43000000, "43000000"},
		{4.52, "4.52"},
		{-0.125, "-0.125"},
		{math.Nextafter(0.3, 1), "0.30000000000000004"},
		{1e-7, "0.0000001"},
		{1e-8, "1e-08"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if err := gqlscalar.MarshalFloat(tc.in).MarshalGQLContext(context.Background(), &b); err != nil || b.String() != tc.want {
			t.Errorf("MarshalFloat(%v) = %q, %v; want %q", tc.in, b.String(), err, tc.want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var b bytes.Buffer
		if err := gqlscalar.MarshalFloat(bad).MarshalGQLContext(context.Background(), &b); err == nil || b.Len() != 0 {
			t.Errorf("MarshalFloat(%v) wrote %q, %v; want an error and nothing written", bad, b.String(), err)
		}
	}
}
