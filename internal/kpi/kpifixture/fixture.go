// Package kpifixture builds the small, hand-computed world that the KPI
// tests check every indicator against (internal/kpi and graph tests share it).
package kpifixture

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/certification"
	"github.com/tuoyu/tuoyu/ent/child"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/healthrecord"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/ent/target"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/ident"
)

// The fixture's day and periods. AsOf is a Monday.
var (
	AsOf = civil.D(2025, 6, 16)
	// CheckWeek holds the weekdays 9, 10, 11, 12, 13 June (5 days) of morning checks.
	CheckWeek = [2]time.Time{civil.D(2025, 6, 9), civil.D(2025, 6, 16)}
	// June is the period of developmental screening check-points.
	June = [2]time.Time{civil.D(2025, 6, 1), civil.D(2025, 7, 1)}
	// LaterCancellation is when K1's filing is cancelled, after AsOf.
	LaterCancellation = civil.D(2025, 9, 1)
)

// Fixture is a small world whose every indicator is worked out by hand in
// internal/kpi/kpi_test.go. Regions:
//
//	P 210000 province
//	└ C 210100 city
//	  ├ D1 210102: S11 210102001000, S12 210102002000
//	  ├ D2 210103: S21 210103001000
//	  └ D3 210104: empty (no subdistricts, no data)
//
// Institutions (opened 2024-01-01 unless noted):
//
//	A  CENTER in S11: 4 TODDLER inclusive seats; 1 INFANT inclusive seat closed 2025-06-15 (the day before AsOf);
//	   1 TODDLER inclusive seat closed on AsOf (half-open: not counted on AsOf);
//	   designation from 2025-01-01; FILED (receipt 2024-01-05).
//	B  CENTER in S12: 3 PRESCHOOL inclusive seats; designation lapsed 2025-06-01; filing CANCELLED on 2025-03-01.
//	K1 KINDERGARTEN in S21: 2 PRESCHOOL non-inclusive seats; designation from 2024-01-01; FILED with receipt on AsOf,
//	   CANCELLED later (LaterCancellation): still filed on AsOf.
//	K2 KINDERGARTEN in S21: no seats, no filing (not a childcare provider).
//	K3 KINDERGARTEN in S21: 1 PRESCHOOL seat closed on AsOf, so on AsOf it offers no childcare
//	   (an open kindergarten without 托班, like K2); FILED.
//	G  GUIDANCE_CENTER in S12: no seats; filing SUBMITTED.
//	X  CENTER in S11, closed on AsOf: 2 open seats (not counted: the institution is closed); FILED.
//	Y  HOME in S21, opened 2025-06-17 (after AsOf): 1 seat.
type Fixture struct {
	P, C, D1, D2, D3, S11, S12, S21 *ent.Region
	A, B, K1, K2, K3, G, X, Y       *ent.Institution
}

// Build creates the fixture in an empty database.
func Build(t testing.TB, c *ent.Client) *Fixture {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow) // fixtures are written as trusted code
	f := &Fixture{}
	reg := func(code, name string, level region.Level, parent *ent.Region) *ent.Region {
		b := c.Region.Create().SetCode(code).SetName(name).SetLevel(level)
		if parent != nil {
			b.SetParent(parent)
		}
		return b.SaveX(ctx)
	}
	f.P = reg("210000", "辽宁省", region.LevelPROVINCE, nil)
	f.C = reg("210100", "沈阳市", region.LevelCITY, f.P)
	f.D1 = reg("210102", "和平区", region.LevelDISTRICT, f.C)
	f.D2 = reg("210103", "沈河区", region.LevelDISTRICT, f.C)
	f.D3 = reg("210104", "大东区", region.LevelDISTRICT, f.C)
	f.S11 = reg("210102001000", "太原街街道", region.LevelSUBDISTRICT, f.D1)
	f.S12 = reg("210102002000", "北市场街道", region.LevelSUBDISTRICT, f.D1)
	f.S21 = reg("210103001000", "五里河街道", region.LevelSUBDISTRICT, f.D2)

	// Population: D1 and D2 for 2024 (used for 2025); a 2026 figure for D1
	// that a 2025 value must ignore. The city has none: it sums its districts.
	c.PopulationStat.Create().SetRegion(f.D1).SetYear(2024).SetResidentPopulation(100000).SetUnder3Population(2000).ExecX(ctx)
	c.PopulationStat.Create().SetRegion(f.D1).SetYear(2026).SetResidentPopulation(999999).SetUnder3Population(99999).ExecX(ctx)
	c.PopulationStat.Create().SetRegion(f.D2).SetYear(2024).SetResidentPopulation(50000).SetUnder3Population(1000).ExecX(ctx)

	n := 0
	inst := func(name string, form institution.Form, r *ent.Region, opened time.Time, closed *time.Time) *ent.Institution {
		n++
		first17 := fmt.Sprintf("52210102MJ%07d", n)
		check, err := ident.CreditCodeCheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		return c.Institution.Create().SetName(name).SetCreditCode(first17 + string(check)).SetForm(form).
			SetLegalNature(institution.LegalNatureNONPROFIT).SetOwnership(institution.OwnershipPRIVATE).
			SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).
			SetRegion(r).SetOpenedAt(opened).SetNillableClosedAt(closed).SaveX(ctx)
	}
	opened := civil.D(2024, 1, 1)
	f.A = inst("A", institution.FormCENTER, f.S11, opened, nil)
	f.B = inst("B", institution.FormCENTER, f.S12, opened, nil)
	f.K1 = inst("K1", institution.FormKINDERGARTEN, f.S21, opened, nil)
	f.K2 = inst("K2", institution.FormKINDERGARTEN, f.S21, opened, nil)
	f.K3 = inst("K3", institution.FormKINDERGARTEN, f.S21, opened, nil)
	f.G = inst("G", institution.FormGUIDANCE_CENTER, f.S12, opened, nil)
	f.X = inst("X", institution.FormCENTER, f.S11, opened, &AsOf)
	f.Y = inst("Y", institution.FormHOME, f.S21, civil.D(2025, 6, 17), nil)

	seats := func(in *ent.Institution, count int, band seat.AgeBand, inclusive bool, closed *time.Time) {
		for range count {
			c.Seat.Create().SetInstitution(in).SetAgeBand(band).SetInclusive(inclusive).
				SetOpenedAt(in.OpenedAt).SetNillableClosedAt(closed).ExecX(ctx)
		}
	}
	dayBefore := AsOf.AddDate(0, 0, -1)
	seats(f.A, 4, seat.AgeBandTODDLER, true, nil)
	seats(f.A, 1, seat.AgeBandINFANT, true, &dayBefore)
	seats(f.A, 1, seat.AgeBandTODDLER, true, &AsOf)
	seats(f.K3, 1, seat.AgeBandPRESCHOOL, false, &AsOf)
	seats(f.B, 3, seat.AgeBandPRESCHOOL, true, nil)
	seats(f.K1, 2, seat.AgeBandPRESCHOOL, false, nil)
	seats(f.X, 2, seat.AgeBandTODDLER, false, nil)
	seats(f.Y, 1, seat.AgeBandMIXED, false, nil)

	designate := func(in *ent.Institution, from time.Time, to *time.Time) {
		c.InclusiveDesignation.Create().SetInstitution(in).SetCategory(inclusivedesignation.CategorySOCIAL_INCLUSIVE).
			SetDesignatedBy("沈阳市卫生健康委员会").SetValidFrom(from).SetNillableValidTo(to).ExecX(ctx)
	}
	lapsed := civil.D(2025, 6, 1)
	designate(f.A, civil.D(2025, 1, 1), nil)
	designate(f.B, civil.D(2024, 1, 1), &lapsed)
	designate(f.K1, civil.D(2024, 1, 1), nil)

	file := func(in *ent.Institution, status filing.Status, receipt *time.Time) *ent.Filing {
		b := c.Filing.Create().SetInstitution(in).SetSubmittedAt(civil.D(2024, 1, 2)).SetStatus(status).SetNillableReceiptAt(receipt)
		if status == filing.StatusCANCELLED {
			b.SetCancelledAt(civil.D(2025, 3, 1))
		}
		return b.SaveX(ctx)
	}
	file(f.A, filing.StatusFILED, ptr(civil.D(2024, 1, 5)))
	file(f.B, filing.StatusCANCELLED, ptr(civil.D(2024, 1, 6)))
	k1 := file(f.K1, filing.StatusFILED, &AsOf)
	// K1's filing is cancelled after AsOf (the ent hook writes the
	// CANCELLED event): FILING_RATE as of AsOf must still count K1.
	c.Filing.UpdateOne(k1).SetStatus(filing.StatusCANCELLED).SetCancelledAt(LaterCancellation).ExecX(ctx)
	file(f.G, filing.StatusSUBMITTED, nil)
	file(f.K3, filing.StatusFILED, ptr(civil.D(2024, 1, 5)))
	file(f.X, filing.StatusFILED, ptr(civil.D(2024, 1, 5)))

	// Children (residence in brackets) and enrolments:
	//   c1 2023-06-16 [S11]: FULL_DAY at A from 2025-01-01; entry exam 2024-12-20.
	//   c2 2022-06-16 [S12]: turns 36 months on AsOf. FULL_DAY at B from 2024-09-01; entry exam 2025-06-17 (after AsOf).
	//   c3 2022-06-17 [S21]: 35 months on AsOf. HALF_DAY at A [2025-02-01, AsOf) (ends on AsOf);
	//                        HOURLY at K1 from 2025-03-01; entry exam 2025-01-20.
	//   c4 2024-01-10 [S11]: FULL_DAY at K1 from 2025-03-01 and HOURLY at A from 2025-05-01 (two regions); no exam.
	//   c5 2023-12-01 [none]: FULL_DAY at X (closed on AsOf; the enrolment is still active) from 2025-01-01; exam 2024-12-01.
	//   c6 2024-12-31 [S11]: HOURLY at A from 2025-06-17 (after AsOf).
	kid := func(name string, born time.Time, home *ent.Region) *ent.Child {
		b := c.Child.Create().SetName(name).SetSex(child.SexFEMALE).SetBirthDate(born)
		if home != nil {
			b.SetResidenceRegion(home)
		}
		return b.SaveX(ctx)
	}
	c1 := kid("c1", civil.D(2023, 6, 16), f.S11)
	c2 := kid("c2", civil.D(2022, 6, 16), f.S12)
	c3 := kid("c3", civil.D(2022, 6, 17), f.S21)
	c4 := kid("c4", civil.D(2024, 1, 10), f.S11)
	c5 := kid("c5", civil.D(2023, 12, 1), nil)
	c6 := kid("c6", civil.D(2024, 12, 31), f.S11)
	enrol := func(ch *ent.Child, in *ent.Institution, mode schematype.ServiceMode, start time.Time, end *time.Time) {
		c.Enrolment.Create().SetChild(ch).SetInstitution(in).SetServiceMode(mode).SetStartDate(start).SetNillableEndDate(end).ExecX(ctx)
	}
	enrol(c1, f.A, schematype.ServiceModeFullDay, civil.D(2025, 1, 1), nil)
	enrol(c2, f.B, schematype.ServiceModeFullDay, civil.D(2024, 9, 1), nil)
	enrol(c3, f.A, schematype.ServiceModeHalfDay, civil.D(2025, 2, 1), &AsOf)
	enrol(c3, f.K1, schematype.ServiceModeHourly, civil.D(2025, 3, 1), nil)
	enrol(c4, f.K1, schematype.ServiceModeFullDay, civil.D(2025, 3, 1), nil)
	enrol(c4, f.A, schematype.ServiceModeHourly, civil.D(2025, 5, 1), nil)
	enrol(c5, f.X, schematype.ServiceModeFullDay, civil.D(2025, 1, 1), nil)
	enrol(c6, f.A, schematype.ServiceModeHourly, civil.D(2025, 6, 17), nil)

	record := func(ch *ent.Child, in *ent.Institution, kind healthrecord.Kind, day time.Time, session *healthrecord.Session) {
		c.HealthRecord.Create().SetChild(ch).SetInstitution(in).SetKind(kind).SetDate(day).SetNillableSession(session).ExecX(ctx)
	}
	record(c1, f.A, healthrecord.KindENTRY_EXAM, civil.D(2024, 12, 20), nil)
	record(c2, f.B, healthrecord.KindENTRY_EXAM, civil.D(2025, 6, 17), nil)
	record(c3, f.A, healthrecord.KindENTRY_EXAM, civil.D(2025, 1, 20), nil)
	record(c5, f.X, healthrecord.KindENTRY_EXAM, civil.D(2024, 12, 1), nil)

	// Morning checks in the check week (9–13 June):
	//   c1 every weekday, plus a NOON check on the 9th and a MORNING check on Saturday the 14th;
	//   c2 on the 9th and 10th; c3 none; c4 on the 9th, 10th and 11th; c5 twice on the 13th
	//   (at X and at A: one institution holds one check per child, day and session).
	morning, noon := healthrecord.SessionMORNING, healthrecord.SessionNOON
	for d := 9; d <= 13; d++ {
		record(c1, f.A, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, d), &morning)
	}
	record(c1, f.A, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 9), &noon)
	record(c1, f.A, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 14), &morning)
	record(c2, f.B, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 9), &morning)
	record(c2, f.B, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 10), &morning)
	for d := 9; d <= 11; d++ {
		record(c4, f.K1, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, d), &morning)
	}
	record(c5, f.X, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 13), &morning)
	record(c5, f.A, healthrecord.KindDAILY_CHECK, civil.D(2025, 6, 13), &morning)

	// Developmental screenings (check-points in June: c1 24 m = 06-16, c2 36 m = 06-16,
	// c3 36 m = 06-17, c5 18 m = 06-01, c6 6 m = 2024-12-31 + 6 months = 06-30 clamped):
	//   c1 screened 07-10 (24 days after: counts); c2 screened 05-10 (37 days before: does not);
	//   c3 screened 06-17; c5 none; c6 screened 06-30.
	record(c1, f.A, healthrecord.KindDEV_SCREENING, civil.D(2025, 7, 10), nil)
	record(c2, f.B, healthrecord.KindDEV_SCREENING, civil.D(2025, 5, 10), nil)
	record(c3, f.K1, healthrecord.KindDEV_SCREENING, civil.D(2025, 6, 17), nil)
	record(c6, f.A, healthrecord.KindDEV_SCREENING, civil.D(2025, 6, 30), nil)

	// Staff (all hired 2024-01-01 unless noted):
	//   s1 CAREGIVER at A, CHILDCARE_WORKER certificate, no expiry: certified.
	//   s2 CAREGIVER at A, INFANT_CARER expiring on AsOf: not certified.
	//   s3 CAREGIVER at B, only a NURSE licence: not certified.
	//   s4 CAREGIVER at K1, left on AsOf: not active.
	//   s5 TEACHER at K1 with a KINDERGARTEN_TEACHER certificate: not a caregiver.
	//   s6 CAREGIVER at K1 hired on AsOf with a KINDERGARTEN_TEACHER certificate issued on AsOf: certified.
	person := 0
	hire := func(in *ent.Institution, role staff.Role, hired time.Time, left *time.Time) *ent.Staff {
		person++
		return c.Staff.Create().SetName(fmt.Sprintf("s%d", person)).SetIDNumberHash(fmt.Sprintf("hash%d", person)).
			SetIDNumberMasked("1101**********0000").SetRole(role).SetInstitution(in).SetHiredAt(hired).SetNillableLeftAt(left).SaveX(ctx)
	}
	certify := func(s *ent.Staff, typ certification.Type, issued time.Time, expires *time.Time) {
		c.Certification.Create().SetStaff(s).SetType(typ).SetNumber("N").SetIssuer("人社局").SetIssuedAt(issued).SetNillableExpiresAt(expires).ExecX(ctx)
	}
	s1 := hire(f.A, staff.RoleCAREGIVER, opened, nil)
	certify(s1, certification.TypeCHILDCARE_WORKER, opened, nil)
	s2 := hire(f.A, staff.RoleCAREGIVER, opened, nil)
	certify(s2, certification.TypeINFANT_CARER, civil.D(2022, 1, 1), &AsOf)
	s3 := hire(f.B, staff.RoleCAREGIVER, opened, nil)
	certify(s3, certification.TypeNURSE, opened, nil)
	hire(f.K1, staff.RoleCAREGIVER, opened, &AsOf)
	s5 := hire(f.K1, staff.RoleTEACHER, opened, nil)
	certify(s5, certification.TypeKINDERGARTEN_TEACHER, opened, nil)
	s6 := hire(f.K1, staff.RoleCAREGIVER, AsOf, nil)
	certify(s6, certification.TypeKINDERGARTEN_TEACHER, AsOf, nil)

	// Surveys in the check week [06-09, 06-16):
	//   D1 SATISFACTION 06-09: 90 of 100; S11 SATISFACTION 06-15: 40 of 50;
	//   D1 SATISFACTION 06-16 (on the exclusive end: not counted): 0 of 1000;
	//   D2 PARENTING_KNOWLEDGE 06-12: 19 of 20.
	poll := func(r *ent.Region, kind survey.Kind, day time.Time, respondents, positive int) {
		c.Survey.Create().SetRegion(r).SetKind(kind).SetDate(day).SetRespondents(respondents).SetPositive(positive).ExecX(ctx)
	}
	poll(f.D1, survey.KindSATISFACTION, civil.D(2025, 6, 9), 100, 90)
	poll(f.S11, survey.KindSATISFACTION, civil.D(2025, 6, 15), 50, 40)
	poll(f.D1, survey.KindSATISFACTION, civil.D(2025, 6, 16), 1000, 0)
	poll(f.D2, survey.KindPARENTING_KNOWLEDGE, civil.D(2025, 6, 12), 20, 19)

	// Targets: the city's SEATS_PER_1000 for 2025 (4.5) and 2030 (6);
	// D1's FILING_RATE = 1 by 2027.
	aim := func(r *ent.Region, key schematype.IndicatorKey, year int, value float64, cmp target.Comparator) {
		c.Target.Create().SetRegion(r).SetIndicator(key).SetTargetYear(year).SetTargetValue(value).SetComparator(cmp).SetSource("test").ExecX(ctx)
	}
	aim(f.C, schematype.SeatsPer1000, 2025, 4.5, target.ComparatorAtLeast)
	aim(f.C, schematype.SeatsPer1000, 2030, 6, target.ComparatorAtLeast)
	aim(f.D1, schematype.FilingRate, 2027, 1, target.ComparatorExactly)
	return f
}

func ptr[T any](v T) *T { return &v }
