// Package retention removes personal information that is no longer needed
// (PIPL): children and staff whose last enrolment or employment ended
// longer ago than a retention period are pseudonymised, and audit rows
// older than theirs are deleted. Rows stay, with the values the KPIs of
// past dates read, so that no past KPI value changes; every purge is
// itself audited.
package retention

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
)

// Purged replaces names and other text that identified a purged person;
// a child or staff member named so is already purged.
const Purged = "已清除"

// tombstonePrefix starts the random value that replaces a purged staff
// member's ID hash (the column is required): it matches no HMAC, so the
// person is found by no ID number and matches no ban-list entry.
const tombstonePrefix = "purged:"

// Subject is the audit subject of purges.
const Subject = "system:retention"

// Period is a retention period in calendar years, months and days.
type Period struct{ Years, Months, Days int }

// IsZero: keep forever.
func (p Period) IsZero() bool { return p == Period{} }

// String is the period as ParsePeriod reads it ("3y", "1y6m", "0").
func (p Period) String() string {
	if p.IsZero() {
		return "0"
	}
	s := ""
	for _, part := range []struct {
		n    int
		unit string
	}{{p.Years, "y"}, {p.Months, "m"}, {p.Days, "d"}} {
		if part.n != 0 {
			s += strconv.Itoa(part.n) + part.unit
		}
	}
	return s
}

// Before is the day p before day.
func (p Period) Before(day time.Time) time.Time {
	return civil.Of(day).AddDate(-p.Years, -p.Months, -p.Days)
}

var periodRE = regexp.MustCompile(`^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$`)

// ParsePeriod reads "3y", "36m", "90d", "1y6m"; "" or "0" is keep forever.
func ParsePeriod(s string) (Period, error) {
	if s == "" || s == "0" {
		return Period{}, nil
	}
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("retention: %q is not a period such as 3y, 36m, 90d or 1y6m (0 keeps forever)", s)
	}
	var p Period
	for i, dst := range []*int{&p.Years, &p.Months, &p.Days} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil || n > 200*366 {
				return Period{}, fmt.Errorf("retention: %q is out of range", s)
			}
			*dst = n
		}
	}
	return p, nil
}

// Policy says how long personal information is kept; a zero period keeps
// it forever.
type Policy struct {
	// Children: after the child's last enrolment ended (or, for a child
	// never enrolled, after it was registered).
	Children Period
	// Staff: after the person's last employment ended (a person is an ID
	// number; all their staff rows, at every institution, go together).
	Staff Period
	// Audit: audit rows older than this are deleted.
	Audit Period
}

// Child is a child purged (or to be purged, in a dry run).
type Child struct {
	ID int
	// LastEnded is the end of the last enrolment, or the registration day
	// of a child never enrolled.
	LastEnded time.Time
	// NeverEnrolled: the child has no enrolment; LastEnded is the day it
	// was registered.
	NeverEnrolled bool
	// BirthDayKept: the birth date keeps its day because truncating it to
	// the month would change a KPI of a past date (see TruncatedBirth).
	BirthDayKept bool
}

// Person is a staff member (all rows of one ID number) purged.
type Person struct {
	StaffIDs  []int
	LastEnded time.Time
}

// Report says what a purge did, or would do in a dry run. It holds IDs
// and dates, never personal values.
type Report struct {
	DryRun bool
	AsOf   time.Time
	Policy Policy
	// Children and Staff purged (or to be).
	Children []Child
	Staff    []Person
	// AuditRows is the number of audit rows older than the audit retention
	// deleted (or to be).
	AuditRows int
}

// Purge pseudonymises the children and staff whose retention ended before
// now, and deletes audit rows past theirs, in one transaction, with audit
// rows saying what it purged. dryRun changes nothing and reports what would
// be purged. It runs as the system (below ent's row policies); client must
// not be a transaction's client. A periodic job calls it daily.
func Purge(ctx context.Context, client *ent.Client, policy Policy, now time.Time, dryRun bool) (Report, error) {
	ctx = privacy.DecisionContext(ctx, privacy.Allow)
	rep := Report{DryRun: dryRun, AsOf: civil.Of(now), Policy: policy}
	var err error
	if !policy.Children.IsZero() {
		if rep.Children, err = dueChildren(ctx, client, policy.Children.Before(now)); err != nil {
			return rep, err
		}
	}
	if !policy.Staff.IsZero() {
		if rep.Staff, err = dueStaff(ctx, client, policy.Staff.Before(now)); err != nil {
			return rep, err
		}
	}
	var auditCutoff time.Time
	if !policy.Audit.IsZero() {
		auditCutoff = policy.Audit.Before(now)
		if rep.AuditRows, err = client.AuditLog.Query().Where(auditlog.AtLT(auditCutoff)).Count(ctx); err != nil {
			return rep, fmt.Errorf("retention: count audit rows: %w", err)
		}
	}
	if dryRun || (len(rep.Children) == 0 && len(rep.Staff) == 0 && rep.AuditRows == 0) {
		return rep, nil
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention: begin: %w", err)
	}
	if err := apply(ctx, tx.Client(), &rep, auditCutoff); err != nil {
		_ = tx.Rollback()
		return rep, err
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("retention: commit: %w", err)
	}
	return rep, nil
}

func apply(ctx context.Context, c *ent.Client, rep *Report, auditCutoff time.Time) error {
	births := map[int]time.Time{}
	if len(rep.Children) > 0 {
		ids := make([]int, len(rep.Children))
		for i, ch := range rep.Children {
			ids[i] = ch.ID
		}
		rows, err := c.Child.Query().Where(child.IDIn(ids...)).Select(child.FieldID, child.FieldBirthDate).All(ctx)
		if err != nil {
			return fmt.Errorf("retention: read children: %w", err)
		}
		for _, r := range rows {
			births[r.ID] = r.BirthDate
		}
	}
	var childIDs []int
	for i, ch := range rep.Children {
		upd := c.Child.UpdateOneID(ch.ID).
			SetName(Purged).
			ClearGuardianName().
			ClearGuardianPhone().
			ClearIDNumberHash().
			ClearIDNumberMasked().
			ClearIDDocumentType()
		if b, ok := births[ch.ID]; ok && !rep.Children[i].BirthDayKept {
			upd.SetBirthDate(civil.D(b.Year(), b.Month(), 1))
		}
		if err := upd.Exec(ctx); err != nil {
			return fmt.Errorf("retention: pseudonymise child %d: %w", ch.ID, err)
		}
		childIDs = append(childIDs, ch.ID)
	}
	// Free-text notes of their health records may name people or
	// conditions; no KPI reads them. Measurements, kinds and dates stay.
	if len(childIDs) > 0 {
		if err := c.HealthRecord.Update().Where(healthrecord.ChildIDIn(childIDs...), healthrecord.NotesNotNil()).ClearNotes().Exec(ctx); err != nil {
			return fmt.Errorf("retention: health record notes: %w", err)
		}
	}
	var staffIDs []int
	for _, p := range rep.Staff {
		tomb, err := tombstone()
		if err != nil {
			return err
		}
		if err := c.Staff.Update().Where(staff.IDIn(p.StaffIDs...)).
			SetName(Purged).SetIDNumberHash(tomb).SetIDNumberMasked(Purged).Exec(ctx); err != nil {
			return fmt.Errorf("retention: pseudonymise staff %v: %w", p.StaffIDs, err)
		}
		if err := c.Certification.Update().Where(certification.StaffIDIn(p.StaffIDs...)).SetNumber(Purged).Exec(ctx); err != nil {
			return fmt.Errorf("retention: certificates of staff %v: %w", p.StaffIDs, err)
		}
		staffIDs = append(staffIDs, p.StaffIDs...)
	}
	var deleted int
	if rep.AuditRows > 0 {
		n, err := c.AuditLog.Delete().Where(auditlog.AtLT(auditCutoff)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("retention: delete audit rows: %w", err)
		}
		deleted, rep.AuditRows = n, n
	}
	// The purge's own audit rows: which records lost which fields (never
	// values), and how many audit rows went.
	if err := audit(ctx, c, "purge", "Child", childIDs, []string{"birthDate", "guardianName", "guardianPhone", "healthRecords.notes", "idDocumentType", "idNumber", "idNumberMasked", "name"}); err != nil {
		return err
	}
	if err := audit(ctx, c, "purge", "Staff", staffIDs, []string{"certifications.number", "idNumber", "idNumberMasked", "name"}); err != nil {
		return err
	}
	if deleted > 0 {
		if err := audit(ctx, c, "purge-audit", "AuditLog", nil, []string{"before " + auditCutoff.Format(civil.Layout), strconv.Itoa(deleted) + " rows"}); err != nil {
			return err
		}
	}
	return nil
}

// audit writes the rows of one purge step, 500 IDs a row.
func audit(ctx context.Context, c *ent.Client, op, entity string, ids []int, fields []string) error {
	if ids == nil && entity != "AuditLog" {
		return nil
	}
	for len(ids) > 0 || entity == "AuditLog" {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		if err := c.AuditLog.Create().
			SetSubject(Subject).SetRole("SYSTEM").SetOperation(op).SetDocumentHash("retention").
			SetEntityType(entity).SetEntityIds(append([]int{}, chunk...)).SetFields(fields).
			Exec(ctx); err != nil {
			return fmt.Errorf("retention: audit the purge: %w", err)
		}
		if entity == "AuditLog" {
			break
		}
	}
	return nil
}

func tombstone() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("retention: random: %w", err)
	}
	return tombstonePrefix + hex.EncodeToString(b), nil
}

// dueChildren are the children not yet purged whose every enrolment ended
// on or before cutoff (never enrolled: registered on or before it).
func dueChildren(ctx context.Context, client *ent.Client, cutoff time.Time) ([]Child, error) {
	rows, err := client.Child.Query().
		Where(
			child.NameNEQ(Purged),
			child.Not(child.HasEnrolmentsWith(enrolment.Or(enrolment.EndDateIsNil(), enrolment.EndDateGT(cutoff)))),
			child.Or(child.HasEnrolments(), child.CreatedAtLTE(cutoff.AddDate(0, 0, 1))),
		).
		Select(child.FieldID, child.FieldBirthDate, child.FieldCreatedAt).
		WithEnrolments(func(q *ent.EnrolmentQuery) {
			q.Select(enrolment.FieldChildID, enrolment.FieldStartDate, enrolment.FieldEndDate)
		}).
		Order(ent.Asc(child.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention: find children: %w", err)
	}
	out := make([]Child, 0, len(rows))
	for _, r := range rows {
		c := Child{ID: r.ID, LastEnded: civil.Of(r.CreatedAt), NeverEnrolled: len(r.Edges.Enrolments) == 0}
		stays := make([]Stay, 0, len(r.Edges.Enrolments))
		for i, e := range r.Edges.Enrolments {
			end := civil.Of(*e.EndDate)
			if i == 0 || end.After(c.LastEnded) {
				c.LastEnded = end
			}
			stays = append(stays, Stay{Start: civil.Of(e.StartDate), End: end})
		}
		if len(stays) == 0 && c.LastEnded.After(cutoff) {
			continue // registered on the cutoff day itself, in another time of day
		}
		birth := civil.Of(r.BirthDate)
		c.BirthDayKept = !TruncatedBirthSafe(birth, stays)
		out = append(out, c)
	}
	return out, nil
}

// dueStaff are the people (ID hashes) not yet purged all of whose
// employments ended on or before cutoff.
func dueStaff(ctx context.Context, client *ent.Client, cutoff time.Time) ([]Person, error) {
	rows, err := client.Staff.Query().
		Where(staff.NameNEQ(Purged)).
		Select(staff.FieldID, staff.FieldIDNumberHash, staff.FieldLeftAt).
		Order(ent.Asc(staff.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("retention: find staff: %w", err)
	}
	type acc struct {
		ids     []int
		last    time.Time
		current bool
	}
	people := map[string]*acc{}
	var order []string
	for _, r := range rows {
		a := people[r.IDNumberHash]
		if a == nil {
			a = &acc{}
			people[r.IDNumberHash] = a
			order = append(order, r.IDNumberHash)
		}
		a.ids = append(a.ids, r.ID)
		if r.LeftAt == nil || civil.Of(*r.LeftAt).After(cutoff) {
			a.current = true
			continue
		}
		if l := civil.Of(*r.LeftAt); l.After(a.last) {
			a.last = l
		}
	}
	var out []Person
	for _, h := range order {
		if a := people[h]; !a.current {
			out = append(out, Person{StaffIDs: a.ids, LastEnded: a.last})
		}
	}
	slices.SortFunc(out, func(a, b Person) int { return a.StaffIDs[0] - b.StaffIDs[0] })
	return out, nil
}

// Stay is an enrolment: in care from Start to End (exclusive; zero = open).
type Stay struct{ Start, End time.Time }

func (s Stay) on(d time.Time) bool {
	return !s.Start.After(d) && (s.End.IsZero() || s.End.After(d))
}

// screeningAges and screeningWindow are DEV_SCREENING_RATE's check-points
// (internal/kpi devscreening.go): the check-point of age m months is birth
// + m months, counted for a child in care on it, screened within the
// window around it. The KPI-before-and-after test pins the two together.
var screeningAges = []int{3, 6, 8, 12, 18, 24, 30, 36}

// TruncatedBirthSafe reports whether replacing birth by the first of its
// month changes no KPI of any past date for a child with these stays. Two
// indicators read the birth date, to the day:
//   - ENROLMENT_RATE counts, on each day d, the children in care that are
//     under 36 months (born after kpi.Under36Cutoff(d)): the first of the
//     month is earlier, so on the days when the cutoff falls between it and
//     the real birthday the child would stop counting;
//   - DEV_SCREENING_RATE places check-points at birth + 3, 6, … months: a
//     moved check-point that falls in a stay (before or after) changes
//     which period counts it and whether a screening is near it.
//
// So the month is enough only when no stay contains a day where the
// under-36 answer differs, and every moved check-point lies outside every
// stay on both dates. Otherwise the day is kept (Child.BirthDayKept): it is
// an input of published statistics, and with the name, guardian, phone and
// ID number gone it identifies no one by itself.
func TruncatedBirthSafe(birth time.Time, stays []Stay) bool {
	first := civil.D(birth.Year(), birth.Month(), 1)
	if first.Equal(birth) {
		return true
	}
	for _, s := range stays {
		end := s.End
		if end.IsZero() {
			return false // still in care: never purged, but be safe
		}
		// Under36Cutoff grows with d; the answers differ where first <=
		// cutoff(d) < birth.
		for d := s.Start; d.Before(end); d = d.AddDate(0, 0, 1) {
			u := kpi.Under36Cutoff(d)
			if !u.Before(first) && u.Before(birth) {
				return false
			}
			if !u.Before(birth) {
				break // the cutoff only grows from here
			}
		}
	}
	for _, m := range screeningAges {
		c, moved := civil.AddMonths(birth, m), civil.AddMonths(first, m)
		if c.Equal(moved) {
			continue
		}
		for _, s := range stays {
			if s.on(c) || s.on(moved) {
				return false
			}
		}
	}
	return true
}
