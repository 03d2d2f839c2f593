package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/target"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// writeWorkCalendar stores the official calendar of the as-of year, as an
// operator loads a year's notice (loadWorkCalendar or a work_calendar
// file), from lunar-go's transcription of it: the deadlines read the same
// days, and the table, its export and its import have real rows.
func (l *loader) writeWorkCalendar(ctx context.Context) error {
	year := l.opts.AsOf.Year()
	days := workday.Builtin().Days(year)
	if len(days) == 0 {
		return nil // a year lunar-go does not know yet: deadlines refuse it anyway
	}
	if _, err := workday.LoadYear(ctx, l.client, year, days); err != nil {
		return fmt.Errorf("demo: work calendar %d: %w", year, err)
	}
	return nil
}

// writeSupervision completes the filing and supervision workflow of the
// loaded rows, deterministically (from the rows themselves, no randomness):
//
//   - filings: a CANCELLED filing was cancelled the day its institution
//     closed; a CHANGED one was amended when its institution next opened
//     seats after the receipt (a change of scale); then every filing gets
//     its history (internal/filing.Backfill): bulk loads skip the ent hook
//     that writes it for API writes. Every receipt gets its number
//     (writeReceiptNumbers, public.go) once the recent cases are in.
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
	cal, err := workday.Load(ctx, l.client)
	if err != nil {
		return err
	}
	if err := l.writeRecentCases(ctx, cal); err != nil {
		return err
	}
	if err := l.writeReceiptNumbers(ctx); err != nil {
		return err
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
	return l.writeComplaintDeadlines(ctx, cal)
}

// outcomes of closed demo complaints, picked by ID.
var outcomes = []complaint.Outcome{
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomePARTLY_SUBSTANTIATED,
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomeREFERRED,
	complaint.OutcomeUNSUBSTANTIATED, complaint.OutcomePARTLY_SUBSTANTIATED, complaint.OutcomeSUBSTANTIATED, complaint.OutcomeWITHDRAWN,
}

// writeComplaintDeadlines sets each complaint's due_on and, when closed,
// its outcome: one update per complaint, in one transaction.
func (l *loader) writeComplaintDeadlines(ctx context.Context, cal *workday.Calendar) error {
	rows, err := l.client.Complaint.Query().Where(complaint.DueOnIsNil()).Order(ent.Asc(complaint.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("demo: complaints: %w", err)
	}
	tx, err := l.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: complaint deadlines: %w", err)
	}
	for _, c := range rows {
		due, err := cal.Add(c.ReceivedAt, 15)
		if err != nil {
			return errors.Join(fmt.Errorf("demo: complaint %d: %w", c.ID, err), tx.Rollback())
		}
		u := tx.Complaint.UpdateOneID(c.ID).SetDueOn(due)
		if c.ClosedAt != nil {
			u.SetOutcome(outcomes[c.ID%len(outcomes)])
		}
		if err := u.Exec(ctx); err != nil {
			return errors.Join(fmt.Errorf("demo: complaint %d: %w", c.ID, err), tx.Rollback())
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: complaint deadlines: %w", err)
	}
	return nil
}

// supervisionTargets: the deadlines of the filing rules and of
// rectification are obligations, so every receipt, rectification and
// complaint is expected on time (1 = 100 %).
func supervisionTargets() []targetSpec {
	bind := target.KindBINDING
	return []targetSpec{
		{schematype.FilingOnTimeRate, 0, 0, 2025, 1, target.ComparatorAtLeast, "托育机构登记和备案办法（试行）国卫办人口发〔2019〕25号（5个工作日内出具回执）", bind},
		{schematype.RectificationRate, 0, 0, 2025, 1, target.ComparatorAtLeast, "托育机构管理规范（试行）国卫人口发〔2019〕58号（限期整改）", bind},
		{schematype.ComplaintOnTimeRate, 0, 0, 2025, 1, target.ComparatorAtLeast, "大足府办发〔2024〕16号（投诉马上查）；12345热线15个工作日办结", bind},
	}
}

// writeRecentCases gives every district, in the last full month before
// AsOf (the default KPI period), the workload the generator's two-year
// history is too thin to guarantee: one filing submitted and receipted
// (3 working days, on time; a change filing when it filed before), one inspection whose two findings fall due
// (one rectified on time, one still OPEN and so overdue by AsOf), one
// complaint due and closed on time and one still open past its deadline.
// Dates are derived from AsOf and the district's first open institution:
// deterministic. The rows are written before the history backfill.
func (l *loader) writeRecentCases(ctx context.Context, cal *workday.Calendar) error {
	to := time.Date(l.opts.AsOf.Year(), l.opts.AsOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, -1, 0)
	districts, err := l.client.Region.Query().Where(region.LevelEQ(region.LevelDISTRICT)).Order(ent.Asc(region.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("demo: recent cases: %w", err)
	}
	tx, err := l.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("demo: recent cases: %w", err)
	}
	added := 0
	for _, d := range districts {
		ok, err := recentCases(ctx, tx.Client(), cal, d, from, to, l.opts.AsOf)
		if err != nil {
			return errors.Join(err, tx.Rollback())
		}
		if ok {
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("demo: recent cases: %w", err)
	}
	// One filing, one inspection, two findings and two complaints per district.
	for table, per := range map[string]int{"filings": 1, "inspections": 1, "findings": 2, "complaints": 2} {
		l.counts[table] += per * added
	}
	return nil
}

func recentCases(ctx context.Context, c *ent.Client, cal *workday.Calendar, d *ent.Region, from, to, asOf time.Time) (bool, error) {
	inst, err := c.Institution.Query().
		Where(institution.HasRegionWith(region.CodeHasPrefix(d.Code)), institution.ClosedAtIsNil(), institution.OpenedAtLT(from)).
		Order(ent.Asc(institution.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("demo: recent cases: %w", err)
	}
	wd := func(day time.Time, n int) (time.Time, error) { return cal.Add(day, n) }
	// A filing submitted on the period's first working day, receipt 3 working days later.
	sub, err := wd(from.AddDate(0, 0, -1), 1)
	if err != nil {
		return false, err
	}
	receipt, err := wd(sub, 3)
	if err != nil {
		return false, err
	}
	// A change filing (变更备案) when the institution filed before, else its first filing.
	filed, err := c.Filing.Query().Where(filing.InstitutionID(inst.ID)).Exist(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: recent filing: %w", err)
	}
	fb := c.Filing.Create().SetInstitution(inst).SetSubmittedAt(sub).SetReceiptAt(receipt).SetStatus(filing.StatusFILED).SetDocuments(allDocs[:5])
	if filed {
		fb.SetStatus(filing.StatusCHANGED).SetChangedAt(receipt)
	}
	if err := fb.Exec(ctx); err != nil {
		return false, fmt.Errorf("demo: recent filing: %w", err)
	}
	// An inspection 20 days before the period; findings due on the 10th and 20th.
	insp, err := c.Inspection.Create().SetInstitution(inst).SetInspectedOn(from.AddDate(0, 0, -20)).SetKind(inspection.KindROUTINE).
		SetInspector(d.Name + "卫生健康综合行政执法大队").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).Save(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: recent inspection: %w", err)
	}
	due1, due2 := from.AddDate(0, 0, 9), from.AddDate(0, 0, 19)
	if err := c.Finding.Create().SetInspection(insp).SetRule(findingRules[0].rule).SetDescription(findingRules[0].desc).SetSeverity(findingRules[0].sev).
		SetDeadline(due1).SetStatus(finding.StatusRECTIFIED).SetRectifiedAt(due1.AddDate(0, 0, -2)).Exec(ctx); err != nil {
		return false, fmt.Errorf("demo: recent finding: %w", err)
	}
	if err := c.Finding.Create().SetInspection(insp).SetRule(findingRules[1].rule).SetDescription(findingRules[1].desc).SetSeverity(findingRules[1].sev).
		SetDeadline(due2).Exec(ctx); err != nil {
		return false, fmt.Errorf("demo: recent finding: %w", err)
	}
	// Complaints: the first received so that it falls due inside the period
	// (closed the day before), the second received 20 working days before AsOf (open, overdue).
	received := from.AddDate(0, 0, -25)
	due, err := wd(received, 15)
	for err == nil && due.Before(from) {
		received = received.AddDate(0, 0, 1)
		due, err = wd(received, 15)
	}
	if err != nil {
		return false, err
	}
	if !due.Before(to) {
		return false, fmt.Errorf("demo: no receipt day puts a complaint's deadline in [%s, %s)", from.Format("2006-01-02"), to.Format("2006-01-02"))
	}
	if err := c.Complaint.Create().SetInstitution(inst).SetReceivedAt(received).SetDueOn(due).SetClosedAt(due.AddDate(0, 0, -1)).
		SetOutcome(complaint.OutcomeUNSUBSTANTIATED).SetResolution(resolutions[0]).SetChannel(complaint.ChannelHOTLINE).
		SetCategory(complaintCategories[0]).Exec(ctx); err != nil {
		return false, fmt.Errorf("demo: recent complaint: %w", err)
	}
	open := asOf.AddDate(0, 0, -30)
	openDue, err := wd(open, 15)
	if err != nil {
		return false, err
	}
	if err := c.Complaint.Create().SetInstitution(inst).SetReceivedAt(open).SetDueOn(openDue).SetChannel(complaint.ChannelONLINE).
		SetCategory(complaintCategories[1%len(complaintCategories)]).Exec(ctx); err != nil {
		return false, fmt.Errorf("demo: recent complaint: %w", err)
	}
	return true, nil
}
