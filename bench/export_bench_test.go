package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/export"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/migrate"
)

// TestExportMemory exports 1,000,000 health records as CSV and as XLSX and
// reports the peak RSS and peak Go heap of the export alone (the peak RSS
// is reset after the data are loaded, through /proc/self/clear_refs). It
// needs a few minutes and ~1 GB of disk, so it runs only when asked:
//
//	EXPORT_BENCH=1 go test ./bench/ -run TestExportMemory -v -timeout 30m
//
// EXPORT_BENCH_DB=/path/file.db keeps the SQLite database between runs
// (it is built on first use): the district demo, whose health records are
// copied with their dates moved back a year per copy until there are
// 1,000,000. The export runs as 大足区's regulator (row policies, clear
// text, audit) into io.Discard (CSV) or a temporary file (XLSX).
func TestExportMemory(t *testing.T) {
	if os.Getenv("EXPORT_BENCH") == "" {
		t.Skip("set EXPORT_BENCH=1 to run the 1M-row export memory benchmark")
	}
	const want = 1_000_000
	path := os.Getenv("EXPORT_BENCH_DB")
	if path == "" {
		path = filepath.Join(t.TempDir(), "export-bench.db")
	}
	ctx := context.Background()
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := migrate.Apply(ctx, d.SQL, d.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	client := d.Client()
	if n := client.HealthRecord.Query().CountX(sys); n < want {
		if err := fill(sys, d, want); err != nil {
			t.Fatal(err)
		}
	}
	if n := client.HealthRecord.Query().CountX(sys); n < want {
		t.Fatalf("%d health records, want %d", n, want)
	}
	v := &auth.Viewer{Subject: "bench", Role: auth.DistrictRegulator, RegionCode: "500111"}
	for _, format := range []string{"csv", "xlsx"} {
		var w io.Writer = io.Discard
		var size func() int64
		if format == "xlsx" {
			f, err := os.CreateTemp(t.TempDir(), "*.xlsx")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w = f
			size = func() int64 { st, _ := f.Stat(); return st.Size() }
		} else {
			cw := &countingWriter{}
			w, size = cw, func() int64 { return cw.n }
		}
		runtime.GC()
		debug.FreeOSMemory()
		resetPeakRSS(t)
		before := rss(t, "VmRSS")
		stop := sampleHeap()
		start := time.Now()
		n, err := export.Write(auth.NewContext(ctx, v), client, w, export.Options{Entity: "health_records", Format: format})
		elapsed := time.Since(start)
		peakHeap := stop()
		if err != nil {
			t.Fatal(err)
		}
		if n < want {
			t.Fatalf("%d rows exported, want at least %d", n, want)
		}
		peak := rss(t, "VmHWM")
		t.Logf("%s: %d rows, %.1f MB file, %s (%.0f rows/s); RSS before %d MB, peak RSS %d MB, peak Go heap %d MB",
			format, n, float64(size())/1e6, elapsed.Round(time.Second), float64(n)/elapsed.Seconds(), before>>10, peak>>10, peakHeap>>20)
		if peak>>10 >= 200 {
			t.Errorf("%s: peak RSS %d MB, want under 200 MB", format, peak>>10)
		}
	}
}

// fill loads the district demo (if the database is empty) and copies its
// health records, dates moved back by a year per copy, until there are n.
func fill(ctx context.Context, d *db.DB, n int) error {
	client := d.Client()
	if empty, err := demo.IsEmpty(ctx, client); err != nil {
		return err
	} else if empty {
		h, err := pii.NewHasher([]byte("tuoyu-export-bench-key-012345678"))
		if err != nil {
			return err
		}
		if _, err := demo.Load(ctx, client, demo.Options{Scale: demo.ScaleDistrict, Seed: 1, AsOf: civil.D(2026, time.March, 16), Hasher: h}); err != nil {
			return err
		}
	}
	base, err := client.HealthRecord.Query().All(ctx)
	if err != nil {
		return err
	}
	have := len(base)
	now := time.Now()
	for k := 1; have < n; k++ {
		tx, err := d.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for i := 0; i < len(base) && have < n; i += 200 {
			batch := base[i:min(i+200, len(base))]
			if len(batch) > n-have {
				batch = batch[:n-have]
			}
			var sb strings.Builder
			sb.WriteString("INSERT INTO health_records (created_at, updated_at, kind, date, session, height_cm, weight_kg, head_cm, temperature_c, result, notes, child_id, institution_id) VALUES ")
			args := make([]any, 0, len(batch)*13)
			for j, h := range batch {
				if j > 0 {
					sb.WriteString(",")
				}
				sb.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
				var session any
				if h.Session != nil {
					session = string(*h.Session)
				}
				args = append(args, now, now, string(h.Kind), h.Date.AddDate(-k, 0, 0), session,
					h.HeightCm, h.WeightKg, h.HeadCm, h.TemperatureC, string(h.Result), h.Notes, h.ChildID, h.InstitutionID)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("copy %d: %w", k, err)
			}
			have += len(batch)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// resetPeakRSS resets VmHWM to the current RSS (Linux ≥ 4.0).
func resetPeakRSS(t *testing.T) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// rss reads a /proc/self/status line in KiB.
func rss(t *testing.T, key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// sampleHeap samples the Go heap every 20 ms until the returned function
// is called, which returns the peak in bytes.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); <-stopped; return peak.Load() }
}
