package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestExportDataRefusalsAndWorkCalendar drives exportData on the real
// server (real exporter, real queue, both dialects). An export of an
// entity the token's role may not read is refused at submission with
// FORBIDDEN on the entity argument, as a GraphQL read of that type is, and
// queues nothing; the working-day calendar exports like every other
// registry entity, filtered by year or not.
func TestExportDataRefusalsAndWorkCalendar(t *testing.T) {
	dbArgs := databaseArgs(t)
	base, _ := startServe(t, dbArgs...)
	token := tokenMinter(t, dbArgs, "exp")
	province := token("--role", "PROVINCE_REGULATOR", "--region", "210000")
	bi := token("--role", "BI_SERVICE", "--region", "210000")
	staff := token("--role", "INSTITUTION_STAFF", "--region", "210102", "--institution", "1")

	type gqlErr struct {
		Message    string
		Extensions struct{ Code, Field string }
	}
	type resp struct {
		Data struct {
			ExportData *struct{ ID, State string }
			ExportJob  *struct {
				State        string
				ErrorMessage *string
				RowsTotal    int
			}
		}
		Errors []gqlErr
	}
	gql := func(bearer, query string, vars map[string]any) resp {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, base+"/query", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+bearer)
		hr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer hr.Body.Close()
		raw, _ := io.ReadAll(hr.Body)
		var r resp
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%d %s: %v", hr.StatusCode, raw, err)
		}
		return r
	}
	const export = `mutation($entity: DataEntity!, $where: DataExportFilter) { exportData(entity: $entity, where: $where, format: CSV) { id state } }`

	refused := []struct {
		who, bearer, entity string
	}{
		{"BI_SERVICE", bi, "CHILDREN"},
		{"BI_SERVICE", bi, "ENROLMENTS"},
		{"BI_SERVICE", bi, "HEALTH_RECORDS"},
		{"BI_SERVICE", bi, "STAFF"},
		{"BI_SERVICE", bi, "CERTIFICATIONS"},
		{"BI_SERVICE", bi, "BAN_LIST"},
		{"INSTITUTION_STAFF", staff, "BAN_LIST"},
	}
	for _, c := range refused {
		r := gql(c.bearer, export, map[string]any{"entity": c.entity})
		if r.Data.ExportData != nil || len(r.Errors) != 1 || r.Errors[0].Extensions.Code != "FORBIDDEN" || r.Errors[0].Extensions.Field != "entity" {
			t.Errorf("%s exporting %s: %+v, want FORBIDDEN on field entity and no job", c.who, c.entity, r)
		}
	}
	// Nothing was queued: a BI token still has its whole quota of jobs
	// (--job-max-active 3), and exports what it may read.
	for range 3 {
		if r := gql(bi, export, map[string]any{"entity": "REGIONS"}); r.Data.ExportData == nil {
			t.Fatalf("BI exporting REGIONS: %+v, want a job", r.Errors)
		}
	}

	wait := func(bearer, id string) string {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for {
			r := gql(bearer, `query($id: ID!) { exportJob(id: $id) { state errorMessage rowsTotal } }`, map[string]any{"id": id})
			if r.Data.ExportJob == nil {
				t.Fatalf("exportJob %s: %+v", id, r.Errors)
			}
			if s := r.Data.ExportJob.State; s != "QUEUED" && s != "RUNNING" {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("exportJob %s still %s", id, r.Data.ExportJob.State)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, where := range []any{nil, map[string]any{"workCalendar": map[string]any{"year": 2026}}} {
		r := gql(province, export, map[string]any{"entity": "WORK_CALENDAR", "where": where})
		if r.Data.ExportData == nil {
			t.Fatalf("WORK_CALENDAR export (where %v): %+v, want a job", where, r.Errors)
		}
		if s := wait(province, r.Data.ExportData.ID); s != "SUCCEEDED" {
			t.Errorf("WORK_CALENDAR export (where %v) ended %s, want SUCCEEDED", where, s)
		}
	}
}
