// Package ratelimit limits requests per principal with token buckets: each
// authenticated viewer (JWT subject or API key) and each anonymous client
// address has its own bucket. It counts requests, not their cost: one
// request may hold up to the GraphQL alias and complexity limits' worth of
// work, which those limits bound.
//
// Buckets live in a bounded LRU map: idle buckets are dropped (a bucket idle
// for longer than its refill time is full again, so dropping it changes
// nothing), and when the map is full the least recently used bucket goes, so
// a flood of new addresses costs bounded memory.
package ratelimit

import (
	"container/list"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// Config sets the buckets. Zero values take the defaults.
type Config struct {
	// Rate and Burst are the sustained requests per second and the bucket
	// size of an authenticated principal (defaults 10/s and 40: a BI
	// dashboard fires a few dozen queries when it opens, then few).
	Rate  float64
	Burst int
	// AnonRate and AnonBurst apply to PUBLIC requests, keyed by client
	// address (defaults 2/s and 20): anonymous traffic is seat search and
	// public institution pages, and the cheapest to abuse.
	AnonRate  float64
	AnonBurst int
	// MaxKeys bounds the number of buckets kept (default 100,000, a few MB).
	MaxKeys int
	// IdleTimeout drops a bucket unused for this long (default 10 minutes;
	// never less than the time a bucket takes to refill, so dropping is exact).
	IdleTimeout time.Duration
	// ClientIP names the client of an anonymous request. The default is the
	// host of RemoteAddr, IPv6 addresses grouped by /64 (one subscriber's
	// prefix). Behind a reverse proxy, set RemoteAddr from the proxy's
	// header in a trusted middleware, or supply ClientIP; never trust
	// X-Forwarded-For from the open internet.
	ClientIP func(*http.Request) string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

func (c *Config) defaults() {
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.Burst <= 0 {
		c.Burst = 40
	}
	if c.AnonRate <= 0 {
		c.AnonRate = 2
	}
	if c.AnonBurst <= 0 {
		c.AnonBurst = 20
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = 100_000
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 10 * time.Minute
	}
	refill := time.Duration(math.Ceil(max(float64(c.Burst)/c.Rate, float64(c.AnonBurst)/c.AnonRate) * float64(time.Second)))
	c.IdleTimeout = max(c.IdleTimeout, refill)
	if c.ClientIP == nil {
		c.ClientIP = RemoteIP
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Limiter holds the buckets. It is safe for concurrent use.
type Limiter struct {
	cfg Config
	mu  sync.Mutex
	lru *list.List // of *bucket, most recently used first
	m   map[string]*list.Element
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	rate float64
	last time.Time
}

// New returns a Limiter for cfg (zero fields take the defaults).
func New(cfg Config) *Limiter {
	cfg.defaults()
	return &Limiter{cfg: cfg, lru: list.New(), m: map[string]*list.Element{}}
}

// Allow takes one token from key's bucket (the anonymous bucket size when
// anonymous is set). When the bucket is empty it returns false and how long
// until a token is available.
func (l *Limiter) Allow(key string, anonymous bool) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.bucket(key, anonymous, now)
	ok = b.lim.AllowN(now, 1)
	if !ok {
		missing := 1 - b.lim.TokensAt(now)
		retryAfter = time.Duration(math.Ceil(missing / b.rate * float64(time.Second)))
	}
	l.evict(now)
	return ok, retryAfter
}

// bucket returns key's bucket, created full when new, as most recently
// used. l.mu must be held.
func (l *Limiter) bucket(key string, anonymous bool, now time.Time) *bucket {
	var b *bucket
	if el, found := l.m[key]; found {
		l.lru.MoveToFront(el)
		b = el.Value.(*bucket)
	} else {
		r, burst := l.cfg.Rate, l.cfg.Burst
		if anonymous {
			r, burst = l.cfg.AnonRate, l.cfg.AnonBurst
		}
		b = &bucket{key: key, lim: rate.NewLimiter(rate.Limit(r), burst), rate: r}
		l.m[key] = l.lru.PushFront(b)
	}
	b.last = now
	return b
}

// debit takes one token from key's bucket even when it is empty: the bucket
// goes into debt (a reservation that is never cancelled) and stays refused
// until refilled, so that events counted concurrently all count, where
// Allow would drop those beyond the tokens left.
func (l *Limiter) debit(key string, anonymous bool) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(key, anonymous, now).lim.ReserveN(now, 1)
	l.evict(now)
}

// evict drops idle buckets from the LRU end, then the least recently used
// ones while over MaxKeys. Amortised O(1) per call: each bucket is dropped once.
func (l *Limiter) evict(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		b := el.Value.(*bucket)
		if now.Sub(b.last) < l.cfg.IdleTimeout && l.lru.Len() <= l.cfg.MaxKeys {
			return
		}
		l.lru.Remove(el)
		delete(l.m, b.key)
	}
}

// Len is the number of buckets held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}

// Key returns the bucket key of a request and whether it is anonymous:
// the viewer's Principal (set by auth.Authenticator.Middleware, which must
// run first), else "anon:" + the client address.
func (l *Limiter) Key(r *http.Request) (key string, anonymous bool) {
	if p := auth.FromContext(r.Context()).Principal(); p != "" {
		return p, false
	}
	return "anon:" + l.cfg.ClientIP(r), true
}

// Middleware refuses a request whose principal's bucket is empty with HTTP
// 429, a Retry-After header (whole seconds) and the body
// {"errors":[{"message":"rate limit exceeded","extensions":{"code":"RATE_LIMITED"}}]},
// before the body is read or anything runs. Place it after authentication.
func (l *Limiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, anonymous := l.Key(r)
		if ok, wait := l.Allow(key, anonymous); !ok {
			secs := max(1, int64(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(map[string]any{
				"errors": []map[string]any{{"message": "rate limit exceeded", "extensions": map[string]any{"code": "RATE_LIMITED"}}},
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RemoteIP is the default Config.ClientIP: the host part of r.RemoteAddr,
// with IPv6 addresses reduced to their /64 prefix, since one client
// typically controls a whole /64 and could otherwise rotate through it.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
