package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"testing"

	"github.com/tuoyu/tuoyu/internal/pgcluster"
)

// TestServeReadsFromReplica runs serve with --database-replica-url against
// a real primary and standby: with the standby's replay paused (and a lag
// bound it stays within), a mutation's response has the new name, while
// the next request, a read, is answered by the standby with the old one:
// reads go to the replica, writes to the primary. With the standby
// stopped, the same read is answered, by the primary, with the new name.
func TestServeReadsFromReplica(t *testing.T) {
	primary := pgcluster.Primary(t)
	out, _ := captureOutput(t)
	dbURL := primary.URL("postgres")
	if err := run(context.Background(), []string{"migrate", "--database-url", dbURL}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO regions (code, name, level, created_at, updated_at) VALUES ('500000', '重庆市', 'PROVINCE', now(), now())`,
		`INSERT INTO regions (code, name, level, parent_id, created_at, updated_at) SELECT '500101', '万州区', 'DISTRICT', id, now(), now() FROM regions WHERE code = '500000'`,
		`INSERT INTO children (name, sex, birth_date, residence_region_id, created_at, updated_at) SELECT '王小明', 'MALE', '2024-05-01', id, now(), now() FROM regions WHERE code = '500101'`,
	} {
		if err := openAndExec(dbURL, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	standby := primary.Standby(t)

	query := serveInProcess(t, "--database-url", dbURL, "--database-replica-url", standby.URL("postgres"), "--max-replica-lag", "1h").base + "/query"
	if err := run(context.Background(), []string{"token", "--database-url", dbURL, "--role", "PROVINCE_REGULATOR", "--region", "500000"}); err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + oneLine(t, out.take())

	var id, name string
	if err := openAndScan(primary.URL("postgres"), "SELECT CAST(id AS text), name FROM regions WHERE level = 'DISTRICT' ORDER BY id LIMIT 1", &id, &name); err != nil {
		t.Fatal(err)
	}
	read := `{ node(id: "` + id + `") { ... on Region { name } } }`
	nameOf := func() string {
		t.Helper()
		r := post(t, query, bearer, read)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("read: %d %+v", r.Status, r.Errors)
		}
		return fmt.Sprint(r.Data["node"].(map[string]any)["name"])
	}
	// The standby has the regions (it was copied after they were written).
	if got := nameOf(); got != name {
		t.Fatalf("read before the change: %q; want %q", got, name)
	}
	// A read of personal data writes its audit row: on the primary, while
	// the read itself is the standby's.
	if r := post(t, query, bearer, `{ children(first: 1) { edges { node { name } } } }`); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("audited read through a replica: %d %+v", r.Status, r.Errors)
	}
	var audited int
	if err := openAndScan(dbURL, "SELECT count(*) FROM audit_logs WHERE entity_type = 'Child'", &audited); err != nil || audited != 1 {
		t.Fatalf("audit rows of the read on the primary: %d, %v; want 1", audited, err)
	}

	sb, err := sql.Open("postgres", standby.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if _, err := sb.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	r := post(t, query, bearer, `mutation { updateRegion(id: "`+id+`", input: {name: "改名区"}) { name } }`)
	if r.Status != http.StatusOK || len(r.Errors) > 0 || fmt.Sprint(r.Data["updateRegion"].(map[string]any)["name"]) != "改名区" {
		t.Fatalf("mutation: %d %+v %+v", r.Status, r.Errors, r.Data)
	}
	if got := nameOf(); got != name {
		t.Errorf("read while the standby's replay is paused: %q; want the standby's %q (reads go to the replica)", got, name)
	}
	standby.Stop()
	if got := nameOf(); got != "改名区" {
		t.Errorf("read with the standby stopped: %q; want the primary's new name", got)
	}
}

func openAndScan(url, query string, dest ...any) error {
	p, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer p.Close()
	return p.QueryRow(query).Scan(dest...)
}

func openAndExec(url, stmt string) error {
	p, err := sql.Open("postgres", url)
	if err != nil {
		return err
	}
	defer p.Close()
	_, err = p.Exec(stmt)
	return err
}
