package filing

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DB is what Backfill needs: a *sql.Tx of a migration, or an ent client
// (its ExecContext/QueryContext).
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Backfill writes the history of every filing that has none: SUBMITTED on
// submitted_at, NOTICE_ISSUED on noncompliance_notified_at, RECEIPT_ISSUED
// on receipt_at, then CHANGED or CANCELLED for a filing in that status,
// dated changed_at / cancelled_at. A CHANGED or CANCELLED filing written
// before those columns existed has no such day: the best evidence is the
// day its row last changed (updated_at), but never before its latest known
// day; that day is stored in changed_at / cancelled_at too. Events are
// SYSTEM rows noted as backfilled. dialect is "postgres" or "sqlite3"
// (placeholders differ). It returns the number of events written.
func Backfill(ctx context.Context, db DB, dialect string) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT f.id, f.status, f.submitted_at, f.receipt_at, f.noncompliance_notified_at, f.changed_at, f.cancelled_at, f.updated_at
FROM filings f
WHERE NOT EXISTS (SELECT 1 FROM filing_events fe WHERE fe.filing_id = f.id)
ORDER BY f.id`)
	if err != nil {
		return 0, fmt.Errorf("filing: backfill: read filings: %w", err)
	}
	type row struct {
		id                                  int
		status                              string
		submitted                           time.Time
		receipt, notice, changed, cancelled sql.NullTime
		updated                             time.Time
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.status, &r.submitted, &r.receipt, &r.notice, &r.changed, &r.cancelled, &r.updated); err != nil {
			rows.Close()
			return 0, fmt.Errorf("filing: backfill: read filings: %w", err)
		}
		todo = append(todo, r)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("filing: backfill: read filings: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("filing: backfill: read filings: %w", err)
	}
	ph := func(n int) string {
		if dialect == "postgres" {
			parts := make([]string, n)
			for i := range parts {
				parts[i] = "$" + strconv.Itoa(i+1)
			}
			return strings.Join(parts, ", ")
		}
		return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
	}
	insert := `INSERT INTO filing_events (created_at, updated_at, filing_id, status, date, actor_role, note) VALUES (` + ph(7) + `)`
	setDay := func(col string) string {
		if dialect == "postgres" {
			return `UPDATE filings SET ` + col + ` = $1 WHERE id = $2`
		}
		return `UPDATE filings SET ` + col + ` = ? WHERE id = ?`
	}
	now := time.Now().UTC()
	n := 0
	for _, r := range todo {
		type ev struct {
			status string
			day    time.Time
		}
		evs := []ev{{"SUBMITTED", dateOf(r.submitted)}}
		latest := dateOf(r.submitted)
		for _, x := range []struct {
			status string
			t      sql.NullTime
		}{{"NOTICE_ISSUED", r.notice}, {"RECEIPT_ISSUED", r.receipt}} {
			if x.t.Valid {
				evs = append(evs, ev{x.status, dateOf(x.t.Time)})
				latest = laterOf(latest, dateOf(x.t.Time))
			}
		}
		final := map[string]struct {
			t   sql.NullTime
			col string
		}{"CHANGED": {r.changed, "changed_at"}, "CANCELLED": {r.cancelled, "cancelled_at"}}
		if x, ok := final[r.status]; ok {
			day := laterOf(latest, dateOf(r.updated))
			if x.t.Valid {
				day = dateOf(x.t.Time)
			} else if _, err := db.ExecContext(ctx, setDay(x.col), day, r.id); err != nil {
				return n, fmt.Errorf("filing: backfill: date filing %d: %w", r.id, err)
			}
			evs = append(evs, ev{r.status, day})
		}
		for _, e := range evs {
			if _, err := db.ExecContext(ctx, insert, now, now, r.id, e.status, e.day, "SYSTEM", "backfilled from the filing's dates"); err != nil {
				return n, fmt.Errorf("filing: backfill: filing %d: %w", r.id, err)
			}
			n++
		}
	}
	return n, nil
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
