package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/audit"
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
//     edges' cursor, with the edge's row; and their edges as such ("edges",
//     with the page's IDs) when they select nothing else audited (only
//     __typename): the page still tells how many rows there are.
//   - A where filter on a connection of these rows: the names of the
//     filter's fields ("where.result", "where.residenceRegionID"), never
//     their values, with the IDs of the rows returned (none for an empty
//     result: the filter is still recorded).
//   - A lookup by ID number that found a child (care.go: createEnrolment's
//     childIdNumber; an idNumber of createChild or updateChild answered
//     CONFLICT): entity Child, that field, the child's ID. It is also kept
//     when the mutation fails (persistLookups), since the answer alone
//     told the viewer the child exists.
//
// Staff fields, and connections of other types, are not audited.
//
// One operation writes at most one row per entity type: the IDs of every
// record of that type it read and the union of the fields read ("one audit
// row per sensitive read" means per operation and entity type). A row
// (audit.Record) holds who (subject, role, region code, institution id of
// the viewer), the operation name, the SHA-256 of the document, when the
// operation started, the entity type, IDs and field names: never a value.
// An operation that reads no audited field writes nothing.
//
// Reads are collected while the operation executes (personalData adds them
// to a per-operation audit.Collector made by withAuditCollector) and written
// once, after the response is built and before it is sent (auditor.flush). If the
// write fails the response is withheld: the client gets data null and one
// INTERNAL error "audit log unavailable", and the cause is logged. flush runs
// inside the transaction entgql.Transactioner opens for a mutation and writes
// through it (ent.FromContext), so a mutation whose audit row cannot be
// written is rolled back too; queries write with the plain client.

// withAuditCollector gives each operation its collector (AroundOperations).
func withAuditCollector(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(audit.NewContext(ctx))
}

// auditor writes each operation's audit records when its response is built.
type auditor struct {
	writer audit.Writer
}

// newAuditor writes with w, or through client into audit_logs when w is nil;
// either way its writes are counted (tuoyu_audit_writes_total).
func newAuditor(w audit.Writer, client *ent.Client) auditor {
	if w == nil {
		w = audit.EntWriter{Client: client}
	}
	return auditor{writer: audit.CountedWriter{Writer: w}}
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
	c := audit.FromContext(ctx)
	if resp == nil || c == nil {
		return resp
	}
	reads := c.Drain()
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
	c := audit.FromContext(ctx)
	if c == nil {
		return
	}
	lookups := c.TakeLookups()
	if len(lookups) == 0 {
		return
	}
	if err := a.writer.Write(ctx, auditRecords(ctx, lookups)); err != nil {
		e := gqlerror.Errorf(auditUnavailableMessage)
		errcode.Set(e, CodeInternal)
		noteError(ctx, e, fmt.Errorf("graph: audit of a failed mutation's lookups: %w", err))
	}
}

// auditRecords turns an operation's reads into its records: the viewer's,
// at the operation's start, with its name and document.
func auditRecords(ctx context.Context, reads audit.Reads) []audit.Record {
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
	return reads.Records(auth.FromContext(ctx), at, operation, document)
}
