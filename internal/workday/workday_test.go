package workday_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/internal/workday"
)

// The 2025 and 2026 notices (国办发明电〔2024〕12号, 国办发明电〔2025〕7号):
//   - 2025 国庆中秋: 1–8 October off; Sunday 28 September and Saturday
//     11 October are make-up workdays.
//   - 2026 春节: 15–23 February off; Saturday 14 February and Saturday
//     28 February are make-up workdays.
//   - 2026 国庆: 1–7 October off; Sunday 20 September and Saturday
//     10 October are make-up workdays.
func TestAddRealHolidays(t *testing.T) {
	cal := workday.Builtin()
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		// Submitted Friday 26 Sept 2025: Sun 28 (调休) = 1, Mon 29 = 2,
		// Tue 30 = 3, 1–8 Oct off, Thu 9 = 4, Fri 10 = 5.
		{"2025 国庆 with the Sunday make-up day", civil.D(2025, 9, 26), 5, civil.D(2025, 10, 10)},
		// From Fri 10 Oct 2025: Sat 11 (调休) = 1, Mon 13 = 2 … Thu 16 = 5.
		{"2025 Saturday make-up day counts", civil.D(2025, 10, 10), 5, civil.D(2025, 10, 16)},
		// 15 working days from Tue 30 Sept 2025: Oct 9, 10, 11 (Sat) = 3,
		// 13–17 = 8, 20–24 = 13, Mon 27 = 14, Tue 28 = 15.
		{"2025 notice deadline across 国庆", civil.D(2025, 9, 30), 15, civil.D(2025, 10, 28)},
		// Thu 12 Feb 2026: Fri 13 = 1, Sat 14 (调休) = 2, 15–23 off,
		// Tue 24 = 3, Wed 25 = 4, Thu 26 = 5.
		{"2026 春节", civil.D(2026, 2, 12), 5, civil.D(2026, 2, 26)},
		// Fri 18 Sept 2026: Sun 20 (调休) = 1, Mon 21 … Thu 24 = 5 (中秋
		// 25–27 off in lunar-go's table).
		{"2026 国庆 make-up Sunday", civil.D(2026, 9, 18), 5, civil.D(2026, 9, 24)},
		// Wed 30 Sept 2026: 1–7 Oct off, Thu 8 = 1, Fri 9 = 2, Sat 10 (调休)
		// = 3, Mon 12 = 4, Tue 13 = 5.
		{"2026 国庆 with the Saturday make-up day", civil.D(2026, 9, 30), 5, civil.D(2026, 10, 13)},
		// A Saturday submission: Monday is the first working day.
		{"weekend submission", civil.D(2026, 3, 7), 5, civil.D(2026, 3, 13)},
		{"zero days is the day itself", civil.D(2026, 3, 7), 0, civil.D(2026, 3, 7)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cal.Add(tc.from, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("Add(%s, %d) = %s, want %s", tc.from.Format(civil.Layout), tc.n, got.Format(civil.Layout), tc.want.Format(civil.Layout))
			}
			if tc.n > 0 {
				back, err := cal.Between(tc.from, got)
				if err != nil || back != tc.n {
					t.Errorf("Between(%s, %s) = %d, %v; want %d", tc.from.Format(civil.Layout), got.Format(civil.Layout), back, err, tc.n)
				}
			}
		})
	}
}

func TestIsWorkday(t *testing.T) {
	cal := workday.Builtin()
	for _, tc := range []struct {
		day  time.Time
		want bool
	}{
		{civil.D(2026, 10, 1), false}, // 国庆, Thursday
		{civil.D(2026, 10, 10), true}, // 调休 Saturday
		{civil.D(2026, 9, 20), true},  // 调休 Sunday
		{civil.D(2026, 10, 11), false},
		{civil.D(2025, 10, 8), false}, // 2025's eighth day off
		{civil.D(2026, 3, 9), true},   // an ordinary Monday
	} {
		got, err := cal.IsWorkday(tc.day)
		if err != nil || got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, %v; want %v", tc.day.Format(civil.Layout), got, err, tc.want)
		}
	}
}

func TestBetweenNegative(t *testing.T) {
	cal := workday.Builtin()
	n, err := cal.Between(civil.D(2026, 10, 13), civil.D(2026, 9, 30))
	if err != nil || n != -5 {
		t.Fatalf("Between backwards = %d, %v; want -5", n, err)
	}
}

// A deadline beyond the last known year is refused, never guessed; loading
// the year extends the calendar and replaces the built-in table.
func TestUnknownYear(t *testing.T) {
	cal := workday.Builtin()
	last := cal.LastYear()
	if last < 2026 {
		t.Fatalf("built-in calendar ends in %d, want 2026 or later", last)
	}
	dec := civil.D(last, 12, 28)
	_, err := cal.Add(dec, 5)
	var unknown *workday.UnknownYearError
	if !errors.Is(err, workday.ErrUnknownYear) || !errors.As(err, &unknown) || unknown.Year != last+1 || unknown.LastKnown != last {
		t.Fatalf("Add across the last year = %v, want UnknownYearError{%d, %d}", err, last+1, last)
	}
	if _, err := cal.IsWorkday(civil.D(1999, 5, 1)); !errors.Is(err, workday.ErrUnknownYear) {
		t.Fatalf("IsWorkday(1999) = %v, want ErrUnknownYear", err)
	}
	next := last + 1
	// A loaded year with 2 January off (whatever weekday) and nothing else.
	jan2 := civil.D(next, 1, 2)
	cal2 := cal.WithYear(next, []workday.Day{{Date: jan2, Workday: false, Name: "元旦"}})
	if cal2.LastYear() != next {
		t.Fatalf("LastYear after loading = %d, want %d", cal2.LastYear(), next)
	}
	if ok, err := cal2.IsWorkday(jan2); err != nil || ok {
		t.Fatalf("loaded holiday IsWorkday = %v, %v", ok, err)
	}
	if _, err := cal2.Add(dec, 5); err != nil {
		t.Fatalf("Add after loading: %v", err)
	}
	// Loading 2026 again replaces the built-in year: 1 October becomes an ordinary Thursday.
	cal3 := cal.WithYear(2026, []workday.Day{{Date: civil.D(2026, 1, 1), Name: "元旦"}})
	if ok, _ := cal3.IsWorkday(civil.D(2026, 10, 1)); !ok {
		t.Fatal("a loaded year must replace the built-in table")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		days []workday.Day
		ok   bool
	}{
		{"holiday and Saturday make-up", []workday.Day{{Date: civil.D(2027, 10, 1)}, {Date: civil.D(2027, 10, 9), Workday: true}}, true},
		{"empty", nil, false},
		{"other year", []workday.Day{{Date: civil.D(2026, 10, 1)}}, false},
		{"make-up on a weekday", []workday.Day{{Date: civil.D(2027, 10, 8), Workday: true}}, false},
		{"twice", []workday.Day{{Date: civil.D(2027, 10, 1)}, {Date: civil.D(2027, 10, 1)}}, false},
	} {
		if err := workday.Validate(2027, tc.days); (err == nil) != tc.ok {
			t.Errorf("%s: Validate = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestLoadYearWho: a PROVINCE_REGULATOR loads a year; so does trusted code
// that decided Allow (the demo loader, imports); any other viewer, or a
// context without a viewer or decision, is refused and nothing is stored.
func TestLoadYearWho(t *testing.T) {
	db := testdb.Open(t)
	days := workday.Builtin().Days(2026)
	if len(days) < 20 {
		t.Fatalf("built-in 2026 has %d days", len(days))
	}
	base := context.Background() // testdb.Ctx() would carry an Allow decision
	loaded := false
	for _, tc := range []struct {
		name string
		ctx  context.Context
		ok   bool
	}{
		{"no viewer", base, false},
		{"district regulator", auth.NewContext(base, &auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}), false},
		{"denied decision", privacy.DecisionContext(base, privacy.Deny), false},
		{"province regulator", auth.NewContext(base, &auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}), true},
		{"trusted code", privacy.DecisionContext(base, privacy.Allow), true},
	} {
		n, err := workday.LoadYear(tc.ctx, db.Client, 2026, days)
		if tc.ok != (err == nil) || (tc.ok && n != len(days)) {
			t.Errorf("%s: LoadYear = %d, %v; want ok=%v", tc.name, n, err, tc.ok)
		}
		// The refused cases come first: nothing is stored until the first
		// allowed load, which stores the year (a second replaces it).
		loaded = loaded || tc.ok
		want := 0
		if loaded {
			want = len(days)
		}
		if stored := db.Client.WorkCalendarDay.Query().CountX(privacy.DecisionContext(base, privacy.Allow)); stored != want {
			t.Errorf("%s: %d days stored, want %d", tc.name, stored, want)
		}
	}
}
