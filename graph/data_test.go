package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// dataServer serves the real GraphQL handler with uploads on (limit
// maxUpload) and a job queue whose importer counts a file's lines; the
// viewer is the regulator named by "Authorization: Bearer <subject>".
func dataServer(t *testing.T, maxUpload, syncMax int64) *httptest.Server {
	t.Helper()
	d := testdb.Open(t)
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d.SQL, d.Dialect, nil); err != nil {
		t.Fatal(err)
	}
	lines := func(_ context.Context, _ *ent.Client, f io.ReaderAt, size int64, opts jobs.ImportOptions) (*jobs.ImportResult, error) {
		n := 0
		sc := bufio.NewScanner(io.NewSectionReader(f, 0, size))
		for sc.Scan() {
			n++
		}
		return &jobs.ImportResult{Entity: opts.Entity, Rows: n, Created: n}, nil
	}
	export := func(_ context.Context, _ *ent.Client, w io.Writer, _ jobs.ExportOptions) (int, error) {
		_, err := io.WriteString(w, "id\n1\n")
		return 1, err
	}
	q, err := jobs.New(jobs.Config{DB: d.SQL, Dialect: d.Dialect, Client: d.Client, Importer: lines, Exporter: export, SyncMaxBytes: syncMax, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	schema := graph.NewSchema(graph.Deps{Client: d.Client, Driver: d.Counter, Dialect: d.Dialect, Jobs: q})
	h := graph.NewHandler(schema, d.Client, graph.HandlerOptions{MaxUploadBytes: maxUpload})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sub, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(auth.NewContext(r.Context(), &auth.Viewer{Subject: sub, Role: auth.ProvinceRegulator, RegionCode: "210000"}))
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const importMutation = `mutation($file: Upload!) { importData(entity: INSTITUTIONS, file: $file) { id state rowsTotal createdCount fileName } }`

// multipartImport is an importData request as the GraphQL multipart
// request spec has it: operations, map, then the file part.
func multipartImport(t *testing.T, url, fileName string, content []byte, headers map[string]string) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": importMutation, "variables": map[string]any{"file": nil}})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0": ["variables.file"]}`)
	fw, err := mw.CreateFormFile("0", fileName)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, url+"/query", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

type dataResponse struct {
	Data   map[string]json.RawMessage `json:"data"`
	Errors []struct {
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (r dataResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	s, _ := r.Errors[0].Extensions["code"].(string)
	return s
}

func send(t *testing.T, req *http.Request) (int, dataResponse) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out dataResponse
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%d: not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func postJSON(t *testing.T, url, subject, query string, vars map[string]any) dataResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, url+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+subject)
	_, out := send(t, req)
	return out
}

type jobView struct {
	ID           string  `json:"id"`
	State        string  `json:"state"`
	RowsTotal    int     `json:"rowsTotal"`
	CreatedCount int     `json:"createdCount"`
	FileName     string  `json:"fileName"`
	DownloadURL  *string `json:"downloadURL"`
}

// Uploads arrive as real multipart requests; without the CSRF headers or
// above the size limit they are refused before anything runs. A small file
// is imported within the request (the mutation's own transaction is
// skipped, or SQLite's single writer would wait for itself).
func TestImportDataUpload(t *testing.T) {
	srv := dataServer(t, 4096, 1<<20)
	file := []byte("a\nb\nc\n")
	ok := map[string]string{"Authorization": "Bearer alice", "Apollo-Require-Preflight": "true"}
	tests := []struct {
		name       string
		file       []byte
		headers    map[string]string
		wantStatus int
		wantCode   string
	}{
		{"with CSRF headers", file, ok, http.StatusOK, ""},
		{"X-Apollo-Operation-Name instead", file, map[string]string{"Authorization": "Bearer alice", "X-Apollo-Operation-Name": "Import"}, http.StatusOK, ""},
		{"no preflight header", file, map[string]string{"Authorization": "Bearer alice"}, http.StatusBadRequest, "CSRF_PREVENTED"},
		{"no Authorization", file, map[string]string{"Apollo-Require-Preflight": "true"}, http.StatusBadRequest, "CSRF_PREVENTED"},
		{"oversized", bytes.Repeat([]byte("x\n"), 4096), ok, http.StatusRequestEntityTooLarge, "UPLOAD_TOO_LARGE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, resp := send(t, multipartImport(t, srv.URL, "机构.csv", tt.file, tt.headers))
			if status != tt.wantStatus || resp.code() != tt.wantCode {
				t.Fatalf("status %d code %q, want %d %q (%+v)", status, resp.code(), tt.wantStatus, tt.wantCode, resp.Errors)
			}
			if tt.wantCode != "" {
				return
			}
			var job jobView
			if err := json.Unmarshal(resp.Data["importData"], &job); err != nil {
				t.Fatal(err)
			}
			if job.State != "SUCCEEDED" || job.RowsTotal != 3 || job.CreatedCount != 3 || job.FileName != "机构.csv" {
				t.Fatalf("job = %+v, want SUCCEEDED with 3 rows", job)
			}
		})
	}
}

// A large upload comes back QUEUED; importJob follows it to the end for
// its submitter and is null for anyone else.
func TestImportDataQueuedAndPolled(t *testing.T) {
	srv := dataServer(t, 1<<20, 2)
	_, resp := send(t, multipartImport(t, srv.URL, "big.csv", []byte("a\nb\n"), map[string]string{"Authorization": "Bearer alice", "Apollo-Require-Preflight": "1"}))
	var job jobView
	if err := json.Unmarshal(resp.Data["importData"], &job); err != nil || job.State != "QUEUED" {
		t.Fatalf("importData = %s (%v), want QUEUED", resp.Data["importData"], resp.Errors)
	}
	const poll = `query($id: ID!) { importJob(id: $id) { id state rowsTotal createdCount } }`
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		out := postJSON(t, srv.URL, "alice", poll, map[string]any{"id": job.ID})
		var got *jobView
		if err := json.Unmarshal(out.Data["importJob"], &got); err != nil || got == nil {
			t.Fatalf("importJob = %s (%v)", out.Data["importJob"], out.Errors)
		}
		if got.State == "SUCCEEDED" {
			if got.RowsTotal != 2 {
				t.Fatalf("rowsTotal = %d, want 2", got.RowsTotal)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", got.State)
		}
	}
	if out := postJSON(t, srv.URL, "bob", poll, map[string]any{"id": job.ID}); string(out.Data["importJob"]) != "null" || len(out.Errors) != 0 {
		t.Fatalf("another principal: %s %v, want null", out.Data["importJob"], out.Errors)
	}
}

// exportData takes the filter of the exported entity only and returns a
// job whose downloadURL appears when it is done.
func TestExportDataJob(t *testing.T) {
	srv := dataServer(t, 1<<20, 1<<20)
	const m = `mutation($where: DataExportFilter) { exportData(entity: INSTITUTIONS, where: $where, format: CSV) { id state } }`
	if out := postJSON(t, srv.URL, "alice", m, map[string]any{"where": map[string]any{"children": map[string]any{}}}); out.code() != graph.CodeBadUserInput {
		t.Fatalf("another entity's filter: %+v, want BAD_USER_INPUT", out.Errors)
	}
	out := postJSON(t, srv.URL, "alice", m, map[string]any{"where": map[string]any{"institutions": map[string]any{"nameContains": "阳光"}}})
	var job jobView
	if err := json.Unmarshal(out.Data["exportData"], &job); err != nil || job.State != "QUEUED" {
		t.Fatalf("exportData = %s %v", out.Data["exportData"], out.Errors)
	}
	const poll = `query($id: ID!) { exportJob(id: $id) { id state downloadURL } }`
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var got jobView
		_ = json.Unmarshal(postJSON(t, srv.URL, "alice", poll, map[string]any{"id": job.ID}).Data["exportJob"], &got)
		if got.State == "SUCCEEDED" {
			if got.DownloadURL == nil || *got.DownloadURL != fmt.Sprintf("/exports/%s", job.ID) {
				t.Fatalf("downloadURL = %v", got.DownloadURL)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("export still %s", got.State)
		}
	}
}

// importData and exportData run outside the mutation transaction, so their
// answer cannot be recorded for replay: an Idempotency-Key is refused,
// never silently ignored (a retry would submit a second job).
func TestDataJobsRefuseIdempotencyKey(t *testing.T) {
	srv := dataServer(t, 1<<20, 1<<20)
	body, _ := json.Marshal(map[string]any{"query": `mutation { exportData(entity: INSTITUTIONS, format: CSV) { id } }`})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer alice")
	req.Header.Set("Idempotency-Key", "k-1")
	_, out := send(t, req)
	if out.code() != graph.CodeBadUserInput || len(out.Data["exportData"]) > 0 && string(out.Data["exportData"]) != "null" {
		t.Fatalf("exportData with Idempotency-Key: %+v %s, want BAD_USER_INPUT and no job", out.Errors, out.Data["exportData"])
	}
}
