package ingest

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/registry"
)

// WriteErrorReport writes the user's file as XLSX with an extra error column and the bad cells highlighted.
// An XLSX file keeps its sheets and formatting (the data sheet gains the
// column); a CSV file becomes a one-sheet workbook with its rows at the
// same row numbers as the file's lines, so RowError.Row points at them.
// Errors of the file as a whole (Row 0) go into the header row's error cell.
// A file that cannot be read as a table (not a workbook, no header row)
// gives a workbook that lists the errors only, one per row, so the report
// always says what is wrong.
//
// An import lists only its first MaxErrors errors (in file order): when
// opts.ErrorCount says it found more, the error column's header (or, for an
// unreadable file, a last line) notes that only the first are marked and
// rows after the last marked one were not checked against the rest, so a
// user does not take an unmarked row for a good one.
func WriteErrorReport(w io.Writer, file io.ReaderAt, size int64, opts Options, errs []RowError) (err error) {
	// The report opens a user's file with excelize: a malformed part must
	// fail this request, not the server.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("error report: %w: %v", errFormat, p)
		}
	}()
	e, ok := registry.Lookup(opts.Entity)
	if !ok {
		e = registry.Entity{Name: opts.Entity}
	}
	byRow := map[int][]RowError{}
	for _, x := range errs {
		byRow[x.Row] = append(byRow[x.Row], x)
	}
	if note := truncationNote(errs, opts.ErrorCount); note != "" {
		// Shown with the file's own errors in the header's error cell.
		byRow[0] = append(byRow[0], RowError{Code: "NOTE", Message: note})
	}
	format, err := detectFormat(file, opts)
	if err == nil {
		if format == "xlsx" {
			err = reportXLSX(w, file, size, e, byRow)
		} else {
			err = reportCSV(w, file, size, opts, e, byRow)
		}
	}
	if errors.Is(err, errFormat) {
		// Both report writers fail on an unreadable file before writing to w.
		if note := truncationNote(errs, opts.ErrorCount); note != "" {
			errs = append(slices.Clip(errs), RowError{Code: "NOTE", Message: note})
		}
		return reportErrorsOnly(w, e, errs)
	}
	return err
}

// truncationNote is the report's note when errs are only the first of
// total errors, or "".
func truncationNote(errs []RowError, total int) string {
	if total <= len(errs) || len(errs) == 0 {
		return ""
	}
	last := errs[len(errs)-1].Row
	return fmt.Sprintf("只标出了前 %d 个错误（共 %d 个），第 %d 行之后的错误未标出：改正后重新上传可看到其余错误。"+
		"Only the first %d of %d errors are marked; errors after row %d are not: fix these and upload again to see the rest.",
		len(errs), total, last, len(errs), total, last)
}

// reportErrorsOnly writes a workbook whose one sheet lists errs (row,
// column, code, message): the report of a file that cannot be read.
func reportErrorsOnly(w io.Writer, e registry.Entity, errs []RowError) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := ErrorColumn
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	head := []any{"行 (row)", "列 (column)", "代码 (code)", ErrorColumn}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return err
	}
	_ = f.SetCellStyle(sheet, "A1", "D1", st.note)
	for i, x := range errs {
		row := []any{x.Row, x.Column, x.Code, x.Message}
		if err := f.SetSheetRow(sheet, cellName(0, i+2), &row); err != nil {
			return err
		}
	}
	_ = f.SetColWidth(sheet, "B", "C", 20)
	_ = f.SetColWidth(sheet, "D", "D", 80)
	return f.Write(w)
}

// message is the text of a row's error cell: one line per error.
func message(list []RowError) string {
	parts := make([]string, len(list))
	for i, x := range list {
		if x.Column != "" {
			parts[i] = fmt.Sprintf("%s: %s (%s)", x.Column, x.Message, x.Code)
		} else {
			parts[i] = fmt.Sprintf("%s (%s)", x.Message, x.Code)
		}
	}
	return strings.Join(parts, "\n")
}

type reportStyles struct{ bad, note int }

func newStyles(f *excelize.File) (reportStyles, error) {
	bad, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Font: &excelize.Font{Color: "9C0006"}})
	if err != nil {
		return reportStyles{}, err
	}
	note, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000", Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return reportStyles{bad: bad, note: note}, err
}

// headerIndex maps each header text of the file to its 0-based column.
func headerIndex(header []string) map[string]int {
	m := map[string]int{}
	for i, h := range header {
		if _, dup := m[h]; !dup {
			m[h] = i
		}
	}
	return m
}

func reportCSV(w io.Writer, file io.ReaderAt, size int64, opts Options, e registry.Entity, byRow map[int][]RowError) error {
	t, err := openCSV(file, size, opts.Encoding)
	if err != nil {
		return fmt.Errorf("error report: %w", err)
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if e.Title != "" {
		sheet = e.Title
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	cols := headerIndex(t.header)
	errCol := len(t.header)
	writeRow := func(line int, rec []string, list []RowError) error {
		if line <= 0 {
			return nil
		}
		n := max(len(rec), errCol) + 1
		cells := make([]any, n)
		for i := range cells {
			cells[i] = excelize.Cell{}
		}
		for i, v := range rec {
			cells[i] = excelize.Cell{Value: v}
		}
		for _, x := range list {
			if i, ok := cols[x.Column]; ok && i < n {
				c := cells[i].(excelize.Cell)
				c.StyleID = st.bad
				cells[i] = c
			}
		}
		if len(list) > 0 {
			cells[errCol] = excelize.Cell{Value: message(list), StyleID: st.note}
		}
		cell, _ := excelize.CoordinatesToCellName(1, line)
		return sw.SetRow(cell, cells)
	}
	// The header row carries its own errors and the file's (Row 0) in its error cell.
	headErrs := append(append([]RowError(nil), byRow[0]...), byRow[t.line]...)
	head := ErrorColumn
	if len(headErrs) > 0 {
		head += "\n" + message(headErrs)
	}
	if err := writeRow(t.line, append(append([]string(nil), t.header...), head), nil); err != nil {
		return err
	}
	last := t.line
	for {
		rec, line, err := t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			break // the rest of a broken file stays out of the report
		}
		if line <= last {
			continue
		}
		last = line
		if err := writeRow(line, rec, byRow[line]); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_ = f.SetColWidth(sheet, colName(errCol), colName(errCol), 60)
	return f.Write(w)
}

func colName(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

func reportXLSX(w io.Writer, file io.ReaderAt, size int64, e registry.Entity, byRow map[int][]RowError) error {
	file, size, err := withStyles(file, size)
	if err != nil {
		return fmt.Errorf("error report: %w", errFormat)
	}
	f, err := excelize.OpenReader(io.NewSectionReader(file, 0, size))
	if err != nil {
		return fmt.Errorf("error report: %w", errFormat)
	}
	defer f.Close()
	sheet := pickSheet(f, e)
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("error report: %w: %v", errFormat, err)
	}
	var header []string
	headerRow := 0
	for n := 1; rows.Next(); n++ {
		cols, _ := rows.Columns()
		if !blank(cols) {
			header, headerRow = cols, n
			break
		}
	}
	rows.Close()
	if headerRow == 0 {
		headerRow = 1
	}
	cols := headerIndex(header)
	errCol := len(header)
	lines := make([]int, 0, len(byRow))
	for line := range byRow {
		lines = append(lines, line)
	}
	sort.Ints(lines)
	headText := ErrorColumn
	for _, line := range lines {
		list := byRow[line]
		if line == 0 || line == headerRow {
			headText += "\n" + message(list)
			continue
		}
		for _, x := range list {
			if i, ok := cols[x.Column]; ok {
				if err := f.SetCellStyle(sheet, cellName(i, line), cellName(i, line), st.bad); err != nil {
					return err
				}
			}
		}
		if err := f.SetCellValue(sheet, cellName(errCol, line), message(list)); err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cellName(errCol, line), cellName(errCol, line), st.note); err != nil {
			return err
		}
	}
	if err := f.SetCellValue(sheet, cellName(errCol, headerRow), headText); err != nil {
		return err
	}
	_ = f.SetCellStyle(sheet, cellName(errCol, headerRow), cellName(errCol, headerRow), st.note)
	_ = f.SetColWidth(sheet, colName(errCol), colName(errCol), 60)
	return f.Write(w)
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col+1, row)
	return s
}

const (
	stylesPart = "xl/styles.xml"
	// minimalStyles is the smallest styles part Excel accepts: one font,
	// the two fills Excel reserves, one border, one cell format.
	minimalStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
	stylesContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
	stylesRelType     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
)

// withStyles returns the workbook with a styles part. A valid workbook may
// have none (some generators write only sheets), and excelize cannot add a
// style to it (NewStyle dereferences the missing part), so the report adds
// a minimal one: the part, its content type and the workbook's
// relationship to it. A workbook with styles is returned as it is.
func withStyles(file io.ReaderAt, size int64) (io.ReaderAt, int64, error) {
	zr, err := zip.NewReader(file, size)
	if err != nil {
		return nil, 0, err
	}
	for _, zf := range zr.File {
		if strings.EqualFold(zf.Name, stylesPart) {
			return file, size, nil
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, zf := range zr.File {
		var edit func([]byte) []byte
		switch zf.Name {
		case "[Content_Types].xml":
			edit = func(b []byte) []byte {
				return insertBefore(b, "</Types>", `<Override PartName="/xl/styles.xml" ContentType="`+stylesContentType+`"/>`)
			}
		case "xl/_rels/workbook.xml.rels":
			edit = func(b []byte) []byte {
				return insertBefore(b, "</Relationships>", `<Relationship Id="rIdTuoyuStyles" Type="`+stylesRelType+`" Target="styles.xml"/>`)
			}
		}
		if edit == nil {
			if err := zw.Copy(zf); err != nil {
				return nil, 0, err
			}
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, 0, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
		rc.Close()
		if err != nil {
			return nil, 0, err
		}
		out, err := zw.Create(zf.Name)
		if err != nil {
			return nil, 0, err
		}
		if _, err := out.Write(edit(b)); err != nil {
			return nil, 0, err
		}
	}
	out, err := zw.Create(stylesPart)
	if err != nil {
		return nil, 0, err
	}
	if _, err := io.WriteString(out, minimalStyles); err != nil {
		return nil, 0, err
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil
}

// insertBefore inserts s before the last occurrence of end in b (b as it
// is when end is missing).
// A part that already names styles.xml (a dangling reference) is kept.
func insertBefore(b []byte, end, s string) []byte {
	i := bytes.LastIndex(b, []byte(end))
	if i < 0 || bytes.Contains(b, []byte("styles.xml")) {
		return b
	}
	return append(append(append([]byte(nil), b[:i]...), s...), b[i:]...)
}
