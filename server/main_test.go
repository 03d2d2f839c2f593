package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestMigrateAndSeedCommands runs the subcommands as a user would, on a
// fresh SQLite file: migrate, seed, and a refused second seed.
func TestMigrateAndSeedCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cmd.db")
	ctx := testdb.Ctx()
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := run(ctx, []string{"seed", "--scale", "district", "--as-of", "2025-06-16", "--db", path}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	err := run(ctx, []string{"seed", "--scale", "district", "--db", path})
	if err == nil || !strings.Contains(err.Error(), "already has data") {
		t.Fatalf("second seed: %v; want a refusal", err)
	}
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	client := d.Client()
	if n := client.Institution.Query().CountX(ctx); n == 0 {
		t.Fatal("seed loaded no institutions")
	}
	if n := client.ServerSecret.Query().CountX(ctx); n != 1 {
		t.Fatalf("%d server secrets; want the generated PII key", n)
	}
}

func TestUnknownCommandAndBadFlags(t *testing.T) {
	ctx := testdb.Ctx()
	if err := run(ctx, []string{"frobnicate"}); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(ctx, []string{"seed", "--scale", "galaxy", "--db", filepath.Join(t.TempDir(), "x.db")}); err == nil {
		t.Error("unknown scale accepted")
	}
	if err := run(ctx, []string{"serve", "--timezone", "Mars/Olympus", "--db", filepath.Join(t.TempDir(), "y.db")}); err == nil {
		t.Error("unknown time zone accepted")
	}
	if err := run(ctx, []string{"migrate", "--database-url", "mysql://x"}); err == nil {
		t.Error("non-postgres URL accepted")
	}
}
