package main

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestKPIVerify runs `tuoyu kpi verify` on a migrated SQLite database:
// exact (empty) data pass; a precomputed row the registry does not back is
// reported and makes the command fail.
func TestKPIVerify(t *testing.T) {
	out, _ := captureOutput(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kpi.db")
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil { // kpi verify refuses a file that does not exist
		t.Fatal(err)
	}
	if err := run(ctx, []string{"kpi", "verify", "--db", path}); err != nil {
		t.Fatalf("kpi verify on an empty database: %v", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO kpi_daily_checks (institution_id, day, checked) VALUES (1, '2025-06-16 00:00:00+00:00', 3)`); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, []string{"kpi", "verify", "--db", path})
	if !errors.Is(err, errKPIDifferences) {
		t.Fatalf("kpi verify with a stray precomputed row: %v; want errKPIDifferences", err)
	}
	if want := "kpi_daily_checks institution 1 day 2025-06-16: stored 3, registry 0"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q does not report %q", out.String(), want)
	}
	if err := run(ctx, []string{"kpi", "check"}); err == nil {
		t.Fatal("kpi check: want an error naming the only subcommand")
	}
}
