package filing

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	entfiling "github.com/tuoyu/tuoyu/ent/filing"
)

// DB is what Backfill needs: a *sql.Tx of a migration, or an ent client
// (its ExecContext/QueryContext).
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Backfill writes the history of every filing that has none, from its days
// (Steps): SUBMITTED on submitted_at, then NOTICE_ISSUED on
// noncompliance_notified_at, RECEIPT_ISSUED on receipt_at, CHANGED on
// changed_at and CANCELLED on cancelled_at, each where the day is known, by
// day (on a same-day tie the filing's current status last), as the Filing
// hook writes the history of a filing created with its decisions taken. A
// CHANGED or CANCELLED filing written before those columns existed has no
// such day: the best evidence is the day its row last changed
// (updated_at), but never before its latest known day; that day is stored
// in changed_at / cancelled_at too. Events are SYSTEM rows noted as
// backfilled. dialect is "postgres" or "sqlite3" (placeholders differ). It
// returns the number of events written.
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
		day := func(t sql.NullTime) *time.Time {
			if !t.Valid {
				return nil
			}
			d := dateOf(t.Time)
			return &d
		}
		d := Dates{Submitted: dateOf(r.submitted), Receipt: day(r.receipt), Notice: day(r.notice), Changed: day(r.changed), Cancelled: day(r.cancelled)}
		status := entfiling.Status(r.status)
		if (status == entfiling.StatusCHANGED || status == entfiling.StatusCANCELLED) && d.Of(status) == nil {
			latest := d.Submitted
			for _, s := range decisions {
				if t := d.Of(s); t != nil {
					latest = laterOf(latest, *t)
				}
			}
			known := laterOf(latest, dateOf(r.updated))
			if _, err := db.ExecContext(ctx, setDay(DateField(status)), known, r.id); err != nil {
				return n, fmt.Errorf("filing: backfill: date filing %d: %w", r.id, err)
			}
			d.Set(status, &known)
		}
		// The history the days describe, in the order the hook writes it
		// (Steps). A row whose days contradict its status is written as
		// its days say; Inconsistencies lists it.
		for _, e := range Steps(status, d) {
			if _, err := db.ExecContext(ctx, insert, now, now, r.id, string(EventStatus(e.Status)), e.Day, "SYSTEM", "backfilled from the filing's dates"); err != nil {
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
