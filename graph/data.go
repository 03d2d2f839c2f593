package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/graph/model"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/jobs"
)

// Import and export (data.graphql) through the background-job queue
// (internal/jobs). The resolvers are thin: they turn arguments into a
// jobs request and return the DataJob.

// errNoJobs: the server runs without a queue (tests, tools).
var errNoJobs = errors.New("graph: imports and exports are not available on this server")

// registryName is the internal/registry name of a DataEntity (lower case).
func registryName(e model.DataEntity) string { return strings.ToLower(string(e)) }

// importData stores the upload as a job and imports it (small files) or
// queues it.
func (r *Resolver) importData(ctx context.Context, entity model.DataEntity, file graphql.Upload, dryRun bool) (*ent.DataJob, error) {
	if r.jobs == nil {
		return nil, errNoJobs
	}
	return r.jobs.SubmitImport(ctx, jobs.ImportRequest{
		Entity:   registryName(entity),
		FileName: file.Filename,
		DryRun:   dryRun,
		File:     file.File,
		Size:     file.Size,
	})
}

// exportData queues an export; where may set only the exported entity's
// filter.
func (r *Resolver) exportData(ctx context.Context, entity model.DataEntity, where *model.DataExportFilter, format schematype.DataFormat) (*ent.DataJob, error) {
	if r.jobs == nil {
		return nil, errNoJobs
	}
	raw, err := entityFilter(entity, where)
	if err != nil {
		return nil, err
	}
	return r.jobs.SubmitExport(ctx, jobs.ExportRequest{Entity: registryName(entity), Format: format, Where: raw})
}

// entityFilter is the JSON of the one filter in where, which must belong to
// entity (the filter's field names are the entities' lowerCamel names).
func entityFilter(entity model.DataEntity, where *model.DataExportFilter) ([]byte, error) {
	if where == nil {
		return nil, nil
	}
	b, err := json.Marshal(where)
	if err != nil {
		return nil, fmt.Errorf("graph: export filter: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("graph: export filter: %w", err)
	}
	want := lowerCamel(registryName(entity))
	for k := range fields {
		if k != want {
			return nil, apperr.Invalid("where", "set only the filter of the exported entity ("+want+")")
		}
	}
	return fields[want], nil
}

// lowerCamel turns a registry name (health_records) into its filter field
// name (healthRecords).
func lowerCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// dataJob is a job of the viewer's, or nil when there is none with the ID.
func (r *Resolver) dataJob(ctx context.Context, id int, kind schematype.DataJobKind) (*ent.DataJob, error) {
	if r.jobs == nil {
		return nil, nil
	}
	job, err := r.jobs.Job(ctx, id, kind)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	return job, err
}

// nonEmpty is s, or nil (GraphQL null) when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// errorReportURL and downloadURL are the paths of a job's files, while it
// offers them.
func errorReportURL(job *ent.DataJob) *string {
	if job.Kind != schematype.DataJobKindImport || job.State != schematype.DataJobStateFailed {
		return nil
	}
	u := jobs.ErrorReportURL(job.ID)
	return &u
}

func downloadURL(job *ent.DataJob) *string {
	if job.Kind != schematype.DataJobKindExport || job.State != schematype.DataJobStateSucceeded {
		return nil
	}
	u := jobs.ExportURL(job.ID)
	return &u
}

// selfTransacting are the mutations that commit their own writes: an
// import writes all rows or none in its own transaction, and a submission
// stores the job, its file and its queue entry in one transaction together
// with River. Run inside the mutation transaction they would deadlock on
// SQLite (one writer: the open mutation transaction holds the lock).
var selfTransacting = map[string]bool{"importData": true, "exportData": true}

// transactionerExceptSelf is the mutation transactioner, skipped for
// operations whose root fields are all self-transacting.
type transactionerExceptSelf struct{ transactioner }

// InterceptResponse runs the operation with or without the transaction.
func (t transactionerExceptSelf) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation != nil && oc.Operation.Operation == ast.Mutation && allSelfTransacting(oc) {
		return next(ctx)
	}
	return t.transactioner.InterceptResponse(ctx, next)
}

func allSelfTransacting(oc *graphql.OperationContext) bool {
	fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation"})
	if len(fields) == 0 {
		return false
	}
	for _, f := range fields {
		if !selfTransacting[f.Name] {
			return false
		}
	}
	return true
}
