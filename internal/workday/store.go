package workday

import (
	"context"
	"fmt"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/workcalendarday"
	"github.com/tuoyu/tuoyu/internal/apperr"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// MaxDays bounds one loaded year: a notice has about 40 exceptions.
const MaxDays = 120

// Load returns the built-in calendar with every year loaded into the
// database laid over it (one statement; the table holds a few dozen rows a
// year). The calendar is public data: it is read as the system.
func Load(ctx context.Context, client *ent.Client) (*Calendar, error) {
	rows, err := client.WorkCalendarDay.Query().
		Order(ent.Asc(workcalendarday.FieldDate)).
		All(privacy.DecisionContext(ctx, privacy.Allow))
	if err != nil {
		return nil, fmt.Errorf("workday: load calendar: %w", err)
	}
	byYear := map[int][]Day{}
	for _, r := range rows {
		byYear[r.Year] = append(byYear[r.Year], Day{Date: r.Date, Workday: r.Workday, Name: r.Name})
	}
	c := Builtin()
	for y, days := range byYear {
		c = c.WithYear(y, days)
		c.loaded[y] = true
	}
	return c, nil
}

// Validate checks one year's days before they are stored: each in the
// year, at most once, a make-up workday only on a Saturday or Sunday (a
// weekday already is one), at least one day and at most MaxDays.
func Validate(year int, days []Day) error {
	if msg := YearProblem(year); msg != "" {
		return apperr.Invalid("year", msg)
	}
	if len(days) == 0 {
		return apperr.Invalid("days", "must list the year's holidays and make-up workdays")
	}
	if len(days) > MaxDays {
		return apperr.Invalid("days", TooManyDays)
	}
	seen := map[time.Time]bool{}
	for i, d := range days {
		day := dateOf(d.Date)
		if seen[day] {
			return apperr.Invalid(fmt.Sprintf("days[%d].date", i), "is listed twice")
		}
		seen[day] = true
		if field, msg := DayProblem(year, d); msg != "" {
			return apperr.Invalid(fmt.Sprintf("days[%d].%s", i, field), msg)
		}
	}
	return nil
}

// TooManyDays is the rule a year breaks with more than MaxDays days.
var TooManyDays = fmt.Sprintf("must list at most %d days", MaxDays)

// YearProblem says why year cannot be loaded, or "".
func YearProblem(year int) string {
	if year < 2000 || year > 2200 {
		return "must be between 2000 and 2200"
	}
	return ""
}

// DayProblem says what is wrong with d as a day of year's calendar: the
// field (date, workday or name) and the rule, or "" when d is fine. The
// mutation and the file import share it.
func DayProblem(year int, d Day) (field, msg string) {
	day := dateOf(d.Date)
	if day.Year() != year {
		return "date", "must lie in the loaded year"
	}
	if wd := day.Weekday(); d.Workday && wd != time.Saturday && wd != time.Sunday {
		return "workday", "a make-up workday must fall on a Saturday or Sunday"
	}
	if len([]rune(d.Name)) > 100 {
		return "name", "must be at most 100 characters"
	}
	return "", ""
}

// LoadYear replaces the stored exceptions of year with days, through
// client (the caller's transaction for a mutation, so a failure stores
// nothing). Only PROVINCE_REGULATOR viewers, and trusted code whose context
// carries a privacy Allow decision (imports, the CLI), may load a calendar:
// the national calendar is one for every region.
func LoadYear(ctx context.Context, client *ent.Client, year int, days []Day) (int, error) {
	if v := auth.FromContext(ctx); v.Role != auth.ProvinceRegulator {
		// ent reports a stored Allow decision as (nil, true).
		if d, ok := privacy.DecisionFromContext(ctx); !ok || d != nil {
			return 0, apperr.Forbidden("loading the working-day calendar needs a PROVINCE_REGULATOR token")
		}
	}
	if err := Validate(year, days); err != nil {
		return 0, err
	}
	sys := privacy.DecisionContext(ctx, privacy.Allow)
	if _, err := client.WorkCalendarDay.Delete().Where(workcalendarday.Year(year)).Exec(sys); err != nil {
		return 0, fmt.Errorf("workday: clear %d: %w", year, err)
	}
	builders := make([]*ent.WorkCalendarDayCreate, len(days))
	for i, d := range days {
		builders[i] = client.WorkCalendarDay.Create().SetDate(dateOf(d.Date)).SetYear(year).SetWorkday(d.Workday).SetName(d.Name)
	}
	if err := client.WorkCalendarDay.CreateBulk(builders...).Exec(sys); err != nil {
		return 0, fmt.Errorf("workday: store %d: %w", year, err)
	}
	return len(days), nil
}
