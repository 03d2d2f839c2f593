package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/child"
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
	args := []string{"purge", "--db", path, "--retention-children", "1y", "--retention-staff", "6m"}
	if err := run(ctx, append(args, "--dry-run")); err != nil {
		t.Fatal(err)
	}
	listed := out.take()
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
	err := run(ctx, []string{"purge", "--db", path, "--retention-staff", "3 years"})
	if err == nil || !strings.Contains(err.Error(), "--retention-staff (TUOYU_RETENTION_STAFF)") {
		t.Errorf("bad period: %v", err)
	}
}
