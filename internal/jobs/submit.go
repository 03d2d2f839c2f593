package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/riverqueue/river"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/datachunk"
	"github.com/tuoyu/tuoyu/ent/datajob"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// ImportRequest is an uploaded file to import.
type ImportRequest struct {
	// Entity is the registry name (e.g. "institutions").
	Entity string
	// FileName decides the format by its extension (.csv or .xlsx).
	FileName string
	DryRun   bool
	File     io.Reader
	Size     int64
}

// ExportRequest is an export to run.
type ExportRequest struct {
	Entity string
	Format schematype.DataFormat
	// Where is the entity's WhereInput as JSON (DecodeWhere checks it); nil
	// exports every row the viewer may read.
	Where []byte
}

// formatOf is the format named by a file name's extension.
func formatOf(name string) (schematype.DataFormat, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return schematype.DataFormatCSV, nil
	case ".xlsx":
		return schematype.DataFormatXLSX, nil
	}
	return "", apperr.Invalid("file", "name must end in .csv or .xlsx") // shown as "file name must …"
}

// submitter is the viewer in ctx, who must be a signed-in principal: jobs
// are kept per principal.
func submitter(ctx context.Context) (*auth.Viewer, error) {
	v := auth.FromContext(ctx)
	if v.Role == auth.Public || v.Subject == "" {
		return nil, apperr.Forbidden("imports and exports need a token or an API key")
	}
	return v, nil
}

// inTx runs fn with an ent client and River on one database transaction:
// the job row, its bytes and its River job commit together or not at all.
func (q *Queue) inTx(ctx context.Context, fn func(client *ent.Client, tx *sql.Tx) error) error {
	tx, err := q.cfg.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("jobs: begin: %w", err)
	}
	client := ent.NewClient(ent.Driver(inTxDriver{entsql.NewDriver(q.cfg.Dialect, entsql.Conn{ExecQuerier: tx})}))
	if err := fn(client, tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("jobs: commit: %w", err)
	}
	return nil
}

// inTxDriver is an ent driver on an open *sql.Tx: the transactions ent
// opens itself (e.g. around an update) become no-ops inside it.
type inTxDriver struct{ *entsql.Driver }

// Tx implements dialect.Driver.
func (d inTxDriver) Tx(context.Context) (dialect.Tx, error) { return dialect.NopTx(d.Driver), nil }

// DefaultMaxActive is Config.MaxActive's default.
const DefaultMaxActive = 3

// ErrTooManyJobs: the principal already has Config.MaxActive unfinished
// jobs; it should wait for one to end (poll importJob/exportJob).
var ErrTooManyJobs = errors.New("jobs: too many unfinished jobs: wait for one to finish")

// checkQuota refuses a new job when v already has MaxActive unfinished
// ones. It reads through the viewer's own policy, so it counts exactly the
// jobs the principal owns.
//
// The count and the insert that follows in tx must not interleave with
// another submission of the same principal, or concurrent submissions all
// see the same count and all pass. SQLite serialises them already: its
// transactions begin IMMEDIATE (db.SQLiteDSN's _txlock), taking the one
// write lock before the count. PostgreSQL's READ COMMITTED does not, so
// the transaction first takes an advisory lock keyed by the principal,
// held until commit or rollback: submissions of one principal queue
// behind each other, other principals' do not.
func (q *Queue) checkQuota(ctx context.Context, client *ent.Client, tx *sql.Tx, v *auth.Viewer) error {
	if q.cfg.Dialect == dialect.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1, $2)", quotaLockClass, principalKey(v)); err != nil {
			return fmt.Errorf("jobs: lock the principal's job quota: %w", err)
		}
	}
	n, err := client.DataJob.Query().
		Where(datajob.StateIn(schematype.DataJobStateQueued, schematype.DataJobStateRunning)).
		Count(ctx)
	if err != nil {
		return fmt.Errorf("jobs: count unfinished jobs: %w", err)
	}
	if n >= q.cfg.MaxActive {
		return ErrTooManyJobs
	}
	return nil
}

// quotaLockClass is the first key of checkQuota's advisory locks (the
// two-key form, a key space apart from the one-key migration lock): "tyjq".
const quotaLockClass int32 = 0x74796a71

// principalKey is the second key of checkQuota's advisory lock: a hash of
// everything that makes a principal (requesterOnly in ent/schema/datajob.go).
// Two principals sharing a hash only wait for each other a moment.
func principalKey(v *auth.Viewer) int32 {
	h := fnv.New32a()
	for _, s := range []string{v.Subject, string(v.Role), v.RegionCode, strconv.Itoa(v.InstitutionID), v.KeyID} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return int32(h.Sum32())
}

// newJob is the create builder of a job submitted by v.
func (q *Queue) newJob(client *ent.Client, v *auth.Viewer, kind schematype.DataJobKind, entity string, format schematype.DataFormat) *ent.DataJobCreate {
	now := q.cfg.Now()
	return client.DataJob.Create().
		SetKind(kind).
		SetEntity(entity).
		SetFormat(format).
		SetRequesterSubject(v.Subject).
		SetRequesterRole(string(v.Role)).
		SetRequesterRegion(v.RegionCode).
		SetRequesterInstitution(v.InstitutionID).
		SetRequesterKeyID(v.KeyID).
		SetCreatedAt(now).
		SetExpiresAt(now.Add(q.cfg.TTL))
}

// SubmitImport stores the upload as a job of the viewer in ctx. A file of
// at most SyncMaxBytes is imported right away, within ctx, and the job
// returned finished; a larger one is queued and returned QUEUED (or
// RUNNING: a worker may take it before the job is read back). Either way
// a River job is inserted with the upload: when the synchronous import is
// cut short (the process dies), a worker takes it over later.
func (q *Queue) SubmitImport(ctx context.Context, req ImportRequest) (*ent.DataJob, error) {
	if q.cfg.Importer == nil {
		return nil, ErrUnavailable
	}
	v, err := submitter(ctx)
	if err != nil {
		return nil, err
	}
	format, err := formatOf(req.FileName)
	if err != nil {
		return nil, err
	}
	sync := req.Size <= q.cfg.SyncMaxBytes
	var id int
	err = q.inTx(ctx, func(client *ent.Client, tx *sql.Tx) error {
		if err := q.checkQuota(ctx, client, tx, v); err != nil {
			return err
		}
		sys := privacy.DecisionContext(ctx, privacy.Allow)
		name := req.FileName
		if len(name) > 255 {
			name = name[len(name)-255:]
		}
		job, err := q.newJob(client, v, schematype.DataJobKindImport, req.Entity, format).
			SetFileName(name).
			SetDryRun(req.DryRun).
			Save(sys)
		if err != nil {
			return fmt.Errorf("jobs: create import job: %w", err)
		}
		id = job.ID
		w := newChunkWriter(ctx, client, job.ID, datachunk.PartUPLOAD)
		if _, err := io.Copy(w, req.File); err != nil {
			return fmt.Errorf("jobs: store upload: %w", err)
		}
		if err := w.Close(); err != nil {
			return err
		}
		if err := client.DataJob.UpdateOneID(job.ID).SetFileHash(w.Hash()).SetFileSize(w.size).Exec(sys); err != nil {
			return fmt.Errorf("jobs: record upload: %w", err)
		}
		opts := &river.InsertOpts{}
		if sync {
			// The request imports it; the River job is the fallback
			// should the process die meanwhile (the request deadline is
			// far shorter than this).
			opts.ScheduledAt = q.cfg.Now().Add(q.cfg.RescueAfter)
		}
		if _, err := q.river.InsertTx(ctx, tx, importArgs{DataJobID: job.ID}, opts); err != nil {
			return fmt.Errorf("jobs: enqueue import: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sync {
		if err := q.runImport(ctx, id); err != nil {
			q.fail(ctx, id, err)
		}
	}
	return q.load(ctx, id)
}

// SubmitExport queues an export for the viewer in ctx. An export the
// viewer may not read is refused here (Config.ExportCheck), not queued.
func (q *Queue) SubmitExport(ctx context.Context, req ExportRequest) (*ent.DataJob, error) {
	if q.cfg.Exporter == nil {
		return nil, ErrUnavailable
	}
	v, err := submitter(ctx)
	if err != nil {
		return nil, err
	}
	where, err := DecodeWhere(req.Entity, req.Where)
	if err != nil {
		return nil, err
	}
	if q.cfg.ExportCheck != nil {
		if err := q.cfg.ExportCheck(ctx, q.cfg.Client, ExportOptions{Entity: req.Entity, Format: string(req.Format), Where: where}); err != nil {
			return nil, err
		}
	}
	var id int
	err = q.inTx(ctx, func(client *ent.Client, tx *sql.Tx) error {
		if err := q.checkQuota(ctx, client, tx, v); err != nil {
			return err
		}
		c := q.newJob(client, v, schematype.DataJobKindExport, req.Entity, req.Format)
		if len(req.Where) > 0 {
			c.SetWhereJSON(req.Where)
		}
		job, err := c.Save(privacy.DecisionContext(ctx, privacy.Allow))
		if err != nil {
			return fmt.Errorf("jobs: create export job: %w", err)
		}
		id = job.ID
		if _, err := q.river.InsertTx(ctx, tx, exportArgs{DataJobID: job.ID}, nil); err != nil {
			return fmt.Errorf("jobs: enqueue export: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return q.load(ctx, id)
}

// load reads a job as trusted code (the caller has just created it).
func (q *Queue) load(ctx context.Context, id int) (*ent.DataJob, error) {
	job, err := q.cfg.Client.DataJob.Get(privacy.DecisionContext(ctx, privacy.Allow), id)
	if err != nil {
		return nil, fmt.Errorf("jobs: load job %d: %w", id, err)
	}
	return job, nil
}

// Job returns a job of the viewer in ctx, of the kind given, that has not
// expired; apperr.ErrNotFound for anything else (another principal's job
// included: it does not exist for this viewer).
func (q *Queue) Job(ctx context.Context, id int, kind schematype.DataJobKind) (*ent.DataJob, error) {
	if _, err := submitter(ctx); err != nil {
		return nil, fmt.Errorf("jobs: job %d: %w", id, apperr.ErrNotFound)
	}
	job, err := q.cfg.Client.DataJob.Query().
		Where(datajob.ID(id), datajob.KindEQ(kind), datajob.ExpiresAtGT(q.cfg.Now())).
		Only(ctx)
	if ent.IsNotFound(err) || errors.Is(err, privacy.Deny) {
		return nil, fmt.Errorf("jobs: job %d: %w", id, apperr.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: job %d: %w", id, err)
	}
	return job, nil
}
