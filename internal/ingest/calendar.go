package ingest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/workcalendarday"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// workCalendarHandler imports the official working-day calendar
// (WorkCalendarDay). A file is to the calendar what the State Council's
// yearly notice is: the whole of each year it names. Its days are matched
// by date (created, updated or unchanged as for any entity), and the
// stored days of those years that the file no longer lists are removed in
// the same transaction (Result.Deleted), so loading a corrected notice
// leaves exactly the notice. Re-importing the same file changes nothing.
// The rules are internal/workday's, shared with loadWorkCalendar.
func workCalendarHandler() *handler {
	return &handler{
		writers:    provinceWrite,
		validators: map[string]func(any) error{"name": vStr(workcalendarday.NameValidator)},
		row: func(b *batch, r *row) {
			d, ok := b.date(r, "date")
			if !ok {
				return
			}
			if msg := workday.YearProblem(d.Year()); msg != "" {
				b.fail(r, "date", CodeInvalid, "its year "+msg)
				return
			}
			if field, msg := workday.DayProblem(d.Year(), calendarDay(b, r)); msg != "" {
				b.fail(r, field, CodeInvalid, msg)
			}
		},
		key: func(b *batch, r *row) []any { return []any{mustDate(b, r, "date")} },
		load: func(b *batch, rows []*row) ([]any, error) {
			xs, err := b.client.WorkCalendarDay.Query().
				Where(workcalendarday.YearIn(calendarYears(b, rows)...)).
				Order(ent.Asc(workcalendarday.FieldID)).All(b.sys)
			return anys(xs), err
		},
		storedKey: func(x any) []any { return []any{x.(*ent.WorkCalendarDay).Date} },
		create:    func(c *ent.Client) ent.Mutation { return c.WorkCalendarDay.Create().Mutation() },
		update:    func(c *ent.Client, id int) ent.Mutation { return c.WorkCalendarDay.UpdateOneID(id).Mutation() },
		set: func(b *batch, r *row, mm ent.Mutation, update bool) {
			m := mm.(*ent.WorkCalendarDayMutation)
			d := calendarDay(b, r)
			m.SetDate(d.Date)
			m.SetYear(d.Date.Year())
			m.SetWorkday(d.Workday)
			if d.Name != "" {
				m.SetName(d.Name)
			} else if update {
				m.ClearName()
			}
		},
		check: checkCalendarYears,
		// WorkCalendarDay's mutation policy denies every viewer: only
		// loadWorkCalendar and imports, after their own role check
		// (roleProblem: PROVINCE_REGULATOR), write it as the system.
		writeRow: func(b *batch, _ context.Context, c *ent.Client, r *row) error {
			return b.writeRow(b.sys, c, r)
		},
		afterWrite: removeUnlistedDays,
	}
}

// calendarDay is the day a row describes.
func calendarDay(b *batch, r *row) workday.Day {
	workdayCell, _ := b.val(r, "workday").(bool)
	return workday.Day{Date: mustDate(b, r, "date"), Workday: workdayCell, Name: b.str(r, "name")}
}

// calendarYears lists the years of rows' dates, in order.
func calendarYears(b *batch, rows []*row) []int {
	seen := map[int]bool{}
	var years []int
	for _, r := range rows {
		if d, ok := b.date(r, "date"); ok && !seen[d.Year()] {
			seen[d.Year()] = true
			years = append(years, d.Year())
		}
	}
	sort.Ints(years)
	return years
}

// checkCalendarYears applies the rules across rows: at most
// workday.MaxDays days a year (reported on the first row beyond it), and
// counts the stored days that the file's years will lose.
func checkCalendarYears(b *batch) error {
	perYear := map[int]int{}
	for _, r := range b.rows {
		d, ok := b.date(r, "date")
		if !ok {
			continue
		}
		if perYear[d.Year()]++; perYear[d.Year()] == workday.MaxDays+1 {
			b.fail(r, "date", CodeInvalid, fmt.Sprintf("year %d %s", d.Year(), workday.TooManyDays))
		}
	}
	if b.res.ErrorCount > 0 {
		return nil
	}
	drop, err := b.unlistedDays(b.client)
	if err != nil {
		return err
	}
	b.res.Deleted = len(drop)
	return nil
}

// unlistedDays is the IDs of the stored days in the file's years that no
// row of the file names, read through client (the import's transaction
// when writing).
func (b *batch) unlistedDays(client *ent.Client) ([]int, error) {
	rows := b.good()
	listed := make(map[time.Time]bool, len(rows))
	for _, r := range rows {
		listed[mustDate(b, r, "date").UTC()] = true
	}
	stored, err := client.WorkCalendarDay.Query().
		Where(workcalendarday.YearIn(calendarYears(b, rows)...)).All(b.sys)
	if err != nil {
		return nil, fmt.Errorf("work calendar: stored days: %w", err)
	}
	var drop []int
	for _, d := range stored {
		if !listed[d.Date.UTC()] {
			drop = append(drop, d.ID)
		}
	}
	return drop, nil
}

// removeUnlistedDays deletes, in the import's transaction, the stored days
// of the file's years that the file does not list.
func removeUnlistedDays(b *batch, tx *ent.Tx) error {
	drop, err := b.unlistedDays(tx.Client())
	if err != nil || len(drop) == 0 {
		return err
	}
	n, err := tx.WorkCalendarDay.Delete().Where(workcalendarday.IDIn(drop...)).Exec(b.sys)
	if err != nil {
		return fmt.Errorf("work calendar: remove unlisted days: %w", err)
	}
	b.res.Deleted = n
	return nil
}
