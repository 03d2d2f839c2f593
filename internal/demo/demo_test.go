package demo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

var testAsOf = civil.D(2026, time.March, 16)

// openTestDB returns a migrated, empty database in the dialect under test
// (SQLite, or PostgreSQL with TEST_DATABASE_URL).
func openTestDB(t *testing.T) (*db.DB, *ent.Client) {
	t.Helper()
	d := testdb.Open(t)
	return d.DB, d.DB.Client()
}

func testHasher(t *testing.T) *pii.Hasher {
	t.Helper()
	h, err := pii.NewHasher([]byte("tuoyu-demo-test-key-0123456789ab"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// load loads the scale into a new database and returns it.
func load(t *testing.T, scale Scale, seed int64) (*db.DB, *ent.Client, Summary) {
	t.Helper()
	d, client := openTestDB(t)
	sum, err := Load(testdb.Ctx(), client, Options{Scale: scale, Seed: seed, AsOf: testAsOf, Hasher: testHasher(t)})
	if err != nil {
		t.Fatalf("Load(%s, %d): %v", scale, seed, err)
	}
	return d, client, sum
}

// digestTables are hashed to compare two loads.
var digestTables = []string{
	"regions", "population_stats", "institutions", "filings", "inclusive_designations", "seats",
	"ban_list_entries", "staff", "certifications", "children", "enrolments", "health_records",
	"inspections", "findings", "complaints", "incidents", "surveys", "targets",
}

// digest hashes the contents of digestTables, except the timestamps the
// database sets on insertion.
func digest(t *testing.T, d *db.DB) string {
	t.Helper()
	h := sha256.New()
	for _, table := range digestTables {
		rows, err := d.SQL.Query("SELECT * FROM " + table + " ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cols {
				if c == "created_at" || c == "updated_at" {
					continue
				}
				fmt.Fprintf(h, "%s=%v|", c, vals[i])
			}
			h.Write([]byte("\n"))
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		fmt.Fprintf(h, "%s:%d\n", table, n)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func queryStrings(t *testing.T, d *db.DB, q string) []string {
	t.Helper()
	rows, err := d.SQL.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func queryInt(t *testing.T, d *db.DB, q string) int {
	t.Helper()
	var n int
	if err := d.SQL.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestParseScale(t *testing.T) {
	for in, want := range map[string]Scale{"": ScaleCity, "city": ScaleCity, "District": ScaleDistrict, " province ": ScaleProvince} {
		got, err := ParseScale(in)
		if err != nil || got != want {
			t.Errorf("ParseScale(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseScale("country"); err == nil {
		t.Error("ParseScale(country) succeeded")
	}
}

func TestLoadRejectsBadOptions(t *testing.T) {
	_, client := openTestDB(t)
	ctx := testdb.Ctx()
	for name, opts := range map[string]Options{
		"no hasher":    {AsOf: testAsOf},
		"no as-of":     {Hasher: testHasher(t)},
		"not midnight": {AsOf: testAsOf.Add(time.Hour), Hasher: testHasher(t)},
		"bad scale":    {Scale: "country", AsOf: testAsOf, Hasher: testHasher(t)},
	} {
		if _, err := Load(ctx, client, opts); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
	}
	if empty, err := IsEmpty(ctx, client); err != nil || !empty {
		t.Errorf("IsEmpty after rejected loads = %v, %v", empty, err)
	}
}

func TestDistrictLoad(t *testing.T) {
	ctx := testdb.Ctx()
	d, client := openTestDB(t)
	if empty, err := IsEmpty(ctx, client); err != nil || !empty {
		t.Fatalf("IsEmpty before load = %v, %v; want true", empty, err)
	}
	var progress bytes.Buffer
	var calls []Progress
	print := PrintProgress(&progress)
	sum, err := Load(ctx, client, Options{Scale: ScaleDistrict, AsOf: testAsOf, Hasher: testHasher(t), Progress: func(p Progress) {
		calls = append(calls, p)
		print(p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("district scale: %v in %v", sum.Counts, sum.Elapsed)
	if empty, err := IsEmpty(ctx, client); err != nil || empty {
		t.Fatalf("IsEmpty after load = %v, %v; want false", empty, err)
	}
	if _, err := Load(ctx, client, Options{Scale: ScaleDistrict, AsOf: testAsOf, Hasher: testHasher(t)}); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second Load: %v, want ErrNotEmpty", err)
	}

	for _, table := range digestTables {
		got := queryInt(t, d, "SELECT COUNT(*) FROM "+table)
		if got == 0 || got != sum.Counts[table] {
			t.Errorf("%s: %d rows, Summary says %d", table, got, sum.Counts[table])
		}
	}
	for _, table := range digestTables {
		if !slices.ContainsFunc(calls, func(p Progress) bool { return p.Table == table && p.Done == p.Total && p.Total > 0 }) {
			t.Errorf("no final progress call for %s", table)
		}
	}
	if n := queryInt(t, d, "SELECT COUNT(*) FROM children WHERE id_number_hash IS NOT NULL AND (id_document_type IS NULL OR id_document_type <> 'RESIDENT_ID')"); n != 0 {
		t.Errorf("%d children with an ID number have no RESIDENT_ID document type", n)
	}
	if !strings.Contains(progress.String(), "health_records") {
		t.Errorf("PrintProgress wrote nothing about health_records:\n%s", progress.String())
	}

	forms := queryStrings(t, d, "SELECT DISTINCT form FROM institutions ORDER BY form")
	if want := []string{"CENTER", "COMMUNITY", "EMPLOYER", "GUIDANCE_CENTER", "HOME", "KINDERGARTEN"}; !slices.Equal(forms, want) {
		t.Errorf("institution forms = %v, want %v", forms, want)
	}
	kinds := queryStrings(t, d, "SELECT DISTINCT kind FROM health_records ORDER BY kind")
	if want := []string{"CHECKUP", "DAILY_CHECK", "DEV_SCREENING", "ENTRY_EXAM", "GROWTH", "VACCINATION_CHECK"}; !slices.Equal(kinds, want) {
		t.Errorf("health record kinds = %v, want %v", kinds, want)
	}
	// The district demo (重庆市 › 大足区, no city level) covers every staff
	// role, the filing states of a live registry and its three levels.
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"SELECT DISTINCT role FROM staff ORDER BY role", []string{"CAREGIVER", "COOK", "HEALTH", "OTHER", "PRINCIPAL", "SECURITY", "TEACHER"}},
		{"SELECT DISTINCT status FROM filings ORDER BY status", []string{"CHANGED", "FILED", "SUBMITTED"}},
		{"SELECT DISTINCT level FROM regions ORDER BY level", []string{"DISTRICT", "PROVINCE", "SUBDISTRICT"}},
	} {
		if got := queryStrings(t, d, c.query); !slices.Equal(got, c.want) {
			t.Errorf("%s = %v; want %v", c.query, got, c.want)
		}
	}

	overlaps := queryInt(t, d, `SELECT COUNT(*) FROM enrolments a JOIN enrolments b ON a.child_id = b.child_id AND a.id < b.id
		WHERE a.service_mode IN ('FULL_DAY', 'HALF_DAY') AND b.service_mode IN ('FULL_DAY', 'HALF_DAY')
		AND a.start_date < COALESCE(b.end_date, '9999-12-31') AND b.start_date < COALESCE(a.end_date, '9999-12-31')`)
	if overlaps != 0 {
		t.Errorf("%d pairs of overlapping full/half-day enrolments", overlaps)
	}
	if n := queryInt(t, d, `SELECT COUNT(*) FROM staff s JOIN ban_list_entries b ON b.id_number_hash = s.id_number_hash`); n != 0 {
		t.Errorf("%d staff on the ban list", n)
	}
	codes := queryStrings(t, d, "SELECT credit_code FROM institutions")
	seen := map[string]bool{}
	for _, c := range codes {
		if err := ident.ValidateCreditCode(c); err != nil {
			t.Errorf("credit code %s: %v", c, err)
		}
		if seen[c] {
			t.Errorf("credit code %s repeated", c)
		}
		seen[c] = true
	}
	for _, q := range []string{
		"SELECT COUNT(*) FROM health_records WHERE date >= '2026-03-16'",
		"SELECT COUNT(*) FROM enrolments WHERE start_date >= '2026-03-16' OR end_date >= '2026-03-16'",
		"SELECT COUNT(*) FROM filings WHERE submitted_at >= '2026-03-16' OR receipt_at >= '2026-03-16'",
		"SELECT COUNT(*) FROM institutions WHERE opened_at >= '2026-03-16' OR closed_at >= '2026-03-16'",
	} {
		if n := queryInt(t, d, q); n != 0 {
			t.Errorf("%s: %d rows dated on or after AsOf", q, n)
		}
	}
	// Dates are UTC midnight.
	enrols, err := client.Enrolment.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range enrols {
		if !e.StartDate.Equal(civil.Of(e.StartDate)) || (e.EndDate != nil && !e.EndDate.Equal(civil.Of(*e.EndDate))) {
			t.Fatalf("enrolment %d has a date that is not UTC midnight", e.ID)
		}
	}
}

func TestDeterministic(t *testing.T) {
	da, _, _ := load(t, ScaleDistrict, 7)
	db2, _, _ := load(t, ScaleDistrict, 7)
	dc, _, _ := load(t, ScaleDistrict, 8)
	a, b, c := digest(t, da), digest(t, db2), digest(t, dc)
	if a != b {
		t.Errorf("same seed, different data: %s != %s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same data: %s", a)
	}
}

// TestCityLoadTime logs how long city scale takes to load into SQLite. It
// runs only when TUOYU_DEMO_CITY is set and -short is not.
func TestCityLoadTime(t *testing.T) {
	if testing.Short() || os.Getenv("TUOYU_DEMO_CITY") == "" {
		t.Skip("set TUOYU_DEMO_CITY=1 to time a city-scale load")
	}
	start := time.Now()
	_, _, sum := load(t, ScaleCity, 1)
	t.Logf("city scale into SQLite: %v (Load reported %v)", time.Since(start), sum.Elapsed)
	keys := make([]string, 0, len(sum.Counts))
	for k := range sum.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("  %-24s %9d", k, sum.Counts[k])
	}
}

// TestInterruptedLoad: a load cancelled midway (Ctrl-C during the first
// start) leaves a database CheckComplete refuses, and the next Load
// refuses it too; a load that finishes leaves none.
func TestInterruptedLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(testdb.Ctx())
	defer cancel()
	_, client := openTestDB(t)
	if err := CheckComplete(ctx, client); err != nil {
		t.Fatalf("CheckComplete on an empty database: %v", err)
	}
	_, err := Load(ctx, client, Options{Scale: ScaleDistrict, AsOf: testAsOf, Hasher: testHasher(t), Progress: func(p Progress) {
		if p.Table == "seats" {
			cancel() // regions and institutions are written, the KPI data are not
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load cancelled midway: %v; want context.Canceled", err)
	}
	bg := testdb.Ctx()
	if empty, err := IsEmpty(bg, client); err != nil || empty {
		t.Fatalf("IsEmpty after the interrupted load = %v, %v; the test wants a half-loaded database", empty, err)
	}
	if err := CheckComplete(bg, client); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("CheckComplete after an interrupted load: %v; want ErrInterrupted", err)
	}

	_, client = openTestDB(t)
	if _, err := Load(bg, client, Options{Scale: ScaleDistrict, AsOf: testAsOf, Hasher: testHasher(t)}); err != nil {
		t.Fatal(err)
	}
	if err := CheckComplete(bg, client); err != nil {
		t.Fatalf("CheckComplete after a finished load: %v", err)
	}
}

// TestCheckAsOf: the as-of range is refused with the years it allows.
func TestCheckAsOf(t *testing.T) {
	for _, tc := range []struct {
		day  time.Time
		want bool
	}{
		{civil.D(MinAsOfYear-1, time.December, 31), false},
		{civil.D(MinAsOfYear, time.January, 1), true},
		{civil.D(MaxAsOfYear, time.December, 31), true},
		{civil.D(MaxAsOfYear+1, time.January, 1), false},
	} {
		err := CheckAsOf(tc.day)
		if (err == nil) != tc.want {
			t.Errorf("CheckAsOf(%s) = %v", tc.day.Format(time.DateOnly), err)
		}
		if err != nil && !strings.Contains(err.Error(), "2015 to 2190") {
			t.Errorf("CheckAsOf(%s) = %q; want the range named", tc.day.Format(time.DateOnly), err)
		}
	}
}
