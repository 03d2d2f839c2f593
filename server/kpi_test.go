package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
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
		t.Fatal("kpi check: want an error naming the subcommands")
	}
}

// kpiDatabase returns the --db or --database-url flags of a fresh database
// in the dialect under test, and a raw connection to it for the writes
// made "outside tuoyu".
func kpiDatabase(t *testing.T) (args []string, raw func() *sql.DB) {
	t.Helper()
	for _, a := range databaseArgs(t) {
		if a != "--demo=false" { // a flag of serve only
			args = append(args, a)
		}
	}
	driver := "sqlite"
	if args[0] == "--database-url" {
		driver = dialect.Postgres
	}
	return args, func() *sql.DB {
		db, err := sql.Open(driver, args[1])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// TestKPIRebuild: writes made outside tuoyu (a seat closed and a stray
// precomputed row, by SQL) make `kpi verify` fail; `kpi rebuild` repairs
// the precomputed tables and a verify afterwards, indicators included, is
// clean.
func TestKPIRebuild(t *testing.T) {
	out, _ := captureOutput(t)
	ctx := context.Background()
	dbArgs, raw := kpiDatabase(t)
	if err := run(ctx, append([]string{"seed", "--scale", "district"}, dbArgs...)); err != nil {
		t.Fatalf("seed: %v", err)
	}
	db := raw()
	if _, err := db.Exec(`UPDATE seats SET closed_at = opened_at WHERE id = (SELECT MIN(id) FROM seats WHERE closed_at IS NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO kpi_daily_checks (institution_id, day, checked) VALUES (1, '2025-06-16', 3)`); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, append([]string{"kpi", "verify", "--months", "1"}, dbArgs...)); !errors.Is(err, errKPIDifferences) {
		t.Fatalf("kpi verify after writes outside tuoyu: %v; want errKPIDifferences", err)
	}
	for _, want := range []string{"kpi_seat_groups row", "kpi_daily_checks institution 1 day 2025-06-16", "SEATS_PER_1000 region"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output does not report %q:\n%s", want, out.String())
		}
	}
	if err := run(ctx, append([]string{"kpi", "rebuild"}, dbArgs...)); err != nil {
		t.Fatalf("kpi rebuild: %v", err)
	}
	if err := run(ctx, append([]string{"kpi", "verify", "--months", "1"}, dbArgs...)); err != nil {
		t.Fatalf("kpi verify after kpi rebuild: %v", err)
	}
}

// TestKPIVerifyArguments: every region is compared by default (the whole
// tree, not the root and its children); a negative --months or a stray
// argument (a region code without --region) is refused.
func TestKPIVerifyArguments(t *testing.T) {
	_, errOut := captureOutput(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "kpi.db")
	if err := run(ctx, []string{"seed", "--scale", "district", "--db", path}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var regions int
	if err := db.QueryRow(`SELECT COUNT(*) FROM regions`).Scan(&regions); err != nil {
		t.Fatal(err)
	}
	errOut.take()
	if err := run(ctx, []string{"kpi", "verify", "--months", "1", "--db", path}); err != nil {
		t.Fatalf("kpi verify: %v", err)
	}
	if want := fmt.Sprintf("(%d regions × ", regions); !strings.Contains(errOut.String(), want) {
		t.Errorf("kpi verify output %q; want every region compared, %q", errOut.String(), want)
	}
	for _, args := range [][]string{
		{"kpi", "verify", "--months", "-1"},
		{"kpi", "verify", "500111"},
		{"kpi", "rebuild", "extra"},
		{"kpi", "rebuild", "--months", "1"},
	} {
		if err := run(ctx, append(args, "--db", path)); err == nil || errors.Is(err, errKPIDifferences) {
			t.Errorf("%v: %v; want a refusal", args, err)
		}
	}
}
