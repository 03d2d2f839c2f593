// Package bulkload marks a context as a trusted bulk load (demo data, a
// validated import) so that ent hooks may skip cross-row checks that cost one
// query per row, such as the enrolment overlap and ban-list lookups. The
// loader must guarantee those rules itself; field validators still run.
package bulkload

import "context"

type key struct{}

// With returns ctx marked as a trusted bulk load.
func With(ctx context.Context) context.Context { return context.WithValue(ctx, key{}, true) }

// From reports whether ctx is a trusted bulk load.
func From(ctx context.Context) bool { v, _ := ctx.Value(key{}).(bool); return v }
