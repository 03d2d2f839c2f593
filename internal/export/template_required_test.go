package export

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/registry"
)

// TestTemplateRequiredHeadersRed: every required column's header is red in
// every template, whatever format its column has (text, date).
func TestTemplateRequiredHeadersRed(t *testing.T) {
	for _, name := range registry.Names() {
		var buf bytes.Buffer
		if err := WriteTemplate(&buf, name, "xlsx"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := registry.Lookup(name)
		sheet := f.GetSheetList()[0]
		for i, c := range e.Columns {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			id, _ := f.GetCellStyle(sheet, cell)
			st, err := f.GetStyle(id)
			red := err == nil && st.Font != nil && st.Font.Color == "C00000"
			if red != c.Required {
				t.Errorf("%s %s (%s): red header %v, required %v", name, cell, c.Header, red, c.Required)
			}
		}
		f.Close()
	}
}
