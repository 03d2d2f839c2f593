package kpi

import (
	"context"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// runner sends portable SQL through an ent driver (so tests can count the
// statements). Queries are written with ? placeholders; on PostgreSQL they
// are renumbered to $n. The few expressions the dialects spell differently
// are methods here.
type runner struct {
	drv     dialect.Driver
	dialect string
}

func (r *runner) postgres() bool { return r.dialect == dialect.Postgres }

// query runs stmt and calls scan for each row.
func (r *runner) query(ctx context.Context, stmt string, args []any, scan func(*entsql.Rows) error) (err error) {
	defer observeStatement(ctx, time.Now(), &err)
	if r.postgres() {
		stmt = renumber(stmt)
	}
	var rows entsql.Rows
	if err := r.drv.Query(ctx, stmt, args, &rows); err != nil {
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

// renumber turns ? placeholders into $1, $2, … (our SQL has no ? in literals).
func renumber(stmt string) string {
	var b strings.Builder
	n := 0
	for _, c := range stmt {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// date is a date parameter placeholder. PostgreSQL must be told the type of a
// parameter that appears only in a select list (the calendar tables).
func (r *runner) date() string {
	if r.postgres() {
		return "CAST(? AS date)"
	}
	return "?"
}

// calendar is a derived table of evaluation days: (k, d) for stock
// indicators, one row per point.
func (r *runner) calendar(points []Point) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(points))
	b.WriteByte('(')
	for i, p := range points {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + strconv.Itoa(i) + " AS k, " + r.date() + " AS d")
		args = append(args, p.AsOf)
	}
	b.WriteString(")")
	return b.String(), args
}

// periods is a derived table of evaluation periods (k, f, t) = [f, t).
func (r *runner) periods(points []Point) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 2*len(points))
	b.WriteByte('(')
	for i, p := range points {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT " + strconv.Itoa(i) + " AS k, " + r.date() + " AS f, " + r.date() + " AS t")
		args = append(args, p.From, p.To)
	}
	b.WriteString(")")
	return b.String(), args
}

// weekdayPeriods is a derived table of evaluation periods for closed-form
// weekday counts: (k, f, t, df, dt, wd) is point k's first and last+1 day
// numbers, the same as dates, and the period's weekdays. Columns of VALUES
// are column1… in both dialects.
func (r *runner) weekdayPeriods(points []Point) (string, []any) {
	var (
		b    strings.Builder
		args []any
	)
	b.WriteString("(SELECT column1 AS k, column2 AS f, column3 AS t, column4 AS df, column5 AS dt, column6 AS wd FROM (VALUES ")
	for k, p := range points {
		if k > 0 {
			b.WriteString(", ")
		}
		f, t := DayNumber(p.From), DayNumber(p.To)
		b.WriteString("(" + strconv.Itoa(k) + ", " + strconv.Itoa(f) + ", " + strconv.Itoa(t) + ", " + r.date() + ", " + r.date() + ", " + strconv.Itoa(weekdaysBefore(t)-weekdaysBefore(f)) + ")")
		args = append(args, p.From, p.To)
	}
	b.WriteString(") v)")
	return b.String(), args
}

// weekdays is a derived table of the weekdays of every period: (k, w). It
// is one multi-row VALUES list, not a UNION ALL of SELECTs: SQLite caps a
// compound SELECT at 500 terms (two years of weekdays), VALUES rows are not
// capped.
func (r *runner) weekdays(points []Point) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("(SELECT column1 AS k, column2 AS w FROM (VALUES ")
	first := true
	for i, p := range points {
		for d := p.From; d.Before(p.To); d = d.AddDate(0, 0, 1) {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString("(" + strconv.Itoa(i) + ", " + r.date() + ")")
			args = append(args, d)
		}
	}
	if first { // no weekday at all: an empty table of the right shape
		b.WriteString("(0, " + r.date() + ")) v WHERE 1 = 0)")
		args = append(args, time.Time{})
		return b.String(), args
	}
	b.WriteString(") v)")
	return b.String(), args
}

// dayNumber is the SQL of a date column as days since Monday 1900-01-01
// (an integer; weekday arithmetic needs no calendar table).
func (r *runner) dayNumber(col string) string {
	if r.postgres() {
		return "(" + col + " - DATE '1900-01-01')"
	}
	return "CAST(julianday(" + col + ") - 2415020.5 AS INTEGER)"
}

// least and greatest of two SQL expressions.
func (r *runner) least(a, b string) string {
	if r.postgres() {
		return "LEAST(" + a + ", " + b + ")"
	}
	return "MIN(" + a + ", " + b + ")"
}

func (r *runner) greatest(a, b string) string {
	if r.postgres() {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "MAX(" + a + ", " + b + ")"
}

// weekdaysBefore is the SQL of the number of weekdays (Monday–Friday) in
// [day 0, day x) for a day number x >= 0: 5 per full week plus the
// weekdays of the last partial one.
func (r *runner) weekdaysBefore(x string) string {
	return "(5 * ((" + x + ") / 7) + " + r.least("(("+x+") % 7)", "5") + ")"
}

// weekdaysBefore is the Go twin of runner.weekdaysBefore: the weekdays in
// [day 0, day x).
func weekdaysBefore(x int) int { return 5*(x/7) + min(x%7, 5) }

// epoch is day 0 of dayNumber, a Monday.
var epoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// DayNumber is the day number of a date (days since Monday 1900-01-01).
func DayNumber(d time.Time) int {
	return int(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC).Sub(epoch) / (24 * time.Hour))
}
