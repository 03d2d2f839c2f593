// Package kpistore maintains the KPI engine's precomputed data, exactly, in
// the transaction of every write that changes it:
//
//   - kpi_daily_checks: per institution and weekday, the care (FULL_DAY or
//     HALF_DAY) enrolments active there whose child has a MORNING daily check
//     that day — the DAILY_CHECK_RATE numerator. The denominator (enrolment
//     weekdays) is closed-form per enrolment and needs no table.
//   - kpi_child_facts: per child, the date of the first ENTRY_EXAM
//     (HEALTH_RECORD_RATE).
//   - kpi_child_spans: per child and lowest region, the child's enrolments
//     merged into disjoint spans (ENROLMENT_RATE, HEALTH_RECORD_RATE,
//     SEAT_USAGE_RATE, DEV_SCREENING_RATE).
//   - kpi_seat_groups: seats counted per institution, day, band and price
//     (the seat indicators).
//   - kpi_screenings: per child, the days of its DEV_SCREENING records
//     (DEV_SCREENING_RATE).
//
// How it stays exact: the HealthRecord and Enrolment hooks note what a
// mutation touches (the children and days of morning checks and entry
// exams, before and after; the previous version of an enrolment) in a
// per-transaction set, and one flush before the commit recomputes every
// affected row from the registry — a recomputation, not an increment, so
// bulk writes, upserts, retries and backdated edits need no special case.
// Concurrent writers to the same institution-day (two classes of one
// institution) are serialised by a transaction-scoped lock taken before the
// recomputation (PostgreSQL advisory locks; SQLite has one writer). A write
// outside a transaction is followed by its own flush transaction.
//
// Imports and repairs that bypass the hooks call RebuildChildren (set-wise,
// for the children they touched) or RebuildAllClient.
package kpistore

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
)

// Tables of the precomputed data (the ent schemas KpiDailyCheck and
// KpiChildFact use these names).
const (
	DailyCheckTable = "kpi_daily_checks"
	ChildFactTable  = "kpi_child_facts"
	ChildSpanTable  = "kpi_child_spans"
	SeatGroupTable  = "kpi_seat_groups"
	ScreeningTable  = "kpi_screenings"
)

// careModes are the service modes whose enrolments make (child, weekday)
// pairs of DAILY_CHECK_RATE.
const careModes = "('FULL_DAY', 'HALF_DAY')"

// morning is the predicate of a morning check on health_records alias h.
const morning = "h.kind = 'DAILY_CHECK' AND h.session = 'MORNING'"

type skipKey struct{}

// WithoutMaintenance returns a context under which the hooks do nothing: for
// bulk loaders that call RebuildAllClient (or RebuildChildren) themselves once
// they are done, in the same transaction or before anyone reads.
func WithoutMaintenance(ctx context.Context) context.Context {
	return context.WithValue(ctx, skipKey{}, true)
}

func skipped(ctx context.Context) bool { v, _ := ctx.Value(skipKey{}).(bool); return v }

// span is one version of a care enrolment: [start, end), end zero = open.
type span struct {
	inst       int
	start, end time.Time
}

func (s span) activeOn(d time.Time) bool {
	return !s.start.After(d) && (s.end.IsZero() || s.end.After(d))
}

// pending is what the writes of one transaction touched.
type pending struct {
	checkDays map[int]map[time.Time]bool // child → days whose morning checks changed
	enrolled  map[int]bool               // children whose care enrolments changed
	oldSpans  map[int][]span             // previous versions of those enrolments
	exams     map[int]bool               // children whose entry exams changed
	screened  map[int]bool               // children whose developmental screenings changed
	// children whose spans need recomputing for another reason (birth
	// date, institution moved); enrolled and exams need it too
	spanChildren     map[int]bool
	seatInstitutions map[int]bool // institutions whose seats changed
}

func newPending() *pending {
	return &pending{checkDays: map[int]map[time.Time]bool{}, enrolled: map[int]bool{}, oldSpans: map[int][]span{}, exams: map[int]bool{},
		screened: map[int]bool{}, spanChildren: map[int]bool{}, seatInstitutions: map[int]bool{}}
}

func (p *pending) empty() bool {
	return len(p.checkDays) == 0 && len(p.enrolled) == 0 && len(p.exams) == 0 && len(p.screened) == 0 && len(p.spanChildren) == 0 && len(p.seatInstitutions) == 0
}

func (p *pending) checkDay(child int, day time.Time) {
	day = dateOf(day)
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return // weekends are not DAILY_CHECK_RATE pairs
	}
	if p.checkDays[child] == nil {
		p.checkDays[child] = map[time.Time]bool{}
	}
	p.checkDays[child][day] = true
}

// dateOf is the calendar date of t as UTC midnight.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// open transactions' pending sets, by transaction (gen.Tx.Key: every
// mutation's Tx() is a new *gen.Tx, its Key is the transaction's).
var (
	mu   sync.Mutex
	byTx = map[any]*pending{}
)

// clientConn runs statements through an ent client (gen.FeatureExecQuery):
// a mutation's Client() runs them on the mutation's transaction when it is
// in one.
type clientConn struct{ c *gen.Client }

func (a clientConn) Exec(ctx context.Context, query string, args, _ any) error {
	xs, _ := args.([]any)
	_, err := a.c.ExecContext(ctx, query, xs...)
	return err
}

func (a clientConn) Query(ctx context.Context, query string, args, v any) error {
	xs, _ := args.([]any)
	rows, err := a.c.QueryContext(ctx, query, xs...)
	if err != nil {
		return err
	}
	*v.(*entsql.Rows) = entsql.Rows{ColumnScanner: rows}
	return nil
}

// runner executes portable SQL (? placeholders) through an ent driver.
type runner struct {
	drv     dialect.ExecQuerier
	dialect string
}

func (r runner) pg() bool { return r.dialect == dialect.Postgres }

func (r runner) sql(stmt string) string {
	if !r.pg() {
		return stmt
	}
	var b strings.Builder
	n := 0
	for _, c := range stmt {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r runner) query(ctx context.Context, stmt string, args []any, scan func(*entsql.Rows) error) error {
	var rows entsql.Rows
	if err := r.drv.Query(ctx, r.sql(stmt), args, &rows); err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(&rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r runner) exec(ctx context.Context, stmt string, args ...any) error {
	return r.drv.Exec(ctx, r.sql(stmt), args, nil)
}

// date is a date parameter (PostgreSQL must be told the type in VALUES).
func (r runner) date() string {
	if r.pg() {
		return "CAST(? AS date)"
	}
	return "?"
}

// ints renders IDs for an IN list (they are ints from the database).
func ints(ids []int) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(id))
	}
	return b.String()
}

func keys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// chunk calls f on slices of at most n IDs.
func chunk(ids []int, n int, f func([]int) error) error {
	for len(ids) > 0 {
		k := min(n, len(ids))
		if err := f(ids[:k]); err != nil {
			return err
		}
		ids = ids[k:]
	}
	return nil
}

type cell struct {
	inst int
	day  time.Time
}

// flush recomputes everything p touched, through r (inside the writing
// transaction).
func (p *pending) flush(ctx context.Context, r runner) error {
	if p.empty() {
		return nil
	}
	if err := p.flushDailyChecks(ctx, r); err != nil {
		return fmt.Errorf("kpistore: daily checks: %w", err)
	}
	if err := refreshExams(ctx, r, keys(p.exams)); err != nil {
		return fmt.Errorf("kpistore: entry exams: %w", err)
	}
	// After the entry exams: the spans copy them.
	spans := map[int]bool{}
	for _, m := range []map[int]bool{p.enrolled, p.exams, p.spanChildren} {
		for c := range m {
			spans[c] = true
		}
	}
	if err := refreshSpans(ctx, r, keys(spans)); err != nil {
		return fmt.Errorf("kpistore: child spans: %w", err)
	}
	if err := refreshSeatGroups(ctx, r, keys(p.seatInstitutions)); err != nil {
		return fmt.Errorf("kpistore: seat groups: %w", err)
	}
	if err := refreshScreenings(ctx, r, keys(p.screened)); err != nil {
		return fmt.Errorf("kpistore: screenings: %w", err)
	}
	return nil
}

func (p *pending) flushDailyChecks(ctx context.Context, r runner) error {
	children := map[int]bool{}
	for c := range p.checkDays {
		children[c] = true
	}
	for c := range p.enrolled {
		children[c] = true
	}
	if len(children) == 0 {
		return nil
	}
	spans := map[int][]span{}
	for c, s := range p.oldSpans {
		spans[c] = append(spans[c], s...)
	}
	days := map[int]map[time.Time]bool{}
	for c, ds := range p.checkDays {
		days[c] = map[time.Time]bool{}
		for d := range ds {
			days[c][d] = true
		}
	}
	err := chunk(keys(children), 500, func(ids []int) error {
		// The current care enrolments of the children.
		return r.query(ctx, `SELECT child_id, institution_id, start_date, end_date FROM enrolments
WHERE service_mode IN `+careModes+` AND child_id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
			var (
				c, inst int
				start   time.Time
				end     entsql.NullTime
			)
			if err := rows.Scan(&c, &inst, &start, &end); err != nil {
				return err
			}
			s := span{inst: inst, start: dateOf(start)}
			if end.Valid {
				s.end = dateOf(end.Time)
			}
			spans[c] = append(spans[c], s)
			return nil
		})
	})
	if err != nil {
		return err
	}
	// Children whose enrolments changed: every morning-check day of theirs
	// may have moved between institutions.
	err = chunk(keys(p.enrolled), 500, func(ids []int) error {
		return r.query(ctx, `SELECT DISTINCT h.child_id, h.date FROM health_records h
WHERE `+morning+` AND h.child_id IN (`+ints(ids)+`)`, nil, func(rows *entsql.Rows) error {
			var (
				c   int
				raw any
			)
			if err := rows.Scan(&c, &raw); err != nil {
				return err
			}
			day, err := scanDate(raw)
			if err != nil {
				return err
			}
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				return nil
			}
			if days[c] == nil {
				days[c] = map[time.Time]bool{}
			}
			days[c][day] = true
			return nil
		})
	})
	if err != nil {
		return err
	}
	set := map[cell]bool{}
	for c, ds := range days {
		for d := range ds {
			for _, s := range spans[c] {
				if s.activeOn(d) {
					set[cell{s.inst, d}] = true
				}
			}
		}
	}
	cells := make([]cell, 0, len(set))
	for c := range set {
		cells = append(cells, c)
	}
	sort.Slice(cells, func(i, j int) bool {
		if cells[i].inst != cells[j].inst {
			return cells[i].inst < cells[j].inst
		}
		return cells[i].day.Before(cells[j].day)
	})
	for len(cells) > 0 {
		k := min(len(cells), 400)
		if err := recomputeCells(ctx, r, cells[:k]); err != nil {
			return err
		}
		cells = cells[k:]
	}
	return nil
}

// lockKey is the advisory lock of an institution-day or a child.
func lockKey(tag byte, id int, day time.Time) int64 {
	h := uint64(14695981039346656037)
	mix := func(v uint64) {
		for i := 0; i < 8; i++ {
			h ^= v & 0xff
			h *= 1099511628211
			v >>= 8
		}
	}
	mix(uint64(tag))
	mix(uint64(id))
	mix(uint64(day.Unix()))
	return int64(h)
}

// lock takes transaction-scoped PostgreSQL advisory locks in key order, so
// that two transactions flushing overlapping rows cannot deadlock. SQLite
// has a single writer: nothing to do.
func lock(ctx context.Context, r runner, ks []int64) error {
	if !r.pg() || len(ks) == 0 {
		return nil
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	var b strings.Builder
	b.WriteString("SELECT pg_advisory_xact_lock(k) FROM (SELECT k FROM (VALUES ")
	for i, k := range ks {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(" + strconv.FormatInt(k, 10) + "::bigint)")
	}
	b.WriteString(") v(k) ORDER BY k) s")
	return r.query(ctx, b.String(), nil, func(*entsql.Rows) error { return nil })
}

// recomputeCells sets each institution-day's count from the registry,
// under a lock on the institution-day taken first (so the recomputation,
// a later statement, sees every transaction that wrote it before us).
func recomputeCells(ctx context.Context, r runner, cells []cell) error {
	ks := make([]int64, len(cells))
	for i, c := range cells {
		ks[i] = lockKey('d', c.inst, c.day)
	}
	if err := lock(ctx, r, ks); err != nil {
		return err
	}
	var (
		b    strings.Builder
		args []any
	)
	for i, c := range cells {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS BIGINT), " + r.date() + ")")
		args = append(args, c.inst, c.day)
	}
	stmt := `INSERT INTO ` + DailyCheckTable + ` (institution_id, day, checked)
SELECT c.column1, c.column2, (
  SELECT COUNT(*) FROM enrolments en
  WHERE en.institution_id = c.column1 AND en.service_mode IN ` + careModes + `
    AND en.start_date <= c.column2 AND (en.end_date IS NULL OR en.end_date > c.column2)
    AND EXISTS (SELECT 1 FROM health_records h WHERE h.child_id = en.child_id AND ` + morning + ` AND h.date = c.column2))
FROM (VALUES ` + b.String() + `) c
WHERE 1 = 1
ON CONFLICT (institution_id, day) DO UPDATE SET checked = excluded.checked`
	return r.exec(ctx, stmt, args...)
}

// lockChildren takes the children's locks (PostgreSQL advisory locks until
// the transaction ends), which serialise the writers of their rows.
func lockChildren(ctx context.Context, r runner, children []int) error {
	ks := make([]int64, len(children))
	for i, id := range children {
		ks[i] = lockKey('c', id, time.Time{})
	}
	return lock(ctx, r, ks)
}

// refreshExams recomputes the first entry exam of children.
func refreshExams(ctx context.Context, r runner, children []int) error {
	return refreshChildRows(ctx, r, children, ChildFactTable, func(in string) string {
		return `INSERT INTO ` + ChildFactTable + ` (child_id, first_entry_exam)
SELECT h.child_id, MIN(h.date) FROM health_records h
WHERE h.kind = 'ENTRY_EXAM' AND h.child_id IN (` + in + `)
GROUP BY h.child_id`
	})
}

// expectedScreenings is the SQL of the rows kpi_screenings must hold.
func expectedScreenings(extra string) string {
	return `SELECT DISTINCT h.child_id AS child_id, h.date AS date FROM health_records h
WHERE h.kind = 'DEV_SCREENING'` + extra
}

// refreshScreenings recomputes the screening days of children.
func refreshScreenings(ctx context.Context, r runner, children []int) error {
	return refreshChildRows(ctx, r, children, ScreeningTable, func(in string) string {
		return `INSERT INTO ` + ScreeningTable + ` (child_id, date) ` + expectedScreenings(` AND h.child_id IN (`+in+`)`)
	})
}

// refreshChildRows rewrites a per-child table's rows of children, 500 at a
// time under their locks: delete, then insert (the IDs' IN list) from the
// registry.
func refreshChildRows(ctx context.Context, r runner, children []int, table string, insert func(in string) string) error {
	return chunk(children, 500, func(ids []int) error {
		if err := lockChildren(ctx, r, ids); err != nil {
			return err
		}
		in := ints(ids)
		if err := r.exec(ctx, `DELETE FROM `+table+` WHERE child_id IN (`+in+`)`); err != nil {
			return err
		}
		return r.exec(ctx, insert(in))
	})
}
