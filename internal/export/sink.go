package export

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/registry"
)

// sink writes a header and rows in one format.
type sink interface {
	header() error
	row([]cell) error
	close() error
}

func newSink(w io.Writer, format string, e registry.Entity) (sink, error) {
	switch strings.ToLower(format) {
	case "csv":
		return newCSVSink(w, e), nil
	case "xlsx":
		return newXLSXSink(w, e)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, format)
}

// utf8BOM starts every CSV file: without it Excel on Windows reads UTF-8
// as the local code page and garbles Chinese headers.
const utf8BOM = "\uFEFF"

// csvSink writes RFC 4180 CSV in UTF-8 with a BOM, under the registry's
// Chinese headers.
type csvSink struct {
	e   registry.Entity
	buf *bufio.Writer
	w   *csv.Writer
	rec []string
}

func newCSVSink(w io.Writer, e registry.Entity) *csvSink {
	buf := bufio.NewWriterSize(w, 64<<10)
	return &csvSink{e: e, buf: buf, w: csv.NewWriter(buf), rec: make([]string, len(e.Columns))}
}

func (s *csvSink) header() error {
	if _, err := s.buf.WriteString(utf8BOM); err != nil {
		return err
	}
	for i, c := range s.e.Columns {
		s.rec[i] = c.Header
	}
	return s.w.Write(s.rec)
}

func (s *csvSink) row(cells []cell) error {
	for i, c := range cells {
		s.rec[i] = c.s
	}
	return s.w.Write(s.rec)
}

func (s *csvSink) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.buf.Flush()
}

// xlsxSink writes one sheet, named after the entity's Chinese title, through
// excelize's StreamWriter: rows go to a temporary file once the buffer is
// full, so memory does not grow with the row count. Numbers are number cells,
// dates date cells formatted yyyy-mm-dd; everything else is text.
type xlsxSink struct {
	e         registry.Entity
	w         io.Writer
	f         *excelize.File
	sw        *excelize.StreamWriter
	dateStyle int
	textStyle int
	n         int
	vals      []any
}

func newXLSXSink(w io.Writer, e registry.Entity) (*xlsxSink, error) {
	f := excelize.NewFile()
	sheet := sheetName(e)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return nil, err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keeps codes like 210102 text
	if err != nil {
		return nil, err
	}
	for i, c := range e.Columns {
		if err := sw.SetColWidth(i+1, i+1, colWidth(c)); err != nil {
			return nil, err
		}
	}
	return &xlsxSink{e: e, w: w, f: f, sw: sw, dateStyle: dateStyle, textStyle: textStyle, vals: make([]any, len(e.Columns))}, nil
}

func ptr[T any](v T) *T { return &v }

// sheetName is the entity's Chinese title (the importer looks for it).
func sheetName(e registry.Entity) string {
	if e.Title != "" {
		return e.Title
	}
	return e.Name
}

func colWidth(c registry.Column) float64 {
	w := float64(len([]rune(c.Header)))*2 + 2
	if l := float64(len(c.Example)) + 2; l > w {
		w = l
	}
	return min(max(w, 10), 40)
}

func (s *xlsxSink) header() error {
	for i, c := range s.e.Columns {
		s.vals[i] = excelize.Cell{Value: c.Header}
	}
	s.n = 1
	return s.sw.SetRow("A1", s.vals, excelize.RowOpts{})
}

func (s *xlsxSink) row(cells []cell) error {
	for i, c := range cells {
		switch {
		case c.null:
			s.vals[i] = nil
		case c.kind == registry.Date:
			s.vals[i] = excelize.Cell{StyleID: s.dateStyle, Value: c.t}
		case c.kind == registry.Int || c.kind == registry.Decimal:
			s.vals[i] = c.n
		default:
			s.vals[i] = excelize.Cell{StyleID: s.textStyle, Value: c.s}
		}
	}
	s.n++
	ref, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, s.vals)
}

func (s *xlsxSink) close() error {
	defer s.f.Close()
	if err := s.sw.Flush(); err != nil {
		return err
	}
	return writeWorkbook(s.f, s.w)
}

// writeWorkbook writes f to w as it is zipped. excelize's Write and WriteTo
// first build the whole file in a bytes.Buffer (a 1M-row export would hold
// its ~35 MB zip, doubled while the buffer grows); its zip writer hook
// lets the archive go straight to w instead, and the buffer stays empty.
func writeWorkbook(f *excelize.File, w io.Writer) error {
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	buf, err := f.WriteToBuffer()
	if err != nil {
		return err
	}
	if buf.Len() != 0 {
		return errors.New("export: excelize wrote around its zip writer")
	}
	return nil
}
