package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/tuoyu/tuoyu/internal/registry"
)

// table is a file's rows, read one at a time so a large file is never held
// as text: the header row, then records with their 1-based row (line) number
// in the user's file.
type table struct {
	header []string
	line   int // row number of header
	next   func() (record []string, line int, err error)
	close  func() error
	format string
	sheet  string // XLSX sheet read
}

// errFormat is an unreadable file: the user's problem, not the server's.
var errFormat = errors.New("unreadable file")

// detectFormat decides csv or xlsx from the option, the file name and the
// first bytes (an XLSX file is a ZIP archive).
func detectFormat(file io.ReaderAt, opts Options) (string, error) {
	switch f := strings.ToLower(opts.Format); f {
	case "csv", "xlsx":
		return f, nil
	case "":
	default:
		return "", fmt.Errorf("%w: format must be csv or xlsx", errFormat)
	}
	head := make([]byte, 4)
	n, _ := file.ReadAt(head, 0)
	if n == 4 && bytes.Equal(head, []byte("PK\x03\x04")) {
		return "xlsx", nil
	}
	switch strings.ToLower(filepath.Ext(opts.FileName)) {
	case ".xlsx", ".xlsm":
		return "xlsx", nil
	}
	return "csv", nil
}

// openTable opens file as the table of entity e.
func openTable(file io.ReaderAt, size int64, opts Options, e registry.Entity) (*table, error) {
	format, err := detectFormat(file, opts)
	if err != nil {
		return nil, err
	}
	var t *table
	if format == "xlsx" {
		t, err = openXLSX(file, size, e)
	} else {
		t, err = openCSV(file, size, opts.Encoding)
	}
	if err != nil {
		return nil, err
	}
	t.format = format
	return t, nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// detectEncoding returns "utf-8" for a BOM or a file that is valid UTF-8
// throughout, else "gb18030" (what Excel in mainland China writes for
// "CSV"). GBK is a subset of GB18030. The whole file is read, in blocks:
// a GB18030 file's first Chinese character may come after thousands of
// ASCII rows, and reading it as UTF-8 would store its bytes as they are.
func detectEncoding(file io.ReaderAt, size int64) string {
	head := make([]byte, 3)
	if n, _ := file.ReadAt(head, 0); n == 3 && bytes.Equal(head, utf8BOM) {
		return "utf-8"
	}
	buf := make([]byte, 64<<10)
	carry := 0 // bytes of a character cut by the previous block
	for off := int64(0); off < size; {
		n, err := file.ReadAt(buf[carry:], off)
		off += int64(n)
		b := buf[:carry+n]
		last := off >= size || (err != nil && n == 0)
		// A block may end inside a character: keep up to 3 trailing bytes
		// for the next one.
		cut := 0
		if !last {
			for cut < 3 && cut < len(b) && !utf8.RuneStart(b[len(b)-1-cut]) {
				cut++
			}
			if cut < len(b) && !utf8.FullRune(b[len(b)-1-cut:]) {
				cut++
			} else {
				cut = 0
			}
		}
		if !utf8.Valid(b[:len(b)-cut]) {
			return "gb18030"
		}
		if last {
			break
		}
		carry = copy(buf, b[len(b)-cut:])
	}
	return "utf-8"
}

func openCSV(file io.ReaderAt, size int64, encoding string) (*table, error) {
	enc := strings.ToLower(strings.ReplaceAll(encoding, "_", "-"))
	switch enc {
	case "":
		enc = detectEncoding(file, size)
	case "utf8":
		enc = "utf-8"
	case "gbk", "gb2312", "gb-18030":
		enc = "gb18030"
	case "utf-8", "gb18030":
	default:
		return nil, fmt.Errorf("%w: encoding must be utf-8 or gb18030", errFormat)
	}
	var r io.Reader = io.NewSectionReader(file, 0, size)
	br := bufio.NewReaderSize(r, 256<<10)
	if enc == "utf-8" {
		if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
			_, _ = br.Discard(3)
		}
		r = br
	} else {
		r = bufio.NewReaderSize(transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), 256<<10)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	next := func() ([]string, int, error) {
		rec, err := cr.Read()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, pe.StartLine, fmt.Errorf("%w: CSV syntax error on line %d", errFormat, pe.StartLine)
			}
			return nil, 0, err
		}
		line, _ := cr.FieldPos(0)
		return rec, line, nil
	}
	t := &table{next: next, close: func() error { return nil }}
	for {
		rec, line, err := next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: the file has no header row", errFormat)
		}
		if err != nil {
			return nil, err
		}
		if blank(rec) {
			continue
		}
		t.header, t.line = append([]string(nil), rec...), line
		return t, nil
	}
}

func openXLSX(file io.ReaderAt, size int64, e registry.Entity) (*table, error) {
	f, err := excelize.OpenReader(io.NewSectionReader(file, 0, size))
	if err != nil {
		return nil, fmt.Errorf("%w: not an XLSX workbook", errFormat)
	}
	sheet := pickSheet(f, e)
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%w: sheet %q cannot be read", errFormat, sheet)
	}
	n := 0
	next := func() ([]string, int, error) {
		if rows.Next() {
			n++
			cols, err := rows.Columns(excelize.Options{RawCellValue: true})
			if err != nil {
				return nil, n, fmt.Errorf("%w: row %d cannot be read", errFormat, n)
			}
			return cols, n, nil
		}
		if err := rows.Error(); err != nil {
			return nil, n, fmt.Errorf("%w: %v", errFormat, err)
		}
		return nil, n, io.EOF
	}
	t := &table{next: next, sheet: sheet, close: func() error { rows.Close(); return f.Close() }}
	for {
		rec, line, err := next()
		if err == io.EOF {
			t.close()
			return nil, fmt.Errorf("%w: sheet %q has no header row", errFormat, sheet)
		}
		if err != nil {
			t.close()
			return nil, err
		}
		if blank(rec) {
			continue
		}
		t.header, t.line = rec, line
		return t, nil
	}
}

// pickSheet chooses the data sheet: one named after the entity (name or
// Chinese title), else the first sheet whose first row has a known header
// (templates put instructions on another sheet), else the first sheet.
func pickSheet(f *excelize.File, e registry.Entity) string {
	sheets := f.GetSheetList()
	for _, s := range sheets {
		if strings.EqualFold(s, e.Name) || s == e.Title {
			return s
		}
	}
	for _, s := range sheets {
		rows, err := f.Rows(s)
		if err != nil {
			continue
		}
		for i := 0; i < 5 && rows.Next(); i++ {
			cols, _ := rows.Columns()
			if blank(cols) {
				continue
			}
			for _, h := range cols {
				if _, ok := matchHeader(e, h); ok {
					rows.Close()
					return s
				}
			}
			break
		}
		rows.Close()
	}
	if len(sheets) == 0 {
		return "Sheet1"
	}
	return sheets[0]
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ErrorColumn is the header of the column WriteErrorReport adds; import
// ignores it, so a corrected report can be imported as it is.
const ErrorColumn = "错误信息"

// normHeader strips what templates and users add around a header: spaces,
// a required-marker '*' and a BOM.
func normHeader(h string) string {
	h = strings.TrimPrefix(h, "\uFEFF")
	h = strings.TrimSpace(h)
	h = strings.Trim(h, "*＊")
	return strings.TrimSpace(h)
}

// matchHeader finds the column of e a header names: the Chinese header or
// the field name (case-insensitive).
func matchHeader(e registry.Entity, h string) (int, bool) {
	h = normHeader(h)
	for i, c := range e.Columns {
		if h == c.Header || strings.EqualFold(h, c.Field) {
			return i, true
		}
	}
	return 0, false
}
