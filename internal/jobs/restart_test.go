package jobs_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/ingest"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// The test binary doubles as a server process working the queue
// (JOBS_TEST_WORKER set), so a test can kill a real process mid-job.
func TestMain(m *testing.M) {
	if os.Getenv("JOBS_TEST_WORKER") != "" {
		os.Exit(workerProcess())
	}
	os.Exit(m.Run())
}

// Timings of the worker processes: a job running longer than rescueAfter
// has lost its worker and is run again.
const (
	workerJobTimeout  = 15 * time.Second
	workerRescueAfter = 16 * time.Second
)

// workerProcess runs a queue on the database in the environment until it
// is killed, importing with internal/ingest. With JOBS_TEST_BLOCK_FILE, an
// import writes its first rows, then creates that file and hangs inside its
// open transaction.
func workerProcess() int {
	cfg := db.Defaults()
	cfg.URL, cfg.SQLitePath = os.Getenv("JOBS_TEST_URL"), os.Getenv("JOBS_TEST_SQLITE")
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	blockFile := os.Getenv("JOBS_TEST_BLOCK_FILE")
	importer := func(ctx context.Context, client *ent.Client, file io.ReaderAt, size int64, o jobs.ImportOptions) (*jobs.ImportResult, error) {
		opts := ingest.Options{Entity: o.Entity, FileName: o.FileName, Format: strings.ToLower(o.Format), DryRun: o.DryRun, Progress: o.Progress}
		if blockFile != "" {
			// Reports before the last come from inside the import's
			// transaction (every 500 rows): hang there until SIGKILL.
			// JOBS_TEST_BLOCK_AT=commit: hang at the report after the
			// commit instead (rows written, job not yet recorded).
			afterCommit := os.Getenv("JOBS_TEST_BLOCK_AT") == "commit"
			opts.Progress = func(done, total int) {
				if done > 0 && total > 0 && (done == total) == afterCommit {
					_ = os.WriteFile(blockFile, nil, 0o600)
					select {}
				}
			}
		}
		res, err := ingest.Import(ctx, client, file, size, opts)
		if err != nil {
			return nil, err
		}
		out := &jobs.ImportResult{Rows: res.Rows, Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, ErrorCount: res.ErrorCount}
		for _, e := range res.Errors {
			out.Errors = append(out.Errors, jobs.RowError{Row: e.Row, Column: e.Column, Code: e.Code, Message: e.Message})
		}
		return out, nil
	}
	q, err := jobs.New(jobs.Config{DB: d.SQL, Dialect: d.Dialect, Client: d.Client(), Importer: importer, JobTimeout: workerJobTimeout, RescueAfter: workerRescueAfter, PollInterval: 100 * time.Millisecond, Logger: quietLogger()})
	if err == nil {
		err = q.Start(context.Background())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	select {}
}

// startWorker starts the test binary as a worker process on d.
func startWorker(t *testing.T, d *testDB, blockFile, blockAt string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOBS_TEST_WORKER=1", "JOBS_TEST_URL="+d.cfg.URL, "JOBS_TEST_SQLITE="+d.cfg.SQLitePath, "JOBS_TEST_BLOCK_FILE="+blockFile, "JOBS_TEST_BLOCK_AT="+blockAt)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// A server killed (SIGKILL) in the middle of a real import (internal/ingest)
// writes nothing; a
// server started afterwards takes the job over and completes it, once: the
// file's rows are there exactly once and River counts two attempts.
func TestImportSurvivesKilledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	t.Run("mid-transaction", func(t *testing.T) { killMidImport(t, "") })
	t.Run("after commit", func(t *testing.T) { killMidImport(t, "commit") })
}

// killMidImport kills the first server while it imports (blockAt ""
// inside the transaction, "commit" just after it) and checks the second.
func killMidImport(t *testing.T, blockAt string) {
	d := openDB(t)
	// This process only submits (like a server whose workers are busy).
	q := newQueue(t, d, jobs.Config{InsertOnly: true, Importer: (&regionImporter{}).Import, SyncMaxBytes: -1})
	// A real regions file: province, city, district and 600 subdistricts
	// (ingest reports progress every 500 rows, inside its transaction).
	var file strings.Builder
	file.WriteString("区划代码,名称,级别,上级区划代码\n210000,辽宁省,PROVINCE,\n210100,沈阳市,CITY,210000\n210102,和平区,DISTRICT,210100\n")
	for i := range 600 {
		fmt.Fprintf(&file, "%09d,街道%d,SUBDISTRICT,210102\n", 210102001+i, i)
	}
	const rows = 603
	job := submit(t, q, as("alice"), "regions.csv", []byte(file.String()), false)
	blockFile := filepath.Join(t.TempDir(), "in-transaction")
	first := startWorker(t, d, blockFile, blockAt)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(blockFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first server never started the import")
		}
		time.Sleep(50 * time.Millisecond)
	}
	committed := 0
	if blockAt == "commit" {
		committed = rows
	}
	if n := allRegions(t, d); n != committed {
		t.Fatalf("%d rows visible while the first server hangs, want %d", n, committed)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	running, err := d.client.DataJob.Get(testdb.Ctx(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if running.State != schematype.DataJobStateRunning || allRegions(t, d) != committed {
		t.Fatalf("after the kill: job %s, %d rows; want RUNNING and %d", running.State, allRegions(t, d), committed)
	}

	startWorker(t, d, "", "")
	done := waitDone(t, d.client, job.ID)
	// Rerun after a commit: the rows are matched by their natural key
	// and left unchanged.
	if done.State != schematype.DataJobStateSucceeded || done.CreatedCount+done.UnchangedCount != rows || done.UnchangedCount != committed {
		t.Fatalf("job = %s created %d unchanged %d, want SUCCEEDED with %d unchanged of %d", done.State, done.CreatedCount, done.UnchangedCount, committed, rows)
	}
	if n := allRegions(t, d); n != rows {
		t.Fatalf("regions = %d, want the file's %d exactly once", n, rows)
	}
	// River records the completion just after the job returns.
	var attempt int
	var state string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if err := d.db.SQL.QueryRow(`SELECT attempt, state FROM river_job WHERE kind = 'tuoyu_data_import'`).Scan(&attempt, &state); err != nil {
			t.Fatal(err)
		}
		if state != "running" || time.Now().After(deadline) {
			break
		}
	}
	if attempt != 2 || state != "completed" {
		t.Fatalf("river job: attempt %d, %s; want 2, completed", attempt, state)
	}
}

// allRegions counts the regions table.
func allRegions(t *testing.T, d *testDB) int {
	t.Helper()
	n, err := d.client.Region.Query().Count(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
