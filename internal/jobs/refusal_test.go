package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/registry"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Every registry entity can be exported: DecodeWhere knows its filter
// (the work calendar was once missing, so exportData refused it).
func TestEveryRegistryEntityIsExportable(t *testing.T) {
	for _, name := range registry.Names() {
		if _, err := jobs.DecodeWhere(name, []byte(`{}`)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := jobs.DecodeWhere("work_calendar", []byte(`{"year":2027}`)); err != nil {
		t.Errorf("work_calendar with a year: %v", err)
	}
	var fe *apperr.FieldError
	if _, err := jobs.DecodeWhere("nothing", nil); !errors.As(err, &fe) || fe.Field != "entity" || fe.Message != "cannot be exported" {
		t.Errorf("unknown entity: %v, want a field error on entity", err)
	}
}

// An export that the viewer may not read is refused at submission
// (ExportCheck) and stores nothing; one that is refused only when it runs
// (the permissions changed meanwhile) ends ERROR after one attempt, with a
// message that does not ask to submit it again.
func TestRefusedExportIsNotQueuedOrRetried(t *testing.T) {
	d := openDB(t)
	var runs atomic.Int32
	exporter := func(ctx context.Context, _ *ent.Client, _ io.Writer, opts jobs.ExportOptions) (int, error) {
		runs.Add(1)
		return 0, fmt.Errorf("export: read %s: %w", opts.Entity, privacy.Denyf("BI_SERVICE is aggregate-only"))
	}
	forbidden := &apperr.FieldError{Field: "entity", Message: "cannot be exported with this token", Kind: apperr.ErrForbidden}
	check := func(_ context.Context, _ *ent.Client, opts jobs.ExportOptions) error {
		if opts.Entity == "children" {
			return forbidden
		}
		return nil
	}
	q := newQueue(t, d, jobs.Config{Exporter: exporter, ExportCheck: check})

	_, err := q.SubmitExport(as("alice"), jobs.ExportRequest{Entity: "children", Format: schematype.DataFormatCSV})
	if !errors.Is(err, forbidden) {
		t.Fatalf("children: err = %v, want the check's refusal", err)
	}
	if n, _ := d.client.DataJob.Query().Count(testdb.Ctx()); n != 0 {
		t.Fatalf("%d jobs stored after a refused submission, want none", n)
	}

	job, err := q.SubmitExport(as("alice"), jobs.ExportRequest{Entity: "staff", Format: schematype.DataFormatCSV})
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, d.client, job.ID)
	if done.State != schematype.DataJobStateError || runs.Load() != 1 {
		t.Fatalf("refused run: %s after %d attempts, want ERROR after 1", done.State, runs.Load())
	}
	if done.ErrorMessage == "" || strings.Contains(done.ErrorMessage, "submit it again") || !strings.Contains(done.ErrorMessage, "FORBIDDEN") {
		t.Errorf("errorMessage %q: want a FORBIDDEN refusal, not advice to submit again", done.ErrorMessage)
	}
}
