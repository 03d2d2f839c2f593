package graph

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
)

// Codes of operations refused before execution for their cost or rate.
// COMPLEXITY_LIMIT_EXCEEDED is gqlgen's name. (The shape limits' codes are
// internal/shapelimits'.)
const (
	CodeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"
	// CodeRateLimited is sent by internal/ratelimit (HTTP 429), the KPI
	// gate and the job queue; listed here with the other codes.
	CodeRateLimited = "RATE_LIMITED"
)

func init() {
	// A refusal before execution is a protocol error: HTTP 422 (400 with
	// Accept: application/graphql-response+json), like gqlgen's own parse
	// and validation errors. gqlgen registers none for its complexity
	// extension (whose "422" comment is not true without this).
	errcode.RegisterErrorType(CodeComplexity, errcode.KindProtocol)
}

// DefaultComplexityLimit is the default HandlerOptions.ComplexityLimit.
// With connections costing page size × item + 1 and every other field 1 +
// its children (gqlgen's default), the cost estimates rows × selected fields,
// and over-estimates: a connection selecting only totalCount is still charged
// a full page. Measured: the deepest path the graph pins (10 cities →
// districts → subdistricts → institutions with seats { totalCount }) costs
// 244,441; 100 institutions × 100 seats × 5 fields 70,401; three nested
// connections of 100 over 3,000,000. 500,000 (GitHub's per-call node limit,
// the security notes' upper anchor) admits the first two with room and
// refuses the third; lower it once bench/ has numbers.
const DefaultComplexityLimit = 500_000

// ConnectionComplexity is the cost of a Relay connection field: the page
// size (first or last, the larger if both; DefaultPageSize when neither)
// times the cost of one item's selection, plus one for the connection. This
// makes the complexity a node-count estimate: three nested connections of 100
// cost at least 100³.
func ConnectionComplexity(childComplexity int, first, last *int) int {
	n := DefaultPageSize
	switch {
	case first != nil && last != nil:
		n = max(*first, *last)
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return itemsComplexity(childComplexity, n)
}

// itemsComplexity is the cost of a field returning n items (a connection's
// page, Query.nodes' ids): n × item + 1, saturating rather than overflowing.
func itemsComplexity(childComplexity, n int) int {
	return satAdd(satMul(max(n, 0), max(childComplexity, 0)), 1)
}

// satAdd and satMul are + and × on non-negative costs, saturating at
// math.MaxInt: a cost is a bound to compare, and must not wrap around.
func satAdd(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// costedSchema gives every connection field (the same test as pageLimits:
// isConnection) ConnectionComplexity and Query.nodes listComplexity, and
// leaves every other field to the generated schema. NewHandler costs the
// schema through it, so a connection added to the schema is costed without
// anyone remembering to: the complexity limit cannot silently fall back to
// gqlgen's one-per-field default, under which 100×100×100 nested
// connections cost a few dozen.
type costedSchema struct{ graphql.ExecutableSchema }

func (s costedSchema) Complexity(ctx context.Context, typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	if c, ok := kpiComplexity(typeName, field, childComplexity, args); ok {
		return c, true
	}
	if def := s.Schema().Types[typeName]; def != nil {
		fd := def.Fields.ForName(field)
		if isConnection(fd) {
			return ConnectionComplexity(childComplexity, intArg(args["first"]), intArg(args["last"])), true
		}
		if fd != nil && def.Name == s.Schema().Query.Name && field == "nodes" {
			if ids, set := args["ids"]; set && ids != nil {
				return itemsComplexity(childComplexity, len(asList(ids))), true
			}
		}
	}
	return s.ExecutableSchema.Complexity(ctx, typeName, field, childComplexity, args)
}

// intArg reads an Int argument as ArgumentMap yields it (int64 from
// literals and coerced variables; other integer forms defensively).
func intArg(v any) *int {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case int32:
		n = int(x)
	case int64:
		n = int(max(min(x, math.MaxInt32), math.MinInt32))
	case float64:
		n = int(max(min(x, math.MaxInt32), math.MinInt32))
	default:
		return nil
	}
	return &n
}

// complexityLimit is gqlgen's FixedComplexityLimit computed over
// costedSchema; its errors carry COMPLEXITY_LIMIT_EXCEEDED and its stats are
// read with extension.GetComplexityStats as usual.
type complexityLimit struct{ *extension.ComplexityLimit }

func newComplexityLimit(limit int) complexityLimit {
	return complexityLimit{extension.FixedComplexityLimit(limit)}
}

func (c complexityLimit) Validate(es graphql.ExecutableSchema) error {
	return c.ComplexityLimit.Validate(costedSchema{es})
}
