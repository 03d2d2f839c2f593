// Package migrate applies tuoyu's versioned schema migrations. The SQL files
// under migrations/<dialect>/ are generated from the ent schema by diff.go
// (Atlas, through ent's NamedDiff), committed with their atlas.sum, embedded
// in the binary and applied in order at start-up or by `tuoyu migrate`.
package migrate

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	atlas "ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/dataversion"
)

//go:embed migrations/postgres/*.sql migrations/postgres/atlas.sum migrations/sqlite/*.sql migrations/sqlite/atlas.sum
var files embed.FS

// revisionTable records which migration files have been applied.
const revisionTable = "tuoyu_schema_revisions"

// lockKey is the PostgreSQL advisory lock taken while migrating, so that
// several servers starting at once migrate one after the other.
const lockKey = 0x7475_6f79_75 // "tuoyu"

// Dir returns the embedded migration directory of a dialect, with its
// atlas.sum verified: a hand-edited or missing file is an error.
func Dir(name string) (atlas.Dir, error) {
	sub, err := dialectDir(name)
	if err != nil {
		return nil, err
	}
	entries, err := fs.ReadDir(files, sub)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", sub, err)
	}
	dir := &atlas.MemDir{}
	for _, e := range entries {
		b, err := files.ReadFile(path.Join(sub, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s: %w", e.Name(), err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, fmt.Errorf("migrate: load %s: %w", e.Name(), err)
		}
	}
	if err := atlas.Validate(dir); err != nil {
		return nil, fmt.Errorf("migrate: %s migrations do not match atlas.sum: %w", name, err)
	}
	return dir, nil
}

func dialectDir(name string) (string, error) {
	switch name {
	case dialect.Postgres:
		return "migrations/postgres", nil
	case dialect.SQLite:
		return "migrations/sqlite", nil
	}
	return "", fmt.Errorf("migrate: unsupported dialect %q", name)
}

// Status lists applied and pending migration versions.
type Status struct {
	Applied []string
	Pending []string
}

// Apply brings the database up to the newest migration, applying each
// pending file in its own transaction. progress, if not nil, is told about
// each file before it runs. It returns the versions it applied.
func Apply(ctx context.Context, db *sql.DB, name string, progress func(version string)) ([]string, error) {
	dir, err := Dir(name)
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	if name == dialect.Postgres {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
			return nil, fmt.Errorf("migrate: lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey) //nolint:errcheck // released with the session anyway
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+revisionTable+` (version varchar(32) PRIMARY KEY, description varchar(255) NOT NULL, applied_at varchar(40) NOT NULL)`); err != nil {
		return nil, fmt.Errorf("migrate: create revision table: %w", err)
	}
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		return nil, err
	}
	pending, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("migrate: list files: %w", err)
	}
	var applied []string
	for _, f := range pending {
		if done[f.Version()] {
			continue
		}
		if progress != nil {
			progress(f.Version() + " " + f.Desc())
		}
		if err := applyFile(ctx, conn, name, f); err != nil {
			return applied, err
		}
		applied = append(applied, f.Version())
	}
	if name == dialect.Postgres {
		// Every table holding data notes its writes in the data version
		// (internal/dataversion), including tables the files just added.
		if err := dataversion.Install(ctx, conn); err != nil {
			return applied, fmt.Errorf("migrate: %w", err)
		}
	}
	return applied, nil
}

// Check reports the migration status without changing anything.
func Check(ctx context.Context, db *sql.DB, name string) (Status, error) {
	dir, err := Dir(name)
	if err != nil {
		return Status{}, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("migrate: connect: %w", err)
	}
	defer conn.Close()
	done, err := appliedVersions(ctx, conn)
	if err != nil {
		// No revision table yet: everything is pending.
		done = map[string]bool{}
	}
	all, err := dir.Files()
	if err != nil {
		return Status{}, err
	}
	var st Status
	for _, f := range all {
		if done[f.Version()] {
			st.Applied = append(st.Applied, f.Version())
		} else {
			st.Pending = append(st.Pending, f.Version())
		}
	}
	return st, nil
}

func appliedVersions(ctx context.Context, conn *sql.Conn) (map[string]bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT version FROM `+revisionTable)
	if err != nil {
		return nil, fmt.Errorf("migrate: read revisions: %w", err)
	}
	defer rows.Close()
	done := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migrate: read revisions: %w", err)
		}
		done[v] = true
	}
	return done, rows.Err()
}

// applyFile runs one migration file and records it, atomically: both
// PostgreSQL and SQLite run DDL inside transactions.
func applyFile(ctx context.Context, conn *sql.Conn, name string, f atlas.File) (err error) {
	stmts, err := f.Stmts()
	if err != nil {
		return fmt.Errorf("migrate: parse %s: %w", f.Name(), err)
	}
	if name == dialect.SQLite {
		// Table rebuilds (copy, drop, rename) need foreign keys off, and
		// SQLite ignores that pragma inside a transaction: the files' own
		// PRAGMA lines are no-ops there. Turn them off around the
		// transaction and check every reference before committing.
		if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = off"); err != nil {
			return fmt.Errorf("migrate: %s: foreign keys off: %w", f.Name(), err)
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = on"); onErr != nil {
				err = errors.Join(err, fmt.Errorf("migrate: foreign keys on: %w", onErr))
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: begin %s: %w", f.Name(), err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, tx.Rollback())
		}
	}()
	if fix, ok := dataFixes[f.Desc()]; ok {
		if err := fix(ctx, tx); err != nil {
			return fmt.Errorf("migrate: %s: %w", f.Name(), err)
		}
	}
	for i, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate: %s statement %d: %w", f.Name(), i+1, err)
		}
	}
	for _, fix := range postFixes[f.Desc()] {
		if err := fix(ctx, tx, name); err != nil {
			return fmt.Errorf("migrate: %s: %w", f.Name(), err)
		}
	}
	if err := fillCreated(ctx, tx, name, stmts); err != nil {
		return fmt.Errorf("migrate: %s: %w", f.Name(), err)
	}
	if name == dialect.SQLite {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("migrate: %s: %w", f.Name(), err)
		}
	}
	insert := `INSERT INTO ` + revisionTable + ` (version, description, applied_at) VALUES (?, ?, ?)`
	if name == dialect.Postgres {
		insert = `INSERT INTO ` + revisionTable + ` (version, description, applied_at) VALUES ($1, $2, $3)`
	}
	if _, err := tx.ExecContext(ctx, insert, f.Version(), f.Desc(), time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("migrate: record %s: %w", f.Name(), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit %s: %w", f.Name(), err)
	}
	return nil
}

// foreignKeyCheck fails when any row refers to a missing row (SQLite, whose
// migrations run with foreign keys off).
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return fmt.Errorf("foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("foreign key check: %w", err)
		}
		return fmt.Errorf("foreign key check: a row of %s refers to a missing row of %s", table, parent)
	}
	return rows.Err()
}
