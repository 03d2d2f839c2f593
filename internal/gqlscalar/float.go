// Package gqlscalar gives GraphQL's built-in scalars the wire forms tuoyu
// wants where gqlgen's differ (bound in gqlgen.yml).
package gqlscalar

import (
	"context"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalFloat writes a Float as JavaScript's JSON.stringify does: plain
// decimals from 1e-7 up to 1e21, so a province's 3011395 residents read
// 3011395 rather than gqlgen's 3.011395e+06 (%g turns to exponents from a
// million), and exponents only beyond. Both are valid JSON; the plain form
// is what people and spreadsheets expect of counts. NaN and the infinities
// have no JSON form and are errors, as in gqlgen.
func MarshalFloat(f float64) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return errors.New("cannot marshal infinite or NaN float values")
		}
		_, err := w.Write(AppendFloat(nil, f))
		return err
	})
}

// UnmarshalFloat reads a Float argument as gqlgen does.
func UnmarshalFloat(ctx context.Context, v any) (float64, error) {
	return graphql.UnmarshalFloatContext(ctx, v)
}

// AppendFloat appends f's wire form to b.
func AppendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a == 0 || (a >= 1e-7 && a < 1e21) {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
