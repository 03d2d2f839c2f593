package export

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/registry"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// A template is the file a data clerk fills in to import an entity: the
// registry's Chinese headers and one example row. The XLSX template adds:
//
//   - a data sheet named after the entity's title (the importer picks it),
//     with a drop-down (data validation list) on every enum and yes/no
//     column, and the date format yyyy-mm-dd on every date column;
//   - a sheet 说明 (instructions): one line per column with its header,
//     field name, kind, whether it is required or part of the natural key,
//     the allowed values and what to enter;
//   - a hidden sheet 取值 holding the allowed values the drop-downs refer to
//     (a list written inline in a validation is limited to 255 characters,
//     too short for the indicator keys).
//
// The CSV template is UTF-8 with a BOM, so Excel opens the Chinese headers
// correctly, and has the header and example rows only.

// ErrUnknownTemplate is returned for an entity not in the registry.
var ErrUnknownTemplate = errors.New("export: no template for this entity")

// templateRows is how many data rows the XLSX drop-downs and date format
// cover (the example row and the rows below it).
const templateRows = 10000

// WriteTemplate writes the import template of entity as csv or xlsx.
func WriteTemplate(w io.Writer, entity string, format string) error {
	e, ok := registry.Lookup(entity)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownTemplate, entity)
	}
	switch strings.ToLower(format) {
	case "csv":
		return csvTemplate(w, e)
	case "xlsx", "":
		return xlsxTemplate(w, e)
	}
	return fmt.Errorf("%w: %q", ErrUnknownFormat, format)
}

func csvTemplate(w io.Writer, e registry.Entity) error {
	buf := bufio.NewWriter(w)
	if _, err := buf.WriteString(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(buf)
	header := make([]string, len(e.Columns))
	example := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		header[i], example[i] = c.Header, c.Example
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.Write(example); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return buf.Flush()
}

const (
	instructionsSheet = "说明"
	valuesSheet       = "取值"
)

func xlsxTemplate(w io.Writer, e registry.Entity) error {
	f := excelize.NewFile()
	defer f.Close()
	data := sheetName(e)
	if err := f.SetSheetName("Sheet1", data); err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	})
	if err != nil {
		return err
	}
	requiredStyle, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true, Color: "C00000"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	if _, err := f.NewSheet(valuesSheet); err != nil {
		return err
	}
	valueCol := 0
	for i, c := range e.Columns {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		head := col + "1"
		if err := f.SetCellStr(data, head, c.Header); err != nil {
			return err
		}
		if err := f.SetColWidth(data, col, col, colWidth(c)); err != nil {
			return err
		}
		rng := fmt.Sprintf("%s2:%s%d", col, col, templateRows+1)
		// Column format first, so the example cell below keeps it.
		switch c.Kind {
		case registry.Date:
			if err := f.SetColStyle(data, col, dateStyle); err != nil {
				return err
			}
		case registry.Text:
			// Codes such as 210102 or 0023 must stay text, not numbers.
			if err := f.SetColStyle(data, col, textStyle); err != nil {
				return err
			}
		}
		// The header style after the column's: SetColStyle restyles every
		// cell of the column, the header too.
		style := headStyle
		if c.Required {
			style = requiredStyle
		}
		if err := f.SetCellStyle(data, head, head, style); err != nil {
			return err
		}
		if err := setExample(f, data, col+"2", c, dateStyle); err != nil {
			return err
		}
		var values []string
		switch c.Kind {
		case registry.Enum:
			values = c.Enum
		case registry.Bool:
			values = []string{"是", "否"}
		}
		if len(values) == 0 {
			continue
		}
		valueCol++
		vcol, err := excelize.ColumnNumberToName(valueCol)
		if err != nil {
			return err
		}
		if err := f.SetCellStr(valuesSheet, vcol+"1", c.Header); err != nil {
			return err
		}
		for j, v := range values {
			if err := f.SetCellStr(valuesSheet, fmt.Sprintf("%s%d", vcol, j+2), v); err != nil {
				return err
			}
		}
		dv := excelize.NewDataValidation(true)
		dv.SetSqref(rng)
		dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", valuesSheet, vcol, vcol, len(values)+1))
		if c.List {
			// Several values separated by commas: offer the list, accept
			// any text (the importer checks each value).
			dv.SetError(excelize.DataValidationErrorStyleInformation, c.Header, "可填写多个取值，用逗号分隔 (several values, separated by commas)")
		} else {
			dv.SetError(excelize.DataValidationErrorStyleStop, c.Header, "请从下拉列表中选择 (choose a value from the list)")
		}
		if err := f.AddDataValidation(data, dv); err != nil {
			return err
		}
	}
	if err := f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := instructions(f, e, headStyle); err != nil {
		return err
	}
	if err := f.SetSheetVisible(valuesSheet, false); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return writeWorkbook(f, w)
}

// setExample writes the example value with its column's type: a date cell
// for dates, a number for numbers, text otherwise.
func setExample(f *excelize.File, sheet, ref string, c registry.Column, dateStyle int) error {
	if c.Example == "" {
		return nil
	}
	switch c.Kind {
	case registry.Date:
		if t, err := parseDay(c.Example); err == nil {
			if err := f.SetCellValue(sheet, ref, t); err != nil {
				return err
			}
			return f.SetCellStyle(sheet, ref, ref, dateStyle)
		}
	case registry.Int, registry.Decimal:
		var n float64
		if _, err := fmt.Sscan(c.Example, &n); err == nil {
			return f.SetCellFloat(sheet, ref, n, -1, 64)
		}
	}
	return f.SetCellStr(sheet, ref, c.Example)
}

// instructions writes the 说明 sheet.
func instructions(f *excelize.File, e registry.Entity, headStyle int) error {
	if _, err := f.NewSheet(instructionsSheet); err != nil {
		return err
	}
	lines := [][]any{
		{fmt.Sprintf("%s（%s）导入模板", e.Title, e.Name)},
		{"在“" + sheetName(e) + "”工作表中每行填写一条记录，第 2 行为示例，导入前请删除或改写。红色表头为必填列。Fill one record per row of the data sheet; row 2 is an example: replace or delete it. Red headers are required."},
		{"唯一标识 (natural key): " + e.Key + "。已存在的记录按唯一标识更新 (rows whose key exists update that record)."},
		{},
		{"表头 Header", "字段 Field", "类型 Kind", "必填 Required", "唯一标识 Key", "取值 Allowed values", "说明 Instructions", "示例 Example"},
	}
	for _, c := range e.Columns {
		values := strings.Join(c.Enum, ", ")
		if c.Kind == registry.Bool {
			values = "是, 否"
		}
		lines = append(lines, []any{c.Header, c.Field, c.Kind.String(), yesNo(c.Required), yesNo(c.Key), values, c.Doc, c.Example})
	}
	for i, l := range lines {
		if err := f.SetSheetRow(instructionsSheet, fmt.Sprintf("A%d", i+1), &l); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(instructionsSheet, "A5", "H5", headStyle); err != nil {
		return err
	}
	for col, w := range map[string]float64{"A": 22, "B": 26, "C": 20, "D": 10, "E": 12, "F": 40, "G": 80, "H": 24} {
		if err := f.SetColWidth(instructionsSheet, col, col, w); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// TemplateHandler serves GET /templates/{entity}.xlsx and .csv: the import
// template of a registry entity. Unknown entities or extensions are 404 with
// a JSON error; templates hold no data, so no authentication is needed.
func TemplateHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httperr.Write(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "templates are read with GET")
			return
		}
		name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		base, ext, ok := strings.Cut(name, ".")
		e, found := registry.Lookup(base)
		if !ok || !found || (ext != "xlsx" && ext != "csv") {
			httperr.Write(w, http.StatusNotFound, "NOT_FOUND",
				"no such template: use /templates/{entity}.xlsx or .csv with one of "+strings.Join(registry.Names(), ", "))
			return
		}
		ctype := "text/csv; charset=utf-8"
		if ext == "xlsx" {
			ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		// Built in memory (a few KB) so a failure is still a clean 500.
		var buf strings.Builder
		if err := WriteTemplate(&buf, e.Name, ext); err != nil {
			httperr.Write(w, http.StatusInternalServerError, "INTERNAL", "the template could not be built")
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-template.%s"`, e.Name, ext))
		w.Header().Set("Cache-Control", "public, max-age=3600")
		if r.Method == http.MethodHead {
			return
		}
		_, _ = io.WriteString(w, buf.String())
	})
}

// parseDay reads a template example date.
func parseDay(s string) (time.Time, error) { return time.Parse("2006-01-02", s) }
