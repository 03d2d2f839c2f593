package auth_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// blockedAddress is a failure limiter whose client is over its limit.
type blockedAddress struct{ checked, failed int }

func (b *blockedAddress) Check(*http.Request) (bool, time.Duration) {
	b.checked++
	return false, time.Minute
}
func (b *blockedAddress) Failed(*http.Request) { b.failed++ }

// TestEmptyAuthorizationIsNoCredential: an empty Authorization header
// presents no credential: it is PUBLIC, as no header is, and the failed-login
// limit neither holds it back nor counts it; any credential from a blocked
// address waits.
func TestEmptyAuthorizationIsNoCredential(t *testing.T) {
	v := newVerifier(t, auth.TokenConfig{HS256Secret: secret})
	tests := []struct {
		name        string
		headers     []string
		wantStatus  int
		wantChecked int
	}{
		{"no header", nil, http.StatusOK, 0},
		{"empty header", []string{""}, http.StatusOK, 0},
		{"blank header", []string{"   "}, http.StatusOK, 0},
		{"a credential", []string{"Bearer x"}, http.StatusTooManyRequests, 1},
		{"two empty headers", []string{"", ""}, http.StatusTooManyRequests, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			limiter := &blockedAddress{}
			status, body, seen := serve(t, &auth.Authenticator{Verifier: v, Failures: limiter}, tc.headers...)
			if status != tc.wantStatus || limiter.checked != tc.wantChecked || limiter.failed != 0 {
				t.Fatalf("status %d, checked %d, failed %d; want %d, %d, 0 (%s)", status, limiter.checked, limiter.failed, tc.wantStatus, tc.wantChecked, body)
			}
			if status == http.StatusOK && (seen == nil || seen.Role != auth.Public) {
				t.Fatalf("viewer %+v, want PUBLIC", seen)
			}
		})
	}
}
