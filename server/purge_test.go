package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/retention"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func purgedChildren(t *testing.T, path string) int {
	t.Helper()
	d, err := db.Open(context.Background(), db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	return d.Client().Child.Query().Where(child.Name(retention.Purged)).CountX(testdb.Ctx())
}

// TestPurgeCommand: --dry-run lists the children and staff past their
// retention by ID and date only (never a name) and changes nothing; the
// purge itself pseudonymises exactly those; a period that does not parse
// stops the command naming the flag and its variable.
func TestPurgeCommand(t *testing.T) {
	out, errOut := captureOutput(t)
	path := filepath.Join(t.TempDir(), "purge.db")
	ctx := context.Background()
	if err := run(ctx, []string{"seed", "--db", path, "--scale", "district"}); err != nil {
		t.Fatal(err)
	}
	out.take()
	errOut.take()
	// A child registered in 2020 and never enrolled: due since registration.
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	registered := time.Date(2020, 3, 1, 2, 0, 0, 0, time.UTC)
	never := d.Client().Child.Create().SetName("未入托").SetSex(child.SexFEMALE).SetBirthDate(civil.D(2019, 5, 10)).
		SetCreatedAt(registered).SetUpdatedAt(registered).SaveX(testdb.Ctx())
	d.Close()
	args := []string{"purge", "--db", path, "--retention-children", "1y", "--retention-staff", "6m"}
	if err := run(ctx, append(args, "--dry-run")); err != nil {
		t.Fatal(err)
	}
	listed := out.take()
	if want := fmt.Sprintf("child %d\tregistered 2020-03-01, never enrolled\n", never.ID); !strings.Contains(listed, want) {
		t.Errorf("dry run lacks %q", want)
	}
	if strings.Count(listed, "never enrolled") != 1 {
		t.Errorf("%d children listed as never enrolled; want 1", strings.Count(listed, "never enrolled"))
	}
	children := strings.Count(listed, "child ")
	if children == 0 || !strings.Contains(listed, "staff [") || !strings.Contains(errOut.take(), "would purge") {
		t.Fatalf("dry run listed:\n%s", listed)
	}
	for _, r := range listed {
		if r > 0x7f {
			t.Fatalf("the list holds more than IDs and dates: %q", listed)
		}
	}
	if n := purgedChildren(t, path); n != 0 {
		t.Fatalf("the dry run purged %d children", n)
	}
	if err := run(ctx, args); err != nil {
		t.Fatal(err)
	}
	if again := out.take(); again != listed {
		t.Errorf("purged other than listed:\n%s\nlisted:\n%s", again, listed)
	}
	if n := purgedChildren(t, path); n != children {
		t.Errorf("%d children purged; %d listed", n, children)
	}
	err = run(ctx, []string{"purge", "--db", path, "--retention-staff", "3 years"})
	if err == nil || !strings.Contains(err.Error(), "--retention-staff (TUOYU_RETENTION_STAFF)") {
		t.Errorf("bad period: %v", err)
	}
}

// TestPurgeEmptyPeriod: an empty --retention-* value is an error naming the
// flag, not "keep forever" (only 0 is); an empty environment variable counts
// as unset and gives the default.
func TestPurgeEmptyPeriod(t *testing.T) {
	_, errOut := captureOutput(t)
	path := filepath.Join(t.TempDir(), "empty.db")
	ctx := context.Background()
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ flag, env string }{
		{"retention-children", "TUOYU_RETENTION_CHILDREN"},
		{"retention-staff", "TUOYU_RETENTION_STAFF"},
		{"retention-audit", "TUOYU_RETENTION_AUDIT"},
	} {
		err := run(ctx, []string{"purge", "--db", path, "--dry-run", "--" + f.flag + "="})
		if want := "--" + f.flag + " (" + f.env + ") is empty"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--%s=: %v; want %q", f.flag, err, want)
		}
		// serve checks the periods before it opens anything (were it to
		// start instead, the deadline stops it).
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = run(sctx, []string{"serve", "--db", path, "--demo=false", "--addr", "127.0.0.1:0", "--" + f.flag + "="})
		cancel()
		if err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("serve --%s=: %v; want a refusal", f.flag, err)
		}
		t.Setenv(f.env, "")
	}
	errOut.take()
	if err := run(ctx, []string{"purge", "--db", path, "--dry-run"}); err != nil {
		t.Fatalf("empty variables: %v; want the defaults", err)
	}
	if summary, want := errOut.take(), "children 3y, staff 3y, audit 0"; !strings.Contains(summary, want) {
		t.Errorf("summary %q; want the defaults %q", summary, want)
	}
}
