package jobs_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/db"
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
	workerJobTimeout  = 3 * time.Second
	workerRescueAfter = 4 * time.Second
)

// workerProcess runs a queue on the database in the environment until it
// is killed. With JOBS_TEST_BLOCK_FILE, an import writes its rows, then
// creates that file and hangs inside its open transaction.
func workerProcess() int {
	cfg := db.Defaults()
	cfg.URL, cfg.SQLitePath = os.Getenv("JOBS_TEST_URL"), os.Getenv("JOBS_TEST_SQLITE")
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	ri := &regionImporter{}
	if f := os.Getenv("JOBS_TEST_BLOCK_FILE"); f != "" {
		ri.block = func(context.Context) {
			_ = os.WriteFile(f, nil, 0o600)
			select {} // until SIGKILL
		}
	}
	q, err := jobs.New(jobs.Config{DB: d.SQL, Dialect: d.Dialect, Client: d.Client(), Importer: ri.Import, JobTimeout: workerJobTimeout, RescueAfter: workerRescueAfter, PollInterval: 100 * time.Millisecond, Logger: quietLogger()})
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
func startWorker(t *testing.T, d *testDB, blockFile string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "JOBS_TEST_WORKER=1", "JOBS_TEST_URL="+d.cfg.URL, "JOBS_TEST_SQLITE="+d.cfg.SQLitePath, "JOBS_TEST_BLOCK_FILE="+blockFile)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd
}

// A server killed (SIGKILL) in the middle of an import writes nothing; a
// server started afterwards takes the job over and completes it, once: the
// file's rows are there exactly once and River counts two attempts.
func TestImportSurvivesKilledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	d := openDB(t)
	// This process only submits (like a server whose workers are busy).
	q := newQueue(t, d, jobs.Config{InsertOnly: true, Importer: (&regionImporter{}).Import, SyncMaxBytes: -1})
	const rows = 50
	job := submit(t, q, as("alice"), "big.csv", codes(0, rows), false)

	blockFile := filepath.Join(t.TempDir(), "in-transaction")
	first := startWorker(t, d, blockFile)
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
	if n := regionCount(t, d.client); n != 0 {
		t.Fatalf("%d rows visible before the import committed", n)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	running, err := d.client.DataJob.Get(testdb.Ctx(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	if running.State != schematype.DataJobStateRunning || regionCount(t, d.client) != 0 {
		t.Fatalf("after the kill: job %s, %d rows; want RUNNING and none", running.State, regionCount(t, d.client))
	}

	startWorker(t, d, "")
	done := waitDone(t, d.client, job.ID)
	if done.State != schematype.DataJobStateSucceeded || done.CreatedCount != rows {
		t.Fatalf("job = %s created %d, want SUCCEEDED %d", done.State, done.CreatedCount, rows)
	}
	names, err := d.client.Region.Query().Where(region.CodeHasPrefix("210102")).Select(region.FieldName).Strings(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != rows || names[0] != "alice/PROVINCE_REGULATOR" {
		t.Fatalf("rows = %d (%v…), want %d written as alice", len(names), names[:min(1, len(names))], rows)
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
