package kpi

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/target"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/dataversion"
)

// Engine evaluates indicators.
type Engine struct {
	client *ent.Client
	run    runner
	// live makes every fact read the registry only, ignoring the
	// precomputed data (kpistore): the reference the fast path is checked
	// against.
	live bool
	// flights shares evaluations between identical waiting requests
	// (coalesce.go); the live copy shares it too, under other keys.
	flights *coalescer
	// results keeps answers while the data they were computed from is
	// unchanged (resultcache.go); nil: nothing kept.
	results *resultCache
}

// Live returns an engine over the same database that computes every
// indicator from the registry alone, without the precomputed data: slower,
// and the definition the fast path must always equal.
func (e *Engine) Live() *Engine {
	c := *e
	c.live = true
	return &c
}

// New returns an engine that reads through drv (the driver of client) in
// the given dialect ("postgres" or "sqlite3").
func New(client *ent.Client, drv dialect.Driver, dialectName string) *Engine {
	return &Engine{client: client, run: runner{drv: drv, dialect: dialectName}, flights: &coalescer{}}
}

// Point is one evaluation: stock indicators are evaluated as of AsOf,
// period indicators over [From, To).
type Point struct {
	AsOf     time.Time
	From, To time.Time
}

// Query asks for Keys over Regions at Points, optionally broken down by Dimension.
type Query struct {
	Keys      []Key
	RegionIDs []int
	Points    []Point
	Dimension Dimension // "" for no breakdown
	// Targets attaches each value's target (one more statement).
	Targets bool
	// Children counts the distinct children behind DAILY_CHECK_RATE and
	// DEV_SCREENING_RATE (Result.Children), whose denominators count pairs,
	// for small-cell suppression; the other child-based indicators always
	// carry theirs. It costs the daily-check pairs a grouping per child, so
	// only aggregate-only viewers ask for it.
	Children bool
}

// Result is one value. Denominator is nil for COUNT indicators; Value is nil
// when the denominator is zero.
type Result struct {
	Key         Key
	RegionID    int
	Point       int // index into Query.Points
	Group       string
	Numerator   float64
	Denominator *float64
	Value       *float64
	Target      *ent.Target
	Attained    *bool
	Gap         *float64
	// Children is the number of distinct children behind a child-based
	// value (Indicator.ChildBased): the under-3 population for
	// ENROLMENT_RATE, the denominator's children for HEALTH_RECORD_RATE, and
	// for DAILY_CHECK_RATE and DEV_SCREENING_RATE the children of the pairs
	// (nil unless the Query asked for Children). Nil for other indicators.
	// Not a published figure: Suppress compares it with k.
	Children *float64
	// Suppressed is set by Suppress.
	Suppressed bool
}

// ErrUnknownRegion reports a region ID that does not exist.
var ErrUnknownRegion = fmt.Errorf("kpi: unknown region: %w", apperr.ErrNotFound)

// evaluation is the state of one Evaluate call.
type evaluation struct {
	run  runner
	live bool
	// children: count the distinct children behind DAILY_CHECK_RATE and
	// DEV_SCREENING_RATE (Query.Children).
	children bool
	filter   *string // regionFilter's list, computed once
	points   []Point
	dim      Dimension
	tree     *tree
	acc      *acc
	covered  []map[int]bool // per point: lowest regions with an inclusive provider
}

// fact is one query (or, for screening, one pair of queries) that serves
// one or more indicators.
type fact int

// The facts, in the order they run.
const (
	seatCountFact fact = iota
	inclusiveSeatFact
	careFact
	childFact
	institutionFact
	staffFact
	devScreeningFact
	dailyCheckFact
	dailyCheckPairFact
	surveyFact
	filingOnTimeFact
	rectificationFact
	complaintFact
	numFacts
)

// factsOf lists the facts each indicator needs.
var factsOf = map[Key][]fact{
	schematype.SeatsPer1000:                 {seatCountFact},
	schematype.InclusiveSeatShare:           {seatCountFact, inclusiveSeatFact},
	schematype.SeatUsageRate:                {seatCountFact, careFact},
	schematype.EnrolmentRate:                {childFact},
	schematype.SubdistrictInclusiveCoverage: {institutionFact},
	schematype.KindergartenChildcareShare:   {institutionFact},
	schematype.FilingRate:                   {institutionFact},
	schematype.StaffCertificationRate:       {staffFact},
	schematype.HealthRecordRate:             {childFact},
	schematype.DevScreeningRate:             {devScreeningFact},
	schematype.DailyCheckRate:               {dailyCheckFact, dailyCheckPairFact},
	schematype.SatisfactionRate:             {surveyFact},
	schematype.ParentingKnowledgeRate:       {surveyFact},
	schematype.GuidanceCenters:              {institutionFact},
	schematype.FilingOnTimeRate:             {filingOnTimeFact},
	schematype.RectificationRate:            {rectificationFact},
	schematype.ComplaintOnTimeRate:          {complaintFact},
}

func (ev *evaluation) runFact(ctx context.Context, f fact) error {
	switch f {
	case seatCountFact:
		return ev.seatCountFacts(ctx)
	case inclusiveSeatFact:
		return ev.inclusiveSeatFacts(ctx)
	case careFact:
		return ev.careFacts(ctx)
	case childFact:
		return ev.childFacts(ctx)
	case institutionFact:
		return ev.institutionFacts(ctx)
	case staffFact:
		return ev.staffFacts(ctx)
	case devScreeningFact:
		return ev.devScreeningFacts(ctx)
	case dailyCheckFact:
		return ev.dailyCheckFacts(ctx)
	case dailyCheckPairFact:
		return ev.dailyCheckPairFacts(ctx)
	case surveyFact:
		return ev.surveyFacts(ctx)
	case filingOnTimeFact:
		return ev.filingOnTimeFacts(ctx)
	case rectificationFact:
		return ev.rectificationFacts(ctx)
	case complaintFact:
		return ev.complaintFacts(ctx)
	}
	return nil
}

// Evaluate computes q. Results come per point, per region, per key in the
// order asked (groups sorted within a key). It issues one statement for the
// region tree, one per fact needed (at most fifteen), one for population
// figures and one for targets: never one per region or per point. Identical
// evaluations waiting for a slot together are computed once (coalesce.go),
// and an answer over unchanged data is given again (resultcache.go).
func (e *Engine) Evaluate(ctx context.Context, q Query) ([]Result, error) {
	if len(q.Keys) == 0 || len(q.RegionIDs) == 0 || len(q.Points) == 0 {
		return nil, nil
	}
	for _, key := range q.Keys {
		ind, ok := Lookup(key)
		if !ok {
			return nil, apperr.Invalid("key", "is not a known indicator")
		}
		if q.Dimension != "" && !ind.Allows(q.Dimension) {
			return nil, apperr.Invalid("by", fmt.Sprintf("%s does not apply to %s (see the indicator's dimensions in indicatorCatalog)", q.Dimension, key))
		}
	}
	q.Children = q.Children && countsChildren(q.Keys)
	key := e.flightKey(ctx, q)
	// The version read to look the answer up also labels the evaluation
	// this request starts, if any: read before the evaluation's first
	// statement, it can only be older than the data those statements see,
	// so an answer kept under it is never given for newer data
	// (resultcache.go).
	var (
		version dataversion.Version
		keep    bool
	)
	if v, ok := e.DataVersion(ctx); ok {
		if results, ok := e.results.get(key, v); ok {
			observeCache(true)
			return results, nil
		}
		version, keep = v, true
		if versionRead != nil {
			versionRead()
		}
		observeCache(false)
	}
	return e.flights.do(ctx, key, func(ctx context.Context, started func()) ([]Result, error) {
		release, err := acquire(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
		started()
		t, err := e.run.loadTree(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range q.RegionIDs {
			if !t.has(id) {
				return nil, ErrUnknownRegion
			}
		}
		results, err := e.compute(ctx, q, t)
		if err == nil && keep {
			e.results.put(key, version, results)
		}
		return results, err
	})
}

// compute evaluates q over the region tree t, holding a heavy-evaluation
// slot.
func (e *Engine) compute(ctx context.Context, q Query, t *tree) ([]Result, error) {
	ev := &evaluation{run: e.run, live: e.live, children: q.Children, points: q.Points, dim: q.Dimension, tree: t, acc: newAcc(newRollup(t, q.RegionIDs), q.Dimension, q.Keys)}
	ev.covered = make([]map[int]bool, len(q.Points))
	for i := range ev.covered {
		ev.covered[i] = map[int]bool{}
	}
	var needed [numFacts]bool
	for _, key := range q.Keys {
		for _, f := range factsOf[key] {
			needed[f] = true
		}
	}
	ev.regionFilter("") // computed once, before the facts run concurrently
	if err := ev.runFacts(ctx, needed); err != nil {
		return nil, fmt.Errorf("kpi: %w", err)
	}
	pop, err := e.population(ctx, q, t)
	if err != nil {
		return nil, err
	}
	results := ev.results(q, pop)
	if q.Targets {
		if err := e.attachTargets(ctx, q, results); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// Rank evaluates key for every region of level in parent's subtree and
// returns them best first: by value (descending unless ascending), null
// values last, ties by region ID.
func (e *Engine) Rank(ctx context.Context, key Key, parent int, level string, p Point, ascending bool) ([]Result, error) {
	return e.RankSuppressing(ctx, key, parent, level, p, ascending, 0)
}

// RankSuppressing is Rank for an aggregate-only viewer when k > 0: the
// results are suppressed (Suppress, k) before they are ranked, so that a
// withheld value ranks as a null one (last, by region ID) and the order
// tells nothing about it.
func (e *Engine) RankSuppressing(ctx context.Context, key Key, parent int, level string, p Point, ascending bool, k int) ([]Result, error) {
	t, err := e.run.loadTree(ctx)
	if err != nil {
		return nil, err
	}
	if !t.has(parent) {
		return nil, ErrUnknownRegion
	}
	ids := t.descendants(parent, level)
	if len(ids) == 0 {
		return nil, nil
	}
	// Evaluated as any question (shared with identical waiting ones, kept
	// over unchanged data); it reads the tree again, a statement that
	// costs little beside the facts.
	res, err := e.Evaluate(ctx, Query{Keys: []Key{key}, RegionIDs: ids, Points: []Point{p}, Targets: true, Children: k > 0})
	if err != nil {
		return nil, err
	}
	if k > 0 {
		for i := range res {
			Suppress(&res[i], k)
		}
	}
	sort.SliceStable(res, func(i, j int) bool {
		a, b := res[i].Value, res[j].Value
		switch {
		case a == nil || b == nil:
			if (a == nil) != (b == nil) {
				return b == nil
			}
		case *a != *b:
			return (*a < *b) == ascending
		}
		return res[i].RegionID < res[j].RegionID
	})
	return res, nil
}

// countsChildren reports whether any of keys needs Query.Children to carry
// its distinct children.
func countsChildren(keys []Key) bool {
	for _, k := range keys {
		if k == schematype.DailyCheckRate || k == schematype.DevScreeningRate {
			return true
		}
	}
	return false
}

// results turns the accumulated cells into values.
func (ev *evaluation) results(q Query, pop *population) []Result {
	var out []Result
	for k, p := range q.Points {
		for _, region := range q.RegionIDs {
			for _, key := range q.Keys {
				ind, _ := Lookup(key)
				groups := []string{""}
				if q.Dimension != "" {
					groups = ev.acc.groups(key, k, region)
					sort.Strings(groups)
				}
				for _, g := range groups {
					out = append(out, ev.value(ind, k, p, region, g, pop))
				}
			}
		}
	}
	return out
}

func (ev *evaluation) value(ind *Indicator, k int, p Point, region int, group string, pop *population) Result {
	r := Result{Key: ind.Key, RegionID: region, Point: k, Group: group}
	c := ev.acc.cells[cellKey{ind.Key, k, region, group}]
	if c == nil {
		c = &cell{}
	}
	num, den := c.num, c.den
	switch ind.Key {
	case schematype.SeatsPer1000:
		den = float64(pop.resident(region, p.AsOf.Year()))
	case schematype.EnrolmentRate:
		popRegion := region
		if ev.dim == ChildRegion {
			popRegion, _ = strconv.Atoi(group) // "" (outside the region) has no population: null value
		}
		den = float64(pop.under3(popRegion, p.AsOf.Year()))
	case schematype.SubdistrictInclusiveCoverage:
		num, den = 0, 0
		for _, s := range ev.tree.subdistricts(region) {
			den++
			if ev.covered[k][s] {
				num++
			}
		}
	}
	switch ind.Key {
	case schematype.EnrolmentRate, schematype.HealthRecordRate:
		children := den // the population, the distinct enrolled children
		r.Children = &children
	case schematype.DailyCheckRate, schematype.DevScreeningRate:
		if ev.children {
			children := c.children
			r.Children = &children
		}
	}
	r.Numerator = num
	if ind.Unit == Count {
		r.Value = &num
		return r
	}
	r.Denominator = &den
	if den != 0 {
		v := num / den
		if ind.Unit == Per1000 {
			v *= 1000
		}
		r.Value = &v
	}
	return r
}

// population holds the figures needed for Population(R, Y).
type population struct {
	t    *tree
	rows map[int][]popRow // by region, years ascending
	memo map[[3]int]int64
}

type popRow struct {
	year             int
	resident, under3 int64
}

func (e *Engine) population(ctx context.Context, q Query, t *tree) (*population, error) {
	pop := &population{rows: map[int][]popRow{}, memo: map[[3]int]int64{}}
	need := false
	maxYear := 0
	for _, key := range q.Keys {
		need = need || key == schematype.SeatsPer1000 || key == schematype.EnrolmentRate
	}
	for _, p := range q.Points {
		maxYear = max(maxYear, p.AsOf.Year())
	}
	if !need {
		return pop, nil
	}
	pop.t = t
	err := e.run.query(ctx, "SELECT region_id, year, resident_population, under3_population FROM population_stats WHERE year <= ? ORDER BY region_id, year", []any{maxYear}, func(rows *entsql.Rows) error {
		var (
			region int
			r      popRow
		)
		if err := rows.Scan(&region, &r.year, &r.resident, &r.under3); err != nil {
			return err
		}
		pop.rows[region] = append(pop.rows[region], r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("kpi: population: %w", err)
	}
	return pop, nil
}

func (p *population) resident(region, year int) int64 { return p.get(region, year, 0) }
func (p *population) under3(region, year int) int64   { return p.get(region, year, 1) }

// get is Population(R, Y): R's own figure for the latest year <= Y if it has
// one, else the sum over R's children.
func (p *population) get(region, year, which int) int64 {
	if p.t == nil || region == 0 {
		return 0
	}
	key := [3]int{region, year, which}
	if v, ok := p.memo[key]; ok {
		return v
	}
	var v int64
	own := false
	for _, r := range p.rows[region] {
		if r.year <= year {
			own = true
			v = r.resident
			if which == 1 {
				v = r.under3
			}
		}
	}
	if !own {
		for _, c := range p.t.kids[region] {
			v += p.get(c, year, which)
		}
	}
	p.memo[key] = v
	return v
}

// attachTargets sets each result's target: the region's Target for the
// indicator with the smallest target_year >= the year of the value (the
// as-of year, or the year of a period's last day).
func (e *Engine) attachTargets(ctx context.Context, q Query, results []Result) error {
	targets, err := e.client.Target.Query().
		Where(target.RegionIDIn(q.RegionIDs...), target.IndicatorIn(q.Keys...)).
		Order(ent.Asc(target.FieldTargetYear)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("kpi: targets: %w", err)
	}
	// By region and indicator, each in target-year order: a dashboard has
	// thousands of results and as many targets.
	type regionKey struct {
		region int
		key    Key
	}
	byRegion := map[regionKey][]*ent.Target{}
	for _, t := range targets {
		rk := regionKey{t.RegionID, t.Indicator}
		byRegion[rk] = append(byRegion[rk], t)
	}
	for i := range results {
		r := &results[i]
		ind, _ := Lookup(r.Key)
		p := q.Points[r.Point]
		year := p.AsOf.Year()
		if ind.Basis == Period {
			year = p.To.AddDate(0, 0, -1).Year()
		}
		for _, t := range byRegion[regionKey{r.RegionID, r.Key}] {
			if t.TargetYear >= year {
				r.Target = t
				break
			}
		}
		if r.Target != nil && r.Value != nil {
			attained, gap := Attainment(*r.Value, r.Target.TargetValue, r.Target.Comparator)
			r.Attained, r.Gap = &attained, &gap
		}
	}
	return nil
}

// Attainment applies a target's comparator. gap is positive when the value
// falls short: target − value for GE/GT, value − target for LE/LT,
// |value − target| for EQ.
func Attainment(value, goal float64, cmp target.Comparator) (attained bool, gap float64) {
	switch cmp {
	case target.ComparatorAtLeast:
		return value >= goal, goal - value
	case target.ComparatorAbove:
		return value > goal, goal - value
	case target.ComparatorAtMost:
		return value <= goal, value - goal
	case target.ComparatorBelow:
		return value < goal, value - goal
	}
	d := value - goal
	if d < 0 {
		d = -d
	}
	return d < 1e-9, d
}
