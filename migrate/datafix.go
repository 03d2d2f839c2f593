package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/workday"
	"strings"

	"github.com/tuoyu/tuoyu/internal/kpi/kpistore"

	"github.com/tuoyu/tuoyu/internal/nearby/s2cell"
)

// Data fixes run in a migration's transaction before its statements, for
// migrations that add a constraint existing rows may break. They are keyed
// by the migration's description (the name given to diff.go), so the
// generated files stay untouched and their checksums valid.
var dataFixes = map[string]func(ctx context.Context, tx Execer) error{
	"data_identity_unique": DeduplicateIdentities,
}

// postFixes run in a migration's transaction after its statements, in
// order, for migrations whose new tables or columns are filled from
// existing rows where SQL alone cannot compute them (same keying as
// dataFixes). They get the dialect: the rows they write carry dates as
// parameters.
var postFixes = map[string][]func(ctx context.Context, tx *sql.Tx, dialect string) error{
	// Filing history, finding states, complaint deadlines (issue 10 §1–2);
	// S2 cells of the nearby search (issue 10 §3).
	"data_workflows_ops": {
		BackfillFilingHistory,
		func(ctx context.Context, tx *sql.Tx, _ string) error { return BackfillS2Cells(ctx, tx) },
	},
}

// BackfillFilingHistory writes the FilingEvent history of the filings that
// existed before it (internal/filing.Backfill), so FILING_RATE as of past
// days keeps its values: a filing counts as filed from its receipt day, and
// a cancelled one stops counting on the day it was last changed rather than
// on every earlier day too.
//
// It also brings existing findings and complaints into the supervision
// workflow: a finding with corrected_at (until now "the day the correction
// was verified") is VERIFIED and counts as rectified that day; a complaint
// gets the default handling deadline, 15 working days after receipt on the
// built-in calendar (left null when the calendar does not cover the day).
func BackfillFilingHistory(ctx context.Context, tx *sql.Tx, dialect string) error {
	if _, err := filingflow.Backfill(ctx, tx, dialect); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE findings SET status = 'VERIFIED', rectified_at = corrected_at WHERE corrected_at IS NOT NULL`); err != nil {
		return fmt.Errorf("migrate: findings status: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, received_at FROM complaints WHERE due_on IS NULL`)
	if err != nil {
		return fmt.Errorf("migrate: complaint deadlines: %w", err)
	}
	type due struct {
		id int
		on time.Time
	}
	var dues []due
	cal := workday.Builtin()
	for rows.Next() {
		var (
			id       int
			received time.Time
		)
		if err := rows.Scan(&id, &received); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: complaint deadlines: %w", err)
		}
		if on, err := cal.Add(received, 15); err == nil {
			dues = append(dues, due{id, on})
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("migrate: complaint deadlines: %w", err)
	}
	update := `UPDATE complaints SET due_on = ? WHERE id = ?`
	if dialect == "postgres" {
		update = `UPDATE complaints SET due_on = $1 WHERE id = $2`
	}
	for _, d := range dues {
		if _, err := tx.ExecContext(ctx, update, d.on, d.id); err != nil {
			return fmt.Errorf("migrate: complaint deadlines: %w", err)
		}
	}
	return nil
}

// Execer is what a data fix needs of a transaction.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// DeduplicateIdentities prepares the unique indexes of migration
// data_identity_unique (one child per identity document, one daily check per
// child, date, session and institution):
//
//   - Children sharing an ID-number hash: the earliest registered (lowest ID)
//     keeps the hash; the others lose it but keep their masked number,
//     enrolments and health records, so nothing is deleted and an operator
//     can merge them by hand. They no longer match by number.
//   - Daily checks of the same child, date, session and institution: the
//     latest (highest ID) is kept, as a re-sent check replaces the earlier
//     one; the others are deleted.
//
// The statements are portable (PostgreSQL and SQLite).
func DeduplicateIdentities(ctx context.Context, tx Execer) error {
	stmts := []string{
		`UPDATE children SET id_number_hash = NULL
		 WHERE id_number_hash IS NOT NULL AND EXISTS (
		   SELECT 1 FROM children c2 WHERE c2.id_number_hash = children.id_number_hash AND c2.id < children.id)`,
		`DELETE FROM health_records
		 WHERE kind = 'DAILY_CHECK' AND session IS NOT NULL AND EXISTS (
		   SELECT 1 FROM health_records h2
		   WHERE h2.kind = 'DAILY_CHECK' AND h2.child_id = health_records.child_id
		     AND h2.institution_id = health_records.institution_id AND h2.date = health_records.date
		     AND h2.session = health_records.session AND h2.id > health_records.id)`,
	}
	for i, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("migrate: deduplicate identities, statement %d: %w", i+1, err)
		}
	}
	return nil
}

// derivedTables fill tables of derived data when a migration creates them,
// after its statements and in its transaction, so an existing database
// starts with them complete. They are keyed by the created table, not by
// the migration's name, so they survive migrations being squashed.
var derivedTables = map[string]func(ctx context.Context, tx Execer, dialectName string) error{
	// The KPI engine's precomputed data, computed set-wise from the
	// registry (two INSERT … SELECT; a province takes seconds).
	kpistore.DailyCheckTable: func(ctx context.Context, tx Execer, dialectName string) error {
		return kpistore.RebuildAll(ctx, tx, dialectName)
	},
	// The merged enrolment spans and seat groups (migration
	// kpi_region_deltas). They copy kpi_child_facts, which RebuildSpans
	// recomputes first, so the order of the fills does not matter.
	kpistore.ChildSpanTable: func(ctx context.Context, tx Execer, dialectName string) error {
		return kpistore.RebuildSpans(ctx, tx, dialectName)
	},
	// The children's developmental screening days (migration kpi_screenings).
	kpistore.ScreeningTable: func(ctx context.Context, tx Execer, dialectName string) error {
		return kpistore.RebuildScreenings(ctx, tx, dialectName)
	},
}

// fillCreated runs the derivedTables entry of every table stmts create.
func fillCreated(ctx context.Context, tx Execer, dialectName string, stmts []string) error {
	for table, fill := range derivedTables {
		for _, stmt := range stmts {
			if createsTable(stmt, table) {
				if err := fill(ctx, tx, dialectName); err != nil {
					return fmt.Errorf("fill %s: %w", table, err)
				}
				break
			}
		}
	}
	return nil
}

// Queryer is what a backfill needs of a transaction.
type Queryer interface {
	Execer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// BackfillS2Cells sets institutions.s2_cell, the spatial index of
// nearbyInstitutions, for rows with coordinates (migration
// data_workflows_ops adds the column; from then on the Institution hook
// keeps it). The S2 cell is computed in Go, so rows are read and updated
// one by one; values are integers written literally (portable, no
// placeholders). Re-running it writes the same values.
func BackfillS2Cells(ctx context.Context, tx Queryer) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, latitude, longitude FROM institutions WHERE latitude IS NOT NULL AND longitude IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("migrate: backfill s2 cells: %w", err)
	}
	type cell struct {
		id   int64
		cell int64
	}
	var cells []cell
	for rows.Next() {
		var id int64
		var lat, lng float64
		if err := rows.Scan(&id, &lat, &lng); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: backfill s2 cells: %w", err)
		}
		cells = append(cells, cell{id, s2cell.ID(lat, lng)})
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("migrate: backfill s2 cells: %w", err)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: backfill s2 cells: %w", err)
	}
	for _, c := range cells {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE institutions SET s2_cell = %d WHERE id = %d`, c.cell, c.id)); err != nil {
			return fmt.Errorf("migrate: backfill s2 cells: %w", err)
		}
	}
	return nil
}

// createsTable reports whether stmt is a CREATE TABLE of table (quoted the
// PostgreSQL or SQLite way).
func createsTable(stmt, table string) bool {
	s := strings.TrimSpace(stmt)
	for _, q := range []string{`"` + table + `"`, "`" + table + "`"} {
		if strings.HasPrefix(s, "CREATE TABLE "+q) || strings.HasPrefix(s, "CREATE TABLE IF NOT EXISTS "+q) {
			return true
		}
	}
	return false
}
