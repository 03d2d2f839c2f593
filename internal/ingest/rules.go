package ingest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/schema"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// The rules across rows that the ent hooks check one row at a time
// (ent/schema/rules.go); the import checks them for the whole file at once
// and then writes with bulkload set, so the hooks skip their per-row query.

// checkBanList: nobody on the lifetime ban list (终身禁入) is hired.
func checkBanList(b *batch) error {
	var hashes []string
	for _, r := range b.rows {
		if !r.bad && r.op == opCreate && r.hash != "" {
			hashes = append(hashes, r.hash)
		}
	}
	banned := map[string]bool{}
	err := inChunks(hashes, func(c []string) error {
		xs, err := b.client.BanListEntry.Query().Where(banlistentry.IDNumberHashIn(c...)).Select(banlistentry.FieldIDNumberHash).Strings(b.sys)
		for _, h := range xs {
			banned[h] = true
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("ban list: %w", err)
	}
	for _, r := range b.rows {
		if !r.bad && r.op == opCreate && banned[r.hash] {
			b.fail(r, "idNumber", CodeForbidden, "belongs to a person on the lifetime ban list (终身禁入), who may not be hired")
		}
	}
	return nil
}

// readable returns which of ids the viewer may read (row policy applies).
func (b *batch) readable(ids []int) (map[int]bool, error) {
	ok := map[int]bool{}
	err := inChunks(ids, func(c []int) error {
		xs, err := b.client.Child.Query().Where(child.IDIn(c...)).IDs(b.ctx)
		for _, id := range xs {
			ok[id] = true
		}
		return err
	})
	return ok, err
}

// checkChildOwner: a stored child's record is corrected by the institution
// that registered it (or, when none is recorded, by one that can read it).
// Another institution that can read the child (it enrolled the child by its
// ID number) may re-import what it sees (unchanged), and is refused a
// change. One that cannot read the child gets the same answer whatever its
// row holds — unchanged, nothing written: telling a matching row from a
// differing one would confirm guesses of another institution's child's
// name, guardian or phone, one row at a time. (Each institution's children
// file may so carry every child it cares for, as an export gives it.)
func checkChildOwner(b *batch) error {
	touches := func(r *row) bool { return !r.bad && (r.op == opUpdate || r.op == opSame) }
	var ids []int
	for _, r := range b.rows {
		if touches(r) {
			ids = append(ids, r.id)
		}
	}
	canRead, err := b.readable(ids)
	if err != nil {
		return fmt.Errorf("children: %w", err)
	}
	for _, r := range b.rows {
		if !touches(r) {
			continue
		}
		by := r.existing.(*ent.Child).RegisteredByInstitutionID
		switch {
		case by != nil && b.v.Role == auth.InstitutionStaff && *by == b.v.InstitutionID:
		case by == nil && canRead[r.id]:
		case !canRead[r.id]:
			r.op = opSame // neither compared nor written: the same answer either way
		case r.op == opSame:
		default:
			b.fail(r, "idNumber", CodeForbidden, "names a child registered by another institution: only that institution corrects the child's record")
		}
	}
	return nil
}

// interval is a half-open span of care [start, end); end nil = open.
type interval struct {
	start time.Time
	end   *time.Time
	line  int // file row, 0 for a stored enrolment the file leaves alone
}

func (a interval) overlaps(o interval) bool {
	return (o.end == nil || a.start.Before(*o.end)) && (a.end == nil || o.start.Before(*a.end))
}

func careMode(m string) bool {
	return m == string(schematype.ServiceModeFullDay) || m == string(schematype.ServiceModeHalfDay)
}

// checkEnrolments: regulators only update (end) enrolments; full- and
// half-day care of one child never overlaps, against the stored
// enrolments and the other rows of the file (HOURLY and TEMPORARY overlap
// anything: parallel care).
func checkEnrolments(b *batch) error {
	if b.v.IsRegulator() {
		for _, r := range b.rows {
			if !r.bad && r.op == opCreate {
				b.fail(r, "institutionCreditCode", CodeForbidden, "only the institution's staff enrol children; regulators update existing enrolments")
			}
		}
	}
	children := distinct(b.rows, func(r *row) (int, bool) { return r.child, !r.bad && r.child != 0 })
	stored, err := loadBy(children, func(c []int) ([]any, error) {
		xs, err := b.client.Enrolment.Query().Where(enrolment.ChildIDIn(c...),
			enrolment.ServiceModeIn(schematype.ServiceModeFullDay, schematype.ServiceModeHalfDay)).All(b.sys)
		return anys(xs), err
	})
	if err != nil {
		return fmt.Errorf("enrolments: %w", err)
	}
	replaced := map[int]bool{}
	for _, r := range b.rows {
		if !r.bad && r.id != 0 {
			replaced[r.id] = true
		}
	}
	spans := map[int][]interval{}
	for _, x := range stored {
		e := x.(*ent.Enrolment)
		if !replaced[e.ID] {
			spans[e.ChildID] = append(spans[e.ChildID], interval{start: e.StartDate, end: e.EndDate})
		}
	}
	rowAt := map[int]*row{}
	for _, r := range b.rows {
		if r.bad || !careMode(b.str(r, "serviceMode")) {
			continue
		}
		iv := interval{start: mustDate(b, r, "startDate"), line: r.line}
		if t, ok := b.date(r, "endDate"); ok {
			iv.end = &t
		}
		rowAt[r.line] = r
		spans[r.child] = append(spans[r.child], iv)
	}
	for _, list := range spans {
		sort.Slice(list, func(i, j int) bool { return list[i].start.Before(list[j].start) })
		for i := range list {
			for j := i + 1; j < len(list) && (list[i].end == nil || list[j].start.Before(*list[i].end)); j++ {
				a, c := list[i], list[j]
				if !a.overlaps(c) || (a.line == 0 && c.line == 0) {
					continue
				}
				for _, pair := range [][2]interval{{a, c}, {c, a}} {
					if pair[0].line == 0 {
						continue
					}
					msg := "overlaps another full-day or half-day enrolment of this child"
					if pair[1].line != 0 {
						msg += fmt.Sprintf(" (row %d of this file)", pair[1].line)
					}
					b.fail(rowAt[pair[0].line], "startDate", CodeConflict, msg)
				}
			}
		}
	}
	return nil
}

// checkHealthRecords: staff record health data of children they can read
// (enrolled at, or registered by, their institution), and a daily check
// only for a child in care at the institution on that day, as
// recordDailyChecks requires.
func checkHealthRecords(b *batch) error {
	ids := distinct(b.rows, func(r *row) (int, bool) { return r.child, !r.bad && r.child != 0 })
	type pair struct{ inst, child int }
	care := map[pair][]interval{}
	stored, err := loadBy(ids, func(c []int) ([]any, error) {
		xs, err := b.client.Enrolment.Query().Where(enrolment.ChildIDIn(c...)).
			Select(enrolment.FieldChildID, enrolment.FieldInstitutionID, enrolment.FieldStartDate, enrolment.FieldEndDate).All(b.sys)
		return anys(xs), err
	})
	if err != nil {
		return fmt.Errorf("enrolments: %w", err)
	}
	// Staff read a child enrolled (ever) at their institution or registered
	// by it (the Child row policy, ent/schema/policy.go childScope), derived
	// here from the rows already loaded instead of one policy query per chunk.
	canRead := map[int]bool{}
	for _, x := range stored {
		e := x.(*ent.Enrolment)
		k := pair{e.InstitutionID, e.ChildID}
		care[k] = append(care[k], interval{start: e.StartDate, end: e.EndDate})
		if e.InstitutionID == b.v.InstitutionID {
			canRead[e.ChildID] = true
		}
	}
	for _, r := range b.rows {
		if r.childRegisteredBy != nil && *r.childRegisteredBy == b.v.InstitutionID && b.v.InstitutionID != 0 {
			canRead[r.child] = true
		}
	}
	for _, r := range b.rows {
		if r.bad {
			continue
		}
		if !canRead[r.child] {
			b.fail(r, "childIdNumber", CodeForbidden, "names a child neither enrolled at nor registered by the viewer's institution")
			continue
		}
		if b.str(r, "kind") != "DAILY_CHECK" {
			continue
		}
		day := mustDate(b, r, "date")
		in := false
		for _, iv := range care[pair{r.inst, r.child}] {
			in = in || (!day.Before(iv.start) && (iv.end == nil || day.Before(*iv.end)))
		}
		if !in {
			b.fail(r, "childIdNumber", CodeForbidden, "the child is not in care at the institution on that day")
		}
	}
	return nil
}

// seatPlan is what one seats row does to its group of identical seats.
type seatPlan struct {
	create  int
	closeTo map[int]*time.Time // stored seat → new closed_at (nil clears)
	remove  []int
}

// seatFamilyKey names the seats opened together: one institution, age band,
// inclusive flag and opening day. A file's rows of one family, told apart
// by closedAt, together describe all its seats (some closed, some open).
func seatFamilyKey(inst int, band string, inclusive bool, opened time.Time) string {
	return normKey([]any{inst, band, inclusive, opened})
}

func seatsHandler() *handler {
	return &handler{
		order: []datePair{{from: "openedAt", to: "closedAt"}},
		row: func(b *batch, r *row) {
			if n, ok := b.num(r, "count"); ok && (n < 1 || n > 10000) {
				b.fail(r, "count", CodeInvalid, "must be between 1 and 10,000")
			}
		},
		plan:     planSeats,
		writeRow: writeSeats,
	}
}

// planSeats matches each family of rows (institution, age band, inclusive,
// opening day; README "Import": the key adds closedAt) to the stored seats
// of that family and plans the seats to add, close, reopen or remove so that
// the family holds, for each row, count seats closing on its closedAt.
// Stored seats already closing on a row's day stay with that row; the
// others are reassigned (their closedAt changes) and any surplus is
// removed, free seats first: occupied seats are never removed (CONFLICT).
func planSeats(b *batch, rows []*row) error {
	stored, err := loadBy(instIDs(rows), func(c []int) ([]any, error) {
		xs, err := b.client.Seat.Query().Where(seat.InstitutionIDIn(c...)).Order(ent.Asc(seat.FieldID)).All(b.sys)
		return anys(xs), err
	})
	if err != nil {
		return fmt.Errorf("seats: %w", err)
	}
	families := map[string][]*ent.Seat{}
	for _, x := range stored {
		s := x.(*ent.Seat)
		k := seatFamilyKey(s.InstitutionID, string(s.AgeBand), s.Inclusive, s.OpenedAt)
		families[k] = append(families[k], s)
	}
	seen := map[string]int{}
	var order []string
	members := map[string][]*row{}
	for _, r := range rows {
		inclusive, _ := b.val(r, "inclusive").(bool)
		k := seatFamilyKey(r.inst, b.str(r, "ageBand"), inclusive, mustDate(b, r, "openedAt"))
		var closed *time.Time
		if t, ok := b.date(r, "closedAt"); ok {
			closed = &t
		}
		full := k + "\x00" + norm(closed)
		if first, dup := seen[full]; dup {
			b.fail(r, "closedAt", CodeConflict, fmt.Sprintf("the same seat group as row %d of this file", first))
			continue
		}
		seen[full] = r.line
		if _, ok := members[k]; !ok {
			order = append(order, k)
		}
		members[k] = append(members[k], r)
	}
	for _, k := range order {
		if err := planSeatFamily(b, members[k], families[k]); err != nil {
			return err
		}
	}
	return nil
}

// planSeatFamily plans one family's rows against its stored seats.
func planSeatFamily(b *batch, rows []*row, have []*ent.Seat) error {
	type want struct {
		r      *row
		n      int
		closed *time.Time
		keep   []*ent.Seat
	}
	ws := make([]*want, len(rows))
	total := 0
	for i, r := range rows {
		w := &want{r: r, n: 1}
		if n, ok := b.num(r, "count"); ok {
			w.n = int(n)
		}
		if t, ok := b.date(r, "closedAt"); ok {
			w.closed = &t
		}
		ws[i], total = w, total+w.n
	}
	// Seats of the family that children occupy are kept first.
	occupied := map[int]bool{}
	if len(have) > total {
		ids := make([]int, len(have))
		for i, s := range have {
			ids[i] = s.ID
		}
		used, err := b.client.Enrolment.Query().Where(enrolment.SeatIDIn(ids...)).Select(enrolment.FieldSeatID).Ints(b.sys)
		if err != nil {
			return fmt.Errorf("seats: %w", err)
		}
		for _, id := range used {
			occupied[id] = true
		}
		busy := 0
		for _, s := range have {
			if occupied[s.ID] {
				busy++
			}
		}
		if busy > total {
			for _, w := range ws {
				b.fail(w.r, "count", CodeConflict, fmt.Sprintf("%d seats of this group are occupied by enrolments: the count cannot be lower", busy))
			}
			return nil
		}
	}
	// Stored seats already closing on a row's day stay with it; occupied
	// seats before free ones.
	sorted := make([]*ent.Seat, 0, len(have))
	for _, s := range have {
		if occupied[s.ID] {
			sorted = append(sorted, s)
		}
	}
	for _, s := range have {
		if !occupied[s.ID] {
			sorted = append(sorted, s)
		}
	}
	taken := map[int]bool{}
	for _, s := range sorted {
		for _, w := range ws {
			if len(w.keep) < w.n && norm(s.ClosedAt) == norm(w.closed) {
				w.keep, taken[s.ID] = append(w.keep, s), true
				break
			}
		}
	}
	var rest []*ent.Seat
	for _, s := range sorted {
		if !taken[s.ID] {
			rest = append(rest, s)
		}
	}
	for _, w := range ws {
		p := &seatPlan{closeTo: map[int]*time.Time{}}
		w.r.seats = p
		for len(w.keep) < w.n && len(rest) > 0 {
			s := rest[0]
			rest = rest[1:]
			w.keep = append(w.keep, s)
			p.closeTo[s.ID] = w.closed
		}
		p.create = w.n - len(w.keep)
	}
	// The surplus: free seats only (occupied ones were taken first).
	if len(rest) > 0 {
		p := ws[0].r.seats
		for _, s := range rest {
			p.remove = append(p.remove, s.ID)
		}
	}
	for _, w := range ws {
		p := w.r.seats
		switch {
		case len(w.keep) == 0 && len(p.remove) == 0:
			w.r.op = opCreate
		case p.create == 0 && len(p.remove) == 0 && len(p.closeTo) == 0:
			w.r.op = opSame
		default:
			w.r.op = opUpdate
		}
	}
	return nil
}

// writeSeats carries out a row's seat plan through ent.
func writeSeats(b *batch, ctx context.Context, c *ent.Client, r *row) error {
	p := r.seats
	inclusive, _ := b.val(r, "inclusive").(bool)
	for i := 0; i < p.create; i++ {
		m := c.Seat.Create().SetInstitutionID(r.inst).SetAgeBand(seat.AgeBand(b.str(r, "ageBand"))).
			SetInclusive(inclusive).SetOpenedAt(mustDate(b, r, "openedAt"))
		if t, ok := b.date(r, "closedAt"); ok {
			m.SetClosedAt(t)
		}
		if err := m.Exec(ctx); err != nil {
			return err
		}
	}
	ids := make([]int, 0, len(p.closeTo))
	for id := range p.closeTo {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		u := c.Seat.UpdateOneID(id)
		if t := p.closeTo[id]; t != nil {
			u.SetClosedAt(*t)
		} else {
			u.ClearClosedAt()
		}
		if err := u.Exec(ctx); err != nil {
			return err
		}
	}
	for _, id := range p.remove {
		if err := c.Seat.DeleteOneID(id).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// complaintDue is the default handling deadline of a complaint row:
// schema.ComplaintHandlingDays working days after receipt on the official
// calendar; false when the calendar does not cover the day: the deadline
// is then left empty rather than guessed.
func (b *batch) complaintDue(r *row) (time.Time, bool) {
	received, ok := b.date(r, "receivedAt")
	if !ok {
		return time.Time{}, false
	}
	if b.cal == nil && b.calErr == nil {
		b.cal, b.calErr = workday.Load(b.sys, b.client)
	}
	if b.calErr != nil {
		return time.Time{}, false
	}
	d, err := b.cal.Add(received, schema.ComplaintHandlingDays)
	return d, err == nil
}
