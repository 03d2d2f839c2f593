package graph_test

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/inclusivedesignation"
	"github.com/tuoyu/tuoyu/ent/inspection"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/nearby/s2cell"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// Search centre of the nearby tests (沈阳 市府广场).
const centreLat, centreLng = 41.8057, 123.4315

// northOf returns the latitude d metres north of the centre.
func northOf(d float64) float64 { return centreLat + d/s2cell.EarthRadiusMeters*180/math.Pi }

// placesFixture: in a 3 km search around the centre —
//
//	near   500 m, filed, 普惠 (fees 2000/1200), 3 TODDLER + 2 INFANT seats;
//	       2 FULL_DAY toddlers, 1 HOURLY toddler (not counted), 3 HALF_DAY
//	       infants by seat (over capacity: vacancies 0, never negative)
//	mid   2000 m, filed, not 普惠, HALF_DAY only, 4 PRESCHOOL seats
//	far   4000 m, filed (outside 3 km)
//	hidden 100 m, submitted but not filed (never shown)
//	closed 300 m, filed but closed
type placesFixture struct {
	near, mid, far, hidden, closed *ent.Institution
}

func newPlacesFixture(t *testing.T, c *ent.Client) placesFixture {
	t.Helper()
	ctx := testdb.Ctx()
	tr := buildTree(t, c, 0)
	n := 100
	mk := func(name string, dist float64, modes []schematype.ServiceMode, filed bool) *ent.Institution {
		n++
		inst := c.Institution.Create().SetName(name).SetCreditCode(creditCode(t, n)).
			SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNatureNONPROFIT).
			SetOwnership(institution.OwnershipPRIVATE).SetServiceModes(modes).
			SetOpenedAt(civil.D(2023, 1, 1)).SetRegion(tr.subdistricts[0]).
			SetLatitude(northOf(dist)).SetLongitude(centreLng).SaveX(ctx)
		st := filing.StatusSUBMITTED
		if filed {
			st = filing.StatusFILED
		}
		b := c.Filing.Create().SetInstitution(inst).SetSubmittedAt(civil.D(2023, 1, 2)).SetStatus(st)
		if filed {
			b.SetReceiptAt(civil.D(2023, 1, 5)).SetReceiptNumber("沈和卫托备〔2023〕" + inst.Name)
		}
		b.ExecX(ctx)
		return inst
	}
	full := []schematype.ServiceMode{schematype.ServiceModeFullDay, schematype.ServiceModeHalfDay}
	f := placesFixture{
		near:   mk("近托育", 500, full, true),
		mid:    mk("中托育", 2000, []schematype.ServiceMode{schematype.ServiceModeHalfDay}, true),
		far:    mk("远托育", 4000, full, true),
		hidden: mk("未备案", 100, full, false),
		closed: mk("已关闭", 300, full, true),
	}
	f.near = f.near.Update().SetMonthlyFee(2000).SetInclusiveMonthlyFee(1200).SaveX(ctx)
	f.mid = f.mid.Update().SetMonthlyFee(2600).SaveX(ctx)
	f.closed.Update().SetClosedAt(civil.D(2024, 1, 1)).ExecX(ctx)
	c.InclusiveDesignation.Create().SetInstitution(f.near).SetCategory(inclusivedesignation.CategorySOCIAL_INCLUSIVE).
		SetDesignatedBy("和平区卫生健康局").SetValidFrom(civil.D(2023, 6, 1)).ExecX(ctx)
	seats := func(inst *ent.Institution, band seat.AgeBand, k int) []*ent.Seat {
		bs := make([]*ent.SeatCreate, k)
		for i := range bs {
			bs[i] = c.Seat.Create().SetInstitution(inst).SetAgeBand(band).SetOpenedAt(civil.D(2023, 1, 1))
		}
		return c.Seat.CreateBulk(bs...).SaveX(ctx)
	}
	seats(f.near, seat.AgeBandTODDLER, 3)
	infant := seats(f.near, seat.AgeBandINFANT, 2)
	seats(f.mid, seat.AgeBandPRESCHOOL, 4)
	seats(f.far, seat.AgeBandTODDLER, 1)
	// A closed seat does not count.
	c.Seat.Create().SetInstitution(f.near).SetAgeBand(seat.AgeBandTODDLER).SetOpenedAt(civil.D(2023, 1, 1)).SetClosedAt(civil.D(2024, 1, 1)).ExecX(ctx)
	today := civil.Today(time.UTC)
	enrol := func(inst *ent.Institution, ageMonths int, mode schematype.ServiceMode, s *ent.Seat) {
		child := c.Child.Create().SetName("童").SetSex("FEMALE").SetBirthDate(civil.AddMonths(today, -ageMonths)).SaveX(ctx)
		b := c.Enrolment.Create().SetChild(child).SetInstitution(inst).SetServiceMode(mode).SetStartDate(today.AddDate(0, 0, -1))
		if s != nil {
			b.SetSeat(s)
		}
		b.ExecX(ctx)
	}
	enrol(f.near, 15, schematype.ServiceModeFullDay, nil)
	enrol(f.near, 20, schematype.ServiceModeFullDay, nil)
	enrol(f.near, 18, schematype.ServiceModeHourly, nil)
	for range 3 {
		enrol(f.near, 8, schematype.ServiceModeHalfDay, infant[0])
	}
	return f
}

const nearbyQuery = `query($lat: Float!, $lng: Float!, $r: Int! = 3000, $inc: Boolean! = false, $band: AgeBand, $mode: ServiceMode, $first: Int! = 20) {
  nearbyInstitutions(latitude: $lat, longitude: $lng, radiusMeters: $r, inclusiveOnly: $inc, ageBand: $band, serviceMode: $mode, first: $first) {
    institution { id name } distanceMeters inclusive monthlyFee
    vacancies { ageBand seats occupied vacancies }
  }
}`

type nearbyRow struct {
	Institution struct {
		ID   string
		Name string
	}
	DistanceMeters float64
	Inclusive      bool
	MonthlyFee     *int
	Vacancies      []struct {
		AgeBand                    string
		Seats, Occupied, Vacancies int
	}
}

func searchNearby(t *testing.T, s *gqltest.Server, vars map[string]any) []nearbyRow {
	t.Helper()
	if vars["lat"] == nil {
		vars["lat"], vars["lng"] = centreLat, centreLng
	}
	var out struct{ NearbyInstitutions []nearbyRow }
	s.Do(t, nearbyQuery, vars).Decode(t, &out)
	return out.NearbyInstitutions
}

func names(rows []nearbyRow) string {
	var n []string
	for _, r := range rows {
		n = append(n, r.Institution.Name)
	}
	return strings.Join(n, ",")
}

// PUBLIC, without a token, finds the filed, open institutions within the
// radius nearest first, with the fee a family pays and vacancies per band.
func TestNearbyInstitutionsAsPublic(t *testing.T) {
	s := gqltest.New(t) // PUBLIC
	f := newPlacesFixture(t, s.Client)
	rows := searchNearby(t, s, map[string]any{})
	if got := names(rows); got != "近托育,中托育" {
		t.Fatalf("found %q, want 近托育,中托育 (unfiled, closed and 4 km away left out)", got)
	}
	near := rows[0]
	if math.Abs(near.DistanceMeters-500) > 1 || math.Abs(rows[1].DistanceMeters-2000) > 2 {
		t.Errorf("distances %v, %v; want 500, 2000", near.DistanceMeters, rows[1].DistanceMeters)
	}
	if !near.Inclusive || near.MonthlyFee == nil || *near.MonthlyFee != 1200 {
		t.Errorf("near: inclusive %v fee %v; want the inclusive fee 1200", near.Inclusive, near.MonthlyFee)
	}
	if rows[1].Inclusive || rows[1].MonthlyFee == nil || *rows[1].MonthlyFee != 2600 {
		t.Errorf("mid: inclusive %v fee %v; want the published fee 2600", rows[1].Inclusive, rows[1].MonthlyFee)
	}
	got, _ := json.Marshal(near.Vacancies)
	want := `[{"AgeBand":"INFANT","Seats":2,"Occupied":3,"Vacancies":0},{"AgeBand":"TODDLER","Seats":3,"Occupied":2,"Vacancies":1}]`
	if string(got) != want {
		t.Errorf("vacancies %s\nwant %s", got, want)
	}
	if r := searchNearby(t, s, map[string]any{"inc": true}); names(r) != "近托育" {
		t.Errorf("inclusiveOnly: %q", names(r))
	}
	if r := searchNearby(t, s, map[string]any{"band": "PRESCHOOL"}); names(r) != "中托育" {
		t.Errorf("ageBand PRESCHOOL: %q", names(r))
	}
	if r := searchNearby(t, s, map[string]any{"mode": "FULL_DAY"}); names(r) != "近托育" {
		t.Errorf("serviceMode FULL_DAY: %q", names(r))
	}
	if r := searchNearby(t, s, map[string]any{"first": 1}); names(r) != "近托育" {
		t.Errorf("first 1: %q", names(r))
	}
	if r := searchNearby(t, s, map[string]any{"r": 5000}); names(r) != "近托育,中托育,远托育" {
		t.Errorf("5 km: %q", names(r))
	}
	_ = f
}

// Out-of-range arguments are BAD_USER_INPUT naming the argument.
func TestNearbyInstitutionsValidation(t *testing.T) {
	s := gqltest.New(t)
	for _, c := range []struct {
		vars  map[string]any
		field string
	}{
		{map[string]any{"lat": 91.0, "lng": 0.0}, "latitude"},
		{map[string]any{"lat": 0.0, "lng": -180.5}, "longitude"},
		{map[string]any{"r": 50001}, "radiusMeters"},
		{map[string]any{"r": 0}, "radiusMeters"},
		{map[string]any{"first": 101}, "first"},
		{map[string]any{"first": 0}, "first"},
	} {
		if c.vars["lat"] == nil {
			c.vars["lat"], c.vars["lng"] = centreLat, centreLng
		}
		resp := s.Do(t, nearbyQuery, c.vars)
		if len(resp.Errors) != 1 || resp.Errors[0].Code() != "BAD_USER_INPUT" || resp.Errors[0].Field() != c.field {
			t.Errorf("%v: %s; want BAD_USER_INPUT on %s", c.vars, resp.Body, c.field)
		}
	}
}

// The search reads the S2 cell column, which the hook keeps equal to the
// coordinates; a row whose cell is missing is not found (no table scan),
// and the migration backfill restores it.
func TestNearbyUsesS2CellIndex(t *testing.T) {
	s := gqltest.New(t)
	f := newPlacesFixture(t, s.Client)
	ctx := testdb.Ctx()
	got := s.Client.Institution.GetX(ctx, f.near.ID)
	if got.S2Cell == nil || *got.S2Cell != s2cell.ID(*got.Latitude, *got.Longitude) {
		t.Fatalf("hook did not set the cell: %v", got.S2Cell)
	}
	// Moving it (latitude only) moves the cell; the old longitude is kept.
	moved := s.Client.Institution.UpdateOne(got).SetLatitude(northOf(10000)).SaveX(ctx)
	if *moved.S2Cell != s2cell.ID(northOf(10000), centreLng) {
		t.Fatal("hook did not follow a latitude change")
	}
	if r := searchNearby(t, s, map[string]any{}); names(r) != "中托育" {
		t.Fatalf("after moving 近托育 10 km away: %q", names(r))
	}
	cleared := s.Client.Institution.UpdateOne(moved).ClearLongitude().SaveX(ctx)
	if cleared.S2Cell != nil {
		t.Fatal("cell kept without coordinates")
	}
	// Clear the cell behind the hook's back: the search no longer sees the row.
	if _, err := s.DB.SQL.ExecContext(ctx, `UPDATE institutions SET s2_cell = NULL WHERE id = `+itoa(f.mid.ID)); err != nil {
		t.Fatal(err)
	}
	if r := searchNearby(t, s, map[string]any{}); len(r) != 0 {
		t.Fatalf("found %q without an S2 cell: the search is not using the index", names(r))
	}
	tx, err := s.DB.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.BackfillS2Cells(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if r := searchNearby(t, s, map[string]any{}); names(r) != "中托育" {
		t.Fatalf("after backfill: %q", names(r))
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

const profileQuery = `query($id: ID!) { publicInstitution(id: $id) {
  institution { name serviceModes }
  filing { filingId receiptNumber status receiptDate }
  designation { category designatedBy validFrom validTo }
  monthlyFee
  seats { ageBand seats inclusive }
  inspections { date kind outcome }
} }`

// The public profile shows the filing receipt, 普惠 status and fee, seats
// and inspection outcomes to PUBLIC; unfiled or closed institutions have none.
func TestPublicInstitutionProfile(t *testing.T) {
	s := gqltest.New(t)
	f := newPlacesFixture(t, s.Client)
	ctx := testdb.Ctx()
	s.Client.Seat.Create().SetInstitution(f.near).SetAgeBand(seat.AgeBandTODDLER).SetInclusive(true).SetOpenedAt(civil.D(2023, 1, 1)).ExecX(ctx)
	s.Client.Inspection.Create().SetInstitution(f.near).SetInspectedOn(civil.D(2024, 5, 6)).SetKind(inspection.KindROUTINE).
		SetInspector("张三检查组").SetOutcome(inspection.OutcomeCORRECTIONS_REQUIRED).ExecX(ctx)
	s.Client.Inspection.Create().SetInstitution(f.near).SetInspectedOn(civil.D(2025, 2, 3)).SetKind(inspection.KindFOLLOW_UP).
		SetInspector("张三检查组").SetOutcome(inspection.OutcomePASSED).ExecX(ctx)
	resp := s.Do(t, profileQuery, map[string]any{"id": f.near.ID})
	var out struct {
		PublicInstitution struct {
			Institution struct{ Name string }
			Filing      struct {
				ReceiptNumber, Status, ReceiptDate string
			}
			Designation *struct{ Category, DesignatedBy, ValidFrom string }
			MonthlyFee  int
			Seats       []struct {
				AgeBand          string
				Seats, Inclusive int
			}
			Inspections []struct{ Date, Kind, Outcome string }
		}
	}
	resp.Decode(t, &out)
	p := out.PublicInstitution
	if p.Filing.Status != "FILED" || p.Filing.ReceiptDate != "2023-01-05" || p.Filing.ReceiptNumber != "沈和卫托备〔2023〕"+f.near.Name {
		t.Errorf("filing %+v", p.Filing)
	}
	if p.Designation == nil || p.Designation.Category != "SOCIAL_INCLUSIVE" || p.MonthlyFee != 1200 {
		t.Errorf("designation %+v fee %d", p.Designation, p.MonthlyFee)
	}
	if len(p.Seats) != 2 || p.Seats[1].AgeBand != "TODDLER" || p.Seats[1].Seats != 4 || p.Seats[1].Inclusive != 1 {
		t.Errorf("seats %+v", p.Seats)
	}
	if len(p.Inspections) != 2 || p.Inspections[0].Date != "2025-02-03" || p.Inspections[0].Outcome != "PASSED" || p.Inspections[1].Outcome != "CORRECTIONS_REQUIRED" {
		t.Errorf("inspections %+v", p.Inspections)
	}
	if strings.Contains(resp.Body, "张三") || strings.Contains(resp.Body, "童") {
		t.Errorf("personal data in the public profile: %s", resp.Body)
	}
	for _, id := range []int{f.hidden.ID, f.closed.ID, 999999} {
		var none struct{ PublicInstitution *struct{} }
		s.Do(t, profileQuery, map[string]any{"id": id}).Decode(t, &none)
		if none.PublicInstitution != nil {
			t.Errorf("institution %d: profile shown", id)
		}
	}
	// The inspections themselves stay closed to PUBLIC.
	resp = s.Do(t, `query($id: ID!) { node(id: $id) { ... on Institution { inspections { totalCount } } } }`, map[string]any{"id": f.near.ID})
	if len(resp.Errors) == 0 {
		t.Errorf("PUBLIC read inspections directly: %s", resp.Body)
	}
}

// The PUBLIC rate limit applies to nearby searches as to any request: the
// second search of a client over a one-request burst is 429.
func TestNearbyInstitutionsRateLimited(t *testing.T) {
	frozen := time.Date(2026, time.March, 16, 9, 0, 0, 0, time.UTC)
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{
		RateLimiter: ratelimit.New(ratelimit.Config{AnonRate: 0.5, AnonBurst: 1, Now: func() time.Time { return frozen }}),
	}))
	q := `{ nearbyInstitutions(latitude: 41.8, longitude: 123.4) { distanceMeters } }`
	if resp := s.Do(t, q, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("first: %d %s", resp.Status, resp.Body)
	}
	if resp := s.Do(t, q, nil); resp.Status != http.StatusTooManyRequests {
		t.Fatalf("second: %d %s", resp.Status, resp.Body)
	}
}
