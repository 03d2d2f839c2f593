package ratelimit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
)

// countingKeys is an APIKeyStore that knows no key and counts lookups (each
// a database query in the server).
type countingKeys struct{ n atomic.Int64 }

func (c *countingKeys) LookupAPIKey(context.Context, string) (auth.APIKeyRecord, error) {
	c.n.Add(1)
	return auth.APIKeyRecord{}, auth.ErrAPIKeyNotFound
}

func code(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %s", rec.Body)
	}
	return body.Errors[0].Extensions.Code
}

// TestAuthFailuresLimitedPerAddress: fake API keys and forged JWTs from one
// address get 401 up to the burst, then 429 RATE_LIMITED with Retry-After
// and no further key lookup; other addresses (IPv6 by /64) and valid
// credentials from them are unaffected; the bucket refills with the clock.
func TestAuthFailuresLimitedPerAddress(t *testing.T) {
	clk := newClock()
	keys := &countingKeys{}
	secret := []byte(strings.Repeat("k", 32))
	verifier, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	forger, _ := auth.NewVerifier(auth.TokenConfig{HS256Secret: []byte(strings.Repeat("x", 32))})
	viewer := auth.Viewer{Subject: "zhang", Role: auth.CityRegulator, RegionCode: "210100"}
	good, _ := verifier.Sign(viewer, time.Hour)
	forged, _ := forger.Sign(viewer, time.Hour)

	const perMinute, burst = 6, 20 // one failure per 10 s after the burst
	authn := &auth.Authenticator{Verifier: verifier, Keys: keys, Failures: ratelimit.NewFailures(ratelimit.FailureConfig{PerMinute: perMinute, Burst: burst, Now: clk.Now})}
	var served atomic.Int64
	h := authn.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served.Add(1) }))
	send := func(remote, credential string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.RemoteAddr = remote
		if credential != "" {
			req.Header.Set("Authorization", "Bearer "+credential)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	fakeKey := func(i int) string { return fmt.Sprintf("tuoyu_%016x_%064x", i, i) }

	for _, tc := range []struct {
		name, remote, other string
		bad                 func(i int) string
	}{
		{"fake API keys, IPv4", "203.0.113.7:4000", "203.0.113.8:4000", fakeKey},
		{"forged JWTs, IPv6 /64", "[2001:db8:1:2::1]:4000", "[2001:db8:1:3::1]:4000", func(int) string { return forged }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lookups := keys.n.Load()
			statuses := map[int]int{}
			for i := range 600 {
				remote := tc.remote
				if strings.HasPrefix(remote, "[") { // rotate through the /64
					remote = fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)
				}
				rec := send(remote, tc.bad(i))
				statuses[rec.Code]++
				if rec.Code == http.StatusTooManyRequests {
					if c := code(t, rec); c != "RATE_LIMITED" {
						t.Fatalf("429 with code %s", c)
					}
					if ra := rec.Header().Get("Retry-After"); ra != "10" {
						t.Fatalf("Retry-After %q; want 10", ra)
					}
				}
			}
			if statuses[http.StatusUnauthorized] != burst || statuses[http.StatusTooManyRequests] != 600-burst {
				t.Fatalf("statuses %v; want %d×401 then 429", statuses, burst)
			}
			if tc.bad(0) != forged {
				if n := keys.n.Load() - lookups; n != burst {
					t.Fatalf("%d key lookups; want %d (none once limited)", n, burst)
				}
			}
			// A valid token from the limited address waits too (the limit
			// is checked before any credential), from another address not.
			if rec := send(tc.remote, good); rec.Code != http.StatusTooManyRequests {
				t.Fatalf("valid token from the limited address: %d", rec.Code)
			}
			before := served.Load()
			if rec := send(tc.other, good); rec.Code != http.StatusOK || served.Load() != before+1 {
				t.Fatalf("valid token from another address: %d", rec.Code)
			}
			// Anonymous requests carry no credential and are not limited here.
			if rec := send(tc.remote, ""); rec.Code != http.StatusOK {
				t.Fatalf("anonymous: %d", rec.Code)
			}
			// After 10 s one more attempt is allowed.
			clk.Add(10 * time.Second)
			if rec := send(tc.remote, good); rec.Code != http.StatusOK {
				t.Fatalf("valid token after the refill: %d", rec.Code)
			}
			if rec := send(tc.remote, tc.bad(1)); rec.Code != http.StatusUnauthorized {
				t.Fatalf("bad credential after the refill: %d", rec.Code)
			}
			if rec := send(tc.remote, tc.bad(2)); rec.Code != http.StatusTooManyRequests {
				t.Fatalf("second bad credential after the refill: %d", rec.Code)
			}
		})
	}
}

// TestAuthFailuresOnlyCountFailures: successful authentications never use
// up an address's allowance.
func TestAuthFailuresOnlyCountFailures(t *testing.T) {
	clk := newClock()
	secret := []byte(strings.Repeat("k", 32))
	verifier, _ := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret})
	good, _ := verifier.Sign(auth.Viewer{Subject: "li", Role: auth.ProvinceRegulator, RegionCode: "210000"}, time.Hour)
	authn := &auth.Authenticator{Verifier: verifier, Failures: ratelimit.NewFailures(ratelimit.FailureConfig{PerMinute: 1, Burst: 2, Now: clk.Now})}
	h := authn.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for i := range 100 {
		req := httptest.NewRequest(http.MethodPost, "/query", nil)
		req.RemoteAddr = "198.51.100.1:1"
		req.Header.Set("Authorization", "Bearer "+good)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("request %d: %d", i, rec.Code)
		}
	}
}

// TestAuthFailuresCountedWhenConcurrent: failures that passed Check together
// (a wave of requests in flight at once) all count, so the address owes for
// each of them and the cap stays "per minute", not "per wave".
func TestAuthFailuresCountedWhenConcurrent(t *testing.T) {
	clk := newClock()
	const perMinute, burst = 6, 2 // one token per 10 s
	f := ratelimit.NewFailures(ratelimit.FailureConfig{PerMinute: perMinute, Burst: burst, Now: clk.Now})
	req := httptest.NewRequest(http.MethodPost, "/query", nil)
	req.RemoteAddr = "192.0.2.7:4000"
	const wave = 12
	for i := range wave { // every request of the wave is checked before any fails
		if ok, _ := f.Check(req); !ok {
			t.Fatalf("request %d of the first wave refused before any failure", i)
		}
	}
	for range wave {
		f.Failed(req)
	}
	// 12 failures against a burst of 2: 10 tokens owed, one more needed to
	// pass, so 110 s at one token per 10 s.
	ok, retry := f.Check(req)
	if ok || retry < 100*time.Second {
		t.Fatalf("after a wave of %d failures: ok %v, Retry-After %v; want refused for about 110 s", wave, ok, retry)
	}
	clk.Add(60 * time.Second)
	if ok, _ := f.Check(req); ok {
		t.Fatal("refused for a minute only: the wave's failures beyond the burst were not counted")
	}
	clk.Add(60 * time.Second)
	if ok, _ := f.Check(req); !ok {
		t.Fatal("still refused once the debt is refilled")
	}
}
