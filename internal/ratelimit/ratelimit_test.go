package ratelimit_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

// do sends one request as viewer (nil: anonymous) from remote.
func do(h http.Handler, viewer *auth.Viewer, remote string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/query", nil)
	req.RemoteAddr = remote
	if viewer != nil {
		req = req.WithContext(auth.NewContext(req.Context(), viewer))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMiddleware(t *testing.T) {
	clk := newClock()
	l := ratelimit.New(ratelimit.Config{Rate: 1, Burst: 3, AnonRate: 0.5, AnonBurst: 2, Now: clk.Now})
	var served int
	h := l.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { served++ }))
	alice := &auth.Viewer{Subject: "alice", Role: auth.CityRegulator, RegionCode: "210100"}
	bob := &auth.Viewer{Subject: "bob", Role: auth.CityRegulator, RegionCode: "210100"}

	for i := range 3 {
		if rec := do(h, alice, "10.0.0.1:1000"); rec.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i, rec.Code)
		}
	}
	rec := do(h, alice, "10.0.0.1:1000")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the burst: status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	var body struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 || body.Errors[0].Extensions.Code != "RATE_LIMITED" {
		t.Fatalf("body %s", rec.Body)
	}
	if served != 3 {
		t.Fatalf("the handler ran %d times; want 3", served)
	}
	// Others are unaffected: another subject from the same address, and an
	// anonymous client.
	if rec := do(h, bob, "10.0.0.1:1000"); rec.Code != 200 {
		t.Fatalf("bob: %d", rec.Code)
	}
	if rec := do(h, nil, "10.0.0.1:1000"); rec.Code != 200 {
		t.Fatalf("anonymous: %d", rec.Code)
	}
	// The bucket refills.
	clk.Add(time.Second)
	if rec := do(h, alice, "10.0.0.1:1000"); rec.Code != 200 {
		t.Fatalf("after a second: %d", rec.Code)
	}

	// Anonymous clients are keyed by address with their own bucket size;
	// the port does not matter.
	for i := range 2 {
		if rec := do(h, nil, fmt.Sprintf("192.0.2.7:%d", 4000+i)); rec.Code != 200 {
			t.Fatalf("anonymous request %d: %d", i, rec.Code)
		}
	}
	if rec := do(h, nil, "192.0.2.7:5000"); rec.Code != 429 || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("anonymous over the burst: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if rec := do(h, nil, "192.0.2.8:5000"); rec.Code != 200 {
		t.Fatalf("another address: %d", rec.Code)
	}
	// An IPv6 client cannot escape by rotating within its /64.
	for i := range 2 {
		do(h, nil, fmt.Sprintf("[2001:db8:1:2::%x]:443", i+1))
	}
	if rec := do(h, nil, "[2001:db8:1:2::ffff]:443"); rec.Code != 429 {
		t.Fatalf("same /64: %d", rec.Code)
	}
	// An API key is its own principal.
	key := &auth.Viewer{Subject: "apikey:k", Role: auth.BIService, RegionCode: "210100", KeyID: "k"}
	if k, anon := l.Key(httptest.NewRequest("GET", "/", nil).WithContext(auth.NewContext(t.Context(), key))); k != "key:k" || anon {
		t.Fatalf("key %q anonymous %v", k, anon)
	}
}

func TestBoundedMemory(t *testing.T) {
	clk := newClock()
	l := ratelimit.New(ratelimit.Config{MaxKeys: 100, IdleTimeout: time.Minute, Now: clk.Now})
	for i := range 10_000 {
		l.Allow(fmt.Sprintf("anon:10.%d.%d.%d", i>>16, (i>>8)&255, i&255), true)
	}
	if n := l.Len(); n != 100 {
		t.Fatalf("%d buckets; want the cap of 100", n)
	}
	// Idle buckets go as soon as anything happens after the idle timeout.
	clk.Add(11 * time.Minute)
	l.Allow("sub:alice", false)
	if n := l.Len(); n != 1 {
		t.Fatalf("%d buckets after the idle timeout; want 1", n)
	}
}

func TestIdleTimeoutCoversRefill(t *testing.T) {
	// A bucket dropped while not yet full would hand its owner a fresh burst:
	// the idle timeout is raised to the refill time (10 tokens at 0.1/s = 100 s).
	clk := newClock()
	l := ratelimit.New(ratelimit.Config{Rate: 0.1, Burst: 10, IdleTimeout: time.Second, Now: clk.Now})
	for range 10 {
		l.Allow("sub:a", false)
	}
	clk.Add(50 * time.Second)
	l.Allow("sub:other", false)
	if ok, _ := l.Allow("sub:a", false); !ok {
		t.Fatal("5 tokens should have refilled")
	}
	for range 4 {
		l.Allow("sub:a", false)
	}
	if ok, wait := l.Allow("sub:a", false); ok || wait != 10*time.Second {
		t.Fatalf("bucket was reset by eviction: ok %v wait %v", ok, wait)
	}
}

func TestRemoteIP(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.1:1234":           "192.0.2.1",
		"[::ffff:192.0.2.1]:1234":  "192.0.2.1",
		"[2001:db8::1]:443":        "2001:db8::/64",
		"[2001:db8::1:2:3:4]:443":  "2001:db8::/64",
		"not-an-address":           "not-an-address",
		"[2001:db8:0:1::1%eth0]:1": "2001:db8:0:1::/64",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if got := ratelimit.RemoteIP(r); got != want {
			t.Errorf("RemoteIP(%q) = %q; want %q", remote, got, want)
		}
	}
}
