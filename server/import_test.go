package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/ingest"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportCommand: regions and an institution import as the default
// viewer (the database's province regulator); children import as the
// institution's staff named by credit code; a bad file exits with an error,
// writes nothing and leaves an error report; --dry-run writes nothing.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	ctx := context.Background()
	out, errOut := captureOutput(t)
	if err := run(ctx, []string{"migrate", "--db", db}); err != nil { // import refuses a file that does not exist
		t.Fatal(err)
	}
	var lastOut string
	importFile := func(args ...string) (ingest.Result, error) {
		t.Helper()
		err := run(ctx, append([]string{"import", "--db", db, "--subject", "ops:wang"}, args...))
		var res ingest.Result
		lastOut = out.take()
		if text := lastOut; text != "" {
			if jerr := json.Unmarshal([]byte(text), &res); jerr != nil {
				t.Fatalf("stdout is not the JSON result: %v\n%s", jerr, text)
			}
		}
		return res, err
	}
	regions := writeFile(t, dir, "regions.csv", "区划代码,名称,级别,上级区划代码\n210000,辽宁省,PROVINCE,\n210100,沈阳市,CITY,210000\n210102,和平区,DISTRICT,210100\n210102001,八经街道,SUBDISTRICT,210102\n")
	if _, err := importFile("--entity", "regions", "--file", regions); err == nil || !strings.Contains(err.Error(), "--region") {
		t.Fatalf("an empty database has no default province: %v", err)
	}
	if res, err := importFile("--entity", "regions", "--file", regions, "--region", "210000"); err != nil || res.Created != 4 {
		t.Fatalf("regions: %v %+v", err, res)
	}
	if !strings.Contains(lastOut, `"errors": []`) {
		t.Errorf("a clean import's JSON should list no errors as [], not null:\n%s", lastOut)
	}
	check, _ := ident.CreditCodeCheckChar("52210102MJ0000001")
	code := "52210102MJ0000001" + string(check)
	inst := writeFile(t, dir, "inst.csv", "creditCode,name,form,legalNature,ownership,serviceModes,regionCode,openedAt\n"+code+",阳光托育,CENTER,NONPROFIT,PRIVATE,FULL_DAY,210102001,2022-09-01\n")
	if res, err := importFile("--entity", "institutions", "--file", inst); err != nil || res.Created != 1 {
		t.Fatalf("institutions: %v %+v", err, res)
	}
	if !strings.Contains(errOut.take(), "1 created") {
		t.Error("stderr should summarise the import")
	}
	// Regulators do not register children: the file is refused as a whole.
	idCheck, _ := ident.IDNumberCheckChar("21010220230520002")
	kid := "21010220230520002" + string(idCheck)
	kids := writeFile(t, dir, "kids.csv", "证件号码,姓名,性别,出生日期\n"+kid+",李小明,MALE,2023-05-20\n210102202305200000,王小红,FEMALE,2023-13-01\n")
	report := filepath.Join(dir, "kids.errors.xlsx")
	res, err := importFile("--entity", "children", "--file", kids, "--institution", code, "--error-report", report)
	if err == nil || res.ErrorCount != 2 || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("bad children file: %v %+v", err, res)
	}
	if !strings.Contains(errOut.take(), "row 3, 证件号码") {
		t.Error("stderr should list the errors by row and column")
	}
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatalf("error report: %v", err)
	}
	if v, _ := f.GetCellValue(f.GetSheetList()[0], "E3"); !strings.Contains(v, "出生日期") {
		t.Fatalf("report E3 = %q, want row 3's errors", v)
	}
	f.Close()
	kids = writeFile(t, dir, "kids.csv", "证件号码,姓名,性别,出生日期\n"+kid+",李小明,MALE,2023-05-20\n")
	if res, err := importFile("--entity", "children", "--file", kids, "--institution", code, "--dry-run"); err != nil || !res.DryRun || res.Created != 1 {
		t.Fatalf("dry run: %v %+v", err, res)
	}
	if res, err := importFile("--entity", "children", "--file", kids, "--institution", code); err != nil || res.Created != 1 {
		t.Fatalf("children: %v %+v", err, res)
	}
	if res, err := importFile("--entity", "children", "--file", kids, "--institution", code); err != nil || res.Unchanged != 1 {
		t.Fatalf("children again: %v %+v", err, res)
	}
	// A regulator import of children is refused before reading the file.
	if _, err := importFile("--entity", "children", "--file", kids); err == nil {
		t.Fatal("a province regulator imported children")
	}
	if _, err := importFile("--entity", "kids", "--file", kids); err == nil || !strings.Contains(err.Error(), "health_records") {
		t.Fatalf("unknown entity: %v", err)
	}
	if _, err := importFile("--entity", "children", "--file", kids, "--institution", "nope"); err == nil || !strings.Contains(err.Error(), "credit code") {
		t.Fatalf("bad --institution: %v", err)
	}
}

// TestImportInstitutionByDigitCreditCode: --institution takes a valid
// credit code made only of digits as a credit code (not an ID), and a
// workbook without a styles part gets its --error-report without a panic.
func TestImportInstitutionByDigitCreditCode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	ctx := context.Background()
	out, errOut := captureOutput(t)
	if err := run(ctx, []string{"migrate", "--db", db}); err != nil { // import refuses a file that does not exist
		t.Fatal(err)
	}
	imp := func(args ...string) error {
		t.Helper()
		err := run(ctx, append([]string{"import", "--db", db, "--subject", "ops:wang"}, args...))
		out.take()
		errOut.take()
		return err
	}
	regions := writeFile(t, dir, "regions.csv", "区划代码,名称,级别,上级区划代码\n210000,辽宁省,PROVINCE,\n210100,沈阳市,CITY,210000\n210102,和平区,DISTRICT,210100\n210102001,八经街道,SUBDISTRICT,210102\n")
	if err := imp("--entity", "regions", "--file", regions, "--region", "210000"); err != nil {
		t.Fatal(err)
	}
	const code = "912101024190226944"
	if ident.ValidateCreditCode(code) != nil {
		t.Fatal("the test's credit code is invalid")
	}
	inst := writeFile(t, dir, "inst.csv", "creditCode,name,form,legalNature,ownership,serviceModes,regionCode,openedAt\n"+code+",和平区第二实验幼儿园,KINDERGARTEN,PUBLIC_UNIT,PUBLIC,FULL_DAY,210102001,2022-09-01\n")
	if err := imp("--entity", "institutions", "--file", inst); err != nil {
		t.Fatal(err)
	}
	idCheck, _ := ident.IDNumberCheckChar("21010220230520002")
	kids := writeFile(t, dir, "kids.csv", "证件号码,姓名,性别,出生日期\n21010220230520002"+string(idCheck)+",李小明,MALE,2023-05-20\n")
	if err := imp("--entity", "children", "--file", kids, "--institution", code, "--dry-run"); err != nil {
		t.Fatalf("--institution %s: %v", code, err)
	}

	// An XLSX without xl/styles.xml (excelize writes one, so drop it).
	f := excelize.NewFile()
	for i, r := range [][]any{
		{"creditCode", "name", "form", "legalNature", "ownership", "serviceModes", "regionCode", "openedAt"},
		{code, "x", "NOPE", "PUBLIC_UNIT", "PUBLIC", "FULL_DAY", "210102001", "2022-09-01"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = f.SetSheetRow("Sheet1", cell, &r)
	}
	f.Pkg.Delete("xl/styles.xml")
	f.Styles = nil
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	book := writeFile(t, dir, "two.xlsx", buf.String())
	report := filepath.Join(dir, "two.errors.xlsx")
	if err := imp("--entity", "institutions", "--file", book, "--dry-run", "--error-report", report); err == nil {
		t.Fatal("a bad workbook imported")
	}
	rf, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatalf("error report: %v", err)
	}
	defer rf.Close()
	if v, _ := rf.GetCellValue("Sheet1", "I2"); !strings.Contains(v, "form") {
		t.Fatalf("report I2 = %q, want row 2's errors", v)
	}
}
