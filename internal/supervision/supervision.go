// Package supervision is the rectification workflow of inspection findings
// (整改) and the handling deadlines of complaints: the derived state of a
// finding on a day, the overdue lists of a region, and the two write rules
// (the institution reports a finding rectified; a regulator verifies it by
// a re-inspection).
//
// OVERDUE is derived on read from the deadline and the day asked about,
// never stored: a stored flag would be wrong the morning after the
// deadline until some job rewrote it. The stored status is only what
// people did: OPEN, RECTIFIED (reported), VERIFIED (confirmed); the state
// on a past day comes from the dates of those steps (StateOf).
package supervision

import (
	"context"
	"fmt"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/finding"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/predicate"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	filingflow "github.com/tuoyu/tuoyu/internal/filing"
)

// State is a finding's state on a day.
type State string

// States.
const (
	Open      State = "OPEN"
	Overdue   State = "OVERDUE"
	Rectified State = "RECTIFIED"
	Verified  State = "VERIFIED"
)

// StateOf is f's state on asOf, derived from its dates as
// RECTIFICATION_RATE reads them, so that a past day gets the state the
// finding had then rather than today's:
//
//   - VERIFIED from correctedAt (the verifying re-inspection's day);
//   - else RECTIFIED from rectifiedAt (the institution's report);
//   - else OVERDUE after its deadline (the deadline day itself is on time);
//   - else OPEN.
//
// A report a re-inspection rejected was cleared, so those days read as
// never rectified, as the KPI counts them. A row whose status has no date
// (RECTIFIED without rectifiedAt, VERIFIED without correctedAt, loaded
// before the dates were kept) is in that status on every day. The finding
// holds no date before its inspection, so a day before the inspection's
// answers OPEN: ask about days from the inspection on.
func StateOf(f *ent.Finding, asOf time.Time) State {
	switch {
	case f.CorrectedAt != nil && !asOf.Before(*f.CorrectedAt),
		f.CorrectedAt == nil && f.Status == finding.StatusVERIFIED:
		return Verified
	case f.RectifiedAt != nil && !asOf.Before(*f.RectifiedAt),
		f.RectifiedAt == nil && f.Status == finding.StatusRECTIFIED:
		return Rectified
	case f.Deadline != nil && asOf.After(*f.Deadline):
		return Overdue
	}
	return Open
}

// overdueOn is the condition of StateOf(f, asOf) == Overdue in SQL: past
// the deadline, neither reported nor verified by asOf, and not in an
// undated RECTIFIED or VERIFIED status.
func overdueOn(asOf time.Time) predicate.Finding {
	return finding.And(
		finding.DeadlineLT(asOf),
		finding.Or(finding.RectifiedAtIsNil(), finding.RectifiedAtGT(asOf)),
		finding.Or(finding.CorrectedAtIsNil(), finding.CorrectedAtGT(asOf)),
		finding.Or(
			finding.StatusEQ(finding.StatusOPEN),
			finding.And(finding.StatusEQ(finding.StatusRECTIFIED), finding.RectifiedAtNotNil()),
			finding.And(finding.StatusEQ(finding.StatusVERIFIED), finding.CorrectedAtNotNil()),
		),
	)
}

// OverdueFinding is one item of findingsOverdue.
type OverdueFinding struct {
	Finding     *ent.Finding
	Deadline    time.Time
	DaysOverdue int
}

// OverdueComplaint is one item of complaintsOverdue.
type OverdueComplaint struct {
	Complaint   *ent.Complaint
	DueOn       time.Time
	DaysOverdue int
}

func daysAfter(asOf, day time.Time) int { return int(asOf.Sub(day).Hours() / 24) }

// OverdueFindings lists the findings at institutions in the region that
// were OVERDUE on asOf (see StateOf): past their deadline (deadline <
// asOf) and neither reported rectified nor verified by then, most overdue
// first. For today that is the findings still OPEN after their deadline.
// Regulators only, inside their region; row policies apply as well.
func OverdueFindings(ctx context.Context, client *ent.Client, regionID int, asOf time.Time) ([]OverdueFinding, error) {
	prefix, err := filingflow.Region(ctx, client, regionID)
	if err != nil {
		return nil, err
	}
	rows, err := client.Finding.Query().
		Where(
			overdueOn(asOf),
			finding.HasInspectionWith(inspection.HasInstitutionWith(institution.HasRegionWith(region.CodeHasPrefix(prefix)))),
		).
		Order(ent.Asc(finding.FieldDeadline), ent.Asc(finding.FieldID)).
		WithInspection(func(q *ent.InspectionQuery) { q.WithInstitution(filingflow.InstitutionPlace) }). // shown with the list: four statements in all
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: overdue findings: %w", err)
	}
	out := make([]OverdueFinding, len(rows))
	for i, f := range rows {
		out[i] = OverdueFinding{Finding: f, Deadline: *f.Deadline, DaysOverdue: daysAfter(asOf, *f.Deadline)}
	}
	return out, nil
}

// OverdueComplaints lists the complaints about institutions in the region
// still open after their handling deadline (due_on < asOf), most overdue first.
func OverdueComplaints(ctx context.Context, client *ent.Client, regionID int, asOf time.Time) ([]OverdueComplaint, error) {
	prefix, err := filingflow.Region(ctx, client, regionID)
	if err != nil {
		return nil, err
	}
	rows, err := client.Complaint.Query().
		Where(
			complaint.ClosedAtIsNil(),
			complaint.DueOnLT(asOf),
			complaint.HasInstitutionWith(institution.HasRegionWith(region.CodeHasPrefix(prefix))),
		).
		Order(ent.Asc(complaint.FieldDueOn), ent.Asc(complaint.FieldID)).
		WithInstitution(filingflow.InstitutionPlace).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: overdue complaints: %w", err)
	}
	out := make([]OverdueComplaint, len(rows))
	for i, c := range rows {
		out[i] = OverdueComplaint{Complaint: c, DueOn: *c.DueOn, DaysOverdue: daysAfter(asOf, *c.DueOn)}
	}
	return out, nil
}

// MarkRectified records the institution's report that a finding is
// rectified. Only INSTITUTION_STAFF of the finding's institution may (a
// finding of another institution is NOT_FOUND: staff cannot see it); the
// finding must be OPEN (CONFLICT otherwise); the day lies between the
// inspection and today. The write runs as the system after these checks:
// staff have no general write on findings.
func MarkRectified(ctx context.Context, client *ent.Client, findingID int, on, today time.Time) (*ent.Finding, error) {
	v := auth.FromContext(ctx)
	if v.Role != auth.InstitutionStaff {
		return nil, apperr.Forbidden("only staff of the finding's institution report a rectification; regulators verify it with verifyFinding")
	}
	f, err := client.Finding.Query().Where(finding.ID(findingID)).WithInspection().Only(ctx)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, fmt.Errorf("finding %d: %w", findingID, apperr.ErrNotFound)
		}
		return nil, fmt.Errorf("supervision: mark rectified: %w", err)
	}
	if f.Edges.Inspection == nil || f.Edges.Inspection.InstitutionID != v.InstitutionID {
		return nil, fmt.Errorf("finding %d: %w", findingID, apperr.ErrNotFound)
	}
	if f.Status != finding.StatusOPEN {
		return nil, &apperr.FieldError{Field: "finding_id", Message: "is not OPEN: it was already reported rectified or verified", Kind: apperr.ErrConflict}
	}
	switch {
	case on.Before(f.Edges.Inspection.InspectedOn):
		return nil, apperr.Invalid("rectified_on", "must not be before the inspection that recorded the finding")
	case on.After(today):
		return nil, apperr.Invalid("rectified_on", "must not be in the future")
	}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	out, err := client.Finding.UpdateOneID(findingID).
		SetStatus(finding.StatusRECTIFIED).
		SetRectifiedAt(on).
		Save(sys)
	if err != nil {
		return nil, fmt.Errorf("supervision: mark rectified: %w", err)
	}
	return out, nil
}

// Verification is the result of a re-inspection of one finding.
type Verification struct {
	FindingID, InspectionID int
	Accepted                bool
	// NewDeadline, when the rectification is rejected, replaces the deadline.
	NewDeadline *time.Time
}

// Verify records a re-inspection's verdict on a finding. Only regulators
// whose region contains the institution may (the finding and inspection are
// read and written as the viewer, so scope rules apply); the inspection is
// a FOLLOW_UP of the same institution, on or after the inspection that
// recorded the finding and not after today; a VERIFIED finding is final
// (CONFLICT). newDeadline is only for a rejected rectification.
func Verify(ctx context.Context, client *ent.Client, in Verification) (*ent.Finding, error) {
	if !auth.FromContext(ctx).IsRegulator() {
		return nil, apperr.Forbidden("only regulators verify a rectification, by a FOLLOW_UP re-inspection")
	}
	f, err := client.Finding.Query().Where(finding.ID(in.FindingID)).WithInspection().Only(ctx)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, fmt.Errorf("finding %d: %w", in.FindingID, apperr.ErrNotFound)
		}
		return nil, fmt.Errorf("supervision: verify: %w", err)
	}
	if f.Status == finding.StatusVERIFIED {
		return nil, &apperr.FieldError{Field: "finding_id", Message: "is already VERIFIED", Kind: apperr.ErrConflict}
	}
	if in.Accepted && in.NewDeadline != nil {
		// An accepted rectification has no deadline left to move; ignoring
		// the argument would let a client believe it was stored.
		return nil, apperr.Invalid("new_deadline", "must not be given when the rectification is accepted")
	}
	re, err := client.Inspection.Get(ctx, in.InspectionID)
	if err != nil {
		if ent.IsNotFound(err) {
			// A reference the viewer may not use: the same answer whether
			// it does not exist or lies outside the region (README "Errors").
			return nil, &apperr.FieldError{Field: "inspection_id", Message: "names no inspection the viewer may use", Kind: apperr.ErrForbidden}
		}
		return nil, fmt.Errorf("supervision: verify: %w", err)
	}
	orig := f.Edges.Inspection
	switch {
	case re.Kind != inspection.KindFOLLOW_UP:
		return nil, apperr.Invalid("inspection_id", "must be a FOLLOW_UP (复查) inspection")
	case orig == nil || re.InstitutionID != orig.InstitutionID:
		return nil, apperr.Invalid("inspection_id", "must be an inspection of the finding's institution")
	case re.InspectedOn.Before(orig.InspectedOn):
		return nil, apperr.Invalid("inspection_id", "must not be before the inspection that recorded the finding")
	case re.InspectedOn.After(civil.TodayIn(ctx)):
		// As markFindingRectified refuses a future report: a verification
		// dated ahead would count as done before it happened.
		return nil, apperr.Invalid("inspection_id", "is a re-inspection dated after today")
	case !in.Accepted && in.NewDeadline != nil && !in.NewDeadline.After(re.InspectedOn):
		return nil, apperr.Invalid("new_deadline", "must be after the re-inspection's day")
	}
	u := client.Finding.UpdateOneID(f.ID)
	if in.Accepted {
		u.SetStatus(finding.StatusVERIFIED).SetCorrectedAt(re.InspectedOn).SetVerifiedByID(re.ID)
		// rectifiedAt stays the institution's report: null when it never
		// reported (RECTIFICATION_RATE then reads correctedAt). A report
		// dated after the re-inspection that found the finding corrected is
		// moved back to that day, the earliest proof of the correction.
		if f.RectifiedAt != nil && f.RectifiedAt.After(re.InspectedOn) {
			u.SetRectifiedAt(re.InspectedOn)
		}
	} else {
		// A finding that is not VERIFIED has no verification to clear.
		u.SetStatus(finding.StatusOPEN).ClearRectifiedAt()
		if in.NewDeadline != nil {
			u.SetDeadline(*in.NewDeadline)
		}
	}
	out, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("supervision: verify: %w", err)
	}
	return out, nil
}
