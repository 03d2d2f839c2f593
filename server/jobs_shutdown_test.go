package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/schema/schematype"
	"github.com/tuoyu/tuoyu/internal/db"
)

// TestSIGTERMLetsRunningJobFinish runs the real binary on the district
// demo: an export of health records that is running when SIGTERM arrives
// finishes within the drain budget (SUCCEEDED, all rows), and the process
// then exits 0. Before, the signal's context reached River and cancelled
// the job at once.
func TestSIGTERMLetsRunningJobFinish(t *testing.T) {
	s := serveBinary(t, "--demo=true", "--demo-scale", "district", "--job-workers", "1",
		"--request-timeout", "5s", "--drain-timeout", "60s", "--shutdown-grace", "0s")
	tokenCmd := exec.Command(s.cmd.Path, "token", "--role", "DISTRICT_REGULATOR", "--region", "500111", "--db", s.db)
	tokenCmd.Env = append(os.Environ(), "DATABASE_URL=")
	out, err := tokenCmd.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	token := strings.TrimSpace(string(out))
	client := &http.Client{Timeout: 10 * time.Second}
	query := func(q string, out any) error {
		body, _ := json.Marshal(map[string]string{"query": q})
		req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+"/query", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return err
		}
		if len(r.Errors) > 0 {
			return fmt.Errorf("%s: %v", q, r.Errors)
		}
		return json.Unmarshal(r.Data, out)
	}
	type job struct {
		ID, State string
		RowsDone  int
	}
	var submitted struct{ ExportData job }
	// XLSX: the slower format, so that the job is still running when the
	// signal arrives (about 28,000 health records).
	if err := query(`mutation { exportData(entity: HEALTH_RECORDS, format: XLSX) { id state } }`, &submitted); err != nil {
		t.Fatal(err)
	}
	poll := func() job {
		var got struct{ ExportJob job }
		if err := query(fmt.Sprintf(`{ exportJob(id: %q) { id state rowsDone } }`, submitted.ExportData.ID), &got); err != nil {
			t.Fatal(err)
		}
		return got.ExportJob
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		j := poll()
		if j.State == "RUNNING" {
			break
		}
		if j.State != "QUEUED" {
			t.Skipf("the export ended (%s) before it could be seen running: nothing to test on this machine", j.State)
		}
		if time.Now().After(deadline) {
			t.Fatal("the export never started")
		}
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("the process did not exit within the drain budget")
	}
	// The job as the stopped server left it.
	id, err := strconv.Atoi(submitted.ExportData.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := db.Defaults()
	cfg.SQLitePath = s.db
	d, err := db.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := d.Client().DataJob.Get(system(context.Background()), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != schematype.DataJobStateSucceeded || got.RowsTotal < 20000 {
		t.Fatalf("after SIGTERM the running export is %s with %d rows; want SUCCEEDED with every health record (it had the drain budget)", got.State, got.RowsTotal)
	}
}
