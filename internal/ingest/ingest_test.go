package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/enrolment"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// creditCode completes a 17-character prefix with its check character.
func creditCode(t testing.TB, first17 string) string {
	c, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

// idNumber completes a 17-digit prefix with its check character.
func idNumber(t testing.TB, first17 string) string {
	c, err := ident.IDNumberCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func csvFile(rows ...[]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(rows)
	return buf.Bytes()
}

func xlsxFile(t testing.TB, sheet string, rows ...[]string) []byte {
	f := excelize.NewFile()
	if sheet != "Sheet1" {
		if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
		if err := f.DeleteSheet("Sheet1"); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// env is a database with the fixture's regions and institutions.
type env struct {
	t      *testing.T
	db     *testdb.DB
	hasher *pii.Hasher
	instA  string // credit codes
	instB  string
	instC  string // in another district (沈河区)
	idA    int
	idB    int
}

var (
	province = &auth.Viewer{Subject: "prov", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	district = &auth.Viewer{Subject: "dist", Role: auth.DistrictRegulator, RegionCode: "210102"}
)

func (e *env) staffOf(id int) *auth.Viewer {
	return &auth.Viewer{Subject: fmt.Sprintf("staff-%d", id), Role: auth.InstitutionStaff, InstitutionID: id}
}

// run imports data as v and fails the test on an infrastructure error.
func (e *env) run(v *auth.Viewer, entity, name string, data []byte, mod ...func(*Options)) *Result {
	e.t.Helper()
	opts := Options{Entity: entity, FileName: name, Hasher: e.hasher}
	for _, m := range mod {
		m(&opts)
	}
	ctx := auth.NewContext(context.Background(), v)
	res, err := Import(ctx, e.db.Client, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		e.t.Fatalf("import %s: %v", entity, err)
	}
	return res
}

// ok imports and requires no errors and the given created/updated/unchanged counts.
func (e *env) ok(v *auth.Viewer, entity string, data []byte, created, updated, same int) *Result {
	e.t.Helper()
	res := e.run(v, entity, entity+".csv", data)
	if res.ErrorCount != 0 {
		e.t.Fatalf("import %s: %d errors: %+v", entity, res.ErrorCount, res.Errors)
	}
	if res.Created != created || res.Updated != updated || res.Unchanged != same {
		e.t.Fatalf("import %s: created/updated/unchanged = %d/%d/%d, want %d/%d/%d", entity, res.Created, res.Updated, res.Unchanged, created, updated, same)
	}
	return res
}

func newEnv(t *testing.T) *env {
	h, err := pii.NewHasher([]byte("ingest-test-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: testdb.Open(t), hasher: h,
		instA: creditCode(t, "52210102MJ0000001"), instB: creditCode(t, "52210102MJ0000002"), instC: creditCode(t, "52210103MJ0000003")}
	// Children before parents in the file: the import writes parents first.
	e.ok(province, "regions", csvFile(
		[]string{"区划代码", "名称", "级别", "上级区划代码"},
		[]string{"210102001", "八经街道", "SUBDISTRICT", "210102"},
		[]string{"210103001", "大西街道", "SUBDISTRICT", "210103"},
		[]string{"210102", "和平区", "DISTRICT", "210100"},
		[]string{"210103", "沈河区", "DISTRICT", "210100"},
		[]string{"210100", "沈阳市", "CITY", "210000"},
		[]string{"210000", "辽宁省", "PROVINCE", ""},
	), 6, 0, 0)
	e.ok(province, "institutions", csvFile(
		[]string{"统一社会信用代码", "机构名称", "机构类型", "法人性质", "举办性质", "服务形式", "所在区划代码", "开业日期"},
		[]string{e.instA, "阳光托育", "CENTER", "NONPROFIT", "PRIVATE", "FULL_DAY、计时托", "210102001", "2022-09-01"},
		[]string{e.instB, "彩虹托育", "托育机构", "FOR_PROFIT", "PRIVATE", "FULL_DAY,HOURLY", "210102001", "2023/3/1"},
		[]string{e.instC, "沈河托育", "CENTER", "FOR_PROFIT", "PRIVATE", "FULL_DAY", "210103001", "2023-03-01"},
	), 3, 0, 0)
	ctx := testdb.Ctx()
	e.idA = e.db.Client.Institution.Query().Where(institution.CreditCode(e.instA)).OnlyIDX(ctx)
	e.idB = e.db.Client.Institution.Query().Where(institution.CreditCode(e.instB)).OnlyIDX(ctx)
	return e
}

// TestImportEveryEntity imports a file of every entity, then the same files
// again (nothing changes), then a changed row (one update).
func TestImportEveryEntity(t *testing.T) {
	e := newEnv(t)
	ctx := testdb.Ctx()
	modes := e.db.Client.Institution.Query().Where(institution.CreditCode(e.instA)).OnlyX(ctx).ServiceModes
	if fmt.Sprint(modes) != "[FULL_DAY HOURLY]" {
		t.Fatalf("service modes = %v (Chinese label 计时托 should read as HOURLY)", modes)
	}
	staffID := idNumber(t, "21010219900101001")
	bannedID := idNumber(t, "21010219800101002")
	kid := idNumber(t, "21010220230520002")
	files := []struct {
		entity string
		viewer *auth.Viewer
		data   []byte
		rows   int
	}{
		{"population_stats", province, csvFile([]string{"regionCode", "year", "residentPopulation", "under3Population", "births"},
			[]string{"210102", "2024", "640000", "15000", ""}, []string{"210102", "2023", "641000", "15500", "4200"}), 2},
		{"filings", province, csvFile([]string{"机构统一社会信用代码", "提交日期", "备案状态", "回执日期"},
			[]string{e.instA, "2023-03-01", "FILED", "2023-03-06"}), 1},
		{"inclusive_designations", province, csvFile([]string{"institutionCreditCode", "category", "validFrom", "designatedBy"},
			[]string{e.instA, "SOCIAL_INCLUSIVE", "2024-01-01", "和平区卫生健康局"}), 1},
		{"seats", province, csvFile([]string{"institutionCreditCode", "ageBand", "inclusive", "openedAt", "count"},
			[]string{e.instA, "TODDLER", "是", "2022-09-01", "10"}, []string{e.instA, "INFANT", "否", "2022-09-01", ""}), 2},
		{"ban_list", province, csvFile([]string{"idNumber", "basis", "decidedAt"}, []string{bannedID, "判决", "2024-05-10"}), 1},
		{"inspections", province, csvFile([]string{"institutionCreditCode", "inspectedOn", "kind", "inspector", "outcome"},
			[]string{e.instA, "2025-04-10", "ROUTINE", "监督所", "CORRECTIONS_REQUIRED"}), 1},
		{"findings", province, csvFile([]string{"institutionCreditCode", "inspectedOn", "inspectionKind", "rule", "severity", "deadline"},
			[]string{e.instA, "2025-04-10", "ROUTINE", "第十九条", "MINOR", "2025-05-10"}), 1},
		{"complaints", province, csvFile([]string{"institutionCreditCode", "receivedAt", "channel", "category"},
			[]string{e.instA, "2025-02-14", "HOTLINE", "收费"}), 1},
		{"incidents", province, csvFile([]string{"institutionCreditCode", "occurredAt", "kind", "severity", "reportedAt"},
			[]string{e.instA, "2025-03-05 10:30", "跌落", "MINOR", "2025-03-05 11:00"}), 1},
		{"surveys", province, csvFile([]string{"regionCode", "kind", "date", "respondents", "positive"},
			[]string{"210102", "SATISFACTION", "2025-06-30", "500", "460"}), 1},
		{"targets", province, csvFile([]string{"regionCode", "indicator", "targetYear", "targetValue", "source"},
			[]string{"210100", "SEATS_PER_1000", "2025", "4.5", "沈政办发〔2024〕1号"}), 1},
		{"staff", e.staffOf(e.idA), csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
			[]string{e.instA, staffID, "王芳", "CAREGIVER", "2023-02-01"}), 1},
		{"certifications", e.staffOf(e.idA), csvFile([]string{"type", "number", "institutionCreditCode", "staffIdNumber", "issuer", "issuedAt", "level"},
			[]string{"CHILDCARE_WORKER", "S0001", e.instA, staffID, "人社厅", "2022-06-30", "4"}), 1},
		{"children", e.staffOf(e.idA), csvFile([]string{"idNumber", "name", "sex", "birthDate", "residenceRegionCode"},
			[]string{kid, "李小明", "男", "2023-05-20", "210102001"}), 1},
		{"enrolments", e.staffOf(e.idA), csvFile([]string{"institutionCreditCode", "childIdNumber", "startDate", "serviceMode"},
			[]string{e.instA, kid, "2024-09-01", "FULL_DAY"}), 1},
		{"health_records", e.staffOf(e.idA), csvFile([]string{"institutionCreditCode", "childIdNumber", "kind", "date", "session", "temperatureC", "heightCm"},
			[]string{e.instA, kid, "DAILY_CHECK", "2025-03-03", "MORNING", "36.6", ""},
			[]string{e.instA, kid, "GROWTH", "2025-03-03", "", "", "92.5"}), 2},
	}
	for _, f := range files {
		e.ok(f.viewer, f.entity, f.data, f.rows, 0, 0)
	}
	for _, f := range files {
		e.ok(f.viewer, f.entity, f.data, 0, 0, f.rows) // re-import: nothing changes
	}
	if n := e.db.Client.Seat.Query().CountX(ctx); n != 11 {
		t.Fatalf("seats = %d, want 10 TODDLER + 1 INFANT", n)
	}
	// Fewer seats in the group: the surplus free seats go.
	e.ok(province, "seats", csvFile([]string{"institutionCreditCode", "ageBand", "inclusive", "openedAt", "count"},
		[]string{e.instA, "TODDLER", "是", "2022-09-01", "8"}), 0, 1, 0)
	if n := e.db.Client.Seat.Query().CountX(ctx); n != 9 {
		t.Fatalf("seats = %d, want 9 after lowering the TODDLER count to 8", n)
	}
	// A changed cell updates that row only; an empty optional cell clears it.
	e.ok(province, "population_stats", csvFile([]string{"regionCode", "year", "residentPopulation", "under3Population", "births"},
		[]string{"210102", "2024", "640000", "15000", ""}, []string{"210102", "2023", "641000", "15500", ""}), 0, 1, 1)
	if n := e.db.Client.PopulationStat.Query().CountX(ctx); n != 2 {
		t.Fatalf("population stats = %d, want 2", n)
	}
	// The banned person cannot be hired.
	res := e.run(e.staffOf(e.idA), "staff", "staff.csv", csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
		[]string{e.instA, bannedID, "张三", "COOK", "2024-02-01"}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeForbidden || res.Errors[0].Column != "idNumber" || res.Errors[0].Row != 2 {
		t.Fatalf("banned hire: %+v", res.Errors)
	}
}

// TestTransferAndParallelCare: a child leaves A and starts full-day care at
// B on the same day, through two institutions' files; hourly care at B
// beside full-day care at A is allowed; overlapping full-day care is not.
func TestTransferAndParallelCare(t *testing.T) {
	e := newEnv(t)
	kid := idNumber(t, "21010220230520002")
	a, b := e.staffOf(e.idA), e.staffOf(e.idB)
	e.ok(a, "children", csvFile([]string{"证件号码", "姓名", "性别", "出生日期"}, []string{kid, "李小明", "MALE", "2023-05-20"}), 1, 0, 0)
	head := []string{"机构统一社会信用代码", "儿童证件号码", "入托日期", "托育形式", "离托日期", "离托原因"}
	e.ok(a, "enrolments", csvFile(head, []string{e.instA, kid, "2024-09-01", "FULL_DAY", "", ""}), 1, 0, 0)
	// Parallel care: hourly at B while full-day at A.
	e.ok(b, "enrolments", csvFile(head, []string{e.instB, kid, "2025-01-06", "HOURLY", "2025-02-01", ""}), 1, 0, 0)
	// Full-day at B while A's is open: CONFLICT, nothing written.
	res := e.run(b, "enrolments", "b.csv", csvFile(head, []string{e.instB, kid, "2025-06-01", "FULL_DAY", "", ""}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeConflict || res.Errors[0].Column != "入托日期" {
		t.Fatalf("overlap: %+v", res.Errors)
	}
	// A ends its enrolment (an update of the row with the same key) ...
	e.ok(a, "enrolments", csvFile(head, []string{e.instA, kid, "2024-09-01", "FULL_DAY", "2025-06-01", "MOVED"}), 0, 1, 0)
	// ... and B's full-day enrolment starts that day: a transfer.
	e.ok(b, "enrolments", csvFile(head, []string{e.instB, kid, "2025-06-01", "FULL_DAY", "", ""}), 1, 0, 0)
	n := e.db.Client.Enrolment.Query().Where(enrolment.InstitutionID(e.idB)).CountX(testdb.Ctx())
	if n != 2 {
		t.Fatalf("B has %d enrolments, want 2", n)
	}
	// B cannot rewrite the child A registered.
	res = e.run(b, "children", "c.csv", csvFile([]string{"证件号码", "姓名", "性别", "出生日期"}, []string{kid, "李大明", "MALE", "2023-05-20"}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeForbidden {
		t.Fatalf("child of A rewritten by B: %+v", res.Errors)
	}
	// Two overlapping full-day rows in one file: both rows are named.
	kid2 := idNumber(t, "21010220230601003")
	e.ok(a, "children", csvFile([]string{"证件号码", "姓名", "性别", "出生日期"}, []string{kid2, "王小红", "FEMALE", "2023-06-01"}), 1, 0, 0)
	res = e.run(a, "enrolments", "a.csv", csvFile(head,
		[]string{e.instA, kid2, "2024-09-01", "FULL_DAY", "2025-01-01", ""},
		[]string{e.instA, kid2, "2024-12-01", "HALF_DAY", "", ""}))
	if res.ErrorCount != 2 || res.Errors[0].Row != 2 || res.Errors[1].Row != 3 {
		t.Fatalf("overlap within the file: %+v", res.Errors)
	}
}

// TestErrorsListedAtOnce: every bad cell of the file is reported with its
// row and column as in the file, and nothing is written.
func TestErrorsListedAtOnce(t *testing.T) {
	e := newEnv(t)
	res := e.run(province, "institutions", "bad.csv", csvFile(
		[]string{"统一社会信用代码", "机构名称", "机构类型", "法人性质", "举办性质", "服务形式", "所在区划代码", "开业日期", "关闭日期", "纬度"},
		[]string{creditCode(t, "52210102MJ0000009"), "好", "CENTER", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102001", "2022-09-01", "", ""},
		[]string{"91210102MA0000000X", "坏1", "SCHOOL", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102999", "2022-13-01", "", "91"},
		[]string{creditCode(t, "52210102MJ0000008"), "", "CENTER", "NONPROFIT", "PRIVATE", "", "210102001", "2022-09-01", "2022-08-01", ""},
		[]string{creditCode(t, "52210102MJ0000009"), "重复", "CENTER", "NONPROFIT", "PRIVATE", "FULL_DAY", "210102001", "2022-09-01", "", ""},
	))
	type cell struct {
		row  int
		col  string
		code string
	}
	want := map[cell]bool{
		{3, "统一社会信用代码", CodeInvalid}: true, {3, "机构类型", CodeInvalid}: true, {3, "所在区划代码", CodeNotFound}: true,
		{3, "开业日期", CodeInvalid}: true, {3, "纬度", CodeInvalid}: true,
		{4, "机构名称", CodeInvalid}: true, {4, "服务形式", CodeInvalid}: true, {4, "关闭日期", CodeInvalid}: true,
		{5, "统一社会信用代码", CodeConflict}: true,
	}
	got := map[cell]bool{}
	for _, x := range res.Errors {
		got[cell{x.Row, x.Column, x.Code}] = true
		if x.Message == "" || strings.Contains(x.Message, "91210102MA0000000X") {
			t.Errorf("message %q must describe the rule and never echo the value", x.Message)
		}
	}
	for c := range want {
		if !got[c] {
			t.Errorf("missing error %+v; got %+v", c, res.Errors)
		}
	}
	if res.ErrorCount != len(res.Errors) || res.ErrorCount < len(want) {
		t.Errorf("error count %d, listed %d", res.ErrorCount, len(res.Errors))
	}
	if n := e.db.Client.Institution.Query().CountX(testdb.Ctx()); n != 3 {
		t.Fatalf("%d institutions after a rejected file, want the fixture's 3", n)
	}
	// A missing required column and an unknown one are reported on the header row.
	res = e.run(province, "filings", "f.csv", csvFile([]string{"institutionCreditCode", "status", "颜色"}, []string{e.instA, "FILED", "红"}))
	if res.ErrorCount != 2 || res.Errors[0].Row != 1 {
		t.Fatalf("header errors: %+v", res.Errors)
	}
}

// TestFormatsAndHeaders: GB18030 CSV with Chinese headers, UTF-8 with BOM
// and field-name headers, and XLSX (template-style instructions sheet first)
// import the same rows.
func TestFormatsAndHeaders(t *testing.T) {
	e := newEnv(t)
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes(csvFile(
		[]string{"区划代码", "调查类型", "截止日期", "调查人数", "肯定人数"},
		[]string{"210102", "满意度", "2025-06-30", "500", "460"}))
	if err != nil {
		t.Fatal(err)
	}
	e.ok(province, "surveys", gb, 1, 0, 0)
	bom := append([]byte{0xEF, 0xBB, 0xBF}, csvFile(
		[]string{"regionCode", "kind", "date", "respondents", "positive"},
		[]string{"210102", "SATISFACTION", "2025-06-30", "500", "460"},
		[]string{"210102", "PARENTING_KNOWLEDGE", "2025/6/30", "400", "300"})...)
	e.ok(province, "surveys", bom, 1, 0, 1)

	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "说明")
	_ = f.SetCellValue("说明", "A1", "填写说明")
	_, _ = f.NewSheet("data")
	for i, r := range [][]any{
		{"区划代码*", "调查类型*", "截止日期*", "调查人数*", "肯定人数*"},
		{"210102", "SATISFACTION", 45838, 500, 470}, // an Excel date serial: 2025-06-30
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = f.SetSheetRow("data", cell, &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res := e.run(province, "surveys", "s.xlsx", buf.Bytes())
	if res.ErrorCount != 0 || res.Updated != 1 {
		t.Fatalf("xlsx: %+v (updated %d)", res.Errors, res.Updated)
	}
	// An unreadable file is the user's error, not the server's.
	res = e.run(province, "surveys", "s.xlsx", []byte("PK\x03\x04 not a zip"))
	if res.ErrorCount != 1 || res.Errors[0].Row != 0 {
		t.Fatalf("broken xlsx: %+v", res.Errors)
	}
}

// TestScopesDryRunAndAudit: roles and regions limit what a file may write;
// a dry run writes nothing; a file of children's data leaves one audit row.
func TestScopesDryRunAndAudit(t *testing.T) {
	e := newEnv(t)
	head := []string{"institutionCreditCode", "submittedAt", "status"}
	res := e.run(district, "filings", "f.csv", csvFile(head, []string{e.instA, "2023-03-01", "FILED"}, []string{e.instC, "2023-03-01", "FILED"}))
	if res.ErrorCount != 1 || res.Errors[0].Row != 3 || res.Errors[0].Code != CodeForbidden {
		t.Fatalf("district regulator writing another district: %+v", res.Errors)
	}
	res = e.run(province, "children", "c.csv", csvFile([]string{"idNumber", "name", "sex", "birthDate"}, []string{idNumber(t, "21010220230520002"), "李", "MALE", "2023-05-20"}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeForbidden || res.Errors[0].Row != 0 {
		t.Fatalf("regulator importing children: %+v", res.Errors)
	}
	kid := idNumber(t, "21010220230520002")
	res = e.run(e.staffOf(e.idA), "staff", "s.csv", csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
		[]string{e.instB, idNumber(t, "21010219900101001"), "王", "COOK", "2024-01-01"}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeForbidden {
		t.Fatalf("staff writing another institution: %+v", res.Errors)
	}
	kids := csvFile([]string{"idNumber", "name", "sex", "birthDate"}, []string{kid, "李小明", "MALE", "2023-05-20"})
	res = e.run(e.staffOf(e.idA), "children", "kids.csv", kids, func(o *Options) { o.DryRun = true })
	if res.ErrorCount != 0 || res.Created != 1 || !res.DryRun {
		t.Fatalf("dry run: %+v", res)
	}
	ctx := testdb.Ctx()
	if n := e.db.Client.Child.Query().CountX(ctx); n != 0 {
		t.Fatalf("dry run wrote %d children", n)
	}
	res = e.ok(e.staffOf(e.idA), "children", kids, 1, 0, 0)
	logs := e.db.Client.AuditLog.Query().Where(auditlog.EntityType("Child")).Order(ent.Asc(auditlog.FieldID)).AllX(ctx)
	if len(logs) != 2 || logs[1].DocumentHash != res.FileHash || !strings.Contains(logs[1].Operation, "1 rows") || logs[1].Subject != fmt.Sprintf("staff-%d", e.idA) {
		t.Fatalf("audit rows: %+v", logs)
	}
	if !strings.Contains(logs[0].Operation, "dry run") {
		t.Fatalf("the dry run's audit row: %+v", logs[0])
	}
}

// TestMorningChecksOfAClass: a whole class's morning checks import at once;
// a child not in care that day is refused; sending the class again updates.
func TestMorningChecksOfAClass(t *testing.T) {
	e := newEnv(t)
	a := e.staffOf(e.idA)
	var kids, enrol [][]string
	kids = append(kids, []string{"证件号码", "姓名", "性别", "出生日期"})
	enrol = append(enrol, []string{"institutionCreditCode", "childIdNumber", "startDate", "serviceMode"})
	checks := [][]string{{"institutionCreditCode", "childIdNumber", "kind", "date", "session", "temperatureC", "result"}}
	for i := 0; i < 20; i++ {
		id := idNumber(t, fmt.Sprintf("210102202301%02d1%02d", i%28+1, i))
		kids = append(kids, []string{id, fmt.Sprintf("孩子%d", i), "FEMALE", "2023-01-01"})
		if i < 19 {
			enrol = append(enrol, []string{e.instA, id, "2024-09-01", "FULL_DAY"})
		}
		checks = append(checks, []string{e.instA, id, "DAILY_CHECK", "2025-03-03", "MORNING", "36.5", "NORMAL"})
	}
	e.ok(a, "children", csvFile(kids...), 20, 0, 0)
	e.ok(a, "enrolments", csvFile(enrol...), 19, 0, 0)
	res := e.run(a, "health_records", "class.csv", csvFile(checks...))
	if res.ErrorCount != 1 || res.Errors[0].Row != 21 || res.Errors[0].Code != CodeForbidden {
		t.Fatalf("child not in care: %+v", res.Errors)
	}
	checks = checks[:20]
	e.ok(a, "health_records", csvFile(checks...), 19, 0, 0)
	checks[5][5] = "38.2"
	checks[5][6] = "ABNORMAL"
	e.ok(a, "health_records", csvFile(checks...), 0, 1, 18)
}

// TestErrorReport: the report is the user's rows with an error column.
func TestErrorReport(t *testing.T) {
	e := newEnv(t)
	data := csvFile([]string{"regionCode", "kind", "date", "respondents", "positive"},
		[]string{"210102", "SATISFACTION", "2025-06-30", "500", "460"},
		[]string{"210102", "SATISFACTION", "2025-07-30", "500", "600"},
		[]string{"999999", "NOPE", "2025-07-30", "x", "1"})
	res := e.run(province, "surveys", "s.csv", data)
	if res.ErrorCount < 4 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	var buf bytes.Buffer
	opts := Options{Entity: "surveys", FileName: "s.csv"}
	if err := WriteErrorReport(&buf, bytes.NewReader(data), int64(len(data)), opts, res.Errors); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][5] != ErrorColumn || len(rows[1]) > 5 && rows[1][5] != "" {
		t.Fatalf("report rows: %q", rows)
	}
	if !strings.Contains(rows[2][5], "肯定人数") && !strings.Contains(rows[2][5], "positive") {
		t.Fatalf("row 3's error should name its column: %q", rows[2][5])
	}
	style, _ := f.GetCellStyle(f.GetSheetList()[0], "E3")
	if style == 0 {
		t.Fatal("the bad cell E3 is not highlighted")
	}
	// The corrected report imports as it is (the error column is ignored).
	buf.Reset()
	fixed := csvFile([]string{"regionCode", "kind", "date", "respondents", "positive", ErrorColumn},
		[]string{"210102", "SATISFACTION", "2025-06-30", "500", "460", ""})
	e.ok(province, "surveys", fixed, 1, 0, 0)
}

// TestErrorCap: the first 1,000 errors are listed and all are counted; an
// XLSX file's error report keeps its sheets and marks the bad cells.
func TestErrorCap(t *testing.T) {
	e := newEnv(t)
	rows := [][]string{{"regionCode", "kind", "date", "respondents", "positive"}}
	for i := 0; i < 1200; i++ {
		rows = append(rows, []string{"210102", "SATISFACTION", fmt.Sprintf("2025-01-%02d", i%28+1), "x", "1"})
	}
	data := xlsxFile(t, "surveys", rows...)
	res := e.run(province, "surveys", "s.xlsx", data)
	// 1,200 bad counts, and the 28 days repeat: 1,172 duplicate keys are not
	// reported because those rows already failed.
	if len(res.Errors) != MaxErrors || res.ErrorCount != 1200 {
		t.Fatalf("listed %d, counted %d; want %d and 1200", len(res.Errors), res.ErrorCount, MaxErrors)
	}
	var buf bytes.Buffer
	if err := WriteErrorReport(&buf, bytes.NewReader(data), int64(len(data)), Options{Entity: "surveys", FileName: "s.xlsx"}, res.Errors); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := f.GetCellValue("surveys", "F2"); !strings.Contains(v, "respondents") {
		t.Fatalf("F2 = %q, want row 2's error", v)
	}
	if v, _ := f.GetCellValue("surveys", "F1"); v != ErrorColumn {
		t.Fatalf("F1 = %q", v)
	}
	if style, _ := f.GetCellStyle("surveys", "D2"); style == 0 {
		t.Fatal("D2 (respondents) not highlighted")
	}
}
