package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestErrorsInFileOrder: Errors lists the first MaxErrors by row, then
// column, whichever check finds them: a NOT_FOUND found after the cell
// errors of 1,100 later rows is still listed first.
func TestErrorsInFileOrder(t *testing.T) {
	e := newEnv(t)
	head := []string{"统一社会信用代码", "机构名称", "机构类型", "法人性质", "举办性质", "服务形式", "所在区划代码", "开业日期"}
	rows := [][]string{head, {creditCode(t, "52210102MJ0000100"), "甲", "CENTER", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102999", "2022-09-01"}}
	for i := 0; i < 1100; i++ {
		rows = append(rows, []string{creditCode(t, fmt.Sprintf("52210102MJ%07d", 200+i)), "乙", "NOPE", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102001", "not a date"})
	}
	res := e.run(district, "institutions", "many.csv", csvFile(rows...))
	if res.ErrorCount != 2201 || len(res.Errors) != MaxErrors {
		t.Fatalf("errorCount %d, listed %d", res.ErrorCount, len(res.Errors))
	}
	if x := res.Errors[0]; x.Row != 2 || x.Code != CodeNotFound {
		t.Fatalf("first error %+v, want row 2's NOT_FOUND", x)
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for i := 1; i < len(res.Errors); i++ {
		a, b := res.Errors[i-1], res.Errors[i]
		if a.Row > b.Row || a.Row == b.Row && col[a.Column] > col[b.Column] {
			t.Fatalf("errors %d and %d out of file order: %+v, %+v", i-1, i, a, b)
		}
	}
	// Row 2's one error, then two per row: row 502's first is the 1,000th.
	if last := res.Errors[MaxErrors-1]; last.Row != 502 || last.Column != "机构类型" {
		t.Fatalf("last listed %+v, want row 502's 机构类型", last)
	}
}

// reportText is every cell of every sheet of an error report.
func reportText(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("report is not a workbook (%d bytes): %v", len(data), err)
	}
	defer f.Close()
	var sb strings.Builder
	for _, s := range f.GetSheetList() {
		rows, _ := f.GetRows(s)
		for _, r := range rows {
			sb.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	return sb.String()
}

// TestErrorReportOfUnreadableFile: a file that is not a table still gets a
// report, listing the whole-file error.
func TestErrorReportOfUnreadableFile(t *testing.T) {
	e := newEnv(t)
	junk := make([]byte, 4096)
	_, _ = rand.Read(junk)
	for name, data := range map[string][]byte{"junk.xlsx": junk, "empty.csv": {}} {
		res := e.run(district, "institutions", name, data)
		if res.ErrorCount != 1 {
			t.Fatalf("%s: %+v", name, res.Errors)
		}
		var out bytes.Buffer
		err := WriteErrorReport(&out, bytes.NewReader(data), int64(len(data)), Options{Entity: "institutions", FileName: name}, res.Errors)
		if err != nil {
			t.Fatalf("%s: report: %v", name, err)
		}
		if text := reportText(t, out.Bytes()); !strings.Contains(text, res.Errors[0].Message) {
			t.Fatalf("%s: report lacks the file's error %q:\n%s", name, res.Errors[0].Message, text)
		}
	}
}

// noStylesXLSX is a valid workbook without xl/styles.xml, as some
// generators write.
func noStylesXLSX(t *testing.T, rows ...[]string) []byte {
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, r := range rows {
		fmt.Fprintf(&sheet, `<row r="%d">`, i+1)
		for j, v := range r {
			fmt.Fprintf(&sheet, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, cellName(j, i+1), v)
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(p.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestErrorReportOfWorkbookWithoutStyles: the report of a workbook with no
// styles part neither panics nor fails, and highlights the bad cell.
func TestErrorReportOfWorkbookWithoutStyles(t *testing.T) {
	e := newEnv(t)
	data := noStylesXLSX(t,
		[]string{"统一社会信用代码", "机构名称", "机构类型", "法人性质", "举办性质", "服务形式", "所在区划代码", "开业日期"},
		[]string{creditCode(t, "52210102MJ0000100"), "甲", "NOPE", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102001", "2022-09-01"},
	)
	res := e.run(district, "institutions", "two.xlsx", data)
	if res.ErrorCount != 1 || res.Errors[0].Row != 2 {
		t.Fatalf("import: %+v", res.Errors)
	}
	var out bytes.Buffer
	if err := WriteErrorReport(&out, bytes.NewReader(data), int64(len(data)), Options{Entity: "institutions", FileName: "two.xlsx"}, res.Errors); err != nil {
		t.Fatalf("report: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Sheet1", "I2"); !strings.Contains(v, "机构类型") {
		t.Fatalf("I2 = %q, want row 2's error", v)
	}
	id, _ := f.GetCellStyle("Sheet1", "C2")
	st, err := f.GetStyle(id)
	if err != nil || st.Fill.Pattern != 1 || st.Font == nil || st.Font.Color != "9C0006" {
		t.Fatalf("C2 not highlighted: %+v %v", st, err)
	}
}

// TestRegionCycles: a region may not be its own parent or ancestor, in the
// file (the regions template's old example row, two regions naming each
// other) or against the stored tree; updateRegion refuses it too.
func TestRegionCycles(t *testing.T) {
	e := newEnv(t)
	head := []string{"区划代码", "名称", "级别", "上级区划代码"}
	for name, rows := range map[string][][]string{
		"self":   {{"210102", "和平区", "DISTRICT", "210102"}},
		"pair":   {{"210198", "甲区", "DISTRICT", "210197"}, {"210197", "乙区", "DISTRICT", "210198"}},
		"stored": {{"210100", "沈阳市", "CITY", "210102001"}}, // under its own subdistrict
	} {
		res := e.run(province, "regions", name+".csv", csvFile(append([][]string{head}, rows...)...))
		if res.ErrorCount != len(rows) {
			t.Fatalf("%s: %d errors %+v, want one per row", name, res.ErrorCount, res.Errors)
		}
		for _, x := range res.Errors {
			if x.Column != "上级区划代码" || x.Code != CodeInvalid {
				t.Fatalf("%s: %+v", name, x)
			}
		}
	}
	e.ok(province, "regions", csvFile(head, []string{"210102", "和平区", "DISTRICT", "210100"}), 0, 0, 1)

	ctx := auth.NewContext(context.Background(), province)
	c := e.db.Client
	city := c.Region.Query().Where(region.Code("210100")).OnlyIDX(testdb.Ctx())
	sub := c.Region.Query().Where(region.Code("210102001")).OnlyIDX(testdb.Ctx())
	if err := c.Region.UpdateOneID(city).SetParentID(city).Exec(ctx); err == nil {
		t.Fatal("updateRegion made a region its own parent")
	}
	if err := c.Region.UpdateOneID(city).SetParentID(sub).Exec(ctx); err == nil || !strings.Contains(err.Error(), "ancestor") {
		t.Fatalf("updateRegion made a region its own ancestor: %v", err)
	}
	if p := c.Region.GetX(testdb.Ctx(), city).ParentID; p == nil || *p == sub || *p == city {
		t.Fatal("the cycle was stored")
	}
}

// TestGB18030AfterFirstBlock: a GB18030 file whose first Chinese text comes
// after 64 KiB of ASCII is read as GB18030; read as UTF-8 (--encoding
// utf-8) its text is refused, never stored.
func TestGB18030AfterFirstBlock(t *testing.T) {
	e := newEnv(t)
	text := "code,name,level,parentCode\n" + strings.Repeat("\n", 70<<10) + "210104,大东区,DISTRICT,210100\n"
	data, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	res := e.run(province, "regions", "late.csv", data, func(o *Options) { o.Encoding = "utf-8" })
	if res.ErrorCount != 1 || res.Errors[0].Column != "name" || !strings.Contains(res.Errors[0].Message, "UTF-8") {
		t.Fatalf("forced UTF-8: %+v", res.Errors)
	}
	if n := e.db.Client.Region.Query().Where(region.Code("210104")).CountX(testdb.Ctx()); n != 0 {
		t.Fatal("a refused file was written")
	}
	res = e.run(province, "regions", "late.csv", data)
	if res.ErrorCount != 0 || res.Created != 1 {
		t.Fatalf("detected: %+v", res)
	}
	name := e.db.Client.Region.Query().Where(region.Code("210104")).OnlyX(testdb.Ctx()).Name
	if name != "大东区" || !utf8.ValidString(name) {
		t.Fatalf("stored name %q", name)
	}
}
