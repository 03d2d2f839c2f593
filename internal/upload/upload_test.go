package upload_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/upload"
)

func TestGuard(t *testing.T) {
	const limit = 100
	tests := []struct {
		name       string
		headers    map[string]string
		body       string
		length     int64 // -1: unknown (chunked)
		wantStatus int
		wantCode   string
	}{
		{"preflight header", map[string]string{"Authorization": "Bearer x", "Apollo-Require-Preflight": "true"}, "ok", 2, http.StatusOK, ""},
		{"operation-name header", map[string]string{"Authorization": "Bearer x", "X-Apollo-Operation-Name": "Import"}, "ok", 2, http.StatusOK, ""},
		{"no CSRF header", map[string]string{"Authorization": "Bearer x"}, "ok", 2, http.StatusBadRequest, upload.CodeCSRF},
		{"blank CSRF header", map[string]string{"Authorization": "Bearer x", "Apollo-Require-Preflight": " "}, "ok", 2, http.StatusBadRequest, upload.CodeCSRF},
		{"no Authorization", map[string]string{"Apollo-Require-Preflight": "true"}, "ok", 2, http.StatusBadRequest, upload.CodeCSRF},
		{"no length", map[string]string{"Authorization": "Bearer x", "Apollo-Require-Preflight": "true"}, "ok", -1, http.StatusLengthRequired, upload.CodeLengthRequired},
		{"too large", map[string]string{"Authorization": "Bearer x", "Apollo-Require-Preflight": "true"}, strings.Repeat("x", limit+1), limit + 1, http.StatusRequestEntityTooLarge, upload.CodeTooLarge},
		{"at the limit", map[string]string{"Authorization": "Bearer x", "Apollo-Require-Preflight": "true"}, strings.Repeat("x", limit), limit, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(tt.body))
			req.ContentLength = tt.length
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			if upload.Guard(rec, req, limit) {
				b, err := io.ReadAll(req.Body)
				if err != nil || string(b) != tt.body {
					t.Fatalf("body after Guard: %q, %v", b, err)
				}
				rec.WriteHeader(http.StatusOK)
			}
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if tt.wantCode == "" {
				return
			}
			var resp struct {
				Errors []struct {
					Extensions map[string]string `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != tt.wantCode {
				t.Fatalf("body = %s, want code %s", rec.Body, tt.wantCode)
			}
		})
	}
}
