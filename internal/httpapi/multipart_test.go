package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/httpapi"
)

// startUploadServer is startServer with the multipart transport mounted
// (the server's default --upload-max-bytes) and the default body limit.
func startUploadServer(t *testing.T) *testServer {
	t.Helper()
	v, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: []byte("httpapi-test-secret-0123456789abcdef-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	g := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{Authenticator: &auth.Authenticator{Verifier: v}, MaxUploadBytes: 64 << 20}))
	s := &testServer{Server: g, verifier: v}
	srv := httpapi.New(httpapi.Config{Addr: "127.0.0.1:0", GraphQL: g.Handler, DB: g.SQL, Dialect: g.Dialect})
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// multipartRequest is a GraphQL multipart request: operations, map and
// the given files.
func multipartRequest(t *testing.T, operations, mapPart string, files ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("operations", operations)
	_ = mw.WriteField("map", mapPart)
	for i, f := range files {
		w, err := mw.CreateFormFile(string(rune('0'+i)), "rows.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(w, f)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// TestMultipartFieldsFollowTheBodyRules: any operation may travel as
// multipart, so its operations and map parts are held to the JSON body's
// rules — at most --max-body-bytes (413 REQUEST_TOO_LARGE), one JSON object
// (400 BAD_REQUEST: no batching) — while a file part may use the upload
// limit.
func TestMultipartFieldsFollowTheBodyRules(t *testing.T) {
	s := startUploadServer(t)
	bearer := "Bearer " + s.token(t)
	viewer := `{"query":"{ viewer { role } }"}`
	bigQuery, _ := json.Marshal(map[string]any{"query": "{ viewer { role } }" + strings.Repeat(" ", 2<<20)})
	bigVariable, _ := json.Marshal(map[string]any{"query": "query($s: String) { viewer { role } }", "variables": map[string]any{"s": strings.Repeat("x", 2<<20)}})
	tests := []struct {
		name       string
		operations string
		mapPart    string
		files      []string
		wantStatus int
		wantCode   string
	}{
		{"small operation", viewer, `{}`, nil, http.StatusOK, ""},
		// The operation ignores the file; the request is read whole and runs.
		{"small operation, file over the body limit", `{"query":"{ viewer { role } }","variables":{"file":null}}`, `{"0":["variables.file"]}`, []string{strings.Repeat("x", 2<<20)}, http.StatusOK, ""},
		{"document over the body limit", string(bigQuery), `{}`, nil, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
		{"variables over the body limit", string(bigVariable), `{}`, nil, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
		{"map over the body limit", viewer, `{"0":["` + strings.Repeat("x", 1<<20) + `"]}`, nil, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
		{"array batch", "[" + viewer + "," + viewer + "]", `{}`, nil, http.StatusBadRequest, "BAD_REQUEST"},
		{"trailing data", viewer + " {}", `{}`, nil, http.StatusBadRequest, "BAD_REQUEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, contentType := multipartRequest(t, tc.operations, tc.mapPart, tc.files...)
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/query", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentType)
			req.Header.Set("Authorization", bearer)
			req.Header.Set("Apollo-Require-Preflight", "1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.wantStatus, b)
			}
			var got struct {
				Data   json.RawMessage `json:"data"`
				Errors []struct {
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("body not JSON: %v: %.300s", err, b)
			}
			if tc.wantStatus == http.StatusOK {
				if string(got.Data) != `{"viewer":{"role":"PROVINCE_REGULATOR"}}` || len(got.Errors) > 0 {
					t.Fatalf("body %s", b)
				}
				return
			}
			if tc.wantCode == "" {
				return
			}
			if len(got.Errors) != 1 || got.Errors[0].Extensions["code"] != tc.wantCode || got.Data != nil {
				t.Fatalf("body %.300s, want one %s error and no data", b, tc.wantCode)
			}
		})
	}
}
