package jobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/datachunk"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func submit(t *testing.T, q *jobs.Queue, ctx context.Context, name string, file []byte, dryRun bool) *ent.DataJob {
	t.Helper()
	job, err := q.SubmitImport(ctx, jobs.ImportRequest{Entity: "regions", FileName: name, DryRun: dryRun, File: bytes.NewReader(file), Size: int64(len(file))})
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// A small file is imported within the request, as the submitter, and the
// job comes back finished; a dry run and a file with invalid rows write
// nothing.
func TestSmallImportRunsInRequest(t *testing.T) {
	d := openDB(t)
	ri := &regionImporter{}
	q := newQueue(t, d, jobs.Config{Importer: ri.Import})

	job := submit(t, q, as("alice"), "a.csv", codes(0, 5), false)
	if job.State != schematype.DataJobStateSucceeded || job.CreatedCount != 5 || job.RowsTotal != 5 || job.Format != schematype.DataFormatCSV {
		t.Fatalf("job = %s created %d rows %d format %s, want SUCCEEDED 5 5 CSV", job.State, job.CreatedCount, job.RowsTotal, job.Format)
	}
	if job.FileHash == "" || job.FileSize != int64(len(codes(0, 5))) {
		t.Errorf("file hash %q size %d", job.FileHash, job.FileSize)
	}
	names, err := d.client.Region.Query().Where(region.CodeHasPrefix("210102")).Select(region.FieldName).Strings(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 5 || names[0] != "alice/PROVINCE_REGULATOR" {
		t.Fatalf("regions = %v, want 5 written as alice/PROVINCE_REGULATOR", names)
	}

	dry := submit(t, q, as("alice"), "b.xlsx", codes(5, 3), true)
	if dry.State != schematype.DataJobStateSucceeded || !dry.DryRun || dry.Format != schematype.DataFormatXLSX {
		t.Fatalf("dry run = %s dry %v format %s", dry.State, dry.DryRun, dry.Format)
	}
	bad := submit(t, q, as("alice"), "c.csv", append(codes(8, 2), []byte("bad\n")...), false)
	if bad.State != schematype.DataJobStateFailed || bad.ErrorCount != 1 || len(bad.RowErrors) != 1 || bad.RowErrors[0].Row != 3 || bad.RowErrors[0].Code != "INVALID" {
		t.Fatalf("invalid file = %s, %d errors %+v; want FAILED with row 3 INVALID", bad.State, bad.ErrorCount, bad.RowErrors)
	}
	if n := regionCount(t, d.client); n != 5 {
		t.Fatalf("regions = %d after a dry run and an invalid file, want the first 5 only", n)
	}

	if _, err := q.SubmitImport(as("alice"), jobs.ImportRequest{Entity: "regions", FileName: "x.txt", File: strings.NewReader("1"), Size: 1}); !isField(err, "file") {
		t.Errorf("a .txt file: err = %v, want a field error on file", err)
	}
	if _, err := q.SubmitImport(context.Background(), jobs.ImportRequest{Entity: "regions", FileName: "x.csv", File: strings.NewReader("1"), Size: 1}); !errors.Is(err, apperr.ErrForbidden) {
		t.Errorf("PUBLIC: err = %v, want forbidden", err)
	}
}

func isField(err error, field string) bool {
	var fe *apperr.FieldError
	return errors.As(err, &fe) && fe.Field == field
}

// Only the first 1,000 row errors are kept; all are counted.
func TestImportKeepsFirstThousandErrors(t *testing.T) {
	d := openDB(t)
	many := func(ctx context.Context, _ *ent.Client, _ io.ReaderAt, _ int64, opts jobs.ImportOptions) (*jobs.ImportResult, error) {
		res := &jobs.ImportResult{Rows: 1500, ErrorCount: 1500}
		for i := range 1500 {
			res.Errors = append(res.Errors, jobs.RowError{Row: i + 2, Column: "code", Code: "REQUIRED", Message: "missing"})
		}
		return res, nil
	}
	var listed, total int
	reporter := func(w io.Writer, _ io.ReaderAt, _ int64, _ jobs.ImportOptions, errs []jobs.RowError, n int) error {
		listed, total = len(errs), n
		_, err := io.WriteString(w, "report")
		return err
	}
	q := newQueue(t, d, jobs.Config{Importer: many, ErrorReporter: reporter})
	job := submit(t, q, as("alice"), "a.csv", []byte("x"), false)
	if job.State != schematype.DataJobStateFailed || job.ErrorCount != 1500 || len(job.RowErrors) != jobs.MaxStoredErrors || job.RowErrors[999].Row != 1001 {
		t.Fatalf("job = %s count %d kept %d", job.State, job.ErrorCount, len(job.RowErrors))
	}
	// The error report is told that it has only the first of the errors.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, jobs.ErrorReportURL(job.ID), nil).WithContext(as("alice"))
	req.SetPathValue("id", strconv.Itoa(job.ID))
	q.ServeErrorReport(rec, req)
	if rec.Code != http.StatusOK || listed != jobs.MaxStoredErrors || total != 1500 {
		t.Fatalf("error report: %d, reporter got %d errors of %d; want 200, 1000 of 1500", rec.Code, listed, total)
	}
}

// A large file is queued, run by a worker as the submitter, and readable
// by the submitter only.
func TestLargeImportIsQueuedAndPrivate(t *testing.T) {
	d := openDB(t)
	// The import waits inside its transaction until the submission has
	// been checked, so the job cannot have finished when submit returns;
	// a worker may already have taken it (RUNNING). Run in the request
	// instead, it would wait 30 s and come back SUCCEEDED.
	release := make(chan struct{})
	ri := &regionImporter{block: func(context.Context) {
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
	}}
	q := newQueue(t, d, jobs.Config{Importer: ri.Import, SyncMaxBytes: -1})
	job := submit(t, q, as("alice"), "a.csv", codes(0, 20), false)
	close(release)
	if job.State != schematype.DataJobStateQueued && job.State != schematype.DataJobStateRunning {
		t.Fatalf("state = %s, want QUEUED (or RUNNING: a worker took it)", job.State)
	}
	done := waitDone(t, d.client, job.ID)
	if done.State != schematype.DataJobStateSucceeded || done.CreatedCount != 20 || done.RowsDone != 20 || done.FinishedAt == nil {
		t.Fatalf("job = %s created %d done %d", done.State, done.CreatedCount, done.RowsDone)
	}
	if n := regionCount(t, d.client); n != 20 {
		t.Fatalf("regions = %d, want 20", n)
	}
	// A succeeded import's upload (clear ID numbers in real files) is gone.
	if n, err := d.client.DataChunk.Query().Where(datachunk.DataJobID(job.ID)).Count(testdb.Ctx()); err != nil || n != 0 {
		t.Fatalf("upload chunks left after success = %d (%v), want 0", n, err)
	}
	if got, err := q.Job(as("alice"), job.ID, schematype.DataJobKindImport); err != nil || got.ID != job.ID {
		t.Fatalf("submitter reads its job: %v", err)
	}
	for name, ctx := range map[string]context.Context{
		"another regulator": as("bob"),
		"PUBLIC":            context.Background(),
		"staff":             auth.NewContext(context.Background(), &auth.Viewer{Subject: "carol", Role: auth.InstitutionStaff, InstitutionID: 1}),
		// The same subject under another role or scope is another principal:
		// a narrower token must not read what a wider one exported.
		"alice as staff":          auth.NewContext(context.Background(), &auth.Viewer{Subject: "alice", Role: auth.InstitutionStaff, InstitutionID: 99}),
		"alice in a district":     auth.NewContext(context.Background(), &auth.Viewer{Subject: "alice", Role: auth.DistrictRegulator, RegionCode: "210102"}),
		"alice's API key":         auth.NewContext(context.Background(), &auth.Viewer{Subject: "alice", Role: auth.ProvinceRegulator, RegionCode: "210000", KeyID: "k1"}),
		"alice in another region": auth.NewContext(context.Background(), &auth.Viewer{Subject: "alice", Role: auth.ProvinceRegulator, RegionCode: "220000"}),
	} {
		if _, err := q.Job(ctx, job.ID, schematype.DataJobKindImport); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("%s reads alice's job: err = %v, want not found", name, err)
		}
	}
	if _, err := q.Job(as("alice"), job.ID, schematype.DataJobKindExport); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("an import read as an export: err = %v, want not found", err)
	}
	counts, err := q.Counts(context.Background())
	if err != nil || counts["SUCCEEDED"] != 1 || counts["QUEUED"] != 0 {
		t.Fatalf("counts = %v, %v", counts, err)
	}
}

// Two server instances on one database: every job runs exactly once.
func TestTwoQueuesRunEachJobOnce(t *testing.T) {
	d := openDB(t)
	ri := &regionImporter{}
	other := reopen(t, d.cfg)
	a := newQueue(t, d, jobs.Config{Importer: ri.Import, SyncMaxBytes: -1, Workers: 3, MaxActive: 12})
	newQueue(t, other, jobs.Config{Importer: ri.Import, SyncMaxBytes: -1, Workers: 3, MaxActive: 12})
	const n = 12
	ids := make([]int, n)
	for i := range n {
		ids[i] = submit(t, a, as("alice"), "f"+string(rune('a'+i))+".csv", codes(i*10, 10), false).ID
	}
	for _, id := range ids {
		if job := waitDone(t, d.client, id); job.State != schematype.DataJobStateSucceeded {
			t.Fatalf("job %d = %s", id, job.State)
		}
	}
	for i := range n {
		if runs := ri.count("f" + string(rune('a'+i)) + ".csv"); runs != 1 {
			t.Errorf("job %d ran %d times, want 1", i, runs)
		}
	}
	if got := regionCount(t, d.client); got != n*10 {
		t.Fatalf("regions = %d, want %d", got, n*10)
	}
}

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// withViewer stands in for the authenticator: "Bearer <subject>".
func withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sub, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(as(sub))
		}
		next.ServeHTTP(w, r)
	})
}

// An export's output (several chunks) is downloaded by its requester only,
// byte for byte; after 24 hours the job and its bytes are gone.
func TestExportDownloadAndExpiry(t *testing.T) {
	d := openDB(t)
	clk := &clock{now: time.Now()}
	var gotWhere any
	var gotViewer string
	payload := bytes.Repeat([]byte("0123456789abcdef"), (2*jobs.ChunkSize+12345)/16)
	exporter := func(ctx context.Context, _ *ent.Client, w io.Writer, opts jobs.ExportOptions) (int, error) {
		gotWhere, gotViewer = opts.Where, auth.FromContext(ctx).Subject
		_, err := w.Write(payload)
		return 42, err
	}
	q := newQueue(t, d, jobs.Config{Exporter: exporter, Now: clk.Now})
	if _, err := q.SubmitExport(as("alice"), jobs.ExportRequest{Entity: "institutions", Format: schematype.DataFormatCSV, Where: []byte(`{"nameContains":"阳光","bogus":1}`)}); !isField(err, "where") {
		t.Fatalf("unknown filter field: err = %v, want a field error on where", err)
	}
	job, err := q.SubmitExport(as("alice"), jobs.ExportRequest{Entity: "institutions", Format: schematype.DataFormatCSV, Where: []byte(`{"nameContains":"阳光"}`)})
	if err != nil {
		t.Fatal(err)
	}
	done := waitDone(t, d.client, job.ID)
	if done.State != schematype.DataJobStateSucceeded || done.RowsTotal != 42 || done.FileSize != int64(len(payload)) {
		t.Fatalf("export = %s rows %d size %d", done.State, done.RowsTotal, done.FileSize)
	}
	if w, ok := gotWhere.(*ent.InstitutionWhereInput); !ok || w.NameContains == nil || *w.NameContains != "阳光" || gotViewer != "alice" {
		t.Fatalf("exporter got where %#v as %q", gotWhere, gotViewer)
	}
	chunks, _ := d.client.DataChunk.Query().Where(datachunk.DataJobID(job.ID)).Count(testdb.Ctx())
	if chunks != 3 {
		t.Errorf("chunks = %d, want 3 (2 MiB + a bit in 1 MiB pieces)", chunks)
	}

	mux := http.NewServeMux()
	mux.Handle("GET "+jobs.ExportPath, withViewer(http.HandlerFunc(q.ServeExport)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(who string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+jobs.ExportURL(job.ID), nil)
		if who != "" {
			req.Header.Set("Authorization", "Bearer "+who)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, body := get("alice")
	if status != http.StatusOK || sha256.Sum256(body) != sha256.Sum256(payload) {
		t.Fatalf("requester: %d, %d bytes; want 200 and the export", status, len(body))
	}
	for _, who := range []string{"bob", ""} {
		if status, body := get(who); status != http.StatusNotFound || !strings.Contains(string(body), "NOT_FOUND") {
			t.Errorf("%q: %d %s, want 404 NOT_FOUND", who, status, body)
		}
	}

	clk.Add(23 * time.Hour)
	if err := q.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status, _ := get("alice"); status != http.StatusOK {
		t.Fatalf("after 23 h: %d, want 200", status)
	}
	clk.Add(time.Hour + time.Second)
	if status, _ := get("alice"); status != http.StatusNotFound {
		t.Fatalf("after 24 h: %d, want 404", status)
	}
	if err := q.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	jobsLeft, _ := d.client.DataJob.Query().Count(testdb.Ctx())
	chunksLeft, _ := d.client.DataChunk.Query().Count(testdb.Ctx())
	if jobsLeft != 0 || chunksLeft != 0 {
		t.Fatalf("after expiry: %d jobs, %d chunks; want none", jobsLeft, chunksLeft)
	}
}

// Work registered with AddPeriodic runs on its schedule.
func TestAddPeriodicRuns(t *testing.T) {
	d := openDB(t)
	ran := make(chan struct{}, 10)
	q, err := jobs.New(jobs.Config{DB: d.db.SQL, Dialect: d.db.Dialect, Client: d.client, PollInterval: 50 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	q.AddPeriodic("test_tick", time.Second, func(context.Context) error {
		select {
		case ran <- struct{}{}:
		default:
		}
		return nil
	})
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())
	for range 2 {
		select {
		case <-ran:
		case <-time.After(2 * time.Minute):
			t.Fatal("periodic work never ran")
		}
	}
}

// A long period runs when the queue starts, and a restart within the same
// period does not run it again: River schedules the first run one period
// after its leader starts, so without the run at start a daily job of a
// server restarted every day would never run.
func TestAddPeriodicRunsAtStartOncePerPeriod(t *testing.T) {
	d := openDB(t)
	var daily atomic.Int32
	ticks := make(chan struct{}, 10)
	start := func() *jobs.Queue {
		t.Helper()
		q, err := jobs.New(jobs.Config{DB: d.db.SQL, Dialect: d.db.Dialect, Client: d.client, PollInterval: 50 * time.Millisecond, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		q.AddPeriodic("test_daily", 24*time.Hour, func(context.Context) error { daily.Add(1); return nil })
		q.AddPeriodic("test_tick", time.Second, func(context.Context) error {
			select {
			case ticks <- struct{}{}:
			default:
			}
			return nil
		})
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return q
	}
	// Two ticks: the leader's enqueuer has run its start inserts and the
	// worker has had time to work what they inserted.
	twoTicks := func() {
		t.Helper()
		for range 2 {
			select {
			case <-ticks:
			case <-time.After(2 * time.Minute):
				t.Fatal("the periodic enqueuer never ran")
			}
		}
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	q := start()
	twoTicks()
	for deadline := time.Now().Add(time.Minute); daily.Load() == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
	}
	if n := daily.Load(); n != 1 {
		t.Fatalf("the daily job ran %d times after the first start; want once, at start", n)
	}
	if err := q.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for len(ticks) > 0 {
		<-ticks
	}
	q = start()
	defer q.Stop(context.Background())
	twoTicks()
	time.Sleep(500 * time.Millisecond)
	if !time.Now().UTC().Truncate(24 * time.Hour).Equal(day) {
		t.Skip("the test straddled midnight UTC: the restart is in a new period")
	}
	if n := daily.Load(); n != 1 {
		t.Fatalf("the daily job ran %d times after a restart within its period; want once", n)
	}
}

// A job left RUNNING by a worker that died on its last attempt ends as
// ERROR once no attempt can still be alive.
func TestAbandonedJobEnds(t *testing.T) {
	d := openDB(t)
	clk := &clock{now: time.Now()}
	q := newQueue(t, d, jobs.Config{Importer: (&regionImporter{}).Import, SyncMaxBytes: -1, Now: clk.Now, InsertOnly: true, RescueAfter: time.Hour, JobTimeout: 30 * time.Minute})
	job := submit(t, q, as("alice"), "a.csv", codes(0, 1), false)
	if err := d.client.DataJob.UpdateOneID(job.ID).SetState(schematype.DataJobStateRunning).SetStartedAt(clk.Now()).Exec(testdb.Ctx()); err != nil {
		t.Fatal(err)
	}
	clk.Add(2 * time.Hour)
	if err := q.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.client.DataJob.Get(testdb.Ctx(), job.ID); got.State != schematype.DataJobStateRunning {
		t.Fatalf("after 2 h: %s, want still RUNNING (an attempt may be alive)", got.State)
	}
	clk.Add(11 * time.Minute)
	if err := q.DeleteExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.client.DataJob.Get(testdb.Ctx(), job.ID); got.State != schematype.DataJobStateError || got.ErrorMessage == "" {
		t.Fatalf("after 2 h 11 min: %s, want ERROR with a message", got.State)
	}
}

// A principal may have at most MaxActive unfinished jobs: one more is
// refused (and stores nothing) until one ends; another principal is not
// held up by it.
func TestUnfinishedJobsPerPrincipalAreCapped(t *testing.T) {
	d := openDB(t)
	ri := &regionImporter{}
	// Insert-only: no worker takes the jobs, so they stay QUEUED.
	q := newQueue(t, d, jobs.Config{Importer: ri.Import, SyncMaxBytes: -1, InsertOnly: true, MaxActive: 2})
	submit(t, q, as("alice"), "a.csv", codes(0, 3), false)
	submit(t, q, as("alice"), "b.csv", codes(3, 3), false)
	file := codes(6, 3)
	_, err := q.SubmitImport(as("alice"), jobs.ImportRequest{Entity: "regions", FileName: "c.csv", File: bytes.NewReader(file), Size: int64(len(file))})
	if !errors.Is(err, jobs.ErrTooManyJobs) {
		t.Fatalf("third unfinished job: err = %v, want ErrTooManyJobs", err)
	}
	if n, err := d.client.DataJob.Query().Count(testdb.Ctx()); err != nil || n != 2 {
		t.Fatalf("jobs stored = %d (%v), want 2: a refused submission stores nothing", n, err)
	}
	submit(t, q, as("bob"), "d.csv", codes(9, 3), false)
}

// The cap holds under concurrent submissions of one principal (on
// PostgreSQL, READ COMMITTED transactions would otherwise all count the
// same unfinished jobs and all insert), and one principal's burst does not
// refuse another's.
func TestUnfinishedJobsCapHoldsUnderConcurrency(t *testing.T) {
	d := openDB(t)
	exporter := func(context.Context, *ent.Client, io.Writer, jobs.ExportOptions) (int, error) { return 0, nil }
	q := newQueue(t, d, jobs.Config{Exporter: exporter, InsertOnly: true, MaxActive: 3})
	const n = 24
	var wg sync.WaitGroup
	var ok, limited, other atomic.Int32
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			who := "alice"
			if i%6 == 5 {
				who = "bob"
			}
			<-start
			_, err := q.SubmitExport(as(who), jobs.ExportRequest{Entity: "regions", Format: schematype.DataFormatCSV})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, jobs.ErrTooManyJobs):
				limited.Add(1)
			default:
				other.Add(1)
				t.Errorf("submission: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, who := range []string{"alice", "bob"} {
		got, err := d.client.DataJob.Query().Count(as(who))
		if err != nil {
			t.Fatal(err)
		}
		if got != 3 {
			t.Errorf("%s has %d unfinished jobs, want 3 (MaxActive)", who, got)
		}
	}
	if ok.Load() != 6 || limited.Load() != n-6 {
		t.Errorf("accepted %d, refused %d, failed %d; want 6, %d, 0", ok.Load(), limited.Load(), other.Load(), n-6)
	}
}
