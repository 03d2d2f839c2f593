package ingest

import (
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/complaint"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

func trusted(o *Options) { o.TrustedHashes = true }

// TestTrustedHashes: an identity cell "HASH:<64 hex>:<masked>" (tuoyu
// export --identity-hashes) is refused unless the operator's option is
// set; with it the hash is stored as given, and a malformed one is refused.
func TestTrustedHashes(t *testing.T) {
	e := newEnv(t)
	id := idNumber(t, "21010219900101001")
	cell := "HASH:" + e.hasher.Hash(id) + ":2101**********" + id[14:]
	file := csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
		[]string{e.instA, cell, "王芳", "CAREGIVER", "2023-02-01"})
	res := e.run(e.staffOf(e.idA), "staff", "staff.csv", file)
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeInvalid || !strings.Contains(res.Errors[0].Message, "--identity-hashes") {
		t.Fatalf("HASH: cell without TrustedHashes: %+v", res.Errors)
	}
	bad := csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
		[]string{e.instA, "HASH:abc:2101****", "王芳", "CAREGIVER", "2023-02-01"})
	if res := e.run(e.staffOf(e.idA), "staff", "staff.csv", bad, trusted); res.ErrorCount != 1 {
		t.Fatalf("malformed HASH: cell: %+v", res.Errors)
	}
	if res := e.run(e.staffOf(e.idA), "staff", "staff.csv", file, trusted); res.ErrorCount != 0 || res.Created != 1 {
		t.Fatalf("trusted import: %+v", res)
	}
	s := e.db.Client.Staff.Query().OnlyX(testdb.Ctx())
	if s.IDNumberHash != e.hasher.Hash(id) || s.IDNumberMasked != "2101**********"+id[14:] {
		t.Fatalf("stored %s %s", s.IDNumberHash, s.IDNumberMasked)
	}
	// The same person given by number matches the stored row.
	e.ok(e.staffOf(e.idA), "staff", csvFile([]string{"institutionCreditCode", "idNumber", "name", "role", "hiredAt"},
		[]string{e.instA, id, "王芳", "CAREGIVER", "2023-02-01"}), 0, 0, 1)
	// Certificates name their holder by the hash too.
	res = e.run(e.staffOf(e.idA), "certifications", "c.csv", csvFile([]string{"type", "number", "institutionCreditCode", "staffIdNumber", "issuer", "issuedAt"},
		[]string{"CHILDCARE_WORKER", "S0001", e.instA, cell, "人社厅", "2022-06-30"}), trusted)
	if res.ErrorCount != 0 || e.db.Client.Certification.Query().Where().CountX(testdb.Ctx()) != 1 {
		t.Fatalf("certification by hash: %+v", res.Errors)
	}
}

// TestFormulaGuardStripped: the apostrophe a CSV export puts before = + - @
// is removed on import (one, and only before those characters).
func TestFormulaGuardStripped(t *testing.T) {
	e := newEnv(t)
	e.ok(province, "complaints", csvFile([]string{"institutionCreditCode", "receivedAt", "channel", "category", "closedAt", "outcome", "resolution"},
		[]string{e.instA, "2025-02-14", "HOTLINE", "'=收费", "2025-02-20", "SUBSTANTIATED", "'-退费"},
		[]string{e.instA, "2025-02-14", "HOTLINE", "'安全", "", "", ""}), 2, 0, 0)
	ctx := testdb.Ctx()
	got := e.db.Client.Complaint.Query().Order(complaint.ByCategory()).AllX(ctx)
	if got[0].Category != "'安全" || got[1].Category != "=收费" || got[1].Resolution != "-退费" {
		t.Fatalf("categories %q %q", got[0].Category, got[1].Category)
	}
	if got[1].DueOn == nil {
		t.Fatal("a complaint without dueOn gets the default deadline")
	}
}

// TestChildWithoutDocument: a child without an identity document is named
// by name and birth date, in children files and in references; such a
// child registered elsewhere is not reachable by another institution's
// ordinary import.
func TestChildWithoutDocument(t *testing.T) {
	e := newEnv(t)
	a, b := e.staffOf(e.idA), e.staffOf(e.idB)
	kids := csvFile([]string{"idNumber", "name", "sex", "birthDate"}, []string{"", "李小明", "男", "2023-05-20"})
	e.ok(a, "children", kids, 1, 0, 0)
	e.ok(a, "children", kids, 0, 0, 1)
	c := e.db.Client.Child.Query().OnlyX(testdb.Ctx())
	if c.IDNumberHash != "" || c.IDDocumentType != nil {
		t.Fatalf("stored child %+v", c)
	}
	// Two rows for one such child: the key is given twice.
	res := e.run(a, "children", "c.csv", csvFile([]string{"idNumber", "name", "sex", "birthDate"},
		[]string{"", "王小红", "女", "2023-06-01"}, []string{"", "王小红", "女", "2023-06-01"}))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeConflict {
		t.Fatalf("duplicate child without document: %+v", res.Errors)
	}
	enrol := func(cc string) []byte {
		return csvFile([]string{"institutionCreditCode", "childIdNumber", "childName", "childBirthDate", "startDate", "serviceMode"},
			[]string{cc, "", "李小明", "2023-05-20", "2024-09-01", "FULL_DAY"})
	}
	e.ok(a, "enrolments", enrol(e.instA), 1, 0, 0)
	// B cannot name A's child by name and birth date.
	res = e.run(b, "enrolments", "e.csv", enrol(e.instB))
	if res.ErrorCount != 1 || res.Errors[0].Code != CodeNotFound {
		t.Fatalf("other institution: %+v", res.Errors)
	}
	// Neither a number nor a name: refused.
	res = e.run(a, "enrolments", "e.csv", csvFile([]string{"institutionCreditCode", "childIdNumber", "startDate", "serviceMode"},
		[]string{e.instA, "", "2024-09-01", "FULL_DAY"}))
	if res.ErrorCount != 1 || res.Errors[0].Column != "childIdNumber" {
		t.Fatalf("no child named: %+v", res.Errors)
	}
	// A second child of that name and birth date registered by B; A's
	// child is still A's, and B's import names B's own.
	e.ok(b, "children", kids, 1, 0, 0)
	if n := e.db.Client.Child.Query().Where(child.NameEQ("李小明")).CountX(testdb.Ctx()); n != 2 {
		t.Fatalf("%d children", n)
	}
	e.ok(a, "enrolments", enrol(e.instA), 0, 0, 1)
	// B's child named by B with the operator's trusted import: B's own
	// (registered there) wins over A's, not ambiguous.
	if res := e.run(b, "enrolments", "e.csv", enrol(e.instB), trusted); res.ErrorCount != 0 {
		t.Fatalf("B's own child: %+v", res.Errors)
	}
}

// TestSeatsClosedInPart: the rows of one opening day, told apart by
// closedAt, describe all its seats; re-importing them changes nothing, and
// one row for the day reopens the closed seats.
func TestSeatsClosedInPart(t *testing.T) {
	e := newEnv(t)
	head := []string{"institutionCreditCode", "ageBand", "inclusive", "openedAt", "closedAt", "count"}
	split := csvFile(head, []string{e.instA, "TODDLER", "是", "2022-09-01", "", "10"},
		[]string{e.instA, "TODDLER", "是", "2022-09-01", "2024-01-01", "2"})
	e.ok(province, "seats", split, 2, 0, 0)
	e.ok(province, "seats", split, 0, 0, 2)
	ctx := testdb.Ctx()
	if n := e.db.Client.Seat.Query().Where(seat.ClosedAtNotNil()).CountX(ctx); n != 2 {
		t.Fatalf("%d closed seats, want 2", n)
	}
	e.ok(province, "seats", csvFile(head, []string{e.instA, "TODDLER", "是", "2022-09-01", "", "12"}), 0, 1, 0)
	if n, closed := e.db.Client.Seat.Query().CountX(ctx), e.db.Client.Seat.Query().Where(seat.ClosedAtNotNil()).CountX(ctx); n != 12 || closed != 0 {
		t.Fatalf("%d seats, %d closed; want 12 open", n, closed)
	}
	dup := csvFile(head, []string{e.instA, "TODDLER", "是", "2022-09-01", "", "1"}, []string{e.instA, "TODDLER", "是", "2022-09-01", "", "3"})
	if res := e.run(province, "seats", "s.csv", dup); res.ErrorCount != 1 || res.Errors[0].Code != CodeConflict {
		t.Fatalf("same group twice: %+v", res.Errors)
	}
}
