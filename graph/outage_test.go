package graph_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/migrate"
)

// pgBin is where Debian's PostgreSQL 15 binaries live.
const pgBin = "/usr/lib/postgresql/15/bin"

// cluster is a throwaway PostgreSQL cluster of one test, which the test may
// stop and start (never the shared cluster).
type cluster struct {
	t    *testing.T
	dir  string
	port int
	cred *syscall.Credential
}

// startCluster initdb's a cluster in a temporary directory and starts it on
// a random loopback port, as the postgres user when running as root. It
// skips without the binaries, except under CI.
func startCluster(t *testing.T) *cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s/initdb is missing", pgBin)
		}
		t.Skipf("no PostgreSQL binaries in %s", pgBin)
	}
	c := &cluster{t: t}
	base, err := os.MkdirTemp("", "tuoyu-outage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	c.dir = filepath.Join(base, "data")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(base, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	c.start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

func (c *cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.command(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pgBin, name), args...)
	cmd.Dir = filepath.Dir(c.dir)
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	return cmd
}

func (c *cluster) pgctl(args ...string) {
	_ = c.command("pg_ctl", append([]string{"-D", c.dir}, args...)...).Run()
}

func (c *cluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off", c.port, filepath.Dir(c.dir))
	c.run("pg_ctl", "-D", c.dir, "-o", opts, "-l", filepath.Join(filepath.Dir(c.dir), "log"), "-w", "-t", "60", "start")
}

// stop kills the cluster the way a crash or a failover does.
func (c *cluster) stop() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.dir, "-m", "immediate", "-w", "stop")
}

func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// outageServer serves the real handler over d, with a region and a child
// to read and a province regulator's viewer.
func outageServer(t *testing.T, d *db.DB) (http.Handler, *ent.Client, string) {
	t.Helper()
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	if _, err := migrate.Apply(ctx, d.SQL, d.Dialect, nil); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	client := d.Client()
	p := client.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	c := client.Region.Create().SetCode("210100").SetName("沈阳市").SetLevel(region.LevelCITY).SetParent(p).SaveX(ctx)
	dist := client.Region.Create().SetCode("210102").SetName("和平区").SetLevel(region.LevelDISTRICT).SetParent(c).SaveX(ctx)
	schema := graph.NewSchema(graph.Deps{Client: client, Driver: d.Driver, Dialect: d.Dialect})
	viewer := &auth.Viewer{Subject: "province-210000", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	h := graph.NewHandler(schema, client, graph.HandlerOptions{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), viewer)))
	}), client, strconv.Itoa(dist.ID)
}

type outageCase struct{ name, query string }

func outageCases(district string) []outageCase {
	return []outageCase{
		{"query", `{ regions { totalCount } children { edges { node { id name } } } }`},
		{"node", `{ node(id: "` + district + `") { id } }`},
		{"mutation", `mutation { updateRegion(id: "` + district + `", input: {name: "和平区"}) { id } }`},
		{"KPI", `{ indicatorValues(keys: [SEATS_PER_1000], regionIDs: ["` + district + `"]) { value } }`},
	}
}

// postRaw sends one GraphQL POST and returns the recorder (for headers).
func postRaw(h http.Handler, query string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(fmt.Sprintf(`{"query": %q}`, query)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// assertUnavailable: every kind of operation answers 503 UNAVAILABLE with
// Retry-After and no driver text.
func assertUnavailable(t *testing.T, h http.Handler, district string) {
	t.Helper()
	for _, tc := range outageCases(district) {
		rec := postRaw(h, tc.query)
		body := rec.Body.String()
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("%s during the outage: HTTP %d, Retry-After %q; want 503 with Retry-After: %s", tc.name, rec.Code, rec.Header().Get("Retry-After"), body)
		}
		if !strings.Contains(body, `"code":"UNAVAILABLE"`) || strings.Contains(body, `"code":"INTERNAL"`) {
			t.Errorf("%s during the outage: %s; want UNAVAILABLE only", tc.name, body)
		}
		for _, leak := range []string{"dial", "tcp", "connect", "refused", "pq:", "transaction", "database system", "sql:", "127.0.0.1", "closed"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: response leaks %q: %s", tc.name, leak, body)
			}
		}
	}
}

func assertServed(t *testing.T, h http.Handler, district string) {
	t.Helper()
	for _, tc := range outageCases(district) {
		rec := postRaw(h, tc.query)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Errorf("%s: HTTP %d %s; want 200 without errors", tc.name, rec.Code, rec.Body.String())
		}
	}
}

// TestDatabaseOutageIsUnavailable (issue 7 item 4): with PostgreSQL killed
// (pg_ctl stop -m immediate on the test's own cluster), queries, node,
// mutations (whose transaction cannot open) and KPIs answer HTTP 503
// UNAVAILABLE with Retry-After and no driver text; after a restart the
// same requests are served again. On SQLite, a closed database answers the
// same way.
func TestDatabaseOutageIsUnavailable(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		c := startCluster(t)
		cfg := db.Defaults()
		cfg.URL = c.url()
		cfg.ConnectTimeout = 2 * time.Second
		d, err := db.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		h, _, district := outageServer(t, d)
		assertServed(t, h, district)

		c.stop()
		assertUnavailable(t, h, district)

		c.start()
		deadline := time.Now().Add(30 * time.Second)
		for {
			rec := postRaw(h, `{ regions { totalCount } }`)
			if rec.Code == http.StatusOK {
				break
			}
			// While PostgreSQL starts up ("the database system is starting
			// up") the answer is still UNAVAILABLE, never INTERNAL.
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"code":"UNAVAILABLE"`) {
				t.Fatalf("during the restart: HTTP %d %s", rec.Code, rec.Body.String())
			}
			if time.Now().After(deadline) {
				t.Fatal("not served again 30 s after the restart")
			}
			time.Sleep(200 * time.Millisecond)
		}
		assertServed(t, h, district)
	})

	t.Run("sqlite", func(t *testing.T) {
		cfg := db.Defaults()
		cfg.SQLitePath = filepath.Join(t.TempDir(), "outage.db")
		d, err := db.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		h, _, district := outageServer(t, d)
		assertServed(t, h, district)
		buf := captureLog(t)
		d.Close()
		assertUnavailable(t, h, district)
		// One line per request, a warning.
		if lines := buf.lines(); len(lines) != len(outageCases(district)) {
			t.Errorf("%d log lines for %d requests:\n%s", len(lines), len(outageCases(district)), strings.Join(lines, "\n"))
		}
	})
}
