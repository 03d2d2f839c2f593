package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/pgcluster"
)

// TestServeBehindPgBouncer runs serve as README's Pooling section
// configures it: --database-url through a real PgBouncer in transaction
// mode, --pgbouncer-transaction-mode, --migrate-database-url direct. It
// seeds, starts, serves lists to concurrent clients while an export job
// runs, and stops cleanly. The job queue's own direct pool (db.QueuePool)
// is asserted by TestPgBouncerTransactionPooling: the split of River's
// parse and bind it prevents needs more load than a test can make reliably.
func TestServeBehindPgBouncer(t *testing.T) {
	primary := pgcluster.Primary(t)
	primary.BouncedDatabase("app")
	bouncer := pgcluster.StartBouncer(t, primary.Port)
	urls := []string{"--database-url", bouncer.URL("app"), "--migrate-database-url", primary.URL("app"), "--pgbouncer-transaction-mode"}
	out, _ := captureOutput(t)
	// migrate brings River's tables too: on the queue's direct pool.
	if err := run(context.Background(), append([]string{"migrate"}, urls...)); err != nil {
		t.Fatalf("migrate behind PgBouncer: %v", err)
	}
	if err := run(context.Background(), append([]string{"seed", "--scale", "district"}, urls...)); err != nil {
		t.Fatalf("seed behind PgBouncer: %v", err)
	}

	s := serveInProcess(t, append([]string{"--job-workers", "2", "--shutdown-grace", "0s", "--rate-limit", "0"}, urls...)...)
	query := s.base + "/query"
	out.take()
	if err := run(context.Background(), append([]string{"token", "--role", "PROVINCE_REGULATOR", "--region", "500000"}, urls...)); err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + oneLine(t, out.take())

	r := post(t, query, bearer, `mutation { exportData(entity: INSTITUTIONS, format: CSV) { id state } }`)
	if len(r.Errors) > 0 {
		t.Fatalf("exportData: %+v", r.Errors)
	}
	jobID := fmt.Sprint(r.Data["exportData"].(map[string]any)["id"])

	// Lists from more concurrent clients than the bouncer has server
	// connections, while the queue works.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if err := listOnce(query, bearer); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	state := ""
	for deadline := time.Now().Add(time.Minute); state != "SUCCEEDED" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		r := post(t, query, bearer, fmt.Sprintf(`{ exportJob(id: %q) { state } }`, jobID))
		if len(r.Errors) > 0 {
			t.Fatalf("exportJob: %+v", r.Errors)
		}
		state = fmt.Sprint(r.Data["exportJob"].(map[string]any)["state"])
		if state == "FAILED" || state == "ERROR" {
			break
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if state != "SUCCEEDED" {
		t.Fatalf("the export behind PgBouncer ended %q; want SUCCEEDED", state)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("serve stopped with %v", err)
	}
}

// listOnce reads a page of institutions and reports any error.
func listOnce(url, bearer string) error {
	body, _ := json.Marshal(map[string]string{"query": `{ institutions(first: 5) { totalCount edges { node { name } } } }`})
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct{ Errors []any }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("list behind PgBouncer: %d %v %v", resp.StatusCode, r.Errors, err)
	}
	return nil
}
