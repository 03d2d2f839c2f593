package ingest

import (
	"testing"

	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/filingevent"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// Staff of B must not learn whether their guess of the name or guardian
// phone of a child registered by A (which B cannot read) is right: every
// row gets the same answer — unchanged, nothing written.
func TestChildOfAnotherInstitutionIsNoOracle(t *testing.T) {
	e := newEnv(t)
	kid := idNumber(t, "21010220230520002")
	header := []string{"证件号码", "姓名", "性别", "出生日期", "guardianPhone"}
	e.ok(e.staffOf(e.idA), "children", csvFile(header, []string{kid, "李小明", "MALE", "2023-05-20", "13800138000"}), 1, 0, 0)
	b := e.staffOf(e.idB)
	for name, row := range map[string][]string{
		"wrong name":        {kid, "李大明", "MALE", "2023-05-20", "13800138000"},
		"right name, phone": {kid, "李小明", "MALE", "2023-05-20", "13800138000"},
		"wrong phone":       {kid, "李小明", "MALE", "2023-05-20", "13900000000"},
	} {
		res := e.run(b, "children", "g.csv", csvFile(header, row))
		if res.ErrorCount != 0 || res.Unchanged != 1 || res.Updated != 0 || res.Created != 0 {
			t.Errorf("%s: %+v, want the same answer for every guess: one unchanged row", name, res)
		}
	}
	c := e.db.Client.Child.Query().OnlyX(testdb.Ctx())
	if c.Name != "李小明" || c.GuardianPhone != "13800138000" {
		t.Fatalf("A's child was rewritten by B: %q", c.Name)
	}
}

// An imported change of a filing's status writes its history, as the API
// does: FILING_RATE of past days reads it.
func TestFilingImportWritesHistory(t *testing.T) {
	e := newEnv(t)
	header := []string{"机构统一社会信用代码", "提交日期", "备案状态", "回执日期"}
	e.ok(province, "filings", csvFile(header, []string{e.instA, "2023-03-01", "FILED", "2023-03-06"}), 1, 0, 0)
	ctx := testdb.Ctx()
	f := e.db.Client.Filing.Query().Where(filing.InstitutionID(e.idA)).OnlyX(ctx)
	before := e.db.Client.FilingEvent.Query().Where(filingevent.FilingID(f.ID)).CountX(ctx)
	if before == 0 {
		t.Fatalf("imported filing %d has no history", f.ID)
	}
	e.ok(province, "filings", csvFile(header, []string{e.instA, "2023-03-01", "NONCOMPLIANT", "2023-03-06"}), 0, 1, 0)
	if after := e.db.Client.FilingEvent.Query().Where(filingevent.FilingID(f.ID)).CountX(ctx); after <= before {
		t.Errorf("status change by import: %d filing events, want more than %d", after, before)
	}
}

// An imported open complaint gets its handling deadline, so it shows in
// complaintsOverdue like one created through the API.
func TestComplaintImportGetsDeadline(t *testing.T) {
	e := newEnv(t)
	e.ok(province, "complaints", csvFile([]string{"institutionCreditCode", "receivedAt", "channel", "category"},
		[]string{e.instA, "2025-02-14", "HOTLINE", "收费"}), 1, 0, 0)
	c := e.db.Client.Complaint.Query().OnlyX(testdb.Ctx())
	if c.DueOn == nil {
		t.Errorf("imported open complaint %d has no handling deadline", c.ID)
	}
}
