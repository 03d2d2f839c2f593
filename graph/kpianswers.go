package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/answercache"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/metrics"
)

// newKPIAnswers keeps the responses of KPI-only queries while the data is
// unchanged (internal/answercache), where engine keeps its results: on
// PostgreSQL, reading the primary.
func newKPIAnswers(engine *kpi.Engine, loc *time.Location) *answercache.Extension {
	x := answercache.New(answercache.DefaultBytes, kpiOnly, engine.DataVersion, func(ctx context.Context) string {
		_, decided := privacy.DecisionFromContext(ctx)
		return kpiAnswerScope(auth.FromContext(ctx), decided, civil.Today(loc))
	})
	// Nothing kpiOnly admits is audited; should that change, a response
	// that recorded an audited read is still never kept.
	x.PerRequest = func(ctx context.Context) bool {
		c := audit.FromContext(ctx)
		return c == nil || c.RecordedAny()
	}
	x.Observe = metrics.ObserveKPIResponseCache
	return x
}

// kpiAnswerScope is what a KPI-only answer depends on besides the data and
// the request: the viewer's role (permission, small-cell suppression) and
// region (scope, row policies), whether trusted code decided the row
// policies beforehand (tests, the CLI), and today, from which the date
// arguments default. Not the principal: two BI keys of one region share
// answers.
func kpiAnswerScope(v *auth.Viewer, policiesDecided bool, today time.Time) string {
	return fmt.Sprintf("%s|%s|%d|%t|%s", v.Role, v.RegionCode, v.InstitutionID, policiesDecided, today.Format(time.DateOnly))
}

// kpiOnly reports whether a query computes indicators and selects nothing
// but indicators, regions (found by node, regions or subregions) with
// their plain fields, and targets: an answer that depends on the data, the
// request and kpiAnswerScope alone, audits nothing (no personal field is
// reachable: every other type is out) and writes nothing. The regulator's
// dashboard asks this way (a region's indicators and those of its
// subregions). @defer and @stream are out.
func kpiOnly(oc *graphql.OperationContext) bool {
	computes := false
	w := selectionWalker{doc: oc.Doc, seen: map[string]bool{}}
	plain := w.walk(oc.Operation.SelectionSet, func(f *ast.Field) bool {
		if f.Name == "__typename" {
			return true
		}
		if f.ObjectDefinition == nil || f.Definition == nil || f.Directives.ForName("defer") != nil || f.Directives.ForName("stream") != nil {
			return false
		}
		parent := f.ObjectDefinition.Name
		if kpiFields[parent][f.Name] {
			computes = true
			return true
		}
		switch parent {
		case "Query":
			// node's fields are checked by their type: only Region's pass.
			return f.Name == "indicatorCatalog" || f.Name == "node" || f.Name == "regions"
		case "IndicatorValue", "IndicatorGroup", "Indicator", "RegionConnection", "RegionEdge", "PageInfo":
			return true // their objects are checked in turn
		case "Region", "Target":
			// Scalars and enums (no selection), the region itself, or a
			// page of subregions.
			return f.Name == "subregions" ||
				len(f.Definition.Arguments) == 0 && (len(f.SelectionSet) == 0 || f.Definition.Type.Name() == "Region")
		}
		return false
	})
	return plain && computes
}
