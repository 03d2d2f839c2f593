package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/pgcluster"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// routes counts the router's decisions.
type routes struct {
	mu sync.Mutex
	n  map[db.Route]int
}

func (r *routes) hook(route db.Route) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[db.Route]int{}
	}
	r.n[route]++
}

func (r *routes) get(route db.Route) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[route]
}

// served reads through drv which server answered (pg_is_in_recovery: a
// standby) and how many notes it has.
func served(t *testing.T, ctx context.Context, drv interface {
	Query(context.Context, string, any, any) error
}) (standby bool, notes int) {
	t.Helper()
	var rows entsql.Rows
	if err := drv.Query(ctx, "SELECT pg_is_in_recovery(), (SELECT count(*) FROM notes)", []any{}, &rows); err != nil {
		t.Fatalf("routed read: %v", err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal("routed read: no row")
	}
	if err := rows.Scan(&standby, &notes); err != nil {
		t.Fatal(err)
	}
	return standby, notes
}

// waitCaughtUp checks until the router finds every replica healthy (the
// standby's replay reaching the primary), failing after a generous bound.
func waitCaughtUp(t *testing.T, r *db.Router) {
	t.Helper()
	for i := 0; i < 200; i++ {
		r.Check(context.Background())
		ok := true
		for _, st := range r.Status() {
			ok = ok && st.Healthy
		}
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("replica never caught up: %+v", r.Status())
}

// TestReplicaRouting runs against a real streaming standby (pg_basebackup
// -R of a primary started by the test): reads are served by the standby,
// writes by the primary, a request that wrote reads its own write from
// the primary, a standby whose replay is paused while the primary moves on
// is skipped, and a stopped standby falls back to the primary without an
// error reaching the caller.
func TestReplicaRouting(t *testing.T) {
	primary := pgcluster.Primary(t)
	admin, err := sql.Open("postgres", primary.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	standby := primary.Standby(t)

	var counted routes
	cfg := db.Defaults()
	cfg.URL = primary.URL("postgres")
	cfg.ReplicaURLs = []string{standby.URL("postgres")}
	cfg.ConnectTimeout = 2 * time.Second
	var statuses atomic.Int64
	cfg.ReplicaHooks = db.Hooks{Route: counted.hook, Replica: func(st db.ReplicaStatus) {
		if st.Name != "" && !st.Checked.IsZero() {
			statuses.Add(1)
		}
	}}
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Router == nil || d.EntDriver() != d.Router {
		t.Fatal("replica URLs configured but the ent driver does not route")
	}
	waitCaughtUp(t, d.Router)
	if statuses.Load() == 0 {
		t.Error("the Replica hook was never told a replica's status")
	}
	drv := d.EntDriver()

	t.Run("reads hit the standby", func(t *testing.T) {
		before := counted.get(db.RouteReplica)
		if standby, _ := served(t, db.WithRequest(context.Background()), drv); !standby {
			t.Error("a read of a request that did not write was served by the primary")
		}
		if counted.get(db.RouteReplica) != before+1 {
			t.Errorf("replica route counted %d times, want %d", counted.get(db.RouteReplica), before+1)
		}
	})

	t.Run("writes hit the primary and the writer reads its write", func(t *testing.T) {
		ctx := db.WithRequest(context.Background())
		_, before := served(t, ctx, drv)
		var res sql.Result
		if err := drv.Exec(ctx, "INSERT INTO notes (body) VALUES ($1)", []any{"first"}, &res); err != nil {
			t.Fatalf("write: %v", err)
		}
		standby, after := served(t, ctx, drv)
		if standby || after != before+1 {
			t.Errorf("read after a write in the same request: standby=%v notes=%d; want the primary with %d notes", standby, after, before+1)
		}
		// ent sends a create (an audit row of a read) as INSERT …
		// RETURNING through Query: the primary's, not the read-only standby's.
		ctx = db.WithRequest(context.Background())
		writesBefore := counted.get(db.RouteWrite)
		var rows entsql.Rows
		if err := drv.Query(ctx, "INSERT INTO notes (body) VALUES ($1) RETURNING id", []any{"returning"}, &rows); err != nil {
			t.Fatalf("INSERT … RETURNING through Query: %v", err)
		}
		rows.Close()
		if counted.get(db.RouteWrite) != writesBefore+1 {
			t.Errorf("INSERT … RETURNING counted as a write %d times, want 1", counted.get(db.RouteWrite)-writesBefore)
		}
		if standby, notes := served(t, ctx, drv); standby || notes != before+2 {
			t.Errorf("read after INSERT … RETURNING: standby=%v notes=%d; want the primary with %d", standby, notes, before+2)
		}
		// A transaction is on the primary too.
		tx, err := drv.Tx(db.WithRequest(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		standby, _ = served(t, context.Background(), tx)
		tx.Rollback()
		if standby {
			t.Error("a transaction ran on the standby")
		}
		// ReadPrimary forces the primary without a write.
		if standby, _ := served(t, db.ReadPrimary(context.Background()), drv); standby {
			t.Error("ReadPrimary was served by the standby")
		}
	})

	t.Run("a replica bad at start is logged", func(t *testing.T) {
		var logged bytes.Buffer
		prev := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
		defer slog.SetDefault(prev)
		// A server restarted after a failover: one replica URL now names
		// the promoted primary, another a host that is gone.
		bad := db.NewRouter(context.Background(), d.SQL, map[string]*sql.DB{
			"promoted": openRaw(t, primary.URL("postgres")),
			"gone":     openRaw(t, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=1"),
		}, db.ReplicaConfig{})
		bad.Close()
		for _, want := range []string{`replica=promoted reason="not a standby`, `replica=gone reason=unreachable`} {
			if !strings.Contains(logged.String(), want) {
				t.Errorf("log after the first check lacks %q:\n%s", want, logged.String())
			}
		}
	})

	t.Run("a lagging standby is skipped", func(t *testing.T) {
		waitCaughtUp(t, d.Router)
		sb, err := sql.Open("postgres", standby.URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		if _, err := sb.Exec("SELECT pg_wal_replay_pause()"); err != nil {
			t.Fatal(err)
		}
		defer sb.Exec("SELECT pg_wal_replay_resume()") //nolint:errcheck // the standby may be gone
		if _, err := admin.Exec("INSERT INTO notes (body) VALUES ('while paused')"); err != nil {
			t.Fatal(err)
		}
		var want int
		if err := admin.QueryRow("SELECT count(*) FROM notes").Scan(&want); err != nil {
			t.Fatal(err)
		}
		// A router whose bound the paused standby exceeds as soon as the
		// primary has WAL it has not replayed.
		strict := db.NewRouter(context.Background(), d.SQL, map[string]*sql.DB{"standby": openRaw(t, standby.URL("postgres"))}, db.ReplicaConfig{MaxLag: time.Millisecond})
		defer strict.Close()
		for i := 0; i < 100 && strict.Status()[0].Healthy; i++ {
			time.Sleep(10 * time.Millisecond)
			strict.Check(context.Background())
		}
		if st := strict.Status()[0]; st.Healthy || st.Reason == "" || st.Reason == "unreachable" {
			t.Fatalf("paused standby with pending WAL: %+v; want skipped for its lag", st)
		}
		standbyServed, notes := served(t, db.WithRequest(context.Background()), strict)
		if standbyServed || notes != want {
			t.Errorf("read while the standby lags: standby=%v notes=%d; want the primary's %d", standbyServed, notes, want)
		}
		if _, err := sb.Exec("SELECT pg_wal_replay_resume()"); err != nil {
			t.Fatal(err)
		}
		// Caught up, it is healthy again although its last replayed
		// transaction is older than the 1 ms bound: with no WAL pending
		// the lag is 0 (the idle-primary case).
		waitCaughtUp(t, strict)
		if standbyServed, notes := served(t, db.WithRequest(context.Background()), strict); !standbyServed || notes != want {
			t.Errorf("after the standby caught up: standby=%v notes=%d; want the standby with %d", standbyServed, notes, want)
		}
	})

	t.Run("a stopped standby falls back without errors", func(t *testing.T) {
		standby.Stop()
		before := counted.get(db.RouteFallback)
		// Before any check notices: the read fails on the standby and is
		// retried on the primary.
		if standby, _ := served(t, db.WithRequest(context.Background()), drv); standby {
			t.Error("served by a stopped standby?")
		}
		if counted.get(db.RouteFallback) != before+1 {
			t.Errorf("fallback counted %d times, want %d", counted.get(db.RouteFallback), before+1)
		}
		d.Router.Check(context.Background())
		if st := d.Router.Status()[0]; st.Healthy || st.Reason != "unreachable" {
			t.Errorf("stopped standby: %+v; want unhealthy, unreachable", st)
		}
		for i := 0; i < 3; i++ {
			if standby, _ := served(t, db.WithRequest(context.Background()), drv); standby {
				t.Error("served by a stopped standby?")
			}
		}
		if counted.get(db.RouteFallback) != before+4 {
			t.Errorf("fallback counted %d times, want %d", counted.get(db.RouteFallback), before+4)
		}
	})
}

func openRaw(t *testing.T, url string) *sql.DB {
	t.Helper()
	p, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReplicasNeedPostgres: replica URLs beside SQLite, or a replica URL
// that is not postgres://, stop Open instead of being ignored.
func TestReplicasNeedPostgres(t *testing.T) {
	cfg := db.Defaults()
	cfg.SQLitePath = t.TempDir() + "/r.db"
	cfg.ReplicaURLs = []string{"postgres://127.0.0.1:1/x"}
	if d, err := db.Open(context.Background(), cfg); err == nil {
		d.Close()
		t.Error("SQLite with replicas opened")
	}
	if testdb.Dialect() != "postgres" {
		return
	}
	cfg = db.Defaults()
	cfg.URL = os.Getenv("TEST_DATABASE_URL")
	cfg.ReplicaURLs = []string{"mysql://replica/x"}
	if d, err := db.Open(context.Background(), cfg); err == nil {
		d.Close()
		t.Error("a mysql:// replica URL was accepted")
	}
	// Two URLs of one host:port/database, other users, are two replicas
	// with two names, the primary's name never one of them.
	cfg.ReplicaURLs = []string{"postgres://a@127.0.0.1:1/x?connect_timeout=1", "postgres://b@127.0.0.1:1/x?connect_timeout=1"}
	two, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, st := range two.Router.Status() {
		names[st.Name] = true
	}
	if len(names) != 2 || names["primary"] || len(two.Router.ReplicaPools()) != 2 {
		t.Errorf("replicas of one address: names %v, %d pools; want two names and two pools", names, len(two.Router.ReplicaPools()))
	}
	two.Close()
	// A replica URL that does not parse is named as the replica's, not as
	// DATABASE_URL, and never repeated (it may hold a password).
	cfg.ReplicaURLs = []string{"postgres://u:s3cret@replica:54x/x"}
	d, err := db.Open(context.Background(), cfg)
	if err == nil {
		d.Close()
		t.Fatal("an unparsable replica URL was accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "--database-replica-url") || strings.Contains(msg, "DATABASE_URL (") || strings.Contains(msg, "s3cret") {
		t.Errorf("unparsable replica URL: %q; want it named as --database-replica-url, without the URL", msg)
	}
}
