package db_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tuoyu/tuoyu/ent/auditlog"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/ent/survey"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/idempotency"
	"github.com/tuoyu/tuoyu/internal/pgcluster"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/migrate"
)

// TestPgBouncerTransactionPooling runs tuoyu's core paths through a real
// PgBouncer in transaction pooling mode, configured as the README's
// "Pooling" section says: session settings on the database (PgBouncer
// drops them from the startup packet), migrations over a direct URL
// (--migrate-database-url: their advisory lock is session-level), and
// --pgbouncer-transaction-mode, which runs each statement outside a
// transaction in one of its own (lib/pq's unnamed prepared statement must
// not change server connection between parse and execute; without it this
// test fails with INTERNAL and UNAVAILABLE answers). Many requests at once
// over 4 server connections: demo data load, KPI queries, audited reads of
// children, mutations with Idempotency-Key and their replays; then two
// servers migrating one fresh database at once apply it once.
func TestPgBouncerTransactionPooling(t *testing.T) {
	primary := pgcluster.Primary(t)
	admin := openRaw(t, primary.URL("postgres"))
	defer admin.Close()
	primary.BouncedDatabase("app")
	bouncer := pgcluster.StartBouncer(t, primary.Port)

	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	cfg := db.Defaults()
	cfg.URL = bouncer.URL("app")
	cfg.MigrateURL = primary.URL("app")
	cfg.PgBouncerTransactionMode = true
	cfg.MaxOpenConns = 12 // more clients than the bouncer's 4 server connections
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	withoutDirect := cfg
	withoutDirect.MigrateURL = ""
	if nd, err := db.Open(ctx, withoutDirect); err != nil {
		t.Fatal(err)
	} else {
		if _, _, err := nd.MigrationPool(ctx); err == nil || !strings.Contains(err.Error(), "--migrate-database-url") {
			t.Errorf("migrating through PgBouncer in transaction mode: %v; want a refusal naming --migrate-database-url", err)
		}
		if _, _, err := nd.QueuePool(ctx); err == nil || !strings.Contains(err.Error(), "--migrate-database-url") {
			t.Errorf("the job queue through PgBouncer in transaction mode: %v; want a refusal naming --migrate-database-url", err)
		}
		nd.Close()
	}
	// River's statements go through database/sql outside transactions,
	// which pinnedDriver does not guard: the queue gets a small direct pool.
	queuePool, closeQueue, err := d.QueuePool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if queuePool == d.SQL || queuePool.Stats().MaxOpenConnections != 4 {
		t.Errorf("the job queue's pool behind PgBouncer: the primary's (%v), at most %d connections; want its own direct pool of 4", queuePool == d.SQL, queuePool.Stats().MaxOpenConnections)
	}
	if err := queuePool.PingContext(ctx); err != nil {
		t.Errorf("the job queue's direct pool: %v", err)
	}
	closeQueue()
	pool, release, err := d.MigrationPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Apply(ctx, pool, d.Dialect, nil); err != nil {
		t.Fatalf("migrate over the direct URL: %v", err)
	}
	release()

	// The session settings hold on pooled connections (from the database,
	// since the startup options never reach the server).
	for setting, want := range map[string]string{"statement_timeout": "30s", "TimeZone": "UTC", "jit": "off", "max_parallel_workers_per_gather": "0"} {
		var got string
		if err := d.SQL.QueryRowContext(ctx, "SHOW "+setting).Scan(&got); err != nil || got != want {
			t.Errorf("SHOW %s through PgBouncer = %q, %v; want %q", setting, got, err, want)
		}
	}

	hasher, err := pii.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	client := d.Client()
	if _, err := demo.Load(ctx, client, demo.Options{Scale: demo.ScaleDistrict, AsOf: civil.D(2026, 11, 1), Hasher: hasher}); err != nil {
		t.Fatalf("demo load through PgBouncer: %v", err)
	}
	district := client.Region.Query().Where(region.LevelEQ(region.LevelDISTRICT)).FirstX(ctx)
	province := client.Region.Query().Where(region.LevelEQ(region.LevelPROVINCE)).FirstX(ctx)
	auditBefore := client.AuditLog.Query().CountX(ctx)

	schema := graph.NewSchema(graph.Deps{Client: client, Hasher: hasher, Driver: d.EntDriver(), Dialect: d.Dialect})
	inner := graph.NewHandler(schema, client, graph.HandlerOptions{})
	viewer := &auth.Viewer{Subject: "province", Role: auth.ProvinceRegulator, RegionCode: province.Code}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), viewer)))
	})
	do := func(query string, vars map[string]any, key string) (string, string, error) {
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set(idempotency.Header, key)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			return "", "", fmt.Errorf("HTTP %d %s", rec.Code, rec.Body.String())
		}
		return rec.Body.String(), rec.Header().Get(idempotency.ReplayedHeader), nil
	}
	kpi := `query KPI { indicatorValues(keys: [SEATS_PER_1000, ENROLMENT_RATE, STAFF_CERTIFICATION_RATE], regionIDs: ["` + strconv.Itoa(district.ID) + `"], asOf: "2026-10-01") { key value } }`
	children := `query Kids { children(first: 5) { edges { node { id name birthDate } } } }`
	create := `mutation Create($in: CreateSurveyInput!) { createSurvey(input: $in) { id respondents } }`

	const workers, rounds = 8, 5
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	wantKPI, _, err := do(kpi, nil, "")
	if err != nil {
		t.Fatalf("KPI: %v", err)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if got, _, err := do(kpi, nil, ""); err != nil || got != wantKPI {
					fail(fmt.Errorf("KPI: %v %s", err, got))
				}
				if _, _, err := do(children, nil, ""); err != nil {
					fail(fmt.Errorf("children: %v", err))
				}
				key := fmt.Sprintf("bouncer-%d-%d", w, r)
				vars := map[string]any{"in": map[string]any{"kind": "SATISFACTION", "date": "2026-10-01", "respondents": 1000 + w, "positive": 1, "regionID": province.ID}}
				first, replayed, err := do(create, vars, key)
				if err != nil || replayed != "" {
					fail(fmt.Errorf("mutation: %v (replayed %q)", err, replayed))
					continue
				}
				again, replayed, err := do(create, vars, key)
				if err != nil || replayed != "true" || again != first {
					fail(fmt.Errorf("replay: %v (replayed %q) %s; want %s", err, replayed, again, first))
				}
			}
		}(w)
	}
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	for w := 0; w < workers; w++ {
		if n := client.Survey.Query().Where(survey.Respondents(1000 + w)).CountX(ctx); n != rounds {
			t.Errorf("worker %d: %d surveys; want %d (one per key)", w, n, rounds)
		}
	}
	if n := client.AuditLog.Query().Where(auditlog.Operation("Kids")).CountX(ctx); n != workers*rounds {
		t.Errorf("%d audit rows of the children reads (%d before anything); want %d", n, auditBefore, workers*rounds)
	}

	// Two servers migrating at once over their direct URLs: the advisory
	// lock lets one apply and the other find nothing pending.
	t.Run("two servers migrate once", func(t *testing.T) {
		if _, err := admin.Exec("CREATE DATABASE fresh"); err != nil {
			t.Fatal(err)
		}
		var (
			wg      sync.WaitGroup
			applied [2][]string
			errs    [2]error
		)
		for i := range applied {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c := db.Defaults()
				c.URL = bouncer.URL("fresh")
				c.MigrateURL = primary.URL("fresh")
				c.PgBouncerTransactionMode = true
				s, err := db.Open(context.Background(), c)
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				pool, release, err := s.MigrationPool(context.Background())
				if err != nil {
					errs[i] = err
					return
				}
				defer release()
				applied[i], errs[i] = migrate.Apply(context.Background(), pool, s.Dialect, nil)
			}(i)
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("migrations: %v, %v", errs[0], errs[1])
		}
		dir, err := migrate.Dir(d.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := dir.Files()
		if a, b := len(applied[0]), len(applied[1]); a+b != len(files) || (a != 0 && b != 0) {
			t.Errorf("applied %d and %d migrations; want all %d by one server, none by the other", a, b, len(files))
		}
		var n int
		fresh := openRaw(t, primary.URL("fresh"))
		defer fresh.Close()
		if err := fresh.QueryRow("SELECT count(*) FROM tuoyu_schema_revisions").Scan(&n); err != nil || n != len(files) {
			t.Errorf("%d revisions recorded, %v; want %d", n, err, len(files))
		}
	})
}
