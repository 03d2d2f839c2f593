package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/evaluation"
	"github.com/tuoyu/tuoyu/internal/heapfloor"
	"github.com/tuoyu/tuoyu/internal/httpapi"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/secrets"
	"github.com/tuoyu/tuoyu/migrate"
)

// app is an open, migrated database with the keys derived from it.
type app struct {
	db     *db.DB
	client *ent.Client
	hasher *pii.Hasher
	loc    *time.Location
}

// open connects, applies pending migrations and resolves the PII key. A
// SQLite file that does not exist is refused, except for the commands that
// create one (config.checkSQLiteExists).
func open(ctx context.Context, c *config) (*app, error) {
	if err := c.checkSQLiteExists(); err != nil {
		return nil, err
	}
	if err := c.checkPool(); err != nil {
		return nil, err
	}
	// A configured key that does not parse is refused before the database
	// is opened and migrated: a bad setting changes nothing.
	if c.PIIKey != "" {
		if _, err := secrets.Parse(c.PIIKey); err != nil {
			return nil, errors.New("--pii-key (TUOYU_PII_KEY) must be at least 32 hex digits")
		}
	}
	loc, err := c.location()
	if err != nil {
		return nil, err
	}
	cfg := c.DB
	// Where each read went is a metric; the router knows nothing of metrics.
	cfg.ReplicaHooks.Route = func(r db.Route) { metrics.DBRoute.WithLabelValues(string(r)).Inc() }
	d, err := db.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	applied, err := applyMigrations(ctx, d, func(v string) { slog.Info("applying migration", "version", v) })
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 {
		slog.Info("database migrated", "dialect", d.Dialect, "applied", len(applied))
	}
	client := d.Client()
	key, err := secrets.Resolve(system(ctx), client, secrets.PIIKey, c.PIIKey, 32)
	if err != nil {
		d.Close()
		if c.PIIKey != "" {
			return nil, fmt.Errorf("--pii-key (TUOYU_PII_KEY): %w", err)
		}
		return nil, err
	}
	hasher, err := pii.NewHasher(key)
	if err != nil {
		d.Close()
		return nil, err
	}
	return &app{db: d, client: client, hasher: hasher, loc: loc}, nil
}

func (a *app) close() { closeWithin(a.db.Close, poolCloseWait, "database pools") }

// poolCloseWait bounds how long closing the pools waits: sql.DB.Close
// waits for statements still running, and one a request timed out of can
// sit in PgBouncer's queue, deaf to its context, until a server connection
// frees up. The process must end within the orchestrator's kill timeout;
// whatever is left is abandoned with the process.
const poolCloseWait = 2 * time.Second

// closeWithin runs closeFn and waits for it at most wait.
func closeWithin(closeFn func() error, wait time.Duration, what string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = closeFn()
	}()
	select {
	case <-done:
	case <-time.After(wait):
		slog.Warn("closing "+what+": statements still running are abandoned", "waited", wait)
	}
}

// system returns ctx with the Allow decision of trusted server code: the
// commands' own reads and writes (secrets, demo data, API keys) run as the
// system, below ent's row policies. Request contexts never derive from it
// (the HTTP server's base context is context.Background).
func system(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// listening, when set (tests), is told the address serve listens on.
var listening func(net.Addr)

func serve(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	tf := bindTokenFlags(fs, true)
	lf := bindLimitFlags(fs)
	addr := fs.String("addr", env("TUOYU_ADDR", defaultAddr), "listen address (env TUOYU_ADDR)")
	corsOrigins := fs.String("cors-origins", env("TUOYU_CORS_ORIGINS", ""), "comma-separated origins whose browsers may call /query, e.g. https://bi.example.cn; empty = same-origin only (env TUOYU_CORS_ORIGINS)")
	loadDemo := fs.Bool("demo", envBool("TUOYU_DEMO", true), "fill an empty SQLite database with demo data on start; never applies to PostgreSQL (env TUOYU_DEMO)")
	scale := fs.String("demo-scale", env("TUOYU_DEMO_SCALE", string(demo.ScaleCity)), "demo data scale: district, city or province (env TUOYU_DEMO_SCALE)")
	heapFloor := fs.Int("heap-floor-mib", envInt("TUOYU_HEAP_FLOOR_MIB", 64), "the Go heap is not collected before it reaches this size, however little of it is live (fewer collections under load; GOGC applies above it, GOMEMLIMIT still caps it); 0 = Go's default pacing (env TUOYU_HEAP_FLOOR_MIB)")
	kpiCache := fs.Int("kpi-cache-results", envInt("TUOYU_KPI_CACHE_RESULTS", kpi.DefaultResultCache), "KPI results kept and given again while the data they were computed from is unchanged (PostgreSQL; exact: any committed write makes them stale); 0 = keep none (env TUOYU_KPI_CACHE_RESULTS)")
	timeout := fs.Duration("request-timeout", envDuration("TUOYU_REQUEST_TIMEOUT", 30*time.Second), "deadline of one request (env TUOYU_REQUEST_TIMEOUT)")
	sd := bindShutdownFlags(fs)
	rf := bindRetentionFlags(fs)
	of := bindObsFlags(fs)
	jf := bindJobFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// The retention policy of the daily purge job; checked here so that a
	// bad period stops serve at once.
	policy, err := rf.policy()
	if err != nil {
		return err
	}
	if err := of.check(); err != nil {
		return err
	}
	of.setupLogging()
	if *timeout <= 0 {
		// No "no deadline": the drain budget and the write timeout derive
		// from it, and a request without a deadline could outlive both.
		return errors.New("--request-timeout must be positive (TUOYU_REQUEST_TIMEOUT)")
	}
	if err := sd.check(*timeout); err != nil {
		return err
	}
	if *heapFloor < 0 {
		return errors.New("--heap-floor-mib must be 0 or more (TUOYU_HEAP_FLOOR_MIB)")
	}
	if *kpiCache < 0 {
		return errors.New("--kpi-cache-results must be 0 or more (TUOYU_KPI_CACHE_RESULTS)")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := lf.check(); err != nil {
		return err
	}
	if err := jf.check(); err != nil {
		return err
	}
	if err := checkJWTSecret(tf.Secret); err != nil {
		return err
	}
	if tf.Leeway < 0 {
		return fmt.Errorf("--jwt-leeway (TUOYU_JWT_LEEWAY) must be 0 or more, not %s", tf.Leeway)
	}
	origins, err := httpapi.ParseOrigins(*corsOrigins)
	if err != nil {
		return fmt.Errorf("--cors-origins: %w", err)
	}
	opts, err := lf.handlerOptions()
	if err != nil {
		return err
	}
	defer heapfloor.Start(uint64(*heapFloor) << 20)()
	a, err := openComplete(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	if *loadDemo && a.db.Dialect == dialect.SQLite {
		if err := seedIfEmpty(ctx, a, *scale, of); err != nil {
			return err
		}
	}
	// After the demo load: its statements are not worth a span each.
	ob, err := startObservability(ctx, of, a)
	if err != nil {
		return err
	}
	defer ob.close()
	drv := ob.instrument(a)
	authn, err := newAuthenticator(ctx, a, tf, lf)
	if err != nil {
		return err
	}
	opts.Authenticator = authn
	opts.TracerProvider = ob.tp
	if a.db.Dialect == dialect.Postgres && tf.DevTokens {
		slog.Warn("development tokens (HS256, per-database secret) are accepted: whoever can run `server token` against this database can sign in as anyone; in production set --jwt-public-key and --dev-tokens=false")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if listening != nil {
		listening(ln.Addr())
	}
	reach := dialAddr(ln.Addr().String())
	hint, tokenCmd := tokenHint(ctx, a, c, tf, reach)
	queue, closeQueuePool, err := startJobs(ctx, a, jf, purgeDaily(a, policy), foldDataVersion(a))
	if err != nil {
		return err
	}
	// After the queue stops (deferred below, run first), within the same
	// bound as the other pools.
	defer closeWithin(func() error { closeQueuePool(); return nil }, poolCloseWait, "the job queue's pool")
	metrics.SetJobCounts(func(ctx context.Context) map[string]int {
		counts, err := queue.Counts(ctx)
		if err != nil {
			slog.Warn("metrics: counting data jobs", "err", err)
		}
		return counts
	})
	// Running jobs are never cut off by the serve context (the queue runs
	// until stopped): an early return stops them with the drain budget, a
	// signal with the whole shutdown's (below).
	jobsStopping := false
	defer func() {
		if !jobsStopping {
			_ = stopJobs(queue, sd.drain)
		}
	}()
	opts, exports, errorReports := jobHandlers(queue, opts, jf)
	// GraphQL reads go to the replicas when some are configured; each
	// request carries its write record so that it reads its own writes.
	routed := ent.NewClient(ent.Driver(drv))
	schema := graph.NewSchema(graph.Deps{Client: routed, Hasher: a.hasher, Location: a.loc, Driver: drv, Dialect: a.db.Dialect, SuppressionK: lf.SuppressionK, Jobs: queue, KPIResultCache: *kpiCache})
	// The evaluation export answers with the same credentials and limits as /query.
	export := evaluation.ExportHandler(a.client)
	if opts.RateLimiter != nil {
		export = opts.RateLimiter.Middleware(export)
	}
	export = authn.Middleware(export)
	srv := httpapi.New(httpapi.Config{
		Evaluations:    export,
		Addr:           *addr,
		GraphQL:        db.ScopeRequests(graph.NewHandler(schema, routed, opts)),
		DB:             a.db.SQL,
		Dialect:        a.db.Dialect,
		RequestTimeout: *timeout,
		CORSOrigins:    origins,
		TokenCommand:   tokenCmd,
		Metrics:        ob.mainMetrics(),
		TracerProvider: ob.tp,
		Exports:        exports,
		ErrorReports:   errorReports,
	})
	of.announce(fmt.Sprintf("tuoyu: serving on %s (%s)\n  GraphiQL:  http://%s/\n  GraphQL:   http://%s/query\n%s", ln.Addr(), describe(a.db, c), reach, reach, hint),
		"serving", "addr", ln.Addr().String(), "database", describe(a.db, c), "graphiql", "http://"+reach+"/", "graphql", "http://"+reach+"/query", "token_command", tokenCmd)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// The queue stops fetching at once (other servers, or this one after
	// its restart, take the queued jobs); running jobs get the grace period
	// and the drain budget, as requests do, then are cancelled. The pool
	// closes only after both.
	jobsStopping = true
	jobsStopped := make(chan struct{})
	go func() {
		defer close(jobsStopped)
		_ = stopJobs(queue, sd.Grace+sd.drain)
	}()
	err = sd.shutdown(srv, errc)
	<-jobsStopped
	// The pools close as serve returns (deferred), within poolCloseWait.
	slog.Info("shut down")
	return err
}

func describe(d *db.DB, c *config) string {
	if d.Dialect == dialect.SQLite {
		return "SQLite " + c.DB.SQLitePath
	}
	return "PostgreSQL"
}

// openComplete opens the database for serve and seed, refusing one whose
// demo load was cut short (Ctrl-C during the first start): it holds part of
// the demo and no precomputed KPI data, and serving it would show wrong
// numbers with no error, whatever --demo says.
func openComplete(ctx context.Context, c *config) (*app, error) {
	a, err := open(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := checkDemoComplete(ctx, a, c); err != nil {
		a.close()
		return nil, err
	}
	return a, nil
}

// checkDemoComplete refuses a database whose demo load was interrupted,
// saying how to start again.
func checkDemoComplete(ctx context.Context, a *app, c *config) error {
	err := demo.CheckComplete(system(ctx), a.client)
	if !errors.Is(err, demo.ErrInterrupted) {
		return err
	}
	if a.db.Dialect == dialect.SQLite {
		p := c.DB.SQLitePath
		return fmt.Errorf("%w: delete the database and start again, which loads the demo afresh: rm %s %s-wal %s-shm", err, p, p, p)
	}
	return fmt.Errorf("%w: drop and recreate the database, then run `tuoyu seed` again", err)
}

// seedIfEmpty loads demo data when the database has no regions yet,
// announcing it as of says.
func seedIfEmpty(ctx context.Context, a *app, scale string, of *obsFlags) error {
	empty, err := demo.IsEmpty(system(ctx), a.client)
	if err != nil || !empty {
		return err
	}
	s, err := demo.ParseScale(scale)
	if err != nil {
		return err
	}
	of.announce(fmt.Sprintf("tuoyu: empty database: loading %s-scale demo data (disable with --demo=false)\n", s), "loading demo data", "scale", s)
	var progress func(demo.Progress)
	if of.LogFormat != "json" {
		progress = demo.PrintProgress(stderr) // a terminal's progress bar, not log records
	}
	sum, err := demo.Load(ctx, a.client, demo.Options{
		Scale:    s,
		Seed:     1,
		AsOf:     civil.Today(a.loc),
		Hasher:   a.hasher,
		Progress: progress,
	})
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	of.announce(fmt.Sprintf("tuoyu: demo data loaded in %s\n", sum.Elapsed.Round(time.Millisecond)), "demo data loaded", "elapsed", sum.Elapsed.Round(time.Millisecond).String())
	return nil
}

func migrateCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := c.checkPool(); err != nil {
		return err
	}
	d, err := db.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := applyMigrations(ctx, d, func(v string) { fmt.Fprintln(stderr, "applying", v) })
	if err != nil {
		return err
	}
	// The job queue's own tables (River), under the same advisory lock, on
	// the queue's pool (direct to PostgreSQL behind PgBouncer).
	queuePool, closeQueuePool, err := d.QueuePool(ctx)
	if err != nil {
		return err
	}
	defer closeQueuePool()
	if err := jobs.Migrate(ctx, queuePool, d.Dialect, slog.Default()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s: %d migration(s) applied; schema is at head\n", d.Dialect, len(applied))
	return nil
}

func seedCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("seed", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	scale := fs.String("scale", string(demo.ScaleCity), "district, city or province")
	seed := fs.Int64("seed", 1, "random seed; the same seed, scale and as-of date give the same data")
	asOf := fs.String("as-of", "", "the data's today, YYYY-MM-DD (default: today in --timezone)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := demo.ParseScale(*scale)
	if err != nil {
		return err
	}
	// The date is checked before the database is opened (and created and
	// migrated): a refused value leaves nothing behind.
	loc, err := c.location()
	if err != nil {
		return err
	}
	day := civil.Today(loc)
	if *asOf != "" {
		if day, err = civil.Parse(*asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	if err := demo.CheckAsOf(day); err != nil {
		return fmt.Errorf("--as-of %s: %w", day.Format(civil.Layout), err)
	}
	a, err := openComplete(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	empty, err := demo.IsEmpty(system(ctx), a.client)
	if err != nil {
		return err
	}
	if !empty {
		return errors.New("seed: the database already has data; seed only loads into an empty database")
	}
	sum, err := demo.Load(ctx, a.client, demo.Options{Scale: s, Seed: *seed, AsOf: day, Hasher: a.hasher, Progress: demo.PrintProgress(stderr)})
	if err != nil {
		return err
	}
	total := 0
	for _, n := range sum.Counts {
		total += n
	}
	fmt.Fprintf(stderr, "seed: %d rows (%s scale, seed %d, as of %s) in %s\n", total, s, *seed, day.Format(civil.Layout), sum.Elapsed.Round(time.Millisecond))
	return nil
}

// applyMigrations migrates over --migrate-database-url when set (a direct
// connection beside PgBouncer), else over the database's own pool.
func applyMigrations(ctx context.Context, d *db.DB, progress func(string)) ([]string, error) {
	pool, release, err := d.MigrationPool(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return migrate.Apply(ctx, pool, d.Dialect, progress)
}
