package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/graph/model"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// This file adapts internal/kpi to the GraphQL models; the resolvers in
// kpi.resolvers.go call it.

// catalog converts the KPI dictionary.
func catalog() []model.Indicator {
	out := make([]model.Indicator, 0, len(kpi.Catalogue))
	for _, ind := range kpi.Catalogue {
		basis := model.IndicatorBasisStock
		if ind.Basis == kpi.Period {
			basis = model.IndicatorBasisPeriod
		}
		dims := make([]model.Dimension, len(ind.Dimensions))
		for i, d := range ind.Dimensions {
			dims[i] = model.Dimension(d)
		}
		out = append(out, model.Indicator{
			Key: ind.Key, NameZh: ind.NameZh, NameEn: ind.NameEn, Unit: model.IndicatorUnit(ind.Unit), Basis: basis,
			Numerator: ind.Numerator, Denominator: ind.Denominator, TimeBasis: ind.TimeBasis, Source: ind.Source, Dimensions: dims,
		})
	}
	return out
}

// today is the current calendar date in the server's time zone.
func (r *Resolver) today() time.Time { return civil.Today(r.loc) }

// point resolves the date arguments of a request for keys.
func (r *Resolver) point(keys []kpi.Key, asOf, from, to *time.Time) (kpi.Point, error) {
	return kpi.Dates{AsOf: asOf, From: from, To: to}.Resolve(keys, r.today())
}

// aggregateOnly reports whether the viewer sees KPIs with small cells
// suppressed (BI_SERVICE): its evaluations count the distinct children
// behind each value (kpi.Query.Children), which suppression compares with k.
func aggregateOnly(ctx context.Context) bool {
	return auth.FromContext(ctx).Role == auth.BIService
}

// indicatorValue converts one result; stock values carry asOf, period values
// from/to. Aggregate-only viewers get small cells suppressed: those with
// fewer than k distinct children behind them (kpi.Suppress).
func (r *Resolver) indicatorValue(ctx context.Context, res kpi.Result, p kpi.Point, reg *ent.Region) model.IndicatorValue {
	suppressed := aggregateOnly(ctx) && kpi.Suppress(&res, r.suppressK)
	v := model.IndicatorValue{
		Suppressed: suppressed,
		Key:        res.Key, Region: reg, Value: res.Value, Numerator: res.Numerator, Denominator: res.Denominator,
		Target: res.Target, Attained: res.Attained, Gap: res.Gap,
	}
	if ind, _ := kpi.Lookup(res.Key); ind.Basis == kpi.Period {
		v.From, v.To = &p.From, &p.To
	} else {
		v.AsOf = &p.AsOf
	}
	return v
}

// kpiScope checks that the viewer may read indicators of the regions: KPIs
// are for regulators and BI service accounts, within their region (a
// region's value covers its descendants, which share its code prefix). The
// KPI SQL reads below ent's row policies, so this check is its scope.
func kpiScope(ctx context.Context, regions ...*ent.Region) error {
	v := auth.FromContext(ctx)
	if !v.IsRegulator() && v.Role != auth.BIService {
		return apperr.Forbidden("KPIs need a regulator or BI service token")
	}
	for _, reg := range regions {
		if !v.InRegion(reg.Code) {
			return apperr.Forbidden("KPIs are readable only for regions inside your token's region; use a token of an enclosing region")
		}
	}
	return nil
}

// indicatorValues converts results, each with its point and region.
func (r *Resolver) indicatorValues(ctx context.Context, res []kpi.Result, point func(kpi.Result) kpi.Point, regions map[int]*ent.Region) []model.IndicatorValue {
	out := make([]model.IndicatorValue, len(res))
	for i, x := range res {
		out[i] = r.indicatorValue(ctx, x, point(x), regions[x.RegionID])
	}
	return out
}

// regionsByID loads regions in one statement and checks the viewer's KPI scope.
func (r *Resolver) regionsByID(ctx context.Context, ids []int) (map[int]*ent.Region, error) {
	regions, err := r.client.Region.Query().Where(region.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*ent.Region, len(regions))
	for _, reg := range regions {
		out[reg.ID] = reg
	}
	for _, id := range ids {
		if out[id] == nil {
			return nil, fmt.Errorf("region %d: %w", id, apperr.ErrNotFound)
		}
	}
	if err := kpiScope(ctx, regions...); err != nil {
		return nil, err
	}
	return out, nil
}

// MaxIndicatorRegions caps the regions of one indicatorValues request.
const MaxIndicatorRegions = 500

// values evaluates keys over regions at one point and converts the results.
func (r *Resolver) values(ctx context.Context, keys []kpi.Key, regionIDs []int, p kpi.Point) ([]model.IndicatorValue, error) {
	if len(regionIDs) > MaxIndicatorRegions {
		return nil, apperr.Invalid("regionIDs", fmt.Sprintf("may list at most %d regions per request", MaxIndicatorRegions))
	}
	regions, err := r.regionsByID(ctx, regionIDs)
	if err != nil {
		return nil, err
	}
	res, err := r.kpi.Evaluate(ctx, kpi.Query{Keys: keys, RegionIDs: regionIDs, Points: []kpi.Point{p}, Targets: true, Children: aggregateOnly(ctx)})
	if err != nil {
		return nil, err
	}
	return r.indicatorValues(ctx, res, func(kpi.Result) kpi.Point { return p }, regions), nil
}

// breakdown evaluates one indicator for one region split by a dimension.
func (r *Resolver) breakdown(ctx context.Context, key kpi.Key, regionID int, by model.Dimension, p kpi.Point) ([]model.IndicatorGroup, error) {
	regions, err := r.regionsByID(ctx, []int{regionID})
	if err != nil {
		return nil, err
	}
	res, err := r.kpi.Evaluate(ctx, kpi.Query{Keys: []kpi.Key{key}, RegionIDs: []int{regionID}, Points: []kpi.Point{p}, Dimension: kpi.Dimension(by), Targets: true, Children: aggregateOnly(ctx)})
	if err != nil {
		return nil, err
	}
	var groupRegions map[int]*ent.Region
	if by == model.DimensionChildRegion {
		var ids []int
		for _, x := range res {
			if id := atoi(x.Group); id != 0 {
				ids = append(ids, id)
			}
		}
		if groupRegions, err = r.regionsByID(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]model.IndicatorGroup, len(res))
	for i, x := range res {
		v := r.indicatorValue(ctx, x, p, regions[regionID])
		g := model.IndicatorGroup{Dimension: by, Value: &v}
		switch by {
		case model.DimensionChildRegion:
			g.Region = groupRegions[atoi(x.Group)]
		case model.DimensionInstitutionForm:
			g.Form = ptr(institution.Form(x.Group))
		case model.DimensionOwnership:
			g.Ownership = ptr(institution.Ownership(x.Group))
		case model.DimensionLegalNature:
			g.LegalNature = ptr(institution.LegalNature(x.Group))
		case model.DimensionAgeBand:
			g.AgeBand = ptr(seat.AgeBand(x.Group))
		}
		out[i] = g
	}
	return out, nil
}

// series evaluates one indicator for one region in calendar buckets.
func (r *Resolver) series(ctx context.Context, key kpi.Key, regionID int, from, to time.Time, grain model.TimeGrain, tz *string) ([]model.IndicatorValue, error) {
	if tz != nil {
		// "" and "Local" load as UTC and as the server's own zone: neither
		// names a zone, so a client's request would depend on the host.
		if _, err := time.LoadLocation(*tz); err != nil || *tz == "" || *tz == "Local" {
			return nil, apperr.Invalid("timezone", "must be an IANA time zone such as Asia/Shanghai")
		}
	}
	points, err := kpi.SeriesPoints(from, to, kpi.Grain(grain))
	if err != nil {
		return nil, err
	}
	regions, err := r.regionsByID(ctx, []int{regionID})
	if err != nil {
		return nil, err
	}
	res, err := r.kpi.Evaluate(ctx, kpi.Query{Keys: []kpi.Key{key}, RegionIDs: []int{regionID}, Points: points, Targets: true, Children: aggregateOnly(ctx)})
	if err != nil {
		return nil, err
	}
	return r.indicatorValues(ctx, res, func(x kpi.Result) kpi.Point { return points[x.Point] }, regions), nil
}

// ranking ranks the regions of a level below parent.
func (r *Resolver) ranking(ctx context.Context, key kpi.Key, parent int, level region.Level, asOf, from, to *time.Time, descending *bool, first *int) ([]model.IndicatorValue, error) {
	n := 10
	if first != nil {
		n = *first
	}
	if n < 0 || n > MaxPageSize {
		return nil, apperr.Invalid("first", fmt.Sprintf("must be between 0 and %d", MaxPageSize))
	}
	p, err := r.point([]kpi.Key{key}, asOf, from, to)
	if err != nil {
		return nil, err
	}
	if _, err := r.regionsByID(ctx, []int{parent}); err != nil {
		return nil, err
	}
	// Suppressed before ranking: a withheld value ranks as a null one.
	k := 0
	if aggregateOnly(ctx) {
		k = r.suppressK
	}
	res, err := r.kpi.RankSuppressing(ctx, key, parent, string(level), p, descending != nil && !*descending, k)
	if err != nil {
		return nil, err
	}
	if len(res) > n {
		res = res[:n]
	}
	ids := make([]int, len(res))
	for i, x := range res {
		ids[i] = x.RegionID
	}
	regions, err := r.regionsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	return r.indicatorValues(ctx, res, func(kpi.Result) kpi.Point { return p }, regions), nil
}

// regionIndicatorsKey identifies one Region.indicators request in a batch.
type regionIndicatorsKey struct {
	region int
	keys   string // comma-joined, in request order
	point  kpi.Point
}

// loaders are the per-operation batch loaders.
type loaders struct {
	once      sync.Once
	regionKPI *dataloadgen.Loader[regionIndicatorsKey, []kpi.Result]
}

type loadersKey struct{}

// withLoaders gives an operation its own (lazily built) loaders, so batches
// never mix requests or viewers.
func withLoaders(ctx context.Context) context.Context {
	return context.WithValue(ctx, loadersKey{}, &loaders{})
}

// regionIndicators loads the indicators of one region through the
// operation's batch loader: all regions asking for the same keys and dates
// are evaluated in one engine call.
func (r *Resolver) regionIndicators(ctx context.Context, obj *ent.Region, keys []kpi.Key, asOf, from, to *time.Time) ([]model.IndicatorValue, error) {
	if err := kpiScope(ctx, obj); err != nil {
		return nil, err
	}
	// null asks for every indicator; an empty list for none, as in
	// indicatorValues.
	if keys == nil {
		keys = schematype.IndicatorKeys
	}
	if len(keys) == 0 {
		return []model.IndicatorValue{}, nil
	}
	p, err := r.point(keys, asOf, from, to)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	if l == nil {
		l = &loaders{}
	}
	l.once.Do(func() { l.regionKPI = dataloadgen.NewLoader(r.fetchRegionIndicators) })
	key := func(id int) regionIndicatorsKey {
		return regionIndicatorsKey{region: id, keys: strings.Join(names, ","), point: p}
	}
	// Queue the whole list this region was resolved in, so the batch does not
	// depend on every sibling's resolver reaching the loader within its wait
	// window (a busy server misses it, and a dashboard then costs a batch per
	// straggler). Keys already queued are cached: later siblings add nothing.
	if siblings := siblingRegions(ctx); len(siblings) > 1 {
		keys := make([]regionIndicatorsKey, 0, len(siblings))
		for _, s := range siblings {
			if kpiScope(ctx, s) == nil {
				keys = append(keys, key(s.ID))
			}
		}
		_ = l.regionKPI.LoadAllThunk(ctx, keys)
	}
	res, err := l.regionKPI.Load(ctx, key(obj.ID))
	if err != nil {
		return nil, err
	}
	out := make([]model.IndicatorValue, len(res))
	for i, x := range res {
		out[i] = r.indicatorValue(ctx, x, p, obj)
	}
	return out, nil
}

// fetchRegionIndicators evaluates a batch: one engine call per distinct
// (keys, dates), covering every region that asked for them.
func (r *Resolver) fetchRegionIndicators(ctx context.Context, batch []regionIndicatorsKey) ([][]kpi.Result, []error) {
	type group struct {
		keys    string
		point   kpi.Point
		regions []int
	}
	var groups []*group
	byArgs := map[[2]any]*group{}
	for _, k := range batch {
		args := [2]any{k.keys, k.point}
		g := byArgs[args]
		if g == nil {
			g = &group{keys: k.keys, point: k.point}
			byArgs[args] = g
			groups = append(groups, g)
		}
		g.regions = append(g.regions, k.region)
	}
	found := map[regionIndicatorsKey][]kpi.Result{}
	errs := make([]error, len(batch))
	for _, g := range groups {
		var keys []kpi.Key
		for _, name := range strings.Split(g.keys, ",") {
			keys = append(keys, kpi.Key(name))
		}
		res, err := r.kpi.Evaluate(ctx, kpi.Query{Keys: keys, RegionIDs: g.regions, Points: []kpi.Point{g.point}, Targets: true, Children: aggregateOnly(ctx)})
		if err != nil {
			for i, k := range batch {
				if k.keys == g.keys && k.point == g.point {
					errs[i] = err
				}
			}
			continue
		}
		for _, x := range res {
			k := regionIndicatorsKey{region: x.RegionID, keys: g.keys, point: g.point}
			found[k] = append(found[k], x)
		}
	}
	out := make([][]kpi.Result, len(batch))
	for i, k := range batch {
		out[i] = found[k]
	}
	return out, errs
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// siblingRegions returns the regions of the nearest list above the current
// field (a connection's edges, a plain list of regions or nodes), as gqlgen
// records each resolved field's result in its field context before it
// resolves the children. Nil when the region was not resolved in a list.
func siblingRegions(ctx context.Context) []*ent.Region {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		switch v := fc.Result.(type) {
		case []*ent.RegionEdge:
			out := make([]*ent.Region, 0, len(v))
			for _, e := range v {
				if e != nil && e.Node != nil {
					out = append(out, e.Node)
				}
			}
			return out
		case []*ent.Region:
			return v
		case []ent.Noder:
			var out []*ent.Region
			for _, n := range v {
				if reg, ok := n.(*ent.Region); ok {
					out = append(out, reg)
				}
			}
			return out
		}
	}
	return nil
}
