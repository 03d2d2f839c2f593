package kpistore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	gen "github.com/tuoyu/tuoyu/ent"
)

// expectedDailyChecks is the SQL of the rows kpi_daily_checks must hold,
// computed from the registry (weekday days only). extra restricts the
// morning checks (alias h), e.g. to some children.
func expectedDailyChecks(dialectName, extra string) string {
	weekday := "strftime('%w', m.date) NOT IN ('0', '6')"
	if dialectName == dialect.Postgres {
		weekday = "EXTRACT(ISODOW FROM m.date) < 6"
	}
	return `SELECT en.institution_id AS institution_id, m.date AS day, COUNT(*) AS checked
FROM (SELECT DISTINCT h.child_id AS child_id, h.date AS date FROM health_records h WHERE ` + morning + extra + `) m
JOIN enrolments en ON en.child_id = m.child_id AND en.service_mode IN ` + careModes + `
  AND en.start_date <= m.date AND (en.end_date IS NULL OR en.end_date > m.date)
WHERE ` + weekday + `
GROUP BY en.institution_id, m.date`
}

// expectedChildFacts is the SQL of the rows kpi_child_facts must hold.
func expectedChildFacts(extra string) string {
	return `SELECT h.child_id AS child_id, MIN(h.date) AS first_entry_exam FROM health_records h
WHERE h.kind = 'ENTRY_EXAM'` + extra + ` GROUP BY h.child_id`
}

// Execer is what a rebuild needs: a transaction (database/sql's or a
// migration's).
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// RebuildAll recomputes kpi_daily_checks and kpi_child_facts from the
// registry, set-wise (two INSERT … SELECT): for the migration that creates
// them on an existing database, whose later migrations create (and fill)
// the other tables. Run it in a transaction that holds the writers off (a
// migration's, a fresh database's). A repair or a loader rebuilds every
// table with RebuildAllClient.
func RebuildAll(ctx context.Context, tx Execer, dialectName string) error {
	return rebuildAll(ctx, dialectName, func(stmt string) error {
		_, err := tx.ExecContext(ctx, stmt)
		return err
	})
}

func rebuildAll(ctx context.Context, dialectName string, exec func(string) error) error {
	var stmts []string
	if dialectName == dialect.Postgres {
		// A province's rebuild reads millions of health records: longer
		// than a request's statement timeout, and run once (migration,
		// seed, repair), so it has none.
		stmts = append(stmts, `SET LOCAL statement_timeout = 0`)
	}
	stmts = append(stmts,
		`DELETE FROM `+DailyCheckTable,
		`INSERT INTO `+DailyCheckTable+` (institution_id, day, checked) `+expectedDailyChecks(dialectName, ""),
		`DELETE FROM `+ChildFactTable,
		`INSERT INTO `+ChildFactTable+` (child_id, first_entry_exam) `+expectedChildFacts(""),
	)
	for i, s := range stmts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := exec(s); err != nil {
			return fmt.Errorf("kpistore: rebuild, statement %d: %w", i+1, err)
		}
	}
	return nil
}

// spanRebuild is the set-wise rebuild of kpi_child_spans and
// kpi_seat_groups, with kpi_child_facts first (the spans copy the first
// entry exams), so that it needs no other table to be exact already.
func spanRebuild(dialectName string) []string {
	return []string{
		`DELETE FROM ` + ChildFactTable,
		`INSERT INTO ` + ChildFactTable + ` (child_id, first_entry_exam) ` + expectedChildFacts(""),
		`DELETE FROM ` + ChildSpanTable,
		`INSERT INTO ` + ChildSpanTable + ` (` + childSpanColumns + `) ` + expectedChildSpans(dialectName, ""),
		`DELETE FROM ` + SeatGroupTable,
		`INSERT INTO ` + SeatGroupTable + ` (` + seatGroupColumns + `) ` + expectedSeatGroups(""),
	}
}

// RebuildSpans fills kpi_child_spans and kpi_seat_groups (and
// kpi_child_facts, which they copy) from the registry, set-wise: for the
// migration that creates them. RebuildAll leaves them alone (the migration
// that creates kpi_daily_checks runs before they exist).
func RebuildSpans(ctx context.Context, tx Execer, dialectName string) error {
	return runRebuild(ctx, tx, dialectName, "spans", spanRebuild(dialectName))
}

// runRebuild runs a migration's rebuild statements in tx, without the
// statement timeout on PostgreSQL (a province's rebuild reads millions of
// rows, once).
func runRebuild(ctx context.Context, tx Execer, dialectName, what string, stmts []string) error {
	if dialectName == dialect.Postgres {
		stmts = append([]string{`SET LOCAL statement_timeout = 0`}, stmts...)
	}
	for i, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("kpistore: rebuild %s, statement %d: %w", what, i+1, err)
		}
	}
	return nil
}

// screeningRebuild is the set-wise rebuild of kpi_screenings.
func screeningRebuild() []string {
	return []string{
		`DELETE FROM ` + ScreeningTable,
		`INSERT INTO ` + ScreeningTable + ` (child_id, date) ` + expectedScreenings(""),
	}
}

// RebuildScreenings fills kpi_screenings from the registry, set-wise: for
// the migration that creates it.
func RebuildScreenings(ctx context.Context, tx Execer, dialectName string) error {
	return runRebuild(ctx, tx, dialectName, "screenings", screeningRebuild())
}

// RebuildAllClient recomputes every precomputed table from the registry,
// set-wise, in a transaction of its own through an ent client (the demo
// loader, after writing with WithoutMaintenance; `tuoyu kpi rebuild`, a
// repair). On PostgreSQL it locks the precomputed tables against writes
// first: a registry write committed while the rebuild runs would otherwise
// be maintained by its hooks in rows the rebuild then replaces. Writers
// wait for the rebuild; readers do not. (SQLite has one writer at a time
// anyway.)
func RebuildAllClient(ctx context.Context, client *gen.Client) error {
	tx, err := client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("kpistore: begin: %w", err)
	}
	if tx.Dialect() == dialect.Postgres {
		lock := `LOCK TABLE ` + strings.Join([]string{DailyCheckTable, ChildFactTable, ChildSpanTable, SeatGroupTable, ScreeningTable}, ", ") + ` IN EXCLUSIVE MODE`
		if _, err := tx.Client().ExecContext(ctx, lock); err != nil {
			return errors.Join(fmt.Errorf("kpistore: lock the precomputed tables: %w", err), tx.Rollback())
		}
	}
	err = rebuildAll(ctx, tx.Dialect(), func(stmt string) error {
		_, err := tx.Client().ExecContext(ctx, stmt)
		return err
	})
	if err == nil {
		for i, stmt := range append(spanRebuild(tx.Dialect()), screeningRebuild()...) {
			if _, err = tx.Client().ExecContext(ctx, stmt); err != nil {
				err = fmt.Errorf("kpistore: rebuild spans, statement %d: %w", i+1, err)
				break
			}
		}
	}
	if err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// RebuildChildren recomputes the precomputed data that depends on the given
// children — every institution-day where one of them has a morning check
// under a care enrolment, their first entry exams, spans and screening
// days — set-wise, in batches, inside tx (an ent driver's transaction or
// dialect.Tx). Bulk imports that write health records or enrolments
// without the ent hooks (raw SQL, kpistore.WithoutMaintenance) call it with
// the children they touched before committing. Old versions of enrolments changed by raw SQL
// are not known here: an import that moves or ends existing care
// enrolments must pass the institutions' children too, or call
// RebuildAllClient.
func RebuildChildren(ctx context.Context, tx dialect.ExecQuerier, dialectName string, children []int) error {
	p := newPending()
	for _, c := range children {
		p.enrolled[c] = true
		p.exams[c] = true
		p.screened[c] = true
	}
	return p.flush(ctx, runner{drv: tx, dialect: dialectName})
}

// Difference is one row where the precomputed data disagree with the
// registry.
type Difference struct {
	Table         string
	ID            int // institution (daily checks) or child
	Day           time.Time
	Stored, Want  int64 // daily checks: counts; child facts: day numbers (0 = none)
	StoredDateStr string
	WantDateStr   string
	// Row is the differing row of kpi_child_spans or kpi_seat_groups
	// (Stored and Want: how many times each side has it).
	Row string
}

func (d Difference) String() string {
	if d.Row != "" {
		return fmt.Sprintf("%s row (%s): stored %d times, registry %d", d.Table, d.Row, d.Stored, d.Want)
	}
	if d.Table == ChildFactTable {
		return fmt.Sprintf("%s child %d: stored first entry exam %q, registry %q", d.Table, d.ID, d.StoredDateStr, d.WantDateStr)
	}
	return fmt.Sprintf("%s institution %d day %s: stored %d, registry %d", d.Table, d.ID, d.Day.Format(time.DateOnly), d.Stored, d.Want)
}

// Verify compares the precomputed tables with a recomputation from the
// registry and returns every difference (none when exact). institutions,
// when not empty, restricts the comparison to those institutions' rows and
// their children's facts (`tuoyu kpi verify --region`).
func Verify(ctx context.Context, q dialect.ExecQuerier, dialectName string, institutions []int) ([]Difference, error) {
	r := runner{drv: q, dialect: dialectName}
	instFilter, childFilter := "", ""
	if len(institutions) > 0 {
		list := ints(institutions)
		instFilter = " AND institution_id IN (" + list + ")"
		childFilter = " AND h.child_id IN (SELECT child_id FROM enrolments WHERE institution_id IN (" + list + "))"
	}
	type key struct {
		id  int
		day string
	}
	stored := map[key]int64{}
	want := map[key]int64{}
	days := map[key]time.Time{}
	read := func(stmt string, into map[key]int64) error {
		return r.query(ctx, stmt, nil, func(rows *entsql.Rows) error {
			var (
				id  int
				raw any
				n   int64
			)
			if err := rows.Scan(&id, &raw, &n); err != nil {
				return err
			}
			day, err := scanDate(raw)
			if err != nil {
				return err
			}
			k := key{id, dateOf(day).Format(time.DateOnly)}
			days[k] = dateOf(day)
			into[k] += n
			return nil
		})
	}
	if err := read(`SELECT institution_id, day, checked FROM `+DailyCheckTable+` WHERE checked <> 0`+instFilter, stored); err != nil {
		return nil, fmt.Errorf("kpistore: verify: %w", err)
	}
	exp := `SELECT institution_id, day, checked FROM (` + expectedDailyChecks(dialectName, childFilter) + `) x WHERE 1 = 1` + instFilter
	if err := read(exp, want); err != nil {
		return nil, fmt.Errorf("kpistore: verify: %w", err)
	}
	var out []Difference
	for k, d := range days {
		if stored[k] != want[k] {
			out = append(out, Difference{Table: DailyCheckTable, ID: k.id, Day: d, Stored: stored[k], Want: want[k]})
		}
	}
	storedF, wantF := map[int]string{}, map[int]string{}
	readF := func(stmt string, into map[int]string) error {
		return r.query(ctx, stmt, nil, func(rows *entsql.Rows) error {
			var (
				id  int
				raw any
			)
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			day, err := scanDate(raw)
			if err != nil {
				return err
			}
			into[id] = dateOf(day).Format(time.DateOnly)
			return nil
		})
	}
	factFilter := ""
	if childFilter != "" {
		factFilter = strings.Replace(childFilter, "h.child_id", "f.child_id", 1)
	}
	if err := readF(`SELECT f.child_id, f.first_entry_exam FROM `+ChildFactTable+` f WHERE 1 = 1`+factFilter, storedF); err != nil {
		return nil, fmt.Errorf("kpistore: verify: %w", err)
	}
	if err := readF(expectedChildFacts(childFilter), wantF); err != nil {
		return nil, fmt.Errorf("kpistore: verify: %w", err)
	}
	for id, s := range storedF {
		if wantF[id] != s {
			out = append(out, Difference{Table: ChildFactTable, ID: id, StoredDateStr: s, WantDateStr: wantF[id]})
		}
	}
	for id, w := range wantF {
		if _, ok := storedF[id]; !ok {
			out = append(out, Difference{Table: ChildFactTable, ID: id, WantDateStr: w})
		}
	}
	for _, t := range []struct {
		table, columns, expected string
	}{
		{ChildSpanTable, childSpanColumns, expectedChildSpans(dialectName, strings.Replace(childFilter, "h.child_id", "en.child_id", 1))},
		{SeatGroupTable, seatGroupColumns, expectedSeatGroups(strings.Replace(instFilter, "institution_id", "s.institution_id", 1))},
		{ScreeningTable, "child_id, date", expectedScreenings(childFilter)},
	} {
		storedFilter := factFilter
		if t.table == SeatGroupTable {
			storedFilter = strings.Replace(instFilter, "institution_id", "f.institution_id", 1)
		}
		diffs, err := compareRows(ctx, r, t.table,
			`SELECT `+t.columns+` FROM `+t.table+` f WHERE 1 = 1`+storedFilter,
			`SELECT `+t.columns+` FROM (`+t.expected+`) x`)
		if err != nil {
			return nil, fmt.Errorf("kpistore: verify %s: %w", t.table, err)
		}
		out = append(out, diffs...)
	}
	sortDifferences(out)
	return out, nil
}

// compareRows compares two statements' rows as multisets (every column
// rendered as text, dates as YYYY-MM-DD, booleans as 0/1) and reports the
// rows only one side has, or has more often.
func compareRows(ctx context.Context, r runner, table, stored, want string) ([]Difference, error) {
	count := func(stmt string) (map[string]int, error) {
		out := map[string]int{}
		err := r.query(ctx, stmt, nil, func(rows *entsql.Rows) error {
			cols, err := rows.Columns()
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				parts[i] = render(v)
			}
			out[strings.Join(parts, " ")]++
			return nil
		})
		return out, err
	}
	got, err := count(stored)
	if err != nil {
		return nil, err
	}
	exp, err := count(want)
	if err != nil {
		return nil, err
	}
	var out []Difference
	for row, n := range got {
		if exp[row] != n {
			out = append(out, Difference{Table: table, Row: row, Stored: int64(n), Want: int64(exp[row])})
		}
	}
	for row, n := range exp {
		if _, ok := got[row]; !ok {
			out = append(out, Difference{Table: table, Row: row, Want: int64(n)})
		}
	}
	return out, nil
}

// render is a column value as comparable text.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		return dateOf(x).Format(time.DateOnly)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case []byte:
		return renderText(string(x))
	case string:
		return renderText(x)
	}
	return fmt.Sprint(v)
}

// renderText renders SQLite's text dates as dates, other text as is.
func renderText(s string) string {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if d, err := parseDate(s); err == nil {
			return d.Format(time.DateOnly)
		}
	}
	switch s {
	case "true":
		return "1"
	case "false":
		return "0"
	}
	return s
}

func sortDifferences(ds []Difference) {
	key := func(d Difference) string {
		return d.Table + "/" + strconv.Itoa(d.ID) + "/" + d.Day.Format(time.DateOnly) + "/" + d.Row
	}
	sort.Slice(ds, func(i, j int) bool { return key(ds[i]) < key(ds[j]) })
}

// scanDate reads a date column: SQLite returns an aggregate's or a
// subquery's date as the stored text.
func scanDate(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return dateOf(x), nil
	case []byte:
		return parseDate(string(x))
	case string:
		return parseDate(x)
	}
	return time.Time{}, fmt.Errorf("kpistore: a date column holds %T", v)
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return dateOf(t), nil
		}
	}
	if len(s) >= 10 {
		if t, err := time.Parse(time.DateOnly, s[:10]); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("kpistore: unreadable date %q", s)
}
