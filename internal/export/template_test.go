package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/registry"
)

func TestTemplates(t *testing.T) {
	for _, e := range registry.All() {
		t.Run(e.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTemplate(&buf, e.Name, "xlsx"); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); len(got) != 3 || got[0] != e.Title || got[1] != valuesSheet || got[2] != instructionsSheet {
				t.Fatalf("sheets %q", got)
			}
			if vis, _ := f.GetSheetVisible(valuesSheet); vis {
				t.Error("the sheet of allowed values is visible")
			}
			rows, err := f.GetRows(e.Title)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want header and example", len(rows))
			}
			dvs, err := f.GetDataValidations(e.Title)
			if err != nil {
				t.Fatal(err)
			}
			lists := 0
			for i, c := range e.Columns {
				if rows[0][i] != c.Header {
					t.Errorf("header %d = %q, want %q", i, rows[0][i], c.Header)
				}
				got := ""
				if i < len(rows[1]) {
					got = rows[1][i]
				}
				if c.Kind == registry.Decimal || c.Kind == registry.Int {
					g, _ := strconv.ParseFloat(got, 64)
					w, _ := strconv.ParseFloat(c.Example, 64)
					if g != w {
						t.Errorf("example %s = %q, want %q", c.Field, got, c.Example)
					}
				} else if got != c.Example {
					t.Errorf("example %s = %q, want %q", c.Field, got, c.Example)
				}
				col, _ := excelize.ColumnNumberToName(i + 1)
				if c.Kind == registry.Date {
					// A date typed below the example is formatted as a date.
					style, err := f.GetCellStyle(e.Title, col+"3")
					if err != nil {
						t.Fatal(err)
					}
					s, err := f.GetStyle(style)
					if err != nil || s.CustomNumFmt == nil || *s.CustomNumFmt != "yyyy-mm-dd" {
						t.Errorf("column %s (date) row 3 has style %+v", c.Field, s)
					}
				}
				if c.Kind != registry.Enum && c.Kind != registry.Bool {
					continue
				}
				lists++
				var dv *excelize.DataValidation
				for _, d := range dvs {
					if strings.HasPrefix(d.Sqref, col+"2:") {
						dv = d
					}
				}
				if dv == nil {
					t.Errorf("column %s (enum) has no drop-down", c.Field)
					continue
				}
				// The drop-down's source lists exactly the allowed values.
				src := strings.Trim(strings.ReplaceAll(dv.Formula1, "$", ""), "<formula1>/")
				_, ref, _ := strings.Cut(src, "!")
				from, to, _ := strings.Cut(ref, ":")
				vals, err := f.GetCellValue(valuesSheet, from)
				if err != nil {
					t.Fatal(err)
				}
				want := c.Enum
				if c.Kind == registry.Bool {
					want = []string{"是", "否"}
				}
				if vals != want[0] {
					t.Errorf("column %s list starts %q (%s), want %q", c.Field, vals, dv.Formula1, want[0])
				}
				last, _ := f.GetCellValue(valuesSheet, to)
				if last != want[len(want)-1] {
					t.Errorf("column %s list ends %q, want %q", c.Field, last, want[len(want)-1])
				}
			}
			if len(dvs) != lists {
				t.Errorf("%d validations, want %d", len(dvs), lists)
			}
			help, err := f.GetRows(instructionsSheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(help) != 5+len(e.Columns) {
				t.Errorf("instructions have %d rows, want %d", len(help), 5+len(e.Columns))
			}
		})
	}
}

func TestCSVTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, "children", "csv"); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatal("no UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes()[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	e, _ := registry.Lookup("children")
	if len(recs) != 2 || recs[0][2] != "姓名" || recs[1][2] != e.Columns[2].Example {
		t.Fatalf("template %q", recs)
	}
}

func TestTemplateHandler(t *testing.T) {
	srv := httptest.NewServer(TemplateHandler())
	defer srv.Close()
	tests := []struct {
		name, path string
		wantStatus int
		wantType   string
	}{
		{"xlsx", "/templates/children.xlsx", 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"csv", "/templates/health_records.csv", 200, "text/csv; charset=utf-8"},
		{"unknown entity", "/templates/passwords.xlsx", 404, "application/json"},
		{"unknown format", "/templates/children.pdf", 404, "application/json"},
		{"no format", "/templates/children", 404, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("%s: %d %s, want %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.wantStatus == 404 {
				var body struct {
					Errors []struct {
						Extensions struct{ Code string }
					}
				}
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "NOT_FOUND" {
					t.Errorf("body %+v (%v), want one NOT_FOUND error", body, err)
				}
			}
		})
	}
	resp, err := http.Post(srv.URL+"/templates/children.xlsx", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", resp.StatusCode)
	}
}
