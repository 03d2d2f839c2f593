package demo

import (
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/disclosure"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func TestAbbreviations(t *testing.T) {
	got := abbreviations([]string{"和平区", "沈河区", "沈北新区", "新民市", "新城子区", "岫岩满族自治县", "重庆市"}, "沈")
	want := []string{"和", "河", "北", "新", "城", "岫", "渝"}
	if !slices.Equal(got, want) {
		t.Errorf("abbreviations = %v; want %v", got, want)
	}
	// Every character taken: the whole short name.
	if got := abbreviations([]string{"和平区", "平和区", "和区"}); got[2] != "和" || got[1] != "平" {
		t.Errorf("abbreviations = %v", got)
	}
}

var receiptPattern = regexp.MustCompile(`^(\p{Han}{2,})卫托备〔(\d{4})〕(\d+)号$`)

// The demo publishes what parents are shown: a full-day fee for every
// institution offering full-day care (a realistic spread, in steps of 50
// yuan), a lower 普惠 fee for the designated ones, and a receipt number on
// every filing with a receipt, numbered per district office and year in
// the order of issue. So nearbyInstitutions and publicInstitution show
// prices and 备案回执编号 on demo data.
func TestDemoPublishesFeesAndReceiptNumbers(t *testing.T) {
	d, client, _ := load(t, ScaleDistrict, 1)
	ctx := testdb.Ctx()
	insts, err := client.Institution.Query().WithDesignations().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fees := map[int]bool{}
	inclusive := 0
	for _, in := range insts {
		full := slices.Contains(in.ServiceModes, schematype.ServiceModeFullDay)
		if !full {
			if in.MonthlyFee != nil || in.InclusiveMonthlyFee != nil {
				t.Errorf("%s: fees %v/%v without full-day care", in.Name, in.MonthlyFee, in.InclusiveMonthlyFee)
			}
			continue
		}
		if in.MonthlyFee == nil || *in.MonthlyFee < 800 || *in.MonthlyFee > 6800 || *in.MonthlyFee%50 != 0 {
			t.Errorf("%s: monthly fee %v; want 800–6800 in steps of 50", in.Name, in.MonthlyFee)
			continue
		}
		fees[*in.MonthlyFee] = true
		designated := len(in.Edges.Designations) > 0
		switch f := in.InclusiveMonthlyFee; {
		case designated && (f == nil || *f >= *in.MonthlyFee || *f <= 0 || *f%50 != 0):
			t.Errorf("%s: 普惠 fee %v, published %d; want a lower fee in steps of 50", in.Name, f, *in.MonthlyFee)
		case !designated && f != nil:
			t.Errorf("%s: 普惠 fee %d without a designation", in.Name, *f)
		case designated:
			inclusive++
		}
		if in.Ownership == institution.OwnershipPUBLIC && *in.MonthlyFee > 2500 {
			t.Errorf("%s: public institution at %d yuan", in.Name, *in.MonthlyFee)
		}
	}
	if len(fees) < 10 || inclusive < 5 {
		t.Errorf("%d distinct fees, %d 普惠 fees: want a spread", len(fees), inclusive)
	}

	if n := queryInt(t, d, "SELECT COUNT(*) FROM filings WHERE (receipt_at IS NULL) <> (receipt_number IS NULL)"); n != 0 {
		t.Errorf("%d filings with a receipt and no number, or a number and no receipt", n)
	}
	rows, err := d.SQL.Query("SELECT receipt_number, receipt_at FROM filings WHERE receipt_number IS NOT NULL ORDER BY receipt_at, id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	next := map[string]int{} // prefix + year → next sequence number
	n := 0
	for rows.Next() {
		var no string
		var day any
		if err := rows.Scan(&no, &day); err != nil {
			t.Fatal(err)
		}
		m := receiptPattern.FindStringSubmatch(no)
		if m == nil {
			t.Fatalf("receipt number %q", no)
		}
		key := m[1] + m[2]
		seq, _ := strconv.Atoi(m[3])
		if next[key] == 0 {
			next[key] = 1
		}
		if seq != next[key] {
			t.Errorf("%s issued %v: want sequence %d (in the order of issue)", no, day, next[key])
		}
		next[key] = seq + 1
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != queryInt(t, d, "SELECT COUNT(DISTINCT receipt_number) FROM filings") {
		t.Errorf("%d receipt numbers, not all distinct", n)
	}

	// What a parent is shown: every published institution's profile has its
	// receipt number, and those with full-day care a fee.
	day := testAsOf.AddDate(0, 0, -1)
	published, err := client.Institution.Query().Where(disclosure.Published(day)).IDs(disclosure.System(ctx))
	if err != nil || len(published) == 0 {
		t.Fatalf("published: %d, %v", len(published), err)
	}
	withFee := 0
	for _, id := range published {
		p, err := disclosure.Get(ctx, client, id, day)
		if err != nil {
			t.Fatal(err)
		}
		if p.Filing.ReceiptNumber == nil {
			t.Errorf("%s: profile without a receipt number", p.Institution.Name)
		}
		if p.MonthlyFee != nil {
			withFee++
		}
	}
	if withFee == 0 {
		t.Error("no published institution shows a fee")
	}
}
