//go:build ignore

// diff.go writes a new versioned migration for each dialect from the
// difference between the ent schema and the committed migrations:
//
//	go run ./migrate/diff.go <name>
//
// SQLite is diffed against an in-memory dev database. PostgreSQL needs an
// empty dev database in DEV_POSTGRES_URL (e.g. the throwaway cluster that
// .ci/run starts); the committed files are replayed on it first.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/tuoyu/tuoyu/ent"
	_ "github.com/tuoyu/tuoyu/internal/db" // registers the drivers
)

func main() {
	if len(os.Args) != 2 {
		log.Fatalln("usage: go run ./migrate/diff.go <migration_name>")
	}
	name := os.Args[1]
	ctx := context.Background()
	// Checked before anything is written: the two dialects' files come
	// in pairs, and a SQLite file without its PostgreSQL twin breaks CI.
	pg := os.Getenv("DEV_POSTGRES_URL")
	if pg == "" {
		log.Fatalln("postgres: set DEV_POSTGRES_URL to an empty dev database (nothing was written)")
	}
	if err := diff(ctx, dialect.SQLite, "file:dev?mode=memory&_pragma=foreign_keys(1)", "migrate/migrations/sqlite", name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}
	if err := diff(ctx, dialect.Postgres, pg, "migrate/migrations/postgres", name); err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

func diff(ctx context.Context, name, dsn, path, migration string) error {
	dir, err := atlas.NewLocalDir(path)
	if err != nil {
		return err
	}
	pool, err := sql.Open(name, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	client := ent.NewClient(ent.Driver(entsql.OpenDB(name, pool)))
	err = client.Schema.NamedDiff(ctx, migration,
		schema.WithDir(dir),
		schema.WithDialect(name),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(atlas.DefaultFormatter),
		schema.WithErrNoPlan(true),
	)
	if errors.Is(err, atlas.ErrNoPlan) {
		fmt.Printf("%s: schema and migrations agree; nothing written\n", name)
		return nil
	}
	if err == nil {
		fmt.Printf("%s: wrote %s\n", name, path)
	}
	return err
}
