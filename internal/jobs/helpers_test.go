package jobs_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// testDB is one test's database with the configuration that opens it
// again (another pool, another process).
type testDB struct {
	cfg    db.Config
	db     *db.DB
	client *ent.Client
}

// openDB creates, migrates (schema and River) and opens a database in the
// dialect under test (testdb.Dialect).
func openDB(t *testing.T) *testDB {
	t.Helper()
	cfg := db.Defaults()
	if testdb.Dialect() == dialect.Postgres {
		admin := os.Getenv("TEST_DATABASE_URL")
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := fmt.Sprintf("tuoyu_jobs_%d_%s", os.Getpid(), hex.EncodeToString(b))
		adminExec(t, admin, "CREATE DATABASE "+name)
		t.Cleanup(func() { adminExec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		cfg.URL = u.String()
	} else {
		cfg.SQLitePath = filepath.Join(t.TempDir(), "jobs.db")
	}
	d := reopen(t, cfg)
	ctx := context.Background()
	if _, err := migrate.Apply(ctx, d.db.SQL, d.db.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, d.db.SQL, d.db.Dialect, quietLogger()); err != nil {
		t.Fatal(err)
	}
	return d
}

// reopen opens another pool on the same database.
func reopen(t *testing.T, cfg db.Config) *testDB {
	t.Helper()
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return &testDB{cfg: cfg, db: d, client: d.Client()}
}

func adminExec(t *testing.T, admin, stmt string) {
	t.Helper()
	pool, err := sql.Open(dialect.Postgres, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", strings.Fields(stmt)[0], err)
	}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// regionImporter is the stand-in for ingest.Import: every line of the file
// is a 9-digit region code, created as a SUBDISTRICT named after the
// viewer the import runs as, all in one transaction (all rows or none).
// A line "bad" is a row error and writes nothing. Each run is counted per
// file name; block, when set, is called inside the transaction after the
// rows are written and before the commit.
type regionImporter struct {
	mu    sync.Mutex
	runs  map[string]int
	block func(ctx context.Context)
}

func (ri *regionImporter) count(name string) int {
	ri.mu.Lock()
	defer ri.mu.Unlock()
	return ri.runs[name]
}

func (ri *regionImporter) Import(ctx context.Context, client *ent.Client, file io.ReaderAt, size int64, opts jobs.ImportOptions) (*jobs.ImportResult, error) {
	ri.mu.Lock()
	if ri.runs == nil {
		ri.runs = map[string]int{}
	}
	ri.runs[opts.FileName]++
	ri.mu.Unlock()
	var codes []string
	sc := bufio.NewScanner(io.NewSectionReader(file, 0, size))
	for sc.Scan() {
		codes = append(codes, strings.TrimSpace(sc.Text()))
	}
	res := &jobs.ImportResult{Entity: opts.Entity, DryRun: opts.DryRun, Rows: len(codes)}
	for i, c := range codes {
		if c == "bad" {
			res.Errors = append(res.Errors, jobs.RowError{Row: i + 1, Column: "code", Code: "INVALID", Message: "not a region code"})
		}
	}
	res.ErrorCount = len(res.Errors)
	if res.ErrorCount > 0 || opts.DryRun {
		return res, nil
	}
	who := auth.FromContext(ctx)
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	tx, err := client.Tx(sys)
	if err != nil {
		return nil, err
	}
	for i, c := range codes {
		if err := tx.Region.Create().SetCode(c).SetName(who.Subject + "/" + string(who.Role)).SetLevel(region.LevelSUBDISTRICT).Exec(sys); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, errorsJoin(err, tx.Rollback()))
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(codes))
		}
	}
	if ri.block != nil {
		ri.block(ctx)
	}
	res.Created = len(codes)
	return res, tx.Commit()
}

func errorsJoin(a, b error) error {
	if b == nil {
		return a
	}
	return fmt.Errorf("%w (rollback: %v)", a, b)
}

// codes is a file of n region codes starting at 210102001.
func codes(from, n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, "%09d\n", 210102001+from+i)
	}
	return b.Bytes()
}

// newQueue starts a queue on d with fast polling; it is stopped at the end
// of the test.
func newQueue(t *testing.T, d *testDB, cfg jobs.Config) *jobs.Queue {
	t.Helper()
	cfg.DB, cfg.Dialect, cfg.Client = d.db.SQL, d.db.Dialect, d.client
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	q, err := jobs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

// as is a context acting as a regulator with the given subject.
func as(subject string) context.Context {
	return auth.NewContext(context.Background(), &auth.Viewer{Subject: subject, Role: auth.ProvinceRegulator, RegionCode: "210000"})
}

// waitDone polls a job until it has ended (or the test's deadline).
func waitDone(t *testing.T, client *ent.Client, id int) *ent.DataJob {
	t.Helper()
	ctx := testdb.Ctx()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		job, err := client.DataJob.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if job.State.Done() {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s", id, job.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// regionCount is the number of regions with codes starting 210102.
func regionCount(t *testing.T, client *ent.Client) int {
	t.Helper()
	n, err := client.Region.Query().Where(region.CodeHasPrefix("210102")).Count(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
