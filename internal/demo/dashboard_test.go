package demo

import (
	"os"
	"testing"

	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestDashboardIsFull: in the default KPI period (stock indicators as of
// the load day, period indicators over the last full month) every indicator
// has a value for every district, and every district has a target for every
// seed indicator, so the first dashboard a newcomer runs is full. District
// scale always; city scale (13 districts) too unless -short.
func TestDashboardIsFull(t *testing.T) {
	scales := []Scale{ScaleDistrict}
	if !testing.Short() || os.Getenv("TUOYU_DEMO_CITY") != "" {
		scales = append(scales, ScaleCity)
	}
	for _, scale := range scales {
		t.Run(string(scale), func(t *testing.T) {
			d, client, _ := load(t, scale, 1)
			ctx := testdb.Ctx()
			districts, err := client.Region.Query().Where(region.LevelEQ(region.LevelDISTRICT)).IDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[Scale]int{ScaleDistrict: 1, ScaleCity: 13}[scale]; len(districts) != want {
				t.Fatalf("%d districts; want %d", len(districts), want)
			}
			// The server's defaults on the load day: asOf today, [from, to) the last full month.
			to := civil.D(testAsOf.Year(), testAsOf.Month(), 1)
			p := kpi.Point{AsOf: testAsOf, From: to.AddDate(0, -1, 0), To: to}
			res, err := kpi.New(client, d.Driver, d.Dialect).Evaluate(ctx, kpi.Query{
				Keys: schematype.IndicatorKeys, RegionIDs: districts, Points: []kpi.Point{p}, Targets: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := len(districts) * len(schematype.IndicatorKeys); len(res) != want {
				t.Fatalf("%d results; want %d", len(res), want)
			}
			for _, r := range res {
				if r.Value == nil {
					t.Errorf("district %d: %s has no value (numerator %v, denominator %v)", r.RegionID, r.Key, r.Numerator, r.Denominator)
				}
				if r.Target == nil {
					t.Errorf("district %d: %s has no target", r.RegionID, r.Key)
				}
			}
		})
	}
}
