package ingest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestErrorReportSaysWhenTruncated: an import lists its first 1,000 errors
// only; its report (CSV and XLSX uploads) says so in the error column's
// header, naming the count and the last marked row, so the unmarked rows
// after it are not taken for good ones. The report, note included, still
// imports as it is: its header's error column is ignored.
func TestErrorReportSaysWhenTruncated(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{{"regionCode", "kind", "date", "respondents", "positive"}}
	for i := 0; i < 1200; i++ {
		rows = append(rows, []string{"210102", "SATISFACTION", fmt.Sprintf("2025-01-%02d", i%28+1), "x", "1"})
	}
	for _, name := range []string{"s.csv", "s.xlsx"} {
		data := csvFile(rows...)
		if strings.HasSuffix(name, ".xlsx") {
			data = xlsxFile(t, "surveys", rows...)
		}
		res := e.run(province, "surveys", name, data)
		if len(res.Errors) != MaxErrors || res.ErrorCount != 1200 {
			t.Fatalf("%s: listed %d, counted %d", name, len(res.Errors), res.ErrorCount)
		}
		var buf bytes.Buffer
		opts := Options{Entity: "surveys", FileName: name, ErrorCount: res.ErrorCount}
		if err := WriteErrorReport(&buf, bytes.NewReader(data), int64(len(data)), opts, res.Errors); err != nil {
			t.Fatal(err)
		}
		report := bytes.Clone(buf.Bytes())
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		sheet := f.GetSheetList()[0]
		head, _ := f.GetCellValue(sheet, "F1")
		if !strings.HasPrefix(head, ErrorColumn+"\n") || !strings.Contains(head, "Only the first 1000 of 1200 errors are marked; errors after row 1001 are not") {
			t.Errorf("%s: error column header %q, want the note on the first 1,000 of 1,200", name, head)
		}
		if v, _ := f.GetCellValue(sheet, "F1001"); v == "" {
			t.Errorf("%s: row 1001 (the 1,000th error) is not marked", name)
		}
		if v, _ := f.GetCellValue(sheet, "F1002"); v != "" {
			t.Errorf("%s: row 1002 marked %q; only the listed errors are", name, v)
		}
		again := e.run(province, "surveys", "report.xlsx", report)
		for _, x := range again.Errors {
			if x.Row == 1 {
				t.Fatalf("%s: the report's header is refused on import: %+v", name, x)
			}
		}
		if again.ErrorCount != 1200 {
			t.Errorf("%s: the report imports with %d errors, want the same 1,200 row errors", name, again.ErrorCount)
		}
	}

	// Without the total, or within the cap, no note.
	res := e.run(province, "surveys", "few.csv", csvFile(rows[:3]...))
	var buf bytes.Buffer
	data := csvFile(rows[:3]...)
	if err := WriteErrorReport(&buf, bytes.NewReader(data), int64(len(data)), Options{Entity: "surveys", FileName: "few.csv", ErrorCount: res.ErrorCount}, res.Errors); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue(f.GetSheetList()[0], "F1"); v != ErrorColumn {
		t.Errorf("few errors: header %q, want %q alone", v, ErrorColumn)
	}
}
