package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/dataversion"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/upload"
)

// jobFlags configure uploads and the background-job queue (serve).
type jobFlags struct {
	UploadMaxBytes int64
	Workers        int
	Timeout        time.Duration
	RescueAfter    time.Duration
	MaxActive      int
}

func bindJobFlags(fs *flag.FlagSet) *jobFlags {
	f := &jobFlags{}
	fs.Int64Var(&f.UploadMaxBytes, "upload-max-bytes", envInt64("TUOYU_UPLOAD_MAX_BYTES", upload.DefaultMaxBytes), "largest importData upload request in bytes; larger ones are refused with 413 UPLOAD_TOO_LARGE (env TUOYU_UPLOAD_MAX_BYTES)")
	fs.IntVar(&f.Workers, "job-workers", envInt("TUOYU_JOB_WORKERS", jobs.DefaultWorkers), "background jobs (imports, exports) this server runs at once (env TUOYU_JOB_WORKERS)")
	fs.DurationVar(&f.Timeout, "job-timeout", envDuration("TUOYU_JOB_TIMEOUT", jobs.DefaultJobTimeout), "longest run of one background job attempt (env TUOYU_JOB_TIMEOUT)")
	fs.IntVar(&f.MaxActive, "job-max-active", envInt("TUOYU_JOB_MAX_ACTIVE", jobs.DefaultMaxActive), "unfinished imports and exports one principal may have; one more is refused with RATE_LIMITED (env TUOYU_JOB_MAX_ACTIVE)")
	fs.DurationVar(&f.RescueAfter, "job-rescue-after", envDuration("TUOYU_JOB_RESCUE_AFTER", 0), "a job running this long lost its server (crash) and is run again; 0 = --job-timeout + 5m (env TUOYU_JOB_RESCUE_AFTER)")
	return f
}

func (f *jobFlags) check() error {
	switch {
	case f.UploadMaxBytes <= 0:
		return errors.New("--upload-max-bytes must be positive (TUOYU_UPLOAD_MAX_BYTES)")
	case f.Workers <= 0:
		return errors.New("--job-workers must be positive (TUOYU_JOB_WORKERS)")
	case f.MaxActive <= 0:
		return errors.New("--job-max-active must be positive (TUOYU_JOB_MAX_ACTIVE)")
	case f.Timeout <= 0:
		return errors.New("--job-timeout must be positive (TUOYU_JOB_TIMEOUT)")
	case f.RescueAfter != 0 && f.RescueAfter <= f.Timeout:
		return errors.New("--job-rescue-after must exceed --job-timeout (TUOYU_JOB_RESCUE_AFTER)")
	}
	return nil
}

// startJobs brings River's tables up to date (under the migration lock)
// and starts this server's queue: workers, periodic jobs, rescue.
// periodic registers further periodic jobs (q.AddPeriodic) before the
// queue starts, such as the retention purge. River runs on
// db.QueuePool (direct to PostgreSQL behind PgBouncer); closePool closes
// that pool once the queue has stopped.
func startJobs(ctx context.Context, a *app, f *jobFlags, periodic ...func(q *jobs.Queue)) (q *jobs.Queue, closePool func(), err error) {
	pool, closeQueuePool, err := a.db.QueuePool(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if err != nil {
			closeQueuePool() // not closePool: the failed return set it to nil
		}
	}()
	if err := jobs.Migrate(ctx, pool, a.db.Dialect, slog.Default()); err != nil {
		return nil, nil, err
	}
	q, err = jobs.New(jobs.Config{
		DB:            pool,
		Dialect:       a.db.Dialect,
		Client:        a.client,
		Importer:      importer(a),
		ErrorReporter: errorReporter(a),
		Exporter:      exporter(a),
		ExportCheck:   exportCheck(a),
		Workers:       f.Workers,
		JobTimeout:    f.Timeout,
		RescueAfter:   f.RescueAfter,
		MaxActive:     f.MaxActive,
	})
	if err != nil {
		return nil, nil, err
	}
	for _, register := range periodic {
		register(q)
	}
	// The queue outlives ctx, which the first signal cancels: running jobs
	// are stopped by stopJobs, with a budget (jobs.Queue.Start).
	if err := q.Start(ctx); err != nil {
		return nil, nil, err
	}
	return q, closeQueuePool, nil
}

// jobHandlers wires the queue into the GraphQL schema and the HTTP
// options: uploads on, downloads authenticated like /query.
func jobHandlers(q *jobs.Queue, opts graph.HandlerOptions, f *jobFlags) (graph.HandlerOptions, http.Handler, http.Handler) {
	opts.MaxUploadBytes = f.UploadMaxBytes
	wrap := func(h http.HandlerFunc) http.Handler {
		var out http.Handler = h
		if opts.RateLimiter != nil {
			out = opts.RateLimiter.Middleware(out)
		}
		if opts.Authenticator != nil {
			out = opts.Authenticator.Middleware(out)
		}
		return out
	}
	return opts, wrap(q.ServeExport), wrap(q.ServeErrorReport)
}

// stopJobs stops the queue: no more jobs are fetched, running jobs get the
// budget to finish, and what is left is cancelled and run again later (by
// this or another server). serve calls it on the first signal with the
// grace period plus the drain budget, the time the shutdown takes anyway.
func stopJobs(q *jobs.Queue, budget time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// foldDataVersion registers the fold of the data version's rows
// (internal/dataversion) every minute on PostgreSQL, so that reading the
// version sums at most a minute of writing transactions.
func foldDataVersion(a *app) func(q *jobs.Queue) {
	return func(q *jobs.Queue) {
		if a.db.Dialect != dialect.Postgres {
			return
		}
		q.AddPeriodic("data_version_fold", time.Minute, func(ctx context.Context) error {
			return dataversion.Fold(ctx, a.db.SQL)
		})
	}
}
