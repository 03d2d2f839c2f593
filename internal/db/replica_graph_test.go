package db_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/pgcluster"
	"github.com/tuoyu/tuoyu/migrate"
)

func post(h http.Handler, query string) (int, string) {
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(fmt.Sprintf(`{"query": %q}`, query)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestReplicaRoutingThroughGraphQL serves the real GraphQL handler as serve
// wires it (routed client, KPI engine on the router, ScopeRequests) over a
// primary and a real standby: a dashboard query (lists, KPIs) is served by
// the standby only; a mutation runs wholly on the primary, its response
// included; with the standby stopped the same requests are answered
// without errors from the primary.
func TestReplicaRoutingThroughGraphQL(t *testing.T) {
	primary := pgcluster.Primary(t)
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	var counted routes
	cfg := db.Defaults()
	cfg.URL = primary.URL("postgres")
	cfg.ConnectTimeout = 2 * time.Second
	boot, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Apply(ctx, boot.SQL, boot.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	client := boot.Client()
	p := client.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	c := client.Region.Create().SetCode("210100").SetName("沈阳市").SetLevel(region.LevelCITY).SetParent(p).SaveX(ctx)
	dist := client.Region.Create().SetCode("210102").SetName("和平区").SetLevel(region.LevelDISTRICT).SetParent(c).SaveX(ctx)
	boot.Close()

	standby := primary.Standby(t)
	cfg.ReplicaURLs = []string{standby.URL("postgres")}
	cfg.ReplicaHooks = db.Hooks{Route: counted.hook}
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	waitCaughtUp(t, d.Router)

	routed := d.RoutedClient()
	schema := graph.NewSchema(graph.Deps{Client: routed, Driver: d.EntDriver(), Dialect: d.Dialect})
	viewer := &auth.Viewer{Subject: "province-210000", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	inner := db.ScopeRequests(graph.NewHandler(schema, routed, graph.HandlerOptions{}))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), viewer)))
	})
	district := strconv.Itoa(dist.ID)
	dashboard := `{ regions { totalCount edges { node { name } } } indicatorValues(keys: [SEATS_PER_1000, ENROLMENT_RATE], regionIDs: ["` + district + `"]) { value } }`

	snapshot := func() map[db.Route]int {
		return map[db.Route]int{db.RouteReplica: counted.get(db.RouteReplica), db.RouteWrite: counted.get(db.RouteWrite), db.RouteAfterWrite: counted.get(db.RouteAfterWrite), db.RouteFallback: counted.get(db.RouteFallback)}
	}
	delta := func(before map[db.Route]int) map[db.Route]int {
		out := map[db.Route]int{}
		for r, n := range snapshot() {
			if n != before[r] {
				out[r] = n - before[r]
			}
		}
		return out
	}

	before := snapshot()
	if code, body := post(h, dashboard); code != http.StatusOK || strings.Contains(body, `"errors"`) || !strings.Contains(body, "和平区") {
		t.Fatalf("dashboard: HTTP %d %s", code, body)
	}
	if got := delta(before); got[db.RouteReplica] == 0 || len(got) != 1 {
		t.Errorf("dashboard query routes %v; want replica reads only", got)
	}

	before = snapshot()
	mutation := `mutation { updateRegion(id: "` + district + `", input: {name: "和平区(新)"}) { id name } }`
	if code, body := post(h, mutation); code != http.StatusOK || !strings.Contains(body, "和平区(新)") {
		t.Fatalf("mutation: HTTP %d %s", code, body)
	}
	if got := delta(before); got[db.RouteWrite] == 0 || got[db.RouteReplica] != 0 {
		t.Errorf("mutation routes %v; want the primary only", got)
	}

	standby.Stop()
	for i := 0; i < 3; i++ {
		if code, body := post(h, dashboard); code != http.StatusOK || strings.Contains(body, `"errors"`) {
			t.Fatalf("dashboard with the standby stopped: HTTP %d %s", code, body)
		}
	}
	d.Router.Check(context.Background())
	before = snapshot()
	if code, body := post(h, dashboard); code != http.StatusOK || strings.Contains(body, `"errors"`) || !strings.Contains(body, "和平区(新)") {
		t.Fatalf("dashboard after the check: HTTP %d %s", code, body)
	}
	if got := delta(before); got[db.RouteFallback] == 0 || got[db.RouteReplica] != 0 {
		t.Errorf("with the standby down, routes %v; want primary fallbacks only", got)
	}
}
