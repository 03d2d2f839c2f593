package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/filing"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/ent/seat"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/nearby"
	"github.com/tuoyu/tuoyu/internal/testdb"
	"github.com/tuoyu/tuoyu/migrate"
)

// BenchmarkNearby3km measures nearbyInstitutions (internal/nearby.Search,
// the resolver's whole work) at province scale: a 3 km search around a
// point drawn near a random institution, as a parent near a centre would
// search. It reports the p95 latency (p95-ms) over all iterations.
//
// Data, PostgreSQL: a copy of the province demo database NEARBY_TEMPLATE
// (default bench_province, seeded by `server seed --scale province`; read
// only, used as CREATE DATABASE … TEMPLATE) migrated to head, which also
// runs the S2 backfill of migration data_workflows_ops. When the copy is
// impossible (no template, busy template) or on SQLite, institutions are
// generated: 5,000 filed institutions in 14 city clusters over Liaoning's
// extent, 40 seats and 25 FULL_DAY children each (the demo's proportions).
func BenchmarkNearby3km(b *testing.B) {
	client, day, points := nearbyData(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	var lat []time.Duration
	found := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := points[rng.IntN(len(points))]
		start := time.Now()
		res, err := nearby.Search(ctx, client, nearby.Query{Latitude: p[0] + (rng.Float64()-0.5)*0.02, Longitude: p[1] + (rng.Float64()-0.5)*0.02,
			RadiusMeters: 3000, First: 20, Day: day})
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		found += len(res)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p95 := lat[len(lat)*95/100]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(found)/float64(len(lat)), "results/op")
}

// nearbyData returns a client over the benchmark data, "today", and the
// coordinates of institutions to search around.
func nearbyData(b *testing.B) (*ent.Client, time.Time, [][2]float64) {
	b.Helper()
	if testdb.Dialect() == "postgres" {
		if c, day, pts, ok := fromTemplate(b); ok {
			return c, day, pts
		}
	}
	d := testdb.Open(b)
	return d.Client, civil.D(2026, 10, 31), generate(b, d.Client)
}

// fromTemplate copies the province demo database and migrates it to head.
func fromTemplate(b *testing.B) (*ent.Client, time.Time, [][2]float64, bool) {
	admin := os.Getenv("TEST_DATABASE_URL")
	tmpl := os.Getenv("NEARBY_TEMPLATE")
	if tmpl == "" {
		tmpl = "bench_province"
	}
	if admin == "" {
		return nil, time.Time{}, nil, false
	}
	adb, err := sql.Open("postgres", admin)
	if err != nil {
		return nil, time.Time{}, nil, false
	}
	defer adb.Close()
	name := fmt.Sprintf("nearby_bench_%d", time.Now().UnixNano())
	if _, err := adb.Exec("CREATE DATABASE " + name + " TEMPLATE " + tmpl); err != nil {
		b.Logf("no copy of %s (%v): generating institutions", tmpl, err)
		return nil, time.Time{}, nil, false
	}
	b.Cleanup(func() {
		if c, err := sql.Open("postgres", admin); err == nil {
			_, _ = c.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			c.Close()
		}
	})
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	cfg := db.Defaults()
	cfg.URL = u.String()
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	if _, err := migrate.Apply(context.Background(), d.SQL, d.Dialect, nil); err != nil {
		b.Logf("copy of %s does not migrate (%v): generating institutions", tmpl, err)
		return nil, time.Time{}, nil, false
	}
	client := ent.NewClient(ent.Driver(d.Driver))
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	insts, err := client.Institution.Query().Where(institution.S2CellNotNil()).All(sys)
	if err != nil || len(insts) == 0 {
		b.Fatalf("template institutions: %v (%d)", err, len(insts))
	}
	pts := make([][2]float64, len(insts))
	for i, in := range insts {
		pts[i] = [2]float64{*in.Latitude, *in.Longitude}
	}
	b.Logf("template %s: %d institutions", tmpl, len(insts))
	return client, civil.D(2026, 10, 31), pts, true
}

// generate writes the synthetic province (see BenchmarkNearby3km).
func generate(b *testing.B, c *ent.Client) [][2]float64 {
	b.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	rng := rand.New(rand.NewPCG(1, 2))
	prov := c.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	city := c.Region.Create().SetCode("210100").SetName("沈阳市").SetLevel(region.LevelCITY).SetParent(prov).SaveX(ctx)
	centres := make([][2]float64, 14)
	for i := range centres {
		centres[i] = [2]float64{38.8 + rng.Float64()*4.5, 119.0 + rng.Float64()*6.5}
	}
	const n, seatsEach, childrenEach = 5000, 40, 25
	var pts [][2]float64
	opened := civil.D(2023, 1, 1)
	for batch := 0; batch < n; batch += 500 {
		bs := make([]*ent.InstitutionCreate, 500)
		for i := range bs {
			cc := centres[rng.IntN(len(centres))]
			lat, lng := cc[0]+rng.NormFloat64()*0.08, cc[1]+rng.NormFloat64()*0.1
			pts = append(pts, [2]float64{lat, lng})
			bs[i] = c.Institution.Create().SetName(fmt.Sprintf("机构%05d", batch+i)).SetCreditCode(benchCreditCode(batch + i)).
				SetForm(institution.FormCENTER).SetLegalNature(institution.LegalNatureFOR_PROFIT).SetOwnership(institution.OwnershipPRIVATE).
				SetServiceModes([]schematype.ServiceMode{schematype.ServiceModeFullDay}).SetOpenedAt(opened).SetRegion(city).
				SetLatitude(lat).SetLongitude(lng).SetMonthlyFee(1500 + rng.IntN(2000))
		}
		insts := c.Institution.CreateBulk(bs...).SaveX(ctx)
		var fs []*ent.FilingCreate
		var ss []*ent.SeatCreate
		for _, in := range insts {
			fs = append(fs, c.Filing.Create().SetInstitution(in).SetSubmittedAt(opened).SetStatus(filing.StatusFILED).SetReceiptAt(opened))
			for k := range seatsEach {
				ss = append(ss, c.Seat.Create().SetInstitution(in).SetAgeBand([]seat.AgeBand{seat.AgeBandINFANT, seat.AgeBandTODDLER, seat.AgeBandPRESCHOOL}[k%3]).SetOpenedAt(opened))
			}
		}
		c.Filing.CreateBulk(fs...).ExecX(ctx)
		for i := 0; i < len(ss); i += 2000 {
			c.Seat.CreateBulk(ss[i:min(i+2000, len(ss))]...).ExecX(ctx)
		}
		var ch []*ent.ChildCreate
		for range insts {
			for range childrenEach {
				ch = append(ch, c.Child.Create().SetName("童").SetSex("MALE").SetBirthDate(civil.D(2025, time.Month(1+rng.IntN(12)), 1)))
			}
		}
		var kids []*ent.Child
		for i := 0; i < len(ch); i += 2000 {
			kids = append(kids, c.Child.CreateBulk(ch[i:min(i+2000, len(ch))]...).SaveX(ctx)...)
		}
		var es []*ent.EnrolmentCreate
		for i, k := range kids {
			es = append(es, c.Enrolment.Create().SetChild(k).SetInstitution(insts[i/childrenEach]).SetServiceMode(schematype.ServiceModeFullDay).SetStartDate(civil.D(2026, 9, 1)))
		}
		for i := 0; i < len(es); i += 2000 {
			c.Enrolment.CreateBulk(es[i:min(i+2000, len(es))]...).ExecX(ctx)
		}
	}
	return pts
}

// benchCreditCode is the n-th valid 统一社会信用代码 of the generated province.
func benchCreditCode(n int) string {
	first17 := fmt.Sprintf("91210102MB%07d", n)
	c, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}
