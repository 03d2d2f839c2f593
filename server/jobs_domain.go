package main

import (
	"context"
	"io"
	"strings"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/export"
	"github.com/tuoyu/tuoyu/internal/ingest"
	"github.com/tuoyu/tuoyu/internal/jobs"
)

// The domain work of the job queue: internal/ingest imports, internal/export
// exports. internal/jobs knows them only by these function types, so the
// queue is tested without them and they without it.

func ingestOptions(a *app, o jobs.ImportOptions) ingest.Options {
	return ingest.Options{
		Entity:   o.Entity,
		FileName: o.FileName,
		Format:   strings.ToLower(o.Format),
		Encoding: o.Encoding,
		DryRun:   o.DryRun,
		Progress: o.Progress,
		Hasher:   a.hasher,
		Location: a.loc,
	}
}

func importer(a *app) jobs.Importer {
	return func(ctx context.Context, client *ent.Client, file io.ReaderAt, size int64, o jobs.ImportOptions) (*jobs.ImportResult, error) {
		res, err := ingest.Import(ctx, client, file, size, ingestOptions(a, o))
		if err != nil {
			return nil, err
		}
		out := &jobs.ImportResult{
			Entity: res.Entity, FileHash: res.FileHash, DryRun: res.DryRun,
			Rows: res.Rows, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Deleted: res.Deleted,
			ErrorCount: res.ErrorCount, Errors: make([]jobs.RowError, len(res.Errors)),
		}
		for i, e := range res.Errors {
			out.Errors[i] = jobs.RowError{Row: e.Row, Column: e.Column, Code: e.Code, Message: e.Message}
		}
		return out, nil
	}
}

func errorReporter(a *app) jobs.ErrorReporter {
	return func(w io.Writer, file io.ReaderAt, size int64, o jobs.ImportOptions, errs []jobs.RowError, total int) error {
		list := make([]ingest.RowError, len(errs))
		for i, e := range errs {
			list[i] = ingest.RowError{Row: e.Row, Column: e.Column, Code: e.Code, Message: e.Message}
		}
		opts := ingestOptions(a, o)
		opts.ErrorCount = total
		return ingest.WriteErrorReport(w, file, size, opts, list)
	}
}

func exporter(a *app) jobs.Exporter {
	// Exports read from the replicas when some are configured
	// (--database-replica-url); their audit rows are writes, which the
	// router sends to the primary.
	routed := a.db.RoutedClient()
	return func(ctx context.Context, _ *ent.Client, w io.Writer, o jobs.ExportOptions) (int, error) {
		return export.Write(ctx, routed, w, export.Options{
			Entity:    o.Entity,
			Format:    strings.ToLower(o.Format),
			Where:     o.Where,
			Operation: "exportData",
			Location:  a.loc,
			Progress:  o.Progress,
		})
	}
}

// exportCheck refuses at submission an export the viewer may not read
// (export.Check), as GraphQL refuses the read.
func exportCheck(a *app) jobs.ExportCheck {
	routed := a.db.RoutedClient()
	return func(ctx context.Context, _ *ent.Client, o jobs.ExportOptions) error {
		return export.Check(ctx, routed, export.Options{Entity: o.Entity, Format: strings.ToLower(o.Format), Where: o.Where})
	}
}
