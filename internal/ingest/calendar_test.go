package ingest

import (
	"errors"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/workcalendarday"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// TestImportWorkCalendar: a province regulator loads a year the built-in
// calendar does not know, and deadlines in that year become computable; a
// corrected file replaces the year (a day it no longer lists is removed);
// re-importing changes nothing; the rules of loadWorkCalendar apply per
// row; other roles are refused; a failed file writes nothing.
func TestImportWorkCalendar(t *testing.T) {
	e := newEnv(t)
	ctx := testdb.Ctx()
	builtin := workday.Builtin()
	year := builtin.LastYear() + 1
	day := func(month time.Month, d int) time.Time { return time.Date(year, month, d, 0, 0, 0, 0, time.UTC) }
	// A Monday and a Saturday of the year, whatever year it is.
	monday := day(time.October, 1)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	saturday := monday.AddDate(0, 0, -2)
	tuesday := monday.AddDate(0, 0, 1)
	iso := func(t time.Time) string { return t.Format("2006-01-02") }
	head := []string{"日期", "调休上班", "节假日名称"}

	if _, err := loadCalendar(t, e).Add(monday, 5); !errors.Is(err, workday.ErrUnknownYear) {
		t.Fatalf("a deadline in %d should be refused before the import: %v", year, err)
	}

	// Other roles: refused as a whole, nothing written.
	for _, v := range []*auth.Viewer{district, e.staffOf(e.idA)} {
		res := e.run(v, "work_calendar", "cal.csv", csvFile(head, []string{iso(monday), "否", "国庆节"}))
		if res.ErrorCount != 1 || res.Errors[0].Code != CodeForbidden || res.Errors[0].Row != 0 {
			t.Fatalf("%s: %+v", v.Role, res.Errors)
		}
	}

	first := csvFile(head,
		[]string{iso(monday), "否", "国庆节"},
		[]string{iso(tuesday), "否", "国庆节"},
		[]string{iso(saturday), "是", "国庆节"},
	)
	e.ok(province, "work_calendar", first, 3, 0, 0)
	cal := loadCalendar(t, e)
	if due, err := cal.Add(monday, 1); err != nil || !due.Equal(monday.AddDate(0, 0, 2)) {
		t.Fatalf("one working day after the holiday Monday = %v, %v; want the Wednesday (Tuesday is a holiday too)", due, err)
	}
	if isWorkday(t, cal, monday) || isWorkday(t, cal, tuesday) || !isWorkday(t, cal, saturday) {
		t.Fatal("the loaded days are not applied")
	}
	e.ok(province, "work_calendar", first, 0, 0, 3) // the same file again: nothing changes

	// A corrected notice: Tuesday is no longer a holiday, Saturday's name
	// changes, and the year is replaced as a whole.
	res := e.ok(province, "work_calendar", csvFile(head,
		[]string{iso(monday), "否", "国庆节"},
		[]string{iso(saturday), "是", "国庆节调休"},
	), 0, 1, 1)
	if res.Deleted != 1 {
		t.Fatalf("deleted = %d, want 1 (the Tuesday the corrected file no longer lists)", res.Deleted)
	}
	if n := e.db.Client.WorkCalendarDay.Query().Where(workcalendarday.Year(year)).CountX(ctx); n != 2 {
		t.Fatalf("%d days stored for %d, want 2", n, year)
	}
	if !isWorkday(t, loadCalendar(t, e), tuesday) {
		t.Fatal("the removed holiday is still off")
	}

	// Per-row rules, all reported at once, nothing written.
	res = e.run(province, "work_calendar", "bad.csv", csvFile(head,
		[]string{iso(tuesday), "是", "调休"},               // a make-up workday on a weekday
		[]string{"1999-10-01", "否", "国庆节"},              // a year out of range
		[]string{iso(monday), "否", "国庆节"},               // given twice
		[]string{iso(monday.AddDate(0, 0, 2)), "否", ""}, // fine on its own
		[]string{iso(monday), "否", "国庆节"},
	))
	want := map[int]string{2: "调休上班", 3: "日期", 6: "日期"}
	if res.ErrorCount != len(want) {
		t.Fatalf("errors: %+v", res.Errors)
	}
	for _, re := range res.Errors {
		if want[re.Row] != re.Column || re.Code == "" {
			t.Errorf("unexpected error %+v", re)
		}
	}
	if res.Created+res.Updated+res.Unchanged+res.Deleted != 0 {
		t.Fatalf("a failed file reports counts: %+v", res)
	}
	if n := e.db.Client.WorkCalendarDay.Query().Where(workcalendarday.Year(year)).CountX(ctx); n != 2 {
		t.Fatalf("a failed file changed the stored year: %d days", n)
	}

	// A dry run says what would be removed and writes nothing.
	res = e.run(province, "work_calendar", "dry.csv", csvFile(head, []string{iso(monday), "否", "国庆节"}), func(o *Options) { o.DryRun = true })
	if res.ErrorCount != 0 || res.Deleted != 1 || res.Unchanged != 1 {
		t.Fatalf("dry run: %+v", res)
	}
	if n := e.db.Client.WorkCalendarDay.Query().Where(workcalendarday.Year(year)).CountX(ctx); n != 2 {
		t.Fatalf("a dry run changed the stored year: %d days", n)
	}

	// More than workday.MaxDays days in one year.
	rows := [][]string{head}
	for d := day(time.January, 1); len(rows) <= workday.MaxDays+1; d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			rows = append(rows, []string{iso(d), "否", ""})
		}
	}
	res = e.run(province, "work_calendar", "long.csv", csvFile(rows...))
	if res.ErrorCount != 1 || res.Errors[0].Row != workday.MaxDays+2 || res.Errors[0].Column != "日期" {
		t.Fatalf("too many days: %+v", res.Errors)
	}
}

func loadCalendar(t *testing.T, e *env) *workday.Calendar {
	t.Helper()
	cal, err := workday.Load(testdb.Ctx(), e.db.Client)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func isWorkday(t *testing.T, cal *workday.Calendar, d time.Time) bool {
	t.Helper()
	ok, err := cal.IsWorkday(d)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
