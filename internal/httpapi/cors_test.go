package httpapi_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/httpapi"
)

func preflight(origin string) map[string]string {
	return map[string]string{
		"Origin":                         origin,
		"Access-Control-Request-Method":  "POST",
		"Access-Control-Request-Headers": "authorization,content-type",
	}
}

// TestCORS: an allowed origin's preflight is answered with the allowed
// method and headers and cached; a refused origin gets no
// Access-Control-Allow-Origin (the browser blocks the call); credentials are
// never allowed (they travel in Authorization, not cookies).
func TestCORS(t *testing.T) {
	const allowed = "https://bi.example.cn"
	s := startServer(t, withOrigins(allowed, "http://localhost:5173"))
	bearer := "Bearer " + s.token(t)
	tests := []struct {
		name        string
		method      string
		hdr         map[string]string
		body        string
		wantStatus  int
		wantAllowed bool
		preflight   bool
	}{
		{name: "preflight, allowed origin", method: http.MethodOptions, hdr: preflight(allowed), wantStatus: http.StatusNoContent, wantAllowed: true, preflight: true},
		{name: "preflight, second allowed origin", method: http.MethodOptions, hdr: preflight("http://localhost:5173"), wantStatus: http.StatusNoContent, wantAllowed: true, preflight: true},
		{name: "preflight, refused origin", method: http.MethodOptions, hdr: preflight("https://evil.example.com"), wantStatus: http.StatusNoContent},
		{name: "preflight, allowed host on another scheme", method: http.MethodOptions, hdr: preflight("http://bi.example.cn"), wantStatus: http.StatusNoContent},
		{name: "POST, allowed origin", method: http.MethodPost, hdr: map[string]string{"Origin": allowed, "Content-Type": "application/json", "Authorization": bearer}, body: `{"query":"{__typename}"}`, wantStatus: http.StatusOK, wantAllowed: true},
		{name: "POST, refused origin", method: http.MethodPost, hdr: map[string]string{"Origin": "https://evil.example.com", "Content-Type": "application/json", "Authorization": bearer}, body: `{"query":"{__typename}"}`, wantStatus: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.method, s.URL+"/query", tc.body, tc.hdr)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			acao := r.header.Get("Access-Control-Allow-Origin")
			if tc.wantAllowed && acao != tc.hdr["Origin"] {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", acao, tc.hdr["Origin"])
			}
			if !tc.wantAllowed && acao != "" {
				t.Errorf("refused origin got Access-Control-Allow-Origin %q", acao)
			}
			if got := r.header.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials %q; credentials travel in Authorization only", got)
			}
			if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q lacks Origin", r.header.Values("Vary"))
			}
			if tc.preflight {
				if got := r.header.Get("Access-Control-Max-Age"); got != strconv.Itoa(httpapi.PreflightMaxAge) {
					t.Errorf("Access-Control-Max-Age %q, want %d", got, httpapi.PreflightMaxAge)
				}
				h := strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
				if !strings.Contains(h, "authorization") || !strings.Contains(h, "content-type") {
					t.Errorf("Access-Control-Allow-Headers %q", h)
				}
				if m := r.header.Get("Access-Control-Allow-Methods"); m != "POST" {
					t.Errorf("Access-Control-Allow-Methods %q", m)
				}
			}
		})
	}
}

// TestCORSSameOriginOnly: with no origins configured every cross-origin
// preflight and request is refused.
func TestCORSSameOriginOnly(t *testing.T) {
	s := startServer(t)
	r := send(t, http.MethodOptions, s.URL+"/query", "", preflight("https://bi.example.cn"))
	if acao := r.header.Get("Access-Control-Allow-Origin"); acao != "" || r.status >= 500 {
		t.Errorf("preflight = %d, Access-Control-Allow-Origin %q; want refused", r.status, acao)
	}
	r = send(t, http.MethodGet, s.URL+"/query?query=%7B__typename%7D", "", map[string]string{"Origin": "https://bi.example.cn"})
	if acao := r.header.Get("Access-Control-Allow-Origin"); acao != "" {
		t.Errorf("GET from another origin got Access-Control-Allow-Origin %q", acao)
	}
}

func TestParseOrigins(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "", want: ""},
		{in: " , ", want: ""},
		{in: "https://bi.example.cn", want: "https://bi.example.cn"},
		{in: "https://BI.example.cn/, http://localhost:5173", want: "https://bi.example.cn,http://localhost:5173"},
		{in: "bi.example.cn", wantErr: true},
		{in: "https://bi.example.cn/app", wantErr: true},
		{in: "ftp://bi.example.cn", wantErr: true},
		{in: "*", wantErr: true},
		{in: "https://user@bi.example.cn", wantErr: true},
	}
	for _, tc := range tests {
		got, err := httpapi.ParseOrigins(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseOrigins(%q) error %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && strings.Join(got, ",") != tc.want {
			t.Errorf("ParseOrigins(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
