// Package dataversion tells, exactly, whether the data of a PostgreSQL
// database changed between two moments, so that an answer computed from it
// can be given again while it has not.
//
// A statement trigger on every table that holds data (Install) adds a row
// for the writing transaction to the data_changes table, inside that
// transaction: the row commits with the write, or rolls back with it. The
// version (ReadStatement) is the sum of the rows' changes, so it grows by one with
// every commit that wrote data, at the instant that commit becomes visible,
// and with nothing else. Two reads that return the same version therefore
// saw the same data, and so did every statement that ran between them.
// Tables whose writes do not change what the data says (the audit trail,
// import jobs, keys, the job queue) carry no trigger, so reading or
// importing a file does not age every cached answer.
//
// Writes outside tuoyu count too (psql, another server on the same
// database): the trigger, not the application, notes them.
//
// Rows are folded into one every minute (Fold), the sum unchanged.
// SQLite has neither statement triggers nor a cheap transaction id; there
// the table stays empty and nothing is cached.
package dataversion

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Table is the table the triggers write (ent/schema/datachange.go).
const Table = "data_changes"

const (
	function = "tuoyu_note_data_change"
	trigger  = "tuoyu_data_changed"
)

// untracked lists the tables whose writes carry no data a reader computes
// with: the version table itself, the migration record, the audit trail,
// import and export jobs with their chunks, idempotency records, API keys,
// the ban list and server secrets. Tables named river_* (the job queue,
// whose leader election writes every few seconds) are untracked too. Every
// other table, including any a later migration adds, is tracked: forgetting
// one here costs cache hits, never a stale answer.
var untracked = []string{
	Table, "tuoyu_schema_revisions", "audit_logs", "data_jobs", "data_chunks",
	"idempotency_records", "api_keys", "ban_list_entries", "server_secrets",
}

// MissingStatement lists the tracked tables of the current schema that
// lack the trigger (every table but the untracked ones and river_*), each
// with the schema's name: Install adds the trigger to them, and a reader
// that finds any must not trust the version.
var MissingStatement = `SELECT current_schema(), c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname NOT LIKE 'river\_%' AND c.relname NOT IN ('` + strings.Join(untracked, "', '") + `')
  AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = '` + trigger + `')`

// Execer runs statements; *sql.DB, *sql.Conn and *sql.Tx are Execers.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Install (PostgreSQL) creates the trigger function and puts the trigger on
// every table of the current schema that holds data and lacks it. It is
// idempotent and cheap when nothing is missing; migrate.Apply runs it after
// the migration files, so a table a later migration adds is tracked from
// then on.
func Install(ctx context.Context, db Execer) error {
	rows, err := db.QueryContext(ctx, MissingStatement)
	if err != nil {
		return fmt.Errorf("dataversion: list tables: %w", err)
	}
	var (
		schema  string
		missing []string
	)
	for rows.Next() {
		var table string
		if err := rows.Scan(&schema, &table); err != nil {
			rows.Close()
			return fmt.Errorf("dataversion: list tables: %w", err)
		}
		missing = append(missing, table)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dataversion: list tables: %w", err)
	}
	if len(missing) == 0 {
		return nil
	}
	// The function names its table with the schema, so that it does not
	// depend on the search_path of the session that writes.
	fn := `CREATE OR REPLACE FUNCTION ` + quote(schema) + `.` + function + `() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO ` + quote(schema) + `.` + Table + ` (txid, changes) VALUES (txid_current(), 1) ON CONFLICT (txid) DO NOTHING;
	RETURN NULL;
END
$$`
	if _, err := db.ExecContext(ctx, fn); err != nil {
		return fmt.Errorf("dataversion: create function: %w", err)
	}
	for _, table := range missing {
		// FOR EACH STATEMENT: one call per writing statement, whatever
		// its row count (an import's COPY included); TRUNCATE too.
		stmt := `CREATE TRIGGER ` + trigger + ` AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ` +
			quote(schema) + `.` + quote(table) + ` FOR EACH STATEMENT EXECUTE FUNCTION ` + quote(schema) + `.` + function + `()`
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("dataversion: trigger on %s: %w", table, err)
		}
	}
	return nil
}

// Version is the number of committed writing transactions the triggers
// have noted: equal versions, equal data.
type Version int64

// ReadStatement reads the version. It is a plain SELECT without
// arguments, so it runs through the same driver, and to the same database,
// as the reads whose answer it labels.
const ReadStatement = `SELECT COALESCE(SUM(changes), 0) FROM ` + Table

// FoldStatement folds every committed row into the row of txid 0 in one
// statement, so the sum, and the version, stay what they were. Rows
// committed while it runs are left for the next fold; two folds at once
// serialise on the rows they delete and on row 0.
const FoldStatement = `WITH folded AS (DELETE FROM ` + Table + ` WHERE txid <> 0 RETURNING changes)
INSERT INTO ` + Table + ` (txid, changes) SELECT 0, COALESCE(SUM(changes), 0) FROM folded
ON CONFLICT (txid) DO UPDATE SET changes = ` + Table + `.changes + EXCLUDED.changes`

// Fold runs FoldStatement (PostgreSQL). serve runs it every minute through
// the job queue, so the sum a reader computes covers at most a minute of
// writing transactions and a row.
func Fold(ctx context.Context, db Execer) error {
	if _, err := db.ExecContext(ctx, FoldStatement); err != nil {
		return fmt.Errorf("dataversion: fold: %w", err)
	}
	return nil
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }
