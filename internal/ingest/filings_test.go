package ingest

import (
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestImportFilingReceiptNumber: the 备案回执编号 column sets the receipt
// number, an empty cell clears it on re-import, and a number longer than
// 64 characters is refused in its column with nothing written.
func TestImportFilingReceiptNumber(t *testing.T) {
	e := newEnv(t)
	ctx := testdb.Ctx()
	head := []string{"机构统一社会信用代码", "提交日期", "备案状态", "回执日期", "备案回执编号"}
	e.ok(province, "filings", csvFile(head, []string{e.instA, "2023-03-01", "FILED", "2023-03-06", "沈和卫托备〔2023〕12号"}), 1, 0, 0)
	f := e.db.Client.Filing.Query().Where(filing.InstitutionID(e.idA)).OnlyX(ctx)
	if f.ReceiptNumber == nil || *f.ReceiptNumber != "沈和卫托备〔2023〕12号" {
		t.Fatalf("receipt number = %v", f.ReceiptNumber)
	}
	res := e.run(province, "filings", "f.csv", csvFile(head, []string{e.instA, "2023-03-01", "FILED", "2023-03-06", strings.Repeat("号", 65)}))
	if res.ErrorCount != 1 || res.Errors[0].Column != "备案回执编号" {
		t.Fatalf("overlong number: %+v", res.Errors)
	}
	if got := e.db.Client.Filing.GetX(ctx, f.ID).ReceiptNumber; got == nil || *got != "沈和卫托备〔2023〕12号" {
		t.Fatalf("a refused file changed the number to %v", got)
	}
	e.ok(province, "filings", csvFile(head, []string{e.instA, "2023-03-01", "FILED", "2023-03-06", ""}), 0, 1, 0)
	if got := e.db.Client.Filing.GetX(ctx, f.ID).ReceiptNumber; got != nil {
		t.Fatalf("an empty cell left the number %q", *got)
	}
}
