package jobs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/datachunk"
	"github.com/tuoyu/tuoyu/ent/datajob"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// importArgs is the River job of an import: the DataJob holds the rest.
type importArgs struct {
	DataJobID int `json:"data_job_id"`
}

// Kind implements river.JobArgs.
func (importArgs) Kind() string { return "tuoyu_data_import" }

// exportArgs is the River job of an export.
type exportArgs struct {
	DataJobID int `json:"data_job_id"`
}

// Kind implements river.JobArgs.
func (exportArgs) Kind() string { return "tuoyu_data_export" }

// periodicArgs is a run of work registered with AddPeriodic.
type periodicArgs struct {
	Name string `json:"name"`
}

// Kind implements river.JobArgs.
func (periodicArgs) Kind() string { return "tuoyu_periodic" }

type importWorker struct {
	river.WorkerDefaults[importArgs]
	q *Queue
}

// Work runs the import. An error is retried by River (MaxAttempts); after
// the last attempt the job is ERROR.
func (w *importWorker) Work(ctx context.Context, job *river.Job[importArgs]) error {
	err := w.q.runImport(ctx, job.Args.DataJobID)
	return w.q.settle(ctx, job.Args.DataJobID, job.Attempt >= job.MaxAttempts, err)
}

type exportWorker struct {
	river.WorkerDefaults[exportArgs]
	q *Queue
}

// Work runs the export, retried like an import.
func (w *exportWorker) Work(ctx context.Context, job *river.Job[exportArgs]) error {
	err := w.q.runExport(ctx, job.Args.DataJobID)
	return w.q.settle(ctx, job.Args.DataJobID, job.Attempt >= job.MaxAttempts, err)
}

type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	q *Queue
}

// Work runs the registered function of the name.
func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	w.q.mu.Lock()
	fn := w.q.periodic[job.Args.Name]
	w.q.mu.Unlock()
	if fn == nil {
		// Registered by another build of the server: nothing to do here.
		return river.JobCancel(fmt.Errorf("jobs: no periodic job %q in this server", job.Args.Name))
	}
	if err := fn(ctx); err != nil {
		return fmt.Errorf("jobs: periodic %s: %w", job.Args.Name, err)
	}
	return nil
}

// settle records how an attempt ended: nothing to do on success; on an
// error the job goes back to QUEUED for River's retry, or, after the last
// attempt, to ERROR. An error that every attempt would meet again (see
// permanent) ends the job ERROR at once, without retries.
func (q *Queue) settle(ctx context.Context, id int, last bool, err error) error {
	if err == nil {
		return nil
	}
	if msg, ok := permanent(err); ok {
		q.cfg.Logger.Warn("data job refused", "job", id, "err", err)
		q.end(ctx, id, msg)
		return river.JobCancel(err)
	}
	q.cfg.Logger.Error("data job failed", "job", id, "last_attempt", last, "err", err)
	if last {
		q.fail(ctx, id, err)
		return err
	}
	sys := privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow)
	_ = q.cfg.Client.DataJob.UpdateOneID(id).
		Where(datajob.StateEQ(schematype.DataJobStateRunning)).
		SetState(schematype.DataJobStateQueued).
		Exec(sys)
	return err
}

// Messages of permanent failures (DataJob.errorMessage).
const (
	msgForbidden = "refused: this token's role or scope does not allow it (FORBIDDEN); submitting it again is refused too"
	msgInvalid   = "refused: the request is not valid (BAD_USER_INPUT); submitting it again is refused too"
)

// permanent reports whether an attempt's error is one that every attempt
// would meet again, with the message to record: a refusal by the viewer's
// permissions (a row policy, a role rule) or an invalid request (a filter
// that no longer decodes). Retrying those only holds a worker and one of
// the principal's active jobs for nothing, and "submit it again" would be
// wrong advice. Submission refuses both already (SubmitExport); this is
// for what changes between submission and run.
func permanent(err error) (string, bool) {
	var fe *apperr.FieldError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "", false
	case errors.Is(err, privacy.Deny), errors.Is(err, apperr.ErrForbidden):
		return msgForbidden, true
	case errors.As(err, &fe) && fe.Kind == nil:
		return msgInvalid, true
	}
	return "", false
}

// fail marks a job ERROR. The message is generic: causes go to the log,
// never to the client (they may name SQL or files).
func (q *Queue) fail(ctx context.Context, id int, cause error) {
	msg := "the job could not be completed; submit it again (the server log has the cause)"
	if errors.Is(cause, context.DeadlineExceeded) {
		msg = "the job took longer than the server allows (--job-timeout)"
	}
	q.end(ctx, id, msg)
}

// end marks a job ERROR with msg, unless it has already ended otherwise.
func (q *Queue) end(ctx context.Context, id int, msg string) {
	sys := privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow)
	err := q.cfg.Client.DataJob.UpdateOneID(id).
		Where(datajob.StateNotIn(schematype.DataJobStateSucceeded, schematype.DataJobStateFailed)).
		SetState(schematype.DataJobStateError).
		SetErrorMessage(msg).
		SetFinishedAt(q.cfg.Now()).
		Exec(sys)
	if err != nil && !ent.IsNotFound(err) {
		q.cfg.Logger.Error("data job: record failure", "job", id, "err", err)
	}
}

// viewerOf is the principal who submitted the job: the worker acts as it.
func viewerOf(job *ent.DataJob) *auth.Viewer {
	return &auth.Viewer{
		Subject:       job.RequesterSubject,
		Role:          auth.Role(job.RequesterRole),
		RegionCode:    job.RequesterRegion,
		InstitutionID: job.RequesterInstitution,
		KeyID:         job.RequesterKeyID,
	}
}

// begin loads a job for a worker and marks it RUNNING; done is true when
// the job already ended (an earlier attempt finished it, or the request
// that submitted it ran it), so a job runs to completion once.
func (q *Queue) begin(ctx context.Context, id int) (job *ent.DataJob, done bool, err error) {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	job, err = q.cfg.Client.DataJob.Get(sys, id)
	if ent.IsNotFound(err) {
		return nil, true, nil // expired and deleted: nothing left to do
	}
	if err != nil {
		return nil, false, fmt.Errorf("jobs: load job %d: %w", id, err)
	}
	if job.State.Done() {
		return job, true, nil
	}
	now := q.cfg.Now()
	if err := q.cfg.Client.DataJob.UpdateOneID(id).
		SetState(schematype.DataJobStateRunning).
		SetStartedAt(now).
		SetRowsDone(0).
		Exec(sys); err != nil {
		return nil, false, fmt.Errorf("jobs: start job %d: %w", id, err)
	}
	return job, false, nil
}

// asViewer is a context acting as the job's submitter: row permissions
// apply as they did to the request (no privacy decision is carried over).
func asViewer(ctx context.Context, job *ent.DataJob) context.Context {
	return auth.NewContext(ctx, viewerOf(job))
}

// progress is a throttled writer of rowsDone: the importer reports every
// row, the job row is written at most once per ProgressEvery, from a
// goroutine so that a busy database (SQLite's write lock held by the
// import's own transaction) never slows or blocks the import.
type progress struct {
	done, total atomic.Int64
	stop        chan struct{}
	wg          sync.WaitGroup
}

func (q *Queue) trackProgress(ctx context.Context, id int) *progress {
	p := &progress{stop: make(chan struct{})}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(q.cfg.ProgressEvery)
		defer t.Stop()
		var last int64 = -1
		for {
			select {
			case <-p.stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				d := p.done.Load()
				if d == last {
					continue
				}
				last = d
				uctx, cancel := context.WithTimeout(sys, q.cfg.ProgressEvery)
				err := q.cfg.Client.DataJob.UpdateOneID(id).
					Where(datajob.StateEQ(schematype.DataJobStateRunning)).
					SetRowsDone(int(d)).
					SetRowsTotal(int(p.total.Load())).
					Exec(uctx)
				cancel()
				if err != nil && !ent.IsNotFound(err) {
					q.cfg.Logger.Debug("data job: progress not recorded", "job", id, "err", err)
				}
			}
		}
	}()
	return p
}

func (p *progress) report(done, total int) {
	p.done.Store(int64(done))
	p.total.Store(int64(total))
}

func (p *progress) close() {
	close(p.stop)
	p.wg.Wait()
}

// runImport runs an import job to its end: SUCCEEDED, FAILED (invalid rows,
// nothing written) or an error for the caller to retry or record.
func (q *Queue) runImport(ctx context.Context, id int) error {
	job, done, err := q.begin(ctx, id)
	if err != nil || done {
		return err
	}
	f, size, err := spool(ctx, q.cfg.Client, id, datachunk.PartUPLOAD)
	if err != nil {
		return err
	}
	defer removeTemp(f)
	p := q.trackProgress(ctx, id)
	res, err := q.cfg.Importer(asViewer(ctx, job), q.cfg.Client, f, size, ImportOptions{
		Entity:   job.Entity,
		FileName: job.FileName,
		Format:   string(job.Format),
		DryRun:   job.DryRun,
		Progress: p.report,
	})
	p.close()
	if err != nil {
		return fmt.Errorf("jobs: import job %d: %w", id, err)
	}
	state := schematype.DataJobStateSucceeded
	if res.ErrorCount > 0 {
		state = schematype.DataJobStateFailed
	}
	errs := res.Errors
	if len(errs) > MaxStoredErrors {
		errs = errs[:MaxStoredErrors]
	}
	stored := make([]schematype.DataRowError, len(errs))
	for i, e := range errs {
		stored[i] = schematype.DataRowError{Row: e.Row, Column: e.Column, Code: e.Code, Message: e.Message}
	}
	count := max(res.ErrorCount, len(res.Errors))
	// The outcome and, for a success, the deletion of the upload (it holds
	// clear ID numbers and guardians' phones; once the rows are in, nothing
	// needs it, only a FAILED import's error report does until the job
	// expires) commit together: whoever sees SUCCEEDED finds no upload left.
	sys := privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow)
	tx, err := q.cfg.Client.Tx(sys)
	if err != nil {
		return fmt.Errorf("jobs: record import job %d: %w", id, err)
	}
	err = tx.DataJob.UpdateOneID(id).
		SetState(state).
		SetRowsDone(res.Rows).
		SetRowsTotal(res.Rows).
		SetCreatedCount(res.Created).
		SetUpdatedCount(res.Updated).
		SetUnchangedCount(res.Unchanged).
		SetDeletedCount(res.Deleted).
		SetRowErrors(stored).
		SetErrorCount(count).
		SetFinishedAt(q.cfg.Now()).
		Exec(sys)
	if err == nil && state == schematype.DataJobStateSucceeded {
		err = deleteChunks(sys, tx.Client(), id, datachunk.PartUPLOAD)
	}
	if err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("jobs: record import job %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: record import job %d: %w", id, err)
	}
	return nil
}

// runExport writes an export's output into the job's chunks.
func (q *Queue) runExport(ctx context.Context, id int) error {
	job, done, err := q.begin(ctx, id)
	if err != nil || done {
		return err
	}
	// A previous attempt may have left part of its output.
	if err := deleteChunks(ctx, q.cfg.Client, id, datachunk.PartOUTPUT); err != nil {
		return err
	}
	where, err := DecodeWhere(job.Entity, job.WhereJSON)
	if err != nil {
		return fmt.Errorf("jobs: export job %d: %w", id, err)
	}
	w := newChunkWriter(ctx, q.cfg.Client, id, datachunk.PartOUTPUT)
	p := q.trackProgress(ctx, id)
	rows, err := q.cfg.Exporter(asViewer(ctx, job), q.cfg.Client, w, ExportOptions{Entity: job.Entity, Format: string(job.Format), Where: where, Progress: func(rows int) { p.report(rows, 0) }})
	p.close()
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return errors.Join(fmt.Errorf("jobs: export job %d: %w", id, err), deleteChunks(context.WithoutCancel(ctx), q.cfg.Client, id, datachunk.PartOUTPUT))
	}
	err = q.cfg.Client.DataJob.UpdateOneID(id).
		SetState(schematype.DataJobStateSucceeded).
		SetRowsDone(rows).
		SetRowsTotal(rows).
		SetFileHash(w.Hash()).
		SetFileSize(w.size).
		SetFinishedAt(q.cfg.Now()).
		Exec(privacy.DecisionContext(context.WithoutCancel(ctx), privacy.Allow))
	if err != nil {
		return fmt.Errorf("jobs: record export job %d: %w", id, err)
	}
	return nil
}

// DeleteExpired deletes the jobs past their expiry with their files (the
// periodic "data_job_expiry" work). Chunks go first, job by job, so no
// statement deletes more than one job's bytes.
//
// It also ends jobs left RUNNING by a worker that died on their last
// attempt: River's rescuer then discards the job without running it again,
// so nothing else would. A live attempt restarts its clock (started_at)
// within RescueAfter plus River's retry delay, so a job RUNNING since twice
// RescueAfter plus 10 minutes has no worker left: it becomes ERROR.
func (q *Queue) DeleteExpired(ctx context.Context) error {
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if _, err := q.cfg.Client.DataJob.Update().
		Where(datajob.StateEQ(schematype.DataJobStateRunning), datajob.StartedAtLT(q.cfg.Now().Add(-2*q.cfg.RescueAfter-10*time.Minute))).
		SetState(schematype.DataJobStateError).
		SetErrorMessage("the server running the job stopped; submit it again").
		SetFinishedAt(q.cfg.Now()).
		Save(sys); err != nil {
		return fmt.Errorf("jobs: end abandoned jobs: %w", err)
	}
	ids, err := q.cfg.Client.DataJob.Query().
		Where(datajob.ExpiresAtLTE(q.cfg.Now())).
		IDs(sys)
	if err != nil {
		return fmt.Errorf("jobs: expired jobs: %w", err)
	}
	for _, id := range ids {
		if _, err := q.cfg.Client.DataChunk.Delete().Where(datachunk.DataJobID(id)).Exec(sys); err != nil {
			return fmt.Errorf("jobs: delete chunks of job %d: %w", id, err)
		}
		if err := q.cfg.Client.DataJob.DeleteOneID(id).Exec(sys); err != nil && !ent.IsNotFound(err) {
			return fmt.Errorf("jobs: delete job %d: %w", id, err)
		}
	}
	if len(ids) > 0 {
		q.cfg.Logger.Info("expired data jobs deleted", "count", len(ids))
	}
	return nil
}
