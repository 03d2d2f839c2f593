package kpi

import (
	"container/list"
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/internal/dataversion"
	"github.com/tuoyu/tuoyu/internal/db"
)

// An answer computed from data that has not changed since is given again
// without reading the data (PostgreSQL): a wall of BI screens refreshing
// the province dashboard every minute, or regulators opening it one after
// another, costs one evaluation per change of the data, not one per view.
//
// This is exact. The data version (internal/dataversion) grows with every
// commit that writes data, atomically with it, and never goes back. A
// request reads the current version first and is given a kept answer only
// when it is the one the answer is kept under. An evaluation's answer is
// kept under the version the request that started it read before asking,
// so before the evaluation's first statement. Equal versions then mean no
// write has committed since before the evaluation began, neither while its
// statements ran (so they all saw the data as of that version) nor before
// the later request arrived (so the answer is the one its own evaluation
// would give). An answer a write overlapped is kept under a version no
// request will read again, and dropped with the next one kept; requests
// that joined the evaluation are answered by it, as coalesce.go says.
//
// Only reads of one place are cached: the primary, or a server without
// replicas. Replicas replay at their own pace, and an evaluation's
// statements may be spread over several.
type resultCache struct {
	max int // results held at most, over all answers

	mu      sync.Mutex
	answers map[string]*list.Element // of *cachedAnswer
	recent  list.List                // most recently used first
	held    int                      // results held
	latest  dataversion.Version      // highest version kept

	// trusted is set once every tracked table is seen to carry the
	// trigger; until then (a database migrated without it) nothing is
	// kept or given.
	trusted atomic.Bool
	warned  atomic.Bool // the missing triggers were logged
}

type cachedAnswer struct {
	key     string
	version dataversion.Version
	results []Result
}

// versionRead, when set (by tests), runs after a request whose evaluation
// may be kept has read the data version, before that evaluation starts.
var versionRead func()

// DefaultResultCache is the number of results an engine keeps by default
// (serve --kpi-cache-results): about 30 province dashboards (1,700 results
// each), some 6.5 MB (a Result is 96 bytes, and up to four small numbers
// it points to).
const DefaultResultCache = 50_000

// WithResultCache returns an engine that keeps up to maxResults results of
// evaluations whose data has not changed since (see above). It returns e
// itself when maxResults is 0 or the database is SQLite, whose answers are
// never kept (it has no data version), and for the live engine.
func (e *Engine) WithResultCache(maxResults int) *Engine {
	if maxResults <= 0 || e.run.dialect != dialect.Postgres || e.live {
		return e
	}
	c := *e
	c.results = &resultCache{max: maxResults, answers: map[string]*list.Element{}}
	return &c
}

// caches reports whether the evaluation of ctx may use the cache: an engine
// with one, not the live reference, reading one place whose every tracked
// table notes its writes.
func (e *Engine) caches(ctx context.Context) bool {
	if e.results == nil || e.live {
		return false
	}
	if _, routed := e.run.drv.(*db.Router); routed && !db.ReadsPrimary(ctx) {
		return false
	}
	if e.results.trusted.Load() {
		return true
	}
	missing := 0
	err := e.run.query(ctx, dataversion.MissingStatement, nil, func(*entsql.Rows) error {
		missing++
		return nil
	})
	if err != nil || missing > 0 {
		// Checked again next time: migrate.Apply installs what is missing.
		if missing > 0 && e.results.warned.CompareAndSwap(false, true) {
			slog.Warn("kpi: answers are not kept until every table carries the data-version trigger; run tuoyu migrate", "tables_missing_it", missing)
		}
		return false
	}
	e.results.trusted.Store(true)
	return true
}

// dataVersion reads the current data version.
func (e *Engine) dataVersion(ctx context.Context) (v dataversion.Version, err error) {
	err = e.run.query(ctx, dataversion.ReadStatement, nil, func(r *entsql.Rows) error { return r.Scan(&v) })
	return v, err
}

// get returns the answer kept for key if it was computed at version v.
func (c *resultCache) get(key string, v dataversion.Version) ([]Result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.answers[key]
	if !ok {
		return nil, false
	}
	a := el.Value.(*cachedAnswer)
	if a.version != v {
		if a.version < v { // the data moved on: it can never be given again
			c.remove(el)
		}
		return nil, false
	}
	c.recent.MoveToFront(el)
	return slices.Clone(a.results), true
}

// put keeps results for key, computed at version v. A newer version drops
// every answer of older ones; the least recently used go when the results
// held would exceed the bound.
func (c *resultCache) put(key string, v dataversion.Version, results []Result) {
	if len(results) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v < c.latest {
		return // a write committed since: no later request can match it
	}
	if v > c.latest {
		c.latest = v
		for el := c.recent.Front(); el != nil; {
			next := el.Next()
			if el.Value.(*cachedAnswer).version < v {
				c.remove(el)
			}
			el = next
		}
	}
	if el, ok := c.answers[key]; ok {
		c.remove(el)
	}
	for c.held+len(results) > c.max {
		c.remove(c.recent.Back())
	}
	c.answers[key] = c.recent.PushFront(&cachedAnswer{key: key, version: v, results: slices.Clone(results)})
	c.held += len(results)
}

func (c *resultCache) remove(el *list.Element) {
	a := c.recent.Remove(el).(*cachedAnswer)
	delete(c.answers, a.key)
	c.held -= len(a.results)
}

// size reports the answers and results held (for tests).
func (c *resultCache) size() (answers, results int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.answers), c.held
}
