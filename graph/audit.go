package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/dberr"
)

// The audit trail of reads of children's personal and health data
// (PIPL Art. 28/55; audit_logs, ent/schema/auditlog.go).
//
// What is audited: every operation that filters or selects child,
// enrolment or health-record rows, whatever it returns (ids only, a
// totalCount, cursors) and whatever path reached them (root connections,
// node/nodes, nested edges, mutation results), and whether the viewer got
// the values in clear or masked (the role in the row says which; see
// personal.go):
//
//   - Child, HealthRecord, Enrolment: every field except __typename,
//     id included (an ID alone says that a child matched the filter).
//   - ChildConnection, HealthRecordConnection, EnrolmentConnection:
//     totalCount and pageInfo (a count or cursors of filtered rows are
//     facts about them), with the IDs of the rows the page loaded; their
//     edges' cursor, with the edge's row.
//   - A where filter on a connection of these rows: the names of the
//     filter's fields ("where.result", "where.residenceRegionID"), never
//     their values, with the IDs of the rows returned (none for an empty
//     result: the filter is still recorded).
//
// Staff fields, and connections of other types, are not audited.
//
// One operation writes at most one row per entity type: the IDs of every
// record of that type it read and the union of the fields read ("one audit row
// per sensitive read" means per operation and entity type). A row holds who
// (subject, role, region code, institution id of the viewer), the operation
// name, the SHA-256 of the document, when the operation started, the entity
// type, IDs and field names: never a value. An operation that reads no
// audited field writes nothing.
//
// Reads are collected while the operation executes (personalData adds them to
// a per-operation collector made by withAuditCollector) and written once,
// after the response is built and before it is sent (auditor.flush). If the
// write fails the response is withheld: the client gets data null and one
// INTERNAL error "audit log unavailable", and the cause is logged. flush runs
// inside the transaction entgql.Transactioner opens for a mutation and writes
// through it (ent.FromContext), so a mutation whose audit row cannot be
// written is rolled back too; queries write with the plain client.

// AuditRecord is one row of the audit trail: one entity type read by one
// operation.
type AuditRecord struct {
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

// AuditWriter stores the audit records of one operation: all of them, or an
// error (the response is then withheld).
type AuditWriter interface {
	Write(ctx context.Context, records []AuditRecord) error
}

// EntAuditWriter is the default AuditWriter: it appends to audit_logs through
// ent, in the mutation's transaction when ctx carries one (ent.FromContext),
// with the client otherwise. Nobody may write audit_logs through the API
// (its policy denies every mutation), so it writes as trusted server code.
type EntAuditWriter struct {
	Client *ent.Client
}

// Write inserts records in one statement.
func (w EntAuditWriter) Write(ctx context.Context, records []AuditRecord) error {
	client := ent.FromContext(ctx)
	if client == nil {
		client = w.Client
	}
	rows := make([]*ent.AuditLogCreate, len(records))
	for i, r := range records {
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
	return client.AuditLog.CreateBulk(rows...).Exec(privacy.DecisionContext(ctx, privacy.Allow))
}

// auditCollector gathers the sensitive reads of one operation. Fields resolve
// concurrently, so it is guarded by a mutex.
type auditCollector struct {
	mu    sync.Mutex
	reads map[string]*entityReads // by entity type
	// lookups are reads that must be audited even when the mutation that
	// made them fails and its transaction (with the audit rows written in
	// it) rolls back: finding a child by its ID number tells the viewer the
	// child exists, whatever happens next (see persistLookups).
	lookups map[string]*entityReads
	// recorded: the operation read something audited (drain leaves it).
	recorded bool
}

// recordedAny reports whether the operation read anything audited.
func (c *auditCollector) recordedAny() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.recorded
}

type entityReads struct {
	ids    map[int]struct{}
	fields map[string]struct{}
}

func (c *auditCollector) add(entity string, ids []int, fields ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = addRead(c.reads, entity, ids, fields)
	c.recorded = true
}

// addLookup records a read that is audited even if the mutation fails.
func (c *auditCollector) addLookup(entity string, ids []int, fields ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads = addRead(c.reads, entity, ids, fields)
	c.lookups = addRead(c.lookups, entity, ids, fields)
	c.recorded = true
}

func addRead(reads map[string]*entityReads, entity string, ids []int, fields []string) map[string]*entityReads {
	if reads == nil {
		reads = map[string]*entityReads{}
	}
	r := reads[entity]
	if r == nil {
		r = &entityReads{ids: map[int]struct{}{}, fields: map[string]struct{}{}}
		reads[entity] = r
	}
	for _, id := range ids {
		r.ids[id] = struct{}{}
	}
	for _, f := range fields {
		r.fields[f] = struct{}{}
	}
	return reads
}

// drain returns the reads collected so far and forgets them.
func (c *auditCollector) drain() map[string]*entityReads {
	c.mu.Lock()
	defer c.mu.Unlock()
	reads := c.reads
	c.reads = nil
	return reads
}

type auditCollectorKey struct{}

// withAuditCollector gives each operation its collector (AroundOperations).
func withAuditCollector(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, auditCollectorKey{}, &auditCollector{}))
}

func auditCollectorFrom(ctx context.Context) *auditCollector {
	c, _ := ctx.Value(auditCollectorKey{}).(*auditCollector)
	return c
}

// auditor writes each operation's audit records when its response is built.
type auditor struct {
	writer AuditWriter
}

// newAuditor writes with w, or through client into audit_logs when w is nil.
func newAuditor(w AuditWriter, client *ent.Client) auditor {
	if w == nil {
		w = EntAuditWriter{Client: client}
	}
	return auditor{writer: w}
}

// auditUnavailableMessage is the message of a response withheld because its
// audit records could not be written (code INTERNAL).
const auditUnavailableMessage = "audit log unavailable"

// flush is the AroundResponses middleware: it lets the response be built,
// then writes the records of the reads made for it; if that fails, it answers
// data null and one INTERNAL error instead. Each response drains the
// collector, so an operation writes once (the GET and POST transports build
// one response per operation).
func (a auditor) flush(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	c := auditCollectorFrom(ctx)
	if resp == nil || c == nil {
		return resp
	}
	reads := c.drain()
	if len(reads) == 0 {
		return resp
	}
	records := auditRecords(ctx, reads)
	if err := a.writer.Write(ctx, records); err != nil {
		// Logged once with the request's other errors (withOutcome). A
		// database that cannot be reached is UNAVAILABLE (503), as for
		// any other statement.
		e := gqlerror.Errorf(auditUnavailableMessage)
		errcode.Set(e, CodeInternal)
		if dberr.Unavailable(err) {
			e = gqlerror.Errorf("the database is unavailable; retry later")
			errcode.Set(e, CodeUnavailable)
		}
		noteError(ctx, e, fmt.Errorf("graph: audit write failed, response withheld: %w", err))
		return &graphql.Response{Errors: gqlerror.List{e}}
	}
	return resp
}

// persistLookups writes, after a mutation's transaction rolled back, the
// audit records of the lookups it made (with the client: the transaction
// is gone, so nothing waits on it). The response already fails; a failure
// here is logged with the request's other errors.
func (a auditor) persistLookups(ctx context.Context) {
	c := auditCollectorFrom(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	lookups := c.lookups
	c.lookups = nil
	c.mu.Unlock()
	if len(lookups) == 0 {
		return
	}
	if err := a.writer.Write(ctx, auditRecords(ctx, lookups)); err != nil {
		e := gqlerror.Errorf(auditUnavailableMessage)
		errcode.Set(e, CodeInternal)
		noteError(ctx, e, fmt.Errorf("graph: audit of a failed mutation's lookups: %w", err))
	}
}

// auditRecords turns an operation's reads into one record per entity type,
// sorted by type, with sorted IDs and fields.
func auditRecords(ctx context.Context, reads map[string]*entityReads) []AuditRecord {
	v := auth.FromContext(ctx)
	at := time.Now()
	var operation, document string
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		document = oc.RawQuery
		operation = oc.OperationName
		if oc.Operation != nil && oc.Operation.Name != "" {
			operation = oc.Operation.Name
		}
		if !oc.Stats.OperationStart.IsZero() {
			at = oc.Stats.OperationStart
		}
	}
	sum := sha256.Sum256([]byte(document))
	hash := hex.EncodeToString(sum[:])
	records := make([]AuditRecord, 0, len(reads))
	for entity, r := range reads {
		ids := make([]int, 0, len(r.ids))
		for id := range r.ids {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		fields := make([]string, 0, len(r.fields))
		for f := range r.fields {
			fields = append(fields, f)
		}
		slices.Sort(fields)
		records = append(records, AuditRecord{
			At:            at,
			Subject:       v.Subject,
			Role:          string(v.Role),
			RegionCode:    v.RegionCode,
			InstitutionID: v.InstitutionID,
			Operation:     operation,
			DocumentHash:  hash,
			EntityType:    entity,
			EntityIDs:     ids,
			Fields:        fields,
		})
	}
	slices.SortFunc(records, func(a, b AuditRecord) int { return strings.Compare(a.EntityType, b.EntityType) })
	return records
}
