package bench

import (
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// BenchmarkRecordDailyChecks30 sends one class's morning check, 30 children
// in one recordDailyChecks request, through the real handler (JSON over
// HTTP, limits, transaction, audit of the returned records) as the
// institution's staff, and reports the p95 latency of a request. Even
// iterations record a new day (30 inserts), odd ones send the same day again
// (30 updates), as a retry on a bad network would.
//
// SQLite by default; PostgreSQL with TEST_DATABASE_URL (a fresh database
// per run, like the tests):
//
//	TEST_DIALECT=sqlite go test ./bench/ -run '^$' -bench RecordDailyChecks30 -benchtime 400x
//	TEST_DATABASE_URL=postgres://… go test ./bench/ -run '^$' -bench RecordDailyChecks30 -benchtime 400x
func BenchmarkRecordDailyChecks30(b *testing.B) {
	s := gqltest.New(b)
	ctx := testdb.Ctx()
	c := s.Client
	prov := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	first17 := "91210102MA0000001"
	check, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		b.Fatal(err)
	}
	inst := c.Institution.Create().SetName("晨检托育中心").SetCreditCode(first17 + string(check)).
		SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
		SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(civil.D(2023, 1, 1)).
		SetRegion(prov).SaveX(ctx)
	checks := make([]map[string]any, 30)
	for i := range checks {
		k := c.Child.Create().SetName(fmt.Sprintf("幼儿%02d", i)).SetSex(child.SexFEMALE).SetBirthDate(civil.D(2024, 1, 1+i)).SaveX(ctx)
		c.Enrolment.Create().SetChild(k).SetInstitution(inst).SetServiceMode(schematype.ServiceModeFullDay).
			SetStartDate(civil.D(2025, 1, 1)).ExecX(ctx)
		checks[i] = map[string]any{"childID": strconv.Itoa(k.ID), "temperatureC": 36.5, "result": "NORMAL"}
	}
	staff := auth.Viewer{Subject: "bench-staff", Role: auth.InstitutionStaff, InstitutionID: inst.ID}
	const doc = `mutation($inst: ID!, $date: Date!, $checks: [DailyCheckInput!]!) {
	  recordDailyChecks(institutionID: $inst, date: $date, session: MORNING, checks: $checks) { index outcome record { id temperatureC } } }`
	start := civil.D(2025, 2, 1)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		vars := map[string]any{"inst": strconv.Itoa(inst.ID), "date": start.AddDate(0, 0, i/2).Format(time.DateOnly), "checks": checks}
		t0 := time.Now()
		resp := s.DoAs(b, staff, doc, vars)
		lat = append(lat, time.Since(t0))
		if len(resp.Errors) > 0 {
			b.Fatalf("request %d: %s", i, resp.Body)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.95), "p95-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
