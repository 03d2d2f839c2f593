package jobs

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/ent/datachunk"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// ExportPath and ErrorReportPath are where a job's files are served.
const (
	ExportPath      = "/exports/{id}"
	ErrorReportPath = "/imports/{id}/errors"
)

// ExportURL is the download path of an export job.
func ExportURL(id int) string { return "/exports/" + strconv.Itoa(id) }

// ErrorReportURL is the download path of a failed import's error report.
func ErrorReportURL(id int) string { return "/imports/" + strconv.Itoa(id) + "/errors" }

var contentTypes = map[schematype.DataFormat]string{
	schematype.DataFormatCSV:  "text/csv; charset=utf-8",
	schematype.DataFormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// ServeExport serves GET /exports/{id}: the output of a finished export of
// the request's viewer (authenticate before it), streamed chunk by chunk.
// Anyone else's job, an unfinished or expired one, is 404 NOT_FOUND.
func (q *Queue) ServeExport(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		notFound(w)
		return
	}
	job, err := q.Job(r.Context(), id, schematype.DataJobKindExport)
	if err != nil || job.State != schematype.DataJobStateSucceeded {
		q.answer(w, err)
		return
	}
	ext := strings.ToLower(string(job.Format))
	h := w.Header()
	h.Set("Content-Type", contentTypes[job.Format])
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d.%s"`, job.Entity, job.ID, ext))
	h.Set("Content-Length", strconv.FormatInt(job.FileSize, 10))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	if _, err := copyChunks(r.Context(), q.cfg.Client, job.ID, datachunk.PartOUTPUT, paced(w)); err != nil {
		// Headers are out: the short body tells the client (Content-Length).
		q.cfg.Logger.Error("export download", "job", job.ID, "err", err)
	}
}

// ServeErrorReport serves GET /imports/{id}/errors: the uploaded workbook
// of a FAILED import of the viewer's with an error column added (XLSX).
func (q *Queue) ServeErrorReport(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || q.cfg.ErrorReporter == nil {
		notFound(w)
		return
	}
	job, err := q.Job(r.Context(), id, schematype.DataJobKindImport)
	if err != nil || job.State != schematype.DataJobStateFailed {
		q.answer(w, err)
		return
	}
	f, size, err := spool(r.Context(), q.cfg.Client, job.ID, datachunk.PartUPLOAD)
	if err != nil {
		q.answer(w, err)
		return
	}
	defer removeTemp(f)
	errs := make([]RowError, len(job.RowErrors))
	for i, e := range job.RowErrors {
		errs[i] = RowError{Row: e.Row, Column: e.Column, Code: e.Code, Message: e.Message}
	}
	// Always a workbook: the user's XLSX, or a CSV's rows at their line
	// numbers, with an error column.
	h := w.Header()
	h.Set("Content-Type", contentTypes[schematype.DataFormatXLSX])
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%d-errors.xlsx"`, job.Entity, job.ID))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	opts := ImportOptions{Entity: job.Entity, FileName: job.FileName, Format: string(job.Format), DryRun: job.DryRun}
	if err := q.cfg.ErrorReporter(paced(w), f, size, opts, errs, job.ErrorCount); err != nil {
		q.cfg.Logger.Error("error report", "job", job.ID, "err", err)
	}
}

// WriteStall is how long one write of a download may take. A file of a
// million rows outlasts the API's request deadline, so downloads are not
// under it (mount them without one): instead every write, at most a chunk
// (1 MiB), gets this long, which bounds a stalled client, not a slow one.
const WriteStall = time.Minute

// paced renews the connection's write deadline before every write.
func paced(w http.ResponseWriter) io.Writer {
	return pacedWriter{w: w, rc: http.NewResponseController(w)}
}

type pacedWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (p pacedWriter) Write(b []byte) (int, error) {
	_ = p.rc.SetWriteDeadline(time.Now().Add(WriteStall)) // unsupported (tests): the server's timeout stays
	return p.w.Write(b)
}

// answer is 404 for a missing job (or one not in the state asked for) and
// 500 for anything else, in the API's error shape.
func (q *Queue) answer(w http.ResponseWriter, err error) {
	if err == nil || errors.Is(err, apperr.ErrNotFound) {
		notFound(w)
		return
	}
	q.cfg.Logger.Error("data job download", "err", err)
	httperr.Write(w, http.StatusInternalServerError, "INTERNAL", "the file could not be read")
}

func notFound(w http.ResponseWriter) {
	httperr.Write(w, http.StatusNotFound, "NOT_FOUND", "no such file")
}
