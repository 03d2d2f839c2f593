package migrate

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/tuoyu/tuoyu/internal/nearby/s2cell"
)

// Data fixes run in a migration's transaction before its statements, for
// migrations that add a constraint existing rows may break. They are keyed
// by the migration's description (the name given to diff.go), so the
// generated files stay untouched and their checksums valid.
var dataFixes = map[string]func(ctx context.Context, tx Execer) error{
	"data_identity_unique": DeduplicateIdentities,
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

// Backfills run in a migration's transaction after its statements, for
// migrations that add a column whose value existing rows need and that SQL
// cannot compute. Keyed by description like dataFixes.
var backfills = map[string]func(ctx context.Context, tx Queryer) error{
	"places_s2_evaluation": BackfillS2Cells,
}

// Queryer is what a backfill needs of a transaction.
type Queryer interface {
	Execer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// BackfillS2Cells sets institutions.s2_cell, the spatial index of
// nearbyInstitutions, for rows with coordinates (migration
// places_s2_evaluation adds the column; from then on the Institution hook
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
