// Package jobs is tuoyu's background-job queue and the import/export jobs
// that run on it. The queue is River (github.com/riverqueue/river) over the
// application's own database — PostgreSQL through database/sql and lib/pq
// (riverdatabasesql) or SQLite (riversqlite) — so a queued or running job
// survives a restart of the server, and with several server instances on
// one database each job is worked by exactly one of them (River locks the
// job row when it fetches it; a job whose worker died is rescued and run
// again after RescueAfter).
//
// An import or export is a DataJob row (state, progress, counts, the first
// 1,000 row errors; readable by its submitter only, ent privacy) plus the
// DataChunk rows holding its bytes (the uploaded file, the export's output)
// in pieces of at most ChunkSize, streamed in and out so memory stays
// bounded and any instance can run the job or serve the download. The job
// row, its upload and the River job are inserted in one transaction.
//
// The domain work is injected (Config.Importer, Config.Exporter: ingest and
// export in server/), and runs as the principal who submitted the job: its
// subject, role, region and institution are stored with the job and the
// worker rebuilds that viewer, so row-level permissions hold as in the
// request.
//
// Periodic work (the expiry of data jobs, retention purges, idempotency
// cleanup) is registered with AddPeriodic and enqueued by River's leader
// only, so it runs once per period across all instances.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/datajob"
	"github.com/tuoyu/tuoyu/ent/privacy"
)

// RowError is one problem with one row of an imported file (ingest.RowError).
type RowError struct {
	Row                   int
	Column, Code, Message string
}

// ImportOptions say what to import (ingest.Options).
type ImportOptions struct {
	Entity, FileName, Format, Encoding string
	DryRun                             bool
	// Progress is called with the rows processed so far and the total.
	Progress func(done, total int)
}

// ImportResult is what an import did (ingest.Result). Invalid rows are
// ErrorCount > 0 with nothing written, not an error.
type ImportResult struct {
	Entity, FileHash                           string
	DryRun                                     bool
	Rows, Created, Updated, Unchanged, Deleted int
	Errors                                     []RowError
	ErrorCount                                 int
}

// Importer imports a file as the viewer in ctx, all rows or none
// (ingest.Import).
type Importer func(ctx context.Context, client *ent.Client, file io.ReaderAt, size int64, opts ImportOptions) (*ImportResult, error)

// ErrorReporter writes the uploaded workbook with an error column added
// (ingest.WriteErrorReport): errs are the job's stored errors (the first
// MaxStoredErrors), total its errorCount, so the report can say when it
// marks only the first of them.
type ErrorReporter func(w io.Writer, file io.ReaderAt, size int64, opts ImportOptions, errs []RowError, total int) error

// ExportOptions say what to export (export.Options): Where is the entity's
// *ent.<Type>WhereInput or nil.
type ExportOptions struct {
	Entity, Format string
	Where          any
	// Progress is called with the rows written so far.
	Progress func(rows int)
}

// Exporter writes the rows the viewer in ctx may read (export.Write).
type Exporter func(ctx context.Context, client *ent.Client, w io.Writer, opts ExportOptions) (rows int, err error)

// ExportCheck refuses, at submission, an export that its run would refuse
// (export.Check): the viewer in ctx may not read the entity. Its error
// (apperr's, with the field) goes to the client as it is.
type ExportCheck func(ctx context.Context, client *ent.Client, opts ExportOptions) error

// Defaults of Config.
const (
	DefaultWorkers       = 2
	DefaultJobTimeout    = 30 * time.Minute
	DefaultTTL           = 24 * time.Hour
	DefaultSyncMaxBytes  = 1 << 20
	DefaultMaxAttempts   = 3
	DefaultExpiryEvery   = time.Hour
	DefaultProgressEvery = time.Second
	// MaxStoredErrors is how many row errors a job keeps (all are counted).
	MaxStoredErrors = 1000
)

// Config configures a Queue. DB, Dialect and Client are required.
type Config struct {
	// DB is the application's pool; River's tables live in the same database.
	DB      *sql.DB
	Dialect string // dialect.Postgres or dialect.SQLite
	Client  *ent.Client
	// Importer, ErrorReporter and Exporter do the domain work. A nil
	// Importer or Exporter makes submissions of that kind fail with
	// ErrUnavailable.
	Importer      Importer
	ErrorReporter ErrorReporter
	Exporter      Exporter
	// ExportCheck, when set, runs before an export is queued, as the
	// submitter: a refusal is answered at once rather than by a job that
	// fails in the background.
	ExportCheck ExportCheck
	// Workers is how many jobs this instance runs at once (default 2); 0
	// with InsertOnly makes a client that only enqueues.
	Workers    int
	InsertOnly bool
	// JobTimeout bounds one attempt of a job (default 30 min).
	JobTimeout time.Duration
	// RescueAfter is how long a job may be RUNNING before it is taken to
	// have lost its worker (a crashed instance) and is run again; it must
	// exceed JobTimeout (default JobTimeout + 5 min).
	RescueAfter time.Duration
	// TTL is how long jobs and their files are kept (default 24 h).
	TTL time.Duration
	// SyncMaxBytes: uploads up to this size are imported within the
	// request (default 1 MiB).
	SyncMaxBytes int64
	// MaxActive is how many unfinished (QUEUED or RUNNING) jobs one
	// principal may have (default DefaultMaxActive): one signed-in user
	// cannot fill the database with uploads or starve the shared workers.
	MaxActive int
	// ExpiryEvery is how often expired jobs are deleted (default 1 h).
	ExpiryEvery time.Duration
	// ProgressEvery bounds how often a running job's rowsDone is written
	// (default 1 s).
	ProgressEvery time.Duration
	// PollInterval is how often idle workers look for jobs (River's
	// FetchPollInterval; default 1 s; database/sql has no LISTEN).
	PollInterval time.Duration
	// Logger receives River's and the workers' logs (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
}

// ErrUnavailable is returned when a kind of job is not configured.
var ErrUnavailable = errors.New("jobs: not available on this server")

// Queue is the job queue of one server instance.
type Queue struct {
	cfg           Config
	river         *river.Client[*sql.Tx]
	driver        riverdriver.Driver[*sql.Tx]
	workers       *river.Workers
	mu            sync.Mutex
	periodic      map[string]func(context.Context) error
	started       bool
	periodicEvery []periodicSpec
}

// newDriver is River's driver for the dialect, over the application's pool.
func newDriver(db *sql.DB, name string) (riverdriver.Driver[*sql.Tx], error) {
	switch name {
	case dialect.Postgres:
		return riverdatabasesql.New(db), nil
	case dialect.SQLite:
		return riversqlite.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unsupported dialect %q", name)
}

// migrationLockKey is the PostgreSQL advisory lock key of migrate.Apply
// (migrate.lockKey, "tuoyu"): River's migrations run under the same lock as
// the schema's, so replicas starting together migrate one at a time.
const migrationLockKey = 0x7475_6f79_75

// Migrate brings River's own tables (river_job, river_leader, river_queue,
// …) up to the version this build of River needs, with River's migrator,
// under the schema migrations' advisory lock on PostgreSQL. Run it at
// start-up after migrate.Apply; it is idempotent.
func Migrate(ctx context.Context, db *sql.DB, name string, logger *slog.Logger) error {
	drv, err := newDriver(db, name)
	if err != nil {
		return err
	}
	if logger == nil {
		logger = slog.Default()
	}
	if name == dialect.Postgres {
		conn, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("jobs: migrate: connect: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("jobs: migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey) //nolint:errcheck // released with the session anyway
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: logger})
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate river tables: %w", err)
	}
	return nil
}

// New builds the queue. Register periodic work with AddPeriodic, then Start.
func New(cfg Config) (*Queue, error) {
	if cfg.DB == nil || cfg.Client == nil {
		return nil, errors.New("jobs: DB and Client are required")
	}
	if cfg.Workers <= 0 && !cfg.InsertOnly {
		cfg.Workers = DefaultWorkers
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		cfg.RescueAfter = cfg.JobTimeout + 5*time.Minute
	}
	if cfg.MaxActive <= 0 {
		cfg.MaxActive = DefaultMaxActive
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.SyncMaxBytes == 0 {
		cfg.SyncMaxBytes = DefaultSyncMaxBytes
	}
	if cfg.ExpiryEvery <= 0 {
		cfg.ExpiryEvery = DefaultExpiryEvery
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = DefaultProgressEvery
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	drv, err := newDriver(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	q := &Queue{cfg: cfg, driver: drv, workers: river.NewWorkers(), periodic: map[string]func(context.Context) error{}}
	river.AddWorker(q.workers, &importWorker{q: q})
	river.AddWorker(q.workers, &exportWorker{q: q})
	river.AddWorker(q.workers, &periodicWorker{q: q})
	q.AddPeriodic("data_job_expiry", cfg.ExpiryEvery, q.DeleteExpired)
	return q, nil
}

// AddPeriodic registers fn to run every period, once per period across all
// instances on the database (River's leader enqueues it; any instance
// works it): when the leader starts, unless this period already had its
// run, and every period after. name identifies the work (unique; it is stored with River's
// jobs). Call it before Start; fn runs without a viewer and should use a
// privacy.Allow decision for trusted writes. A failed run is logged and
// retried by River.
func (q *Queue) AddPeriodic(name string, every time.Duration, fn func(ctx context.Context) error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		panic("jobs: AddPeriodic after Start") // a programming error at start-up
	}
	if _, dup := q.periodic[name]; dup {
		panic("jobs: periodic job " + name + " registered twice")
	}
	q.periodic[name] = fn
	q.periodicEvery = append(q.periodicEvery, periodicSpec{name: name, every: every})
}

type periodicSpec struct {
	name  string
	every time.Duration
}

// Start starts River's client: workers (unless InsertOnly), the periodic
// enqueuer and maintenance (rescue of jobs whose worker died, cleanup of
// finished River rows).
//
// The queue runs until Stop, whatever becomes of ctx: jobs get ctx's values
// but not its cancellation. River hard-stops a client whose start context
// is cancelled, cancelling the running jobs at once; a server's context is
// cancelled by the first SIGTERM, and its running jobs must instead get
// the drain budget that Stop gives them.
func (q *Queue) Start(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	q.mu.Lock()
	q.started = true
	specs := append([]periodicSpec(nil), q.periodicEvery...)
	q.mu.Unlock()
	rc := &river.Config{
		JobTimeout:           q.cfg.JobTimeout,
		RescueStuckJobsAfter: q.cfg.RescueAfter,
		MaxAttempts:          DefaultMaxAttempts,
		FetchPollInterval:    q.cfg.PollInterval,
		FetchCooldown:        min(q.cfg.PollInterval, 100*time.Millisecond),
		Logger:               q.cfg.Logger,
		Workers:              q.workers,
	}
	if !q.cfg.InsertOnly {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}}
		for _, s := range specs {
			// Unique per period: a leader change or a restart cannot
			// enqueue a period twice (River's minimum uniqueness period is
			// a second; periods are aligned to the Unix epoch, so a daily
			// job's period is the UTC day).
			name, period := s.name, max(s.every, time.Second)
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(
				river.PeriodicInterval(s.every),
				func() (river.JobArgs, *river.InsertOpts) {
					return periodicArgs{Name: name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: period}}
				},
				// River's leader schedules the first run one period after
				// it starts and keeps no schedule across restarts, so a
				// daily job of a server restarted every day would never
				// run. It runs at start too; uniqueness keeps that to once
				// per period.
				&river.PeriodicJobOpts{ID: name, RunOnStart: true},
			))
		}
	}
	client, err := river.NewClient(q.driver, rc)
	if err != nil {
		return fmt.Errorf("jobs: river client: %w", err)
	}
	q.river = client
	if q.cfg.InsertOnly {
		return nil
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and lets running jobs finish until ctx is done,
// then cancels them and waits up to cancelWait for them to return (a cancelled job is
// retried, by this or another instance). It is the only way to stop a
// started queue.
func (q *Queue) Stop(ctx context.Context) error {
	if q.river == nil || q.cfg.InsertOnly {
		return nil
	}
	if err := q.river.Stop(ctx); err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			q.cfg.Logger.Warn("jobs: stop: running jobs did not finish in time; cancelling them (they run again later)")
			// A cancelled job returns once its statement does; one stuck
			// where cancellation does not reach (PgBouncer's queue) is
			// left to the process's end after cancelWait.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
			defer cancel()
			if err := q.river.StopAndCancel(cctx); err != nil {
				return fmt.Errorf("jobs: stop: cancelled jobs did not return within %s: %w", cancelWait, err)
			}
			return nil
		}
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// cancelWait is how long Stop waits for cancelled jobs to return.
const cancelWait = 3 * time.Second

// Counts returns the number of data jobs in each state (QUEUED, RUNNING,
// SUCCEEDED, FAILED, ERROR; absent states are 0), for metrics.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		State string `json:"state"`
		Count int    `json:"count"`
	}
	err := q.cfg.Client.DataJob.Query().
		GroupBy(datajob.FieldState).
		Aggregate(ent.Count()).
		Scan(privacy.DecisionContext(ctx, privacy.Allow), &rows)
	if err != nil {
		return nil, fmt.Errorf("jobs: counts: %w", err)
	}
	out := map[string]int{}
	for _, s := range []string{"QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "ERROR"} {
		out[s] = 0
	}
	for _, r := range rows {
		out[r.State] = r.Count
	}
	return out, nil
}
