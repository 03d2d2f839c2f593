// Package metrics holds tuoyu's Prometheus metrics and serves them. Every
// metric is registered on Registry (not the client library's global
// registry), which /metrics serves; README "Operations → Metrics" documents
// each one.
//
// Label values are bounded: operation names go through Operations (a capped
// set), roles are auth.Role values, codes are the stable extensions.code
// values, reasons and states are fixed sets. Nothing a client sends other
// than a bounded operation name ever becomes a label.
package metrics

import (
	"context"
	"database/sql"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is what /metrics serves: the metrics below, the Go runtime and
// the process.
var Registry = prometheus.NewRegistry()

// latencyBuckets span a cached list (a few ms) to a province dashboard on a
// cold cache (seconds) up to the request timeout.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

var (
	// Requests counts GraphQL requests by operation (Operations), outcome
	// code (OK or the first error's extensions.code) and role.
	Requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_graphql_requests_total",
		Help: "GraphQL requests by operation name (bounded: see README), outcome code (OK or the first error's extensions.code) and the viewer's role.",
	}, []string{"operation", "code", "role"})

	// RequestDuration is the latency of GraphQL requests by operation, from
	// the first byte read to the last written.
	RequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tuoyu_graphql_request_duration_seconds",
		Help:    "Latency of GraphQL requests by operation name, authentication to response written.",
		Buckets: latencyBuckets,
	}, []string{"operation"})

	// KPIFactDuration is the latency of each KPI statement by the engine
	// function that issued it (kpi.SetFactObserver).
	KPIFactDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tuoyu_kpi_fact_duration_seconds",
		Help:    "Latency of the KPI engine's SQL statements by fact (the engine function that issued it) and outcome (ok, error).",
		Buckets: latencyBuckets,
	}, []string{"fact", "outcome"})

	// KPICache counts the KPI evaluations that asked the result cache, by
	// whether a kept answer served them (kpi.SetCacheObserver).
	KPICache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_kpi_cache_total",
		Help: "KPI evaluations that asked the result cache (PostgreSQL), by outcome: hit (an answer computed from the same data was given again) or miss (computed).",
	}, []string{"outcome"})

	// KPIResponseCache counts the KPI-only queries that asked the response
	// cache (graph/kpianswers.go), by whether a kept response served them.
	KPIResponseCache = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_kpi_response_cache_total",
		Help: "GraphQL queries selecting only indicators that asked the response cache (PostgreSQL), by outcome: hit (the response computed from the same data was written again, without executing) or miss (executed).",
	}, []string{"outcome"})

	// TurnWait is how long operations waited for a server-wide turn
	// (graph/turns.go), by kind: "kpi" (operations computing indicators)
	// or "other".
	TurnWait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tuoyu_operation_turn_wait_seconds",
		Help:    "Time GraphQL operations waited for a server-wide turn before executing, by kind: kpi (operations computing indicators, --max-kpi-operations at once) or other (--max-operations at once).",
		Buckets: append([]float64{0}, latencyBuckets...),
	}, []string{"kind"})

	// Rejections counts requests refused by a rate or size limit, by reason.
	Rejections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_rejections_total",
		Help: "Requests refused by a limit, by reason: auth_failures, rate_limit, kpi_slots, request_too_large, allow_list, or the lower-cased limit code (max_depth_limit, complexity_limit_exceeded, …).",
	}, []string{"reason"})

	// AuditWrites counts writes of audit records (one per response that read
	// personal or health data) by outcome.
	AuditWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_audit_writes_total",
		Help: "Writes of audit records of reads of personal and health data, by outcome (ok, failed). A failed write withholds the response.",
	}, []string{"outcome"})

	// DBRoute counts where each statement of a GraphQL request went, by
	// internal/db's route names: "primary_write", "primary_after_write",
	// "replica", "primary_fallback" (a replica was wanted but none was usable).
	DBRoute = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tuoyu_db_route_total",
		Help: "Database chosen per statement: primary_write (writes, transactions), primary_after_write (reads of a request that wrote), replica, or primary_fallback (a replica was wanted but lagged or was down, so the primary served). Counted only when replicas are configured.",
	}, []string{"route"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Requests, RequestDuration, KPIFactDuration, KPICache, KPIResponseCache, TurnWait, Rejections, AuditWrites, DBRoute,
		pools, jobs,
	)
	// Known label values start at zero, so rate() and alerts see them
	// before the first event.
	for _, o := range []string{"ok", "failed"} {
		AuditWrites.WithLabelValues(o)
	}
	for _, o := range []string{"hit", "miss"} {
		KPICache.WithLabelValues(o)
		KPIResponseCache.WithLabelValues(o)
	}
	for _, k := range []string{"kpi", "other"} {
		TurnWait.WithLabelValues(k)
	}
	for _, r := range rejectionReasons() {
		Rejections.WithLabelValues(r)
	}
	// DBRoute's series start in StartRoutes: only with replicas.
}

// StartRoutes starts tuoyu_db_route_total's series of routes at zero (the
// router's route names, db.Routes). serve calls it only when replicas are
// configured: without them nothing is routed, and the metric is absent.
func StartRoutes(routes ...string) {
	for _, r := range routes {
		DBRoute.WithLabelValues(r)
	}
}

// Handler serves Registry in the Prometheus text format (or OpenMetrics
// when the scraper asks for it).
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry, EnableOpenMetrics: true})
}

// ObserveKPIFact records one KPI statement (kpi.SetFactObserver).
func ObserveKPIFact(_ context.Context, fact string, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	KPIFactDuration.WithLabelValues(fact, outcome).Observe(d.Seconds())
}

// ObserveKPICache counts one evaluation that asked the KPI result cache
// (kpi.SetCacheObserver).
func ObserveKPICache(hit bool) { countOutcome(KPICache, hit) }

// ObserveKPIResponseCache counts one KPI-only query that asked the
// response cache.
func ObserveKPIResponseCache(hit bool) { countOutcome(KPIResponseCache, hit) }

// countOutcome counts a cache lookup under outcome "hit" or "miss".
func countOutcome(c *prometheus.CounterVec, hit bool) {
	if hit {
		c.WithLabelValues("hit").Inc()
		return
	}
	c.WithLabelValues("miss").Inc()
}

// poolSet exports sql.DBStats of the registered pools (go_sql_* metrics,
// labelled db_name) through the client library's DBStatsCollector. Pools
// come and go (tests open many; replicas may be added), so it is an
// unchecked collector: it describes nothing up front.
type poolSet struct {
	mu sync.Mutex
	m  map[string]prometheus.Collector
}

var pools = &poolSet{m: map[string]prometheus.Collector{}}

func (*poolSet) Describe(chan<- *prometheus.Desc) {}

func (p *poolSet) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.m {
		c.Collect(ch)
	}
}

// RegisterDB exports pool's connection statistics under db_name=name
// ("primary", "replica1", …), replacing a pool registered under the same
// name. The returned func removes it.
func RegisterDB(name string, pool *sql.DB) (unregister func()) {
	c := collectors.NewDBStatsCollector(pool, name)
	pools.mu.Lock()
	pools.m[name] = c
	pools.mu.Unlock()
	return func() {
		pools.mu.Lock()
		defer pools.mu.Unlock()
		if pools.m[name] == c {
			delete(pools.m, name)
		}
	}
}

// jobCounter exports tuoyu_jobs{state} from a function that counts the
// import/export jobs by state (set at start-up with SetJobCounts).
type jobCounter struct {
	mu    sync.Mutex
	count func(context.Context) map[string]int
}

var jobs = &jobCounter{}

var jobsDesc = prometheus.NewDesc("tuoyu_jobs", "Import and export jobs by state (as the job queue reports them at scrape time).", []string{"state"}, nil)

// jobCountTimeout bounds the query behind one scrape.
const jobCountTimeout = 2 * time.Second

func (*jobCounter) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (j *jobCounter) Collect(ch chan<- prometheus.Metric) {
	j.mu.Lock()
	count := j.count
	j.mu.Unlock()
	if count == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), jobCountTimeout)
	defer cancel()
	for state, n := range count(ctx) {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// SetJobCounts makes tuoyu_jobs report what count returns at each scrape
// (e.g. jobs.Counts); nil stops reporting. count must bound its own work by
// ctx and return nil on failure.
func SetJobCounts(count func(context.Context) map[string]int) {
	jobs.mu.Lock()
	jobs.count = count
	jobs.mu.Unlock()
}
