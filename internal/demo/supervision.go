package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// writeSupervision completes the filing and supervision workflow of the
// loaded rows, deterministically (from the rows themselves, no randomness):
//
//   - filings: a CANCELLED filing was cancelled the day its institution
//     closed; a CHANGED one was amended when its institution next opened
//     seats after the receipt (a change of scale); then every filing gets
//     its history (internal/filing.Backfill): bulk loads skip the ent hook
//     that writes it for API writes.
//   - findings: a corrected finding was reported RECTIFIED on its
//     correction day, and VERIFIED by the institution's first FOLLOW_UP
//     inspection on or after that day when there is one; the others stay
//     OPEN, OVERDUE once their deadline has passed.
//   - complaints: each is due 15 working days after receipt; a closed one
//     gets an outcome. The about one in ten never closed become overdue.
func (l *loader) writeSupervision(ctx context.Context) error {
	dialect := "sqlite3"
	if l.limit == postgresParams {
		dialect = "postgres"
	}
	stmts := []string{
		`UPDATE filings SET cancelled_at = (SELECT i.closed_at FROM institutions i WHERE i.id = filings.institution_id)
		 WHERE status = 'CANCELLED' AND cancelled_at IS NULL`,
		`UPDATE filings SET changed_at = COALESCE((SELECT MIN(s.opened_at) FROM seats s
		   WHERE s.institution_id = filings.institution_id AND s.opened_at > filings.receipt_at), filings.receipt_at)
		 WHERE status = 'CHANGED' AND changed_at IS NULL`,
		`UPDATE findings SET rectified_at = corrected_at, status = 'RECTIFIED', corrected_at = NULL
		 WHERE corrected_at IS NOT NULL AND rectified_at IS NULL`,
		`UPDATE findings SET verified_by_id = (SELECT MIN(fu.id) FROM inspections fu JOIN inspections o ON o.id = findings.inspection_id
		   WHERE fu.institution_id = o.institution_id AND fu.kind = 'FOLLOW_UP' AND fu.inspected_on >= findings.rectified_at)
		 WHERE status = 'RECTIFIED'`,
		`UPDATE findings SET status = 'VERIFIED', corrected_at = (SELECT fu.inspected_on FROM inspections fu WHERE fu.id = findings.verified_by_id)
		 WHERE verified_by_id IS NOT NULL`,
	}
	for i, s := range stmts {
		if _, err := l.client.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("demo: supervision statement %d: %w", i+1, err)
		}
	}
	tx, err := l.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: filing history: %w", err)
	}
	n, err := filingflow.Backfill(ctx, tx, dialect)
	if err != nil {
		return errors.Join(fmt.Errorf("demo: %w", err), tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: filing history: %w", err)
	}
	l.counts["filing_events"] = n
	return l.writeComplaintDeadlines(ctx)
}

// outcomes of closed demo complaints, picked by ID.
var outcomes = []complaint.Outcome{
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomePARTLY_SUBSTANTIATED,
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomeREFERRED,
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomePARTLY_SUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomeWITHDRAWN,
}

// writeComplaintDeadlines sets each complaint's due_on and, when closed,
// its outcome: one update per complaint, in transactions of writeTable's size.
func (l *loader) writeComplaintDeadlines(ctx context.Context) error {
	cal, err := workday.Load(ctx, l.client)
	if err != nil {
		return err
	}
	rows, err := l.client.Complaint.Query().Where(complaint.DueOnIsNil()).Order(ent.Asc(complaint.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("demo: complaints: %w", err)
	}
	return l.writeTable(ctx, "complaint_deadlines", len(rows), 3, func(ctx context.Context, tx *ent.Tx, lo, hi int) error {
		for _, c := range rows[lo:hi] {
			due, err := cal.Add(c.ReceivedAt, 15)
			if err != nil {
				return fmt.Errorf("demo: complaint %d: %w", c.ID, err)
			}
			u := tx.Complaint.UpdateOneID(c.ID).SetDueOn(due)
			if c.ClosedAt != nil {
				u.SetOutcome(outcomes[c.ID%len(outcomes)])
			}
			if err := u.Exec(ctx); err != nil {
				return fmt.Errorf("demo: complaint %d: %w", c.ID, err)
			}
		}
		return nil
	})
}
