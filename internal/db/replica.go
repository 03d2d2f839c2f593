package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"

	"github.com/tuoyu/tuoyu/internal/dberr"
)

// Route is where the router sent a statement; metrics count by it.
type Route string

const (
	// RouteWrite: an Exec or a transaction, always on the primary.
	RouteWrite Route = "primary_write"
	// RouteAfterWrite: a read of a request that already wrote (or asked
	// for the primary with ReadPrimary), so that it sees its own writes.
	RouteAfterWrite Route = "primary_after_write"
	// RouteReplica: a read served by a healthy replica.
	RouteReplica Route = "replica"
	// RouteFallback: a read that went to the primary because no replica
	// was healthy, or because the chosen replica failed it.
	RouteFallback Route = "primary_fallback"
)

// Hooks let metrics observe the router without internal/db knowing the
// metrics library. Every field is optional; hooks must be fast and safe
// for concurrent use.
type Hooks struct {
	// Route is told where each statement went.
	Route func(Route)
	// Replica is told each replica's state after every lag check.
	Replica func(ReplicaStatus)
}

// ReplicaStatus is the last lag check of one replica.
type ReplicaStatus struct {
	Name    string // host:port/database, no credentials
	Healthy bool
	Lag     time.Duration // replay lag; 0 when nothing is pending
	Reason  string        // why it is skipped, empty when healthy
	Checked time.Time
}

// ReplicaConfig bounds the replicas of a Router.
type ReplicaConfig struct {
	// MaxLag skips a replica whose replay lags more than this.
	MaxLag time.Duration
	// Interval between lag checks (default MaxLag/2, at most 1s).
	Interval time.Duration
	Hooks    Hooks
	// pinned: the pools lead through PgBouncer in transaction mode.
	pinned bool
}

// Router is an ent dialect.Driver over a PostgreSQL primary and its
// streaming replicas. Reads (Query outside a transaction) go to a healthy
// replica, round robin; writes, transactions and every read of a request
// that already wrote go to the primary. Replicas are checked periodically,
// not per statement: one lagging more than MaxLag, not in recovery, or
// unreachable is skipped until a later check finds it healthy. A read that
// fails on a replica because it is unreachable (or cancelled by a recovery
// conflict) is retried on the primary, so clients never see a replica's
// failure.
type Router struct {
	primary    txDriver
	primaryDB  *sql.DB
	replicas   []*replica
	cfg        ReplicaConfig
	next       atomic.Uint64
	stop       context.CancelFunc
	done       chan struct{}
	checkMutex sync.Mutex
}

type replica struct {
	name    string
	db      *sql.DB
	drv     txDriver
	healthy atomic.Bool
	// checked: a first check has run. Its outcome is logged whatever it
	// is, so a replica that is down or promoted when the server starts (a
	// restart after a failover) is named in the log, not only one that
	// changes later.
	checked atomic.Bool
	mu      sync.Mutex
	status  ReplicaStatus
}

var _ dialect.Driver = (*Router)(nil)

// NewRouter routes between the primary pool and replica pools (already
// opened; the router closes the replicas, not the primary). It runs one
// lag check before returning, then checks every interval until Close.
func NewRouter(ctx context.Context, primary *sql.DB, replicas map[string]*sql.DB, cfg ReplicaConfig) *Router {
	return newRouter(ctx, entsql.OpenDB(dialect.Postgres, primary), primary, replicas, cfg)
}

func newRouter(ctx context.Context, primaryDrv txDriver, primary *sql.DB, replicas map[string]*sql.DB, cfg ReplicaConfig) *Router {
	if cfg.MaxLag <= 0 {
		cfg.MaxLag = 5 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = min(cfg.MaxLag/2, time.Second)
	}
	r := &Router{primary: primaryDrv, primaryDB: primary, cfg: cfg, done: make(chan struct{})}
	for name, pool := range replicas {
		var drv txDriver = entsql.OpenDB(dialect.Postgres, pool)
		if cfg.pinned {
			drv = pinnedDriver{drv.(*entsql.Driver)}
		}
		r.replicas = append(r.replicas, &replica{name: name, db: pool, drv: drv})
	}
	r.Check(ctx)
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r.stop = stop
	go r.loop(loopCtx)
	return r
}

func (r *Router) loop(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Check(ctx)
		}
	}
}

// lagQuery measures a standby's lag. The replay timestamp alone ages on an
// idle primary although the standby is current, so the lag counts only
// when WAL is pending: the standby has not replayed up to the primary's
// current position (measured just before; when the primary cannot be asked,
// up to what the standby received). A standby that never replayed a
// transaction but has WAL pending is infinitely behind (NULL).
const lagQuery = `SELECT pg_is_in_recovery(),
  COALESCE(pg_wal_lsn_diff(COALESCE(CAST($1 AS pg_lsn), pg_last_wal_receive_lsn()), pg_last_wal_replay_lsn()), 0),
  EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())`

// Check measures every replica's lag now and updates which are used. The
// periodic loop calls it; tests call it to act on a state they created.
func (r *Router) Check(ctx context.Context) {
	r.checkMutex.Lock()
	defer r.checkMutex.Unlock()
	if ctx.Err() != nil {
		return // closing: a cancelled check would report every replica down
	}
	ctx, cancel := context.WithTimeout(ctx, max(r.cfg.Interval, 2*time.Second))
	defer cancel()
	var primaryLSN sql.NullString
	if err := r.primaryDB.QueryRowContext(ctx, "SELECT CAST(pg_current_wal_lsn() AS text)").Scan(&primaryLSN); err != nil {
		primaryLSN = sql.NullString{} // measure against what the standby received
	}
	var lsnArg any
	if primaryLSN.Valid {
		lsnArg = primaryLSN.String
	}
	for _, rep := range r.replicas {
		st := ReplicaStatus{Name: rep.name, Checked: time.Now()}
		var (
			inRecovery bool
			behind     float64
			age        sql.NullFloat64
		)
		err := measure(ctx, rep.db, lsnArg, &inRecovery, &behind, &age)
		switch {
		case err != nil:
			st.Reason = "unreachable"
		case !inRecovery:
			st.Reason = "not a standby (pg_is_in_recovery() is false)"
		case behind <= 0:
			st.Healthy = true // nothing pending: current, however old the last replayed transaction
		case !age.Valid:
			st.Reason = "WAL pending and nothing replayed yet"
		default:
			st.Lag = time.Duration(age.Float64 * float64(time.Second))
			st.Healthy = st.Lag <= r.cfg.MaxLag
			if !st.Healthy {
				st.Reason = fmt.Sprintf("replay lag %s exceeds %s", st.Lag.Round(time.Millisecond), r.cfg.MaxLag)
			}
		}
		first := !rep.checked.Swap(true)
		if was := rep.healthy.Swap(st.Healthy); first || was != st.Healthy {
			if st.Healthy {
				slog.Info("read replica in use", "replica", rep.name, "lag", st.Lag)
			} else {
				slog.Warn("read replica skipped", "replica", rep.name, "reason", st.Reason)
			}
		}
		rep.mu.Lock()
		rep.status = st
		rep.mu.Unlock()
		if r.cfg.Hooks.Replica != nil {
			r.cfg.Hooks.Replica(st)
		}
	}
}

// measure runs lagQuery in a transaction of its own, so that it holds
// behind PgBouncer in transaction mode too (see pinnedDriver).
func measure(ctx context.Context, pool *sql.DB, lsn any, dest ...any) error {
	tx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	return tx.QueryRowContext(ctx, lagQuery, lsn).Scan(dest...)
}

// Status is the last check of every replica.
func (r *Router) Status() []ReplicaStatus {
	out := make([]ReplicaStatus, 0, len(r.replicas))
	for _, rep := range r.replicas {
		rep.mu.Lock()
		out = append(out, rep.status)
		rep.mu.Unlock()
	}
	return out
}

// pick returns a healthy replica, round robin, or nil.
func (r *Router) pick() *replica {
	n := len(r.replicas)
	start := int(r.next.Add(1))
	for i := 0; i < n; i++ {
		if rep := r.replicas[(start+i)%n]; rep.healthy.Load() {
			return rep
		}
	}
	return nil
}

func (r *Router) observe(route Route) {
	if r.cfg.Hooks.Route != nil {
		r.cfg.Hooks.Route(route)
	}
}

// Query reads from a healthy replica unless the request wrote or asked for
// the primary.
func (r *Router) Query(ctx context.Context, query string, args, v any) error {
	if writes(query) {
		// ent sends INSERT … RETURNING (a create, an audit row) as a
		// query: a standby would refuse it as read-only.
		MarkWrote(ctx)
		r.observe(RouteWrite)
		return r.primary.Query(ctx, query, args, v)
	}
	if primaryRead(ctx) {
		r.observe(RouteAfterWrite)
		return r.primary.Query(ctx, query, args, v)
	}
	rep := r.pick()
	if rep == nil {
		r.observe(RouteFallback)
		return r.primary.Query(ctx, query, args, v)
	}
	err := rep.drv.Query(ctx, query, args, v)
	if err == nil {
		r.observe(RouteReplica)
		return nil
	}
	if ctx.Err() != nil || !replicaFault(err) {
		return err
	}
	if dberr.Unavailable(err) {
		// Down since the last check: skip it until a check finds it back.
		if rep.healthy.Swap(false) {
			slog.Warn("read replica skipped", "replica", rep.name, "reason", "unreachable")
		}
	}
	r.observe(RouteFallback)
	return r.primary.Query(ctx, query, args, v)
}

// writes reports whether a statement sent as a query changes data: one
// that starts with INSERT, UPDATE, DELETE or MERGE (ent's creates and
// updates with RETURNING), or a WITH whose query does (a data-modifying
// CTE). A SELECT … FOR UPDATE outside a transaction locks nothing worth
// routing for.
func writes(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	for _, verb := range []string{"INSERT", "UPDATE", "DELETE", "MERGE"} {
		if len(q) >= len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return true
		}
	}
	if len(q) >= 4 && strings.EqualFold(q[:4], "WITH") {
		upper := strings.ToUpper(q)
		return strings.Contains(upper, "INSERT ") || strings.Contains(upper, "UPDATE ") || strings.Contains(upper, "DELETE ")
	}
	return false
}

// replicaFault: the replica, not the statement, failed the read: it is
// unreachable (or shutting down, out of connections), or recovery
// cancelled the read ("conflict with recovery", reported as 40001). A
// statement timeout (57014) is not retried: the primary would time out too,
// after doubling the load.
func replicaFault(err error) bool {
	if dberr.Unavailable(err) {
		return true
	}
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "40001"
}

// Exec runs on the primary and marks the request as having written.
func (r *Router) Exec(ctx context.Context, query string, args, v any) error {
	MarkWrote(ctx)
	r.observe(RouteWrite)
	return r.primary.Exec(ctx, query, args, v)
}

// Tx opens a transaction on the primary (mutations run in one) and marks
// the request as having written.
func (r *Router) Tx(ctx context.Context) (dialect.Tx, error) {
	MarkWrote(ctx)
	r.observe(RouteWrite)
	return r.primary.Tx(ctx)
}

// BeginTx is Tx with options (ent's Client.BeginTx).
func (r *Router) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	MarkWrote(ctx)
	r.observe(RouteWrite)
	return r.primary.BeginTx(ctx, opts)
}

// ExecContext runs a raw statement on the primary and marks the request as
// having written.
func (r *Router) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	MarkWrote(ctx)
	r.observe(RouteWrite)
	return ExecRaw(ctx, r.primary, query, args...)
}

// QueryContext runs a raw query on the primary: raw statements belong to
// maintenance (rebuilds, backfills) that must see the latest writes.
func (r *Router) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.observe(RouteAfterWrite)
	return QueryRaw(ctx, r.primary, query, args...)
}

// Dialect is PostgreSQL: replicas exist only there.
func (r *Router) Dialect() string { return dialect.Postgres }

// Close stops the lag checks and closes the replica pools; the primary
// pool belongs to the caller.
func (r *Router) Close() error {
	r.stop()
	<-r.done
	var errs []error
	for _, rep := range r.replicas {
		errs = append(errs, rep.db.Close())
	}
	return errors.Join(errs...)
}

// requestState is what a request remembers about its statements.
type requestState struct{ wrote atomic.Bool }

type requestKey struct{}

// WithRequest returns ctx carrying a fresh record of whether the request
// wrote: after its first write, its reads go to the primary. Every request
// served through the router should carry one (ScopeRequests does).
func WithRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestState{})
}

// ScopeRequests gives every request of h its own write record.
func ScopeRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h.ServeHTTP(w, req.WithContext(WithRequest(req.Context())))
	})
}

// MarkWrote records that the request of ctx wrote (or must read its own
// writes): its later reads go to the primary. Without a request record it
// does nothing.
func MarkWrote(ctx context.Context) {
	if st, ok := ctx.Value(requestKey{}).(*requestState); ok {
		st.wrote.Store(true)
	}
}

type primaryKey struct{}

// ReadPrimary returns ctx whose reads all go to the primary: imports and
// jobs that must read what they, or a just-finished request, wrote.
func ReadPrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// ReadsPrimary reports whether the reads of ctx go to the primary (after a
// write of its request, or under ReadPrimary) rather than possibly to a
// replica.
func ReadsPrimary(ctx context.Context) bool { return primaryRead(ctx) }

func primaryRead(ctx context.Context) bool {
	if ctx.Value(primaryKey{}) != nil {
		return true
	}
	st, ok := ctx.Value(requestKey{}).(*requestState)
	return ok && st.wrote.Load()
}

// redactURL names a database URL without its credentials, for logs and
// metrics labels.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "replica"
	}
	return u.Host + u.Path
}
