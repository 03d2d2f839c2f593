package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/registry"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// testAsOf is the demo data's today in every test of this package.
var testAsOf = civil.D(2026, time.March, 16)

func testHasher(t testing.TB) *pii.Hasher {
	t.Helper()
	h, err := pii.NewHasher([]byte("tuoyu-export-test-key-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// seeded is a database with the district-scale demo (重庆市 › 大足区).
func seeded(t testing.TB) *testdb.DB {
	t.Helper()
	d := testdb.Open(t)
	if _, err := demo.Load(testdb.Ctx(), d.Client, demo.Options{Scale: demo.ScaleDistrict, Seed: 1, AsOf: testAsOf, Hasher: testHasher(t)}); err != nil {
		t.Fatal(err)
	}
	return d
}

// The viewers of these tests: 大足区's regulator sees its rows in clear, the
// city regulator of 重庆市 sees them masked.
var (
	districtRegulator = &auth.Viewer{Subject: "dist", Role: auth.DistrictRegulator, RegionCode: "500111"}
	cityRegulator     = &auth.Viewer{Subject: "city", Role: auth.CityRegulator, RegionCode: "500100"}
)

func as(v *auth.Viewer) context.Context { return auth.NewContext(context.Background(), v) }

func exportCSV(t *testing.T, client *ent.Client, v *auth.Viewer, opts Options) [][]string {
	t.Helper()
	opts.Format = "csv"
	var buf bytes.Buffer
	n, err := Write(as(v), client, &buf, opts)
	if err != nil {
		t.Fatalf("export %s: %v", opts.Entity, err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(utf8BOM)) {
		t.Fatalf("export %s: no UTF-8 BOM", opts.Entity)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[len(utf8BOM):])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs)-1 != n {
		t.Fatalf("export %s: Write says %d rows, file has %d", opts.Entity, n, len(recs)-1)
	}
	return recs
}

func TestEveryEntityExports(t *testing.T) {
	d := seeded(t)
	for _, e := range registry.All() {
		t.Run(e.Name, func(t *testing.T) {
			recs := exportCSV(t, d.Client, districtRegulator, Options{Entity: e.Name})
			if len(recs) < 2 {
				t.Fatalf("%s: no rows", e.Name)
			}
			for i, c := range e.Columns {
				if recs[0][i] != c.Header {
					t.Errorf("header %d = %q, want %q", i, recs[0][i], c.Header)
				}
			}
			// Every required column is filled in every row: an export that
			// cannot be imported again is a defect. The exception is the
			// identity document: the demo (like legacy data) has children
			// registered without one (8%), and nothing can invent it.
			for r, rec := range recs[1:] {
				for i, c := range e.Columns {
					if c.Required && rec[i] == "" && c.Field != "idNumber" && c.Field != "childIdNumber" {
						t.Fatalf("row %d: required column %s empty: %q", r+2, c.Field, rec)
					}
				}
			}
			t.Logf("%s: %d rows; first %q", e.Name, len(recs)-1, recs[1])
		})
	}
}

func TestMaskedExport(t *testing.T) {
	d := seeded(t)
	clear := exportCSV(t, d.Client, districtRegulator, Options{Entity: "children"})
	masked := exportCSV(t, d.Client, cityRegulator, Options{Entity: "children"})
	if len(clear) != len(masked) {
		t.Fatalf("city regulator got %d rows, district regulator %d", len(masked), len(clear))
	}
	e, _ := registry.Lookup("children")
	col := map[string]int{}
	for i, c := range e.Columns {
		col[c.Field] = i
	}
	for i := 1; i < len(clear); i++ {
		c, m := clear[i], masked[i]
		if got, want := m[col["name"]], pii.MaskName(c[col["name"]]); got != want {
			t.Errorf("row %d name %q, want %q", i, got, want)
		}
		if got, want := m[col["birthDate"]], c[col["birthDate"]][:8]+"01"; got != want {
			t.Errorf("row %d birth date %q, want %q", i, got, want)
		}
		if id := c[col["idNumber"]]; id != "" && !strings.Contains(id, "*") {
			t.Errorf("row %d: identity number %q is not the masked form", i, c[col["idNumber"]])
		}
	}
	// Each export of children writes one audit row naming the rows read.
	logs, err := d.Client.AuditLog.Query().Where(auditlog.EntityType("Child")).Order(ent.Asc(auditlog.FieldID)).All(testdb.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 2 {
		t.Fatalf("%d audit rows, want 2", len(logs))
	}
	if logs[1].Role != string(auth.CityRegulator) || len(logs[1].EntityIds) != len(masked)-1 {
		t.Errorf("audit row %+v, want the city regulator and %d ids", logs[1], len(masked)-1)
	}
}

func TestXLSX(t *testing.T) {
	d := seeded(t)
	var buf bytes.Buffer
	n, err := Write(as(districtRegulator), d.Client, &buf, Options{Entity: "institutions", Format: "xlsx"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("托育机构")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows)-1 != n {
		t.Fatalf("%d rows in the sheet, Write says %d", len(rows)-1, n)
	}
	want := exportCSV(t, d.Client, districtRegulator, Options{Entity: "institutions"})
	for i := range want {
		for j := range want[i] {
			got := ""
			if j < len(rows[i]) {
				got = rows[i][j]
			}
			if got != want[i][j] {
				t.Errorf("row %d col %d: xlsx %q, csv %q", i, j, got, want[i][j])
			}
		}
	}
}

func TestFilterAuditAndForbidden(t *testing.T) {
	d := seeded(t)
	all := exportCSV(t, d.Client, districtRegulator, Options{Entity: "health_records"})
	kind := healthrecord.KindDEV_SCREENING
	screenings := exportCSV(t, d.Client, districtRegulator, Options{Entity: "health_records", Where: &ent.HealthRecordWhereInput{Kind: &kind}})
	if len(screenings) < 2 || len(screenings) >= len(all) {
		t.Fatalf("filter on kind: %d rows of %d", len(screenings)-1, len(all)-1)
	}
	for _, r := range screenings[1:] {
		if r[5] != "DEV_SCREENING" { // after institution, child document type and number, childName, childBirthDate
			t.Fatalf("filtered row %q", r)
		}
	}
	logs := d.Client.AuditLog.Query().Order(ent.Asc(auditlog.FieldID)).AllX(testdb.Ctx())
	if len(logs) != 4 {
		t.Fatalf("%d audit rows, want 4 (health records and their children, twice)", len(logs))
	}
	hr := logs[2]
	if hr.EntityType != "HealthRecord" || hr.Operation != "export" || hr.Subject != "dist" {
		t.Errorf("audit row %+v", hr)
	}
	if !slices.Contains(hr.Fields, "where.kind") || !slices.Contains(hr.Fields, fmt.Sprintf("rows:%d", len(screenings)-1)) {
		t.Errorf("audit fields %q lack the filter or the row count", hr.Fields)
	}
	if slices.ContainsFunc(hr.Fields, func(f string) bool { return strings.Contains(f, "DEV_SCREENING") }) {
		t.Errorf("audit fields %q hold a filter value", hr.Fields)
	}
	if len(hr.EntityIds) != len(screenings)-1 {
		t.Errorf("audit lists %d ids, want %d", len(hr.EntityIds), len(screenings)-1)
	}
	if logs[3].EntityType != "Child" || len(logs[3].EntityIds) == 0 {
		t.Errorf("child audit row %+v", logs[3])
	}
	// A filter matching nothing is still recorded.
	none := -1
	exportCSV(t, d.Client, districtRegulator, Options{Entity: "children", Where: &ent.ChildWhereInput{ID: &none}})
	last := d.Client.AuditLog.Query().Order(ent.Desc(auditlog.FieldID)).FirstX(testdb.Ctx())
	if last.EntityType != "Child" || !slices.Contains(last.Fields, "rows:0") || !slices.Contains(last.Fields, "where.id") {
		t.Errorf("empty filtered export audited as %+v", last)
	}
	// BI_SERVICE may not read children: the export fails, writes no row
	// and no audit.
	before := d.Client.AuditLog.Query().CountX(testdb.Ctx())
	bi := &auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "500111"}
	var buf bytes.Buffer
	if _, err := Write(as(bi), d.Client, &buf, Options{Entity: "children", Format: "csv"}); !errors.Is(err, privacy.Deny) {
		t.Errorf("BI_SERVICE export of children: %v, want privacy.Deny", err)
	}
	if after := d.Client.AuditLog.Query().CountX(testdb.Ctx()); after != before {
		t.Errorf("a refused export wrote %d audit rows", after-before)
	}
	if _, err := Write(as(districtRegulator), d.Client, &buf, Options{Entity: "children", Format: "pdf"}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("format pdf: %v", err)
	}
	if _, err := Write(as(districtRegulator), d.Client, &buf, Options{Entity: "children", Format: "csv", Where: &ent.StaffWhereInput{}}); err == nil {
		t.Error("a staff filter on children was accepted")
	}
}

// TestCSVFormulaGuard: a text cell Excel would run as a formula is written
// with a leading apostrophe in CSV; the XLSX cell is plain text.
func TestCSVFormulaGuard(t *testing.T) {
	d := seeded(t)
	ctx := testdb.Ctx()
	c := d.Client.Complaint.Query().FirstX(ctx)
	evil := `=HYPERLINK("http://evil.example","点击")`
	d.Client.Complaint.UpdateOne(c).SetResolution(evil).ExecX(ctx)
	recs := exportCSV(t, d.Client, districtRegulator, Options{Entity: "complaints"})
	e, _ := registry.Lookup("complaints")
	col := -1
	for i, c := range e.Columns {
		if c.Field == "resolution" {
			col = i
		}
	}
	found := false
	for _, r := range recs[1:] {
		if strings.Contains(r[col], "HYPERLINK") {
			found = true
			if r[col] != "'"+evil {
				t.Errorf("CSV cell %q, want it prefixed with an apostrophe", r[col])
			}
		}
	}
	if !found {
		t.Fatal("the changed complaint is not in the export")
	}
	var buf bytes.Buffer
	if _, err := Write(as(districtRegulator), d.Client, &buf, Options{Entity: "complaints", Format: "xlsx"}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(e.Title)
	for i, r := range rows[1:] {
		if col < len(r) && strings.Contains(r[col], "HYPERLINK") {
			ref, _ := excelize.CoordinatesToCellName(col+1, i+2)
			if formula, _ := f.GetCellFormula(e.Title, ref); formula != "" || r[col] != evil {
				t.Errorf("XLSX cell %q formula %q, want the plain text", r[col], formula)
			}
		}
	}
}

// TestCancelledExportIsAudited: an export of health records cancelled or
// timed out half-way (a stopping server, a job's deadline) has read its
// first page of personal data; those rows and their children are audited,
// although the export's context is done when the audit is written.
func TestCancelledExportIsAudited(t *testing.T) {
	d := seeded(t)
	for _, stop := range []struct {
		name string
		want error
		// ctx is the export's context and what the export does after its
		// first page, until ctx is done.
		ctx func() (context.Context, func(), context.CancelFunc)
	}{
		{"cancelled", context.Canceled, func() (context.Context, func(), context.CancelFunc) {
			ctx, cancel := context.WithCancel(as(districtRegulator))
			return ctx, cancel, cancel
		}},
		{"timed out", context.DeadlineExceeded, func() (context.Context, func(), context.CancelFunc) {
			// Long enough for the first page on a busy machine.
			ctx, cancel := context.WithTimeout(as(districtRegulator), 3*time.Second)
			return ctx, func() { <-ctx.Done() }, cancel
		}},
	} {
		t.Run(stop.name, func(t *testing.T) {
			ctx, afterFirstPage, cancel := stop.ctx()
			defer cancel()
			before := d.Client.AuditLog.Query().CountX(testdb.Ctx())
			var buf bytes.Buffer
			pages := 0
			n, err := Write(ctx, d.Client, &buf, Options{Entity: "health_records", Format: "csv", Progress: func(int) {
				pages++
				if pages == 1 {
					afterFirstPage()
				}
			}})
			if !errors.Is(err, stop.want) || pages != 1 {
				t.Fatalf("export: %d rows, %d pages, err %v; want it stopped by %v after the first page", n, pages, err, stop.want)
			}
			if n != PageSize {
				t.Fatalf("%d rows before it stopped, want %d (the demo has more health records than a page)", n, PageSize)
			}
			logs := d.Client.AuditLog.Query().Order(ent.Asc(auditlog.FieldID)).Offset(before).AllX(testdb.Ctx())
			if len(logs) != 2 {
				t.Fatalf("%d audit rows after the export stopped half-way, want 2 (health records, children)", len(logs))
			}
			hr, ch := logs[0], logs[1]
			if hr.EntityType != "HealthRecord" || hr.Subject != districtRegulator.Subject || len(hr.EntityIds) != PageSize ||
				!slices.Contains(hr.Fields, fmt.Sprintf("rows:%d", PageSize)) {
				t.Errorf("health-record audit row %s, %s, %d ids, fields %q; want the %d rows read", hr.EntityType, hr.Subject, len(hr.EntityIds), hr.Fields, PageSize)
			}
			if ch.EntityType != "Child" || len(ch.EntityIds) == 0 {
				t.Errorf("child audit row %+v", ch)
			}
		})
	}
}
