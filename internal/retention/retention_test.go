package retention_test

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/retention"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

var asOf = civil.D(2026, 11, 1)

// kpiSnapshot evaluates every catalogue indicator for every region at
// every month of the three years before asOf, as stable text.
func kpiSnapshot(t *testing.T, s *gqltest.Server) []string {
	t.Helper()
	ctx := testdb.Ctx()
	ids, err := s.DB.Client.Region.Query().IDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	points, err := kpi.SeriesPoints(asOf.AddDate(-3, 0, 0), asOf, kpi.Month)
	if err != nil {
		t.Fatal(err)
	}
	var keys []kpi.Key
	for _, ind := range kpi.Catalogue {
		keys = append(keys, ind.Key)
	}
	engine := kpi.New(s.DB.Client, s.DB.Driver, s.DB.Dialect)
	res, err := engine.Evaluate(ctx, kpi.Query{Keys: keys, RegionIDs: ids, Points: points})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(res))
	for _, r := range res {
		line := string(r.Key) + " " + strconv.Itoa(r.RegionID) + " " + strconv.Itoa(r.Point) + " " + strconv.FormatFloat(r.Numerator, 'g', -1, 64)
		if r.Denominator != nil {
			line += "/" + strconv.FormatFloat(*r.Denominator, 'g', -1, 64)
		}
		out = append(out, line)
	}
	return out
}

// A valid resident ID number (GB 11643 check character) for the test.
const idNumber = "11010519491231002X"

// TestPurgeKeepsPastKPIsAndForgetsPeople (both dialects, demo data): a dry
// run lists and changes nothing; a purge pseudonymises the children and
// staff past their retention, deletes old audit rows and audits itself;
// every indicator of every region for every month of three years has the
// same numerator and denominator before and after; purged people are found
// by neither name nor ID number (not through GraphQL, not by enrolling by
// ID number); a second purge finds nothing more.
func TestPurgeKeepsPastKPIsAndForgetsPeople(t *testing.T) {
	s := gqltest.New(t)
	ctx := testdb.Ctx()
	if _, err := demo.Load(ctx, s.DB.Client, demo.Options{Scale: demo.ScaleDistrict, AsOf: asOf, Hasher: s.Hasher}); err != nil {
		t.Fatal(err)
	}
	client := s.DB.Client
	policy := retention.Policy{Children: retention.Period{Years: 1}, Staff: retention.Period{Months: 6}, Audit: retention.Period{Years: 3}}

	// An audit row older than the audit retention, and one younger.
	old := client.AuditLog.Create().SetAt(asOf.AddDate(-4, 0, 0)).SetSubject("s").SetRole("PROVINCE_REGULATOR").SetDocumentHash("h").SetEntityType("Child").SetEntityIds([]int{1}).SetFields([]string{"name"}).SaveX(ctx)
	young := client.AuditLog.Create().SetAt(asOf.AddDate(-1, 0, 0)).SetSubject("s").SetRole("PROVINCE_REGULATOR").SetDocumentHash("h").SetEntityType("Child").SetEntityIds([]int{1}).SetFields([]string{"name"}).SaveX(ctx)

	dry, err := retention.Purge(context.Background(), client, policy, asOf, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Children) == 0 || len(dry.Staff) == 0 || dry.AuditRows != 1 || !dry.DryRun {
		t.Fatalf("dry run: %d children, %d staff, %d audit rows; want some of each and 1 audit row", len(dry.Children), len(dry.Staff), dry.AuditRows)
	}
	if n := client.Child.Query().Where(child.Name(retention.Purged)).CountX(ctx); n != 0 {
		t.Fatalf("the dry run purged %d children", n)
	}
	if !client.AuditLog.Query().Where(auditlog.ID(old.ID)).ExistX(ctx) {
		t.Fatal("the dry run deleted an audit row")
	}

	// Give one child and one staff member due for purge a distinct name
	// and a known ID number, to look for afterwards.
	target := dry.Children[0].ID
	for _, c := range dry.Children {
		if !c.BirthDayKept {
			target = c.ID
			break
		}
	}
	targetChild := client.Child.UpdateOneID(target).SetName("测试甲").SetIDNumberHash(s.Hasher.Hash(idNumber)).SetIDNumberMasked("110105********002X").SetGuardianName("测试家长").SetGuardianPhone("13800000000").SaveX(ctx)
	// A note on a health record of a child due for purge.
	var due []int
	for _, c := range dry.Children {
		due = append(due, c.ID)
	}
	notedRecord := client.HealthRecord.Query().Where(healthrecord.ChildIDIn(due...)).FirstIDX(ctx)
	client.HealthRecord.UpdateOneID(notedRecord).SetNotes("测试甲 发烧").ExecX(ctx)
	staffIDs := dry.Staff[0].StaffIDs
	client.Staff.Update().Where(staff.IDIn(staffIDs...)).SetName("测试乙").SetIDNumberHash(s.Hasher.Hash(idNumber)).ExecX(ctx)
	if n := client.Child.Query().Where(child.IDNumberHash(s.Hasher.Hash(idNumber))).CountX(ctx); n != 1 {
		t.Fatalf("setup: %d children with the ID number", n)
	}

	// The institutions of the two see them before the purge.
	viewerOf := func(inst int) auth.Viewer {
		district := client.Institution.GetX(ctx, inst).QueryRegion().OnlyX(ctx)
		return auth.Viewer{Subject: "staff", Role: auth.InstitutionStaff, RegionCode: district.Code, InstitutionID: inst}
	}
	viewers := []auth.Viewer{
		viewerOf(targetChild.QueryEnrolments().FirstX(ctx).InstitutionID),
		viewerOf(client.Staff.GetX(ctx, staffIDs[0]).InstitutionID),
	}
	const listQuery = `{ children(first: 100) { edges { node { name guardianName } } } staff(first: 100) { edges { node { name } } } }`
	for i, want := range []string{"测试甲", "测试乙"} {
		if list := s.DoAs(t, viewers[i], listQuery, nil); len(list.Errors) > 0 || !strings.Contains(list.Body, want) {
			t.Fatalf("setup: %s not listed before the purge: %s", want, list.Body)
		}
	}

	before := kpiSnapshot(t, s)
	rep, err := retention.Purge(context.Background(), client, policy, asOf, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Children, dry.Children) || !reflect.DeepEqual(rep.Staff, dry.Staff) || rep.AuditRows != 1 {
		t.Errorf("the purge did other than the dry run listed: %d/%d children, %d/%d staff, %d audit rows", len(rep.Children), len(dry.Children), len(rep.Staff), len(dry.Staff), rep.AuditRows)
	}
	after := kpiSnapshot(t, s)
	if len(before) == 0 || !reflect.DeepEqual(before, after) {
		for i := range min(len(before), len(after)) {
			if before[i] != after[i] {
				t.Errorf("KPI changed by the purge: %s → %s", before[i], after[i])
			}
		}
		t.Fatalf("%d KPI values before, %d after", len(before), len(after))
	}

	// The people are gone: fields cleared, birth dates to the month where
	// that changes no KPI, found by no name or ID number.
	got := client.Child.GetX(ctx, targetChild.ID)
	if got.Name != retention.Purged || got.GuardianName != "" || got.GuardianPhone != "" || got.IDNumberHash != "" || got.IDNumberMasked != "" || got.IDDocumentType != nil {
		t.Errorf("purged child: %+v", got)
	}
	if hr := client.HealthRecord.GetX(ctx, notedRecord); hr.Notes != "" {
		t.Errorf("a purged child's health record keeps its notes %q", hr.Notes)
	}
	truncated := 0
	for _, c := range rep.Children {
		b := client.Child.GetX(ctx, c.ID).BirthDate
		if !c.BirthDayKept {
			truncated++
			if b.Day() != 1 {
				t.Errorf("child %d: birth date %s not truncated to the month", c.ID, b.Format(civil.Layout))
			}
		}
	}
	if truncated == 0 {
		t.Error("no birth date was truncated: the rule never applies on demo data")
	}
	t.Logf("purged %d children (%d birth dates to the month), %d staff", len(rep.Children), truncated, len(rep.Staff))
	if n := client.Child.Query().Where(child.Or(child.Name("测试甲"), child.GuardianName("测试家长"), child.IDNumberHash(s.Hasher.Hash(idNumber)))).CountX(ctx); n != 0 {
		t.Errorf("%d children still found by the purged name or ID number", n)
	}
	if n := client.Staff.Query().Where(staff.Or(staff.Name("测试乙"), staff.IDNumberHash(s.Hasher.Hash(idNumber)))).CountX(ctx); n != 0 {
		t.Errorf("%d staff rows still found by the purged name or ID number", n)
	}
	for _, id := range staffIDs {
		if st := client.Staff.GetX(ctx, id); st.Name != retention.Purged || !strings.HasPrefix(st.IDNumberHash, "purged:") || st.IDNumberMasked != retention.Purged {
			t.Errorf("purged staff %d: %s %s", id, st.Name, st.IDNumberMasked)
		}
	}
	// Through GraphQL: the institutions' staff list no such name, and
	// enrolling by the ID number finds no child.
	for _, v := range viewers {
		list := s.DoAs(t, v, listQuery, nil)
		if len(list.Errors) > 0 || strings.Contains(list.Body, "测试甲") || strings.Contains(list.Body, "测试乙") || strings.Contains(list.Body, "测试家长") {
			t.Errorf("GraphQL list after the purge: %s", list.Body)
		}
	}
	staffViewer := viewers[0]
	inst := staffViewer.InstitutionID
	resp := s.DoAs(t, staffViewer, `mutation($in: CreateEnrolmentInput!) { createEnrolment(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"startDate": asOf.Format(civil.Layout), "serviceMode": "HOURLY", "institutionID": strconv.Itoa(inst), "childIdNumber": idNumber,
	}})
	if len(resp.Errors) != 1 || resp.Errors[0].Field() != "childIdNumber" || !strings.Contains(resp.Errors[0].Message, "matches no registered child") {
		t.Errorf("enrolling a purged child by its ID number: %s; want no child matching childIdNumber", resp.Body)
	}

	// Old audit rows went, young ones stayed; the purge audited itself.
	if client.AuditLog.Query().Where(auditlog.ID(old.ID)).ExistX(ctx) || !client.AuditLog.Query().Where(auditlog.ID(young.ID)).ExistX(ctx) {
		t.Error("audit retention: want the 4-year-old row deleted and the 1-year-old kept")
	}
	rows := client.AuditLog.Query().Where(auditlog.Subject(retention.Subject)).AllX(ctx)
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.EntityType] += len(r.EntityIds)
		if strings.Contains(strings.Join(r.Fields, ","), "测试") {
			t.Errorf("audit row holds a value: %v", r.Fields)
		}
	}
	staffRows := 0
	for _, p := range rep.Staff {
		staffRows += len(p.StaffIDs)
	}
	if seen["Child"] != len(rep.Children) || seen["Staff"] != staffRows || len(rows) < 3 {
		t.Errorf("purge audit rows cover %v; want %d children and %d staff rows, and the audit deletion", seen, len(rep.Children), staffRows)
	}

	// Nothing more to do the next day.
	again, err := retention.Purge(context.Background(), client, policy, asOf.AddDate(0, 0, 1), false)
	if err != nil || len(again.Children) != 0 || len(again.Staff) != 0 || again.AuditRows != 0 {
		t.Errorf("second purge: %+v, %v; want nothing", again, err)
	}
}

// TestTruncatedBirthSafe pins the rule on the two indicators that read the
// birth date to the day.
func TestTruncatedBirthSafe(t *testing.T) {
	birth := civil.D(2022, 3, 17)
	for _, tc := range []struct {
		name  string
		stays []retention.Stay
		want  bool
	}{
		{"born on the 1st", nil, true},
		{"no stays", nil, true},
		{"in care across the 36-month boundary", []retention.Stay{{Start: civil.D(2024, 9, 1), End: civil.D(2025, 4, 1)}}, false},
		{"in care at the 12-month check-point", []retention.Stay{{Start: civil.D(2023, 3, 1), End: civil.D(2023, 4, 1)}}, false},
		{"in care between check-points, under 36 months", []retention.Stay{{Start: civil.D(2023, 4, 20), End: civil.D(2023, 8, 15)}}, true},
		{"moved check-point enters the stay", []retention.Stay{{Start: civil.D(2023, 2, 25), End: civil.D(2023, 3, 5)}}, false},
	} {
		b := birth
		if tc.name == "born on the 1st" {
			b = civil.D(2022, 3, 1)
		}
		if got := retention.TruncatedBirthSafe(b, tc.stays); got != tc.want {
			t.Errorf("%s: %v; want %v", tc.name, got, tc.want)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]retention.Period{"3y": {Years: 3}, "36m": {Months: 36}, "90d": {Days: 90}, "1y6m": {Years: 1, Months: 6}, "0": {}, "": {}} {
		if got, err := retention.ParsePeriod(in); err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"3", "3 y", "y", "-1y", "3w", "1d2y"} {
		if _, err := retention.ParsePeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if d := (retention.Period{Years: 3}).Before(civil.D(2026, 11, 1)); !d.Equal(civil.D(2023, 11, 1)) {
		t.Errorf("3y before 2026-11-01 = %s", d)
	}
}
