package httpapi_test

import (
	"testing"

	"github.com/tuoyu/tuoyu/internal/httpapi"
)

// TestParseOriginsRefusesNonOrigins: entries a browser never sends as an
// Origin (a wildcard host, a port out of range) are refused at start-up
// instead of being kept as entries that match nothing.
func TestParseOriginsRefusesNonOrigins(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr bool
	}{
		{"https://*.example.cn", true},
		{"https://bi.*.cn", true},
		{"http://a.example:99999", true},
		{"http://a.example:0", true},
		{"http://a.example:", true},
		{"http://a.example:080", true},
		{"http://-a.example", true},
		{"http://a..example", true},
		{"http://[::1]:8080", false},
		{"http://127.0.0.1:5173", false},
		{"https://bi-2.example.cn:65535", false},
		{"http://localhost:5173", false},
	} {
		if _, err := httpapi.ParseOrigins(tc.in); (err != nil) != tc.wantErr {
			t.Errorf("ParseOrigins(%q) error %v, wantErr %v", tc.in, err, tc.wantErr)
		}
	}
}
