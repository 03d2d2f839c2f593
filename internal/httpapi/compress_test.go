package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestCompression: JSON responses are compressed by Accept-Encoding (br
// preferred, gzip, or none), decode to the same bytes, and say Vary:
// Accept-Encoding; small responses go uncompressed.
func TestCompression(t *testing.T) {
	s := startServer(t)
	bearer := "Bearer " + s.token(t)
	// The catalogue is several kilobytes of JSON.
	big := `{"query":"{ indicatorCatalog { key nameZh nameEn unit numerator denominator source } }"}`
	wireBytes := map[string]int{}
	fetch := func(body, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/query", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", bearer)
		// Setting Accept-Encoding turns off the transport's transparent gzip.
		req.Header.Set("Accept-Encoding", acceptEncoding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wire, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		wireBytes[acceptEncoding] = len(wire)
		var r io.Reader = bytes.NewReader(wire)
		switch resp.Header.Get("Content-Encoding") {
		case "gzip":
			zr, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		case "br":
			r = brotli.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	_, plain := fetch(big, "identity")
	if len(plain) < 2048 || !json.Valid(plain) || !bytes.Contains(plain, []byte("SEATS_PER_1000")) {
		t.Fatalf("catalogue response too small or invalid (%d bytes): %.200s", len(plain), plain)
	}
	tests := []struct {
		acceptEncoding, want string
	}{
		{"identity", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br", "br"},
		{"br;q=0.5, gzip", "gzip"},
		{"gzip;q=0, br;q=0", ""},
		{"deflate", ""},
	}
	for _, tc := range tests {
		resp, body := fetch(big, tc.acceptEncoding)
		if got := resp.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.acceptEncoding, got, tc.want)
		}
		if !bytes.Equal(body, plain) {
			t.Errorf("Accept-Encoding %q: decoded body differs from the identity body", tc.acceptEncoding)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q lacks Accept-Encoding", tc.acceptEncoding, resp.Header.Values("Vary"))
		}
	}
	t.Logf("catalogue response: %d bytes plain, %d gzip, %d br", wireBytes["identity"], wireBytes["gzip"], wireBytes["br"])
	if wireBytes["gzip"] >= wireBytes["identity"]/2 || wireBytes["br"] >= wireBytes["identity"]/2 {
		t.Errorf("compression saves less than half: %v", wireBytes)
	}
	if resp, _ := fetch(`{"query":"{__typename}"}`, "gzip, br"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("a small response was compressed (%s)", resp.Header.Get("Content-Encoding"))
	}
	// The GraphiQL page and its pre-gzipped assets are served compressed too,
	// never twice.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/graphiql/assets/graphiql.css", nil)
	req.Header.Set("Accept-Encoding", "gzip, br")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Values("Content-Encoding"); len(got) != 1 || got[0] != "gzip" {
		t.Errorf("asset Content-Encoding %q, want one gzip", got)
	}
}
