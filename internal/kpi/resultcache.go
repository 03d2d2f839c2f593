package kpi

import (
	"context"
	"log/slog"
	"slices"
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
	answers *dataversion.Cache[[]Result] // weighed in results

	// trusted is set once every tracked table is seen to carry the
	// trigger; until then (a database migrated without it) nothing is
	// kept or given.
	trusted atomic.Bool
	warned  atomic.Bool // the missing triggers were logged
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
	c.results = &resultCache{answers: dataversion.NewCache(maxResults, func(r []Result) int { return len(r) })}
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

// DataVersion reads the current data version for the reads of ctx; ok is
// false when answers to them are not kept (no result cache, SQLite, the
// live engine, reads that may go to a replica, a table without the
// trigger) or the version could not be read (an error costs only the
// cache). An answer computed only from reads of ctx that begin after this
// call may be kept under the version, and given again to a later reader of
// the same version: internal/graph keeps whole responses this way.
func (e *Engine) DataVersion(ctx context.Context) (v dataversion.Version, ok bool) {
	if !e.caches(ctx) {
		return 0, false
	}
	err := e.run.query(ctx, dataversion.ReadStatement, nil, func(r *entsql.Rows) error { return r.Scan(&v) })
	return v, err == nil
}

// get returns a copy of the answer kept for key if it was computed at
// version v.
func (c *resultCache) get(key string, v dataversion.Version) ([]Result, bool) {
	results, ok := c.answers.Get(key, v)
	return slices.Clone(results), ok
}

// put keeps a copy of results for key, computed at version v.
func (c *resultCache) put(key string, v dataversion.Version, results []Result) {
	c.answers.Put(key, v, slices.Clone(results))
}

// size reports the answers and results held (for tests).
func (c *resultCache) size() (answers, results int) { return c.answers.Size() }
