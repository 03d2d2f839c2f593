package graph

import (
	"math"
	"reflect"
	"time"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// The cost of KPI fields in the complexity model: per region, each stock
// indicator costs KPIStockCost and each period indicator KPIPeriodMonthCost
// per month (begun) of its period; a series costs its whole range; a
// ranking evaluates about KPIRankingRegions regions. With the default
// complexity limit (500,000), the 14-indicator dashboard over 100 districts
// fits for periods up to a few years, a 5-year period of one indicator over
// 500 regions does not.
const (
	KPIStockCost       = 10
	KPIPeriodMonthCost = 20
	KPIRankingRegions  = 100
)

// kpiFields are the fields that evaluate indicators, by type.
var kpiFields = map[string]map[string]bool{
	"Query":  {"indicatorValues": true, "indicatorBreakdown": true, "indicatorSeries": true, "indicatorRanking": true},
	"Region": {"indicator": true, "indicators": true},
}

// kpiComplexity is the cost of a KPI field from its raw arguments (values
// as inputChecks left them; dates as text); ok false for other fields.
func kpiComplexity(typeName, field string, childComplexity int, args map[string]any) (int, bool) {
	if !kpiFields[typeName][field] {
		return 0, false
	}
	var keys []kpi.Key
	if k, set := args["keys"]; set && k != nil {
		for _, x := range asList(k) {
			if s, ok := x.(string); ok {
				keys = append(keys, kpi.Key(s))
			}
		}
	} else if _, ok := args["key"]; !ok { // Region.indicators without keys: all of them
		keys = schematype.IndicatorKeys
	}
	if s, ok := args["key"].(string); ok {
		keys = append(keys, kpi.Key(s))
	}
	regions := 1
	switch field {
	case "indicatorValues":
		if ids, set := args["regionIDs"]; set && ids != nil {
			regions = max(len(asList(ids)), 1)
		}
	case "indicatorRanking":
		regions = KPIRankingRegions
	}
	months := spanMonths(args["from"], args["to"])
	per := 0
	for _, k := range keys {
		if ind, ok := kpi.Lookup(k); ok && ind.Basis == kpi.Period {
			per = satAdd(per, satMul(KPIPeriodMonthCost, months))
		} else {
			per = satAdd(per, KPIStockCost)
		}
	}
	items := satMul(regions, max(len(keys), 1))
	return satAdd(satMul(regions, per), satMul(items, max(childComplexity, 1))), true
}

// spanMonths is the number of months (begun) of [from, to), 1 when either
// is missing (the default period is one month) or unreadable.
func spanMonths(from, to any) int {
	f, okF := from.(string)
	t, okT := to.(string)
	if !okF || !okT {
		return 1
	}
	a, errA := time.Parse(time.DateOnly, f)
	b, errB := time.Parse(time.DateOnly, t)
	if errA != nil || errB != nil || !a.Before(b) {
		return 1
	}
	days := b.Sub(a).Hours() / 24
	return int(min(math.Ceil(days/30.4375), math.MaxInt32))
}

// asList returns a list argument's items however gqlparser handed it over:
// []any from JSON variables and literals, another slice type (a variable
// that GraphQL's input coercion wrapped, e.g. []string), or a single value
// standing for a one-item list ("keys: DAILY_CHECK_RATE" is valid GraphQL).
// Every cost that counts items must count them through it.
func asList(v any) []any {
	switch l := v.(type) {
	case nil:
		return nil
	case []any:
		return l
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return []any{v}
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}
