// Package audit is the audit trail of reads of children's personal and
// health data (PIPL Art. 28/55): the rows of audit_logs
// (ent/schema/auditlog.go), the one place that writes them, and the
// per-operation collector GraphQL reads are gathered in before they are
// written. What each surface audits is its own rule: GraphQL's in
// graph/personal.go and graph/audit.go, the export's in internal/export,
// the import's in internal/ingest.
//
// A row holds who (subject, role, region code, institution id of the
// viewer), the operation, the SHA-256 of the document or file, when it
// started, the entity type, IDs and field names: never a value.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/metrics"
)

// Record is one row of the audit trail: one entity type read by one
// operation.
type Record struct {
	At            time.Time
	Subject       string
	Role          string
	RegionCode    string
	InstitutionID int
	Operation     string
	DocumentHash  string
	EntityType    string
	EntityIDs     []int
	Fields        []string
}

// By returns a record of the viewer's read at at: the who and when of a
// record, for the caller to complete.
func By(v *auth.Viewer, at time.Time) Record {
	return Record{At: at, Subject: v.Subject, Role: string(v.Role), RegionCode: v.RegionCode, InstitutionID: v.InstitutionID}
}

// Writer stores the audit records of one operation: all of them, or an
// error (the caller then withholds what was read).
type Writer interface {
	Write(ctx context.Context, records []Record) error
}

// EntWriter is the default Writer: it appends to audit_logs through ent, in
// the caller's transaction when ctx carries one (ent.FromContext), with
// Client otherwise.
type EntWriter struct {
	Client *ent.Client
}

// Write inserts records in one statement.
func (w EntWriter) Write(ctx context.Context, records []Record) error {
	client := ent.FromContext(ctx)
	if client == nil {
		client = w.Client
	}
	return Insert(ctx, client, records...)
}

// Insert appends records to audit_logs with client (a transaction's client
// writes in it), in one statement; none is nothing. Nobody may write
// audit_logs through the API (its policy denies every mutation), so it
// writes as trusted server code.
func Insert(ctx context.Context, client *ent.Client, records ...Record) error {
	if len(records) == 0 {
		return nil
	}
	rows := make([]*ent.AuditLogCreate, len(records))
	for i, r := range records {
		// Empty lists are stored as [], never null.
		if r.EntityIDs == nil {
			r.EntityIDs = []int{}
		}
		if r.Fields == nil {
			r.Fields = []string{}
		}
		rows[i] = client.AuditLog.Create().
			SetAt(r.At).
			SetSubject(r.Subject).
			SetRole(r.Role).
			SetRegionCode(r.RegionCode).
			SetInstitutionID(r.InstitutionID).
			SetOperation(r.Operation).
			SetDocumentHash(r.DocumentHash).
			SetEntityType(r.EntityType).
			SetEntityIds(r.EntityIDs).
			SetFields(r.Fields)
	}
	if err := client.AuditLog.CreateBulk(rows...).Exec(privacy.DecisionContext(ctx, privacy.Allow)); err != nil {
		return fmt.Errorf("audit: write %d records: %w", len(records), err)
	}
	return nil
}

// CountedWriter counts the writes of the Writer it wraps and their
// failures (tuoyu_audit_writes_total).
type CountedWriter struct{ Writer }

// Write writes and counts.
func (w CountedWriter) Write(ctx context.Context, records []Record) error {
	err := w.Writer.Write(ctx, records)
	outcome := "ok"
	if err != nil {
		outcome = "failed"
	}
	metrics.AuditWrites.WithLabelValues(outcome).Inc()
	return err
}

// Reads are the audited reads of one operation, by entity type.
type Reads map[string]*entityReads

type entityReads struct {
	ids    map[int]struct{}
	fields map[string]struct{}
}

func (r Reads) add(entity string, ids []int, fields []string) Reads {
	if r == nil {
		r = Reads{}
	}
	e := r[entity]
	if e == nil {
		e = &entityReads{ids: map[int]struct{}{}, fields: map[string]struct{}{}}
		r[entity] = e
	}
	for _, id := range ids {
		e.ids[id] = struct{}{}
	}
	for _, f := range fields {
		e.fields[f] = struct{}{}
	}
	return r
}

// Records turns the reads into one record per entity type, sorted by type,
// with sorted IDs and fields: who read them (v), when the operation started
// (at), its name and document (kept as its SHA-256).
func (r Reads) Records(v *auth.Viewer, at time.Time, operation, document string) []Record {
	sum := sha256.Sum256([]byte(document))
	hash := hex.EncodeToString(sum[:])
	records := make([]Record, 0, len(r))
	for _, entity := range slices.Sorted(maps.Keys(r)) {
		rec := By(v, at)
		rec.Operation, rec.DocumentHash, rec.EntityType = operation, hash, entity
		rec.EntityIDs = slices.Sorted(maps.Keys(r[entity].ids))
		rec.Fields = slices.Sorted(maps.Keys(r[entity].fields))
		records = append(records, rec)
	}
	return records
}

// Collector gathers the audited reads of one operation. Fields resolve
// concurrently, so it is safe for concurrent use.
type Collector struct {
	mu    sync.Mutex
	reads Reads
	// lookups are reads that must be audited even when the mutation that
	// made them fails and its transaction (with the audit rows written in
	// it) rolls back: finding a child by its ID number tells the viewer the
	// child exists, whatever happens next.
	lookups Reads
	// recorded: the operation read something audited (Drain leaves it).
	recorded bool
}

// Add records a read of ids of entity, through fields.
func (c *Collector) Add(entity string, ids []int, fields ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = c.reads.add(entity, ids, fields)
	c.recorded = true
}

// AddLookup records a read that is audited even if the mutation fails
// (see TakeLookups).
func (c *Collector) AddLookup(entity string, ids []int, fields ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = c.reads.add(entity, ids, fields)
	c.lookups = c.lookups.add(entity, ids, fields)
	c.recorded = true
}

// RecordedAny reports whether the operation read anything audited, drained
// or not.
func (c *Collector) RecordedAny() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recorded
}

// Drain returns the reads collected so far and forgets them.
func (c *Collector) Drain() Reads { return c.take(&c.reads) }

// TakeLookups returns the lookups collected so far and forgets them: after
// a mutation rolled back, they are written on their own.
func (c *Collector) TakeLookups() Reads { return c.take(&c.lookups) }

func (c *Collector) take(r *Reads) Reads {
	c.mu.Lock()
	defer c.mu.Unlock()
	taken := *r
	*r = nil
	return taken
}

type collectorKey struct{}

// NewContext returns ctx carrying a new collector.
func NewContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, collectorKey{}, &Collector{})
}

// FromContext returns the collector of ctx, or nil.
func FromContext(ctx context.Context) *Collector {
	c, _ := ctx.Value(collectorKey{}).(*Collector)
	return c
}
