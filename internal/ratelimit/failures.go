package ratelimit

import (
	"math"
	"net/http"
	"time"
)

// FailureConfig sets the limit on failed authentications per client
// address. Zero values take the defaults.
type FailureConfig struct {
	// PerMinute is how many failures an address may add per minute once its
	// burst is spent (default 10), Burst how many it may have in a row
	// (default 20): a person or script with an expired token fails once or
	// twice, a credential-guessing run hundreds of times.
	PerMinute float64
	Burst     int
	// MaxKeys bounds the addresses remembered (default 100,000).
	MaxKeys int
	// ClientIP names the client (default RemoteIP: IPv6 grouped by /64).
	ClientIP func(*http.Request) string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Failures limits failed authentications per client address. It implements
// auth.FailureLimiter: the authentication middleware asks Check before it
// verifies a credential (so a blocked address costs no database lookup of
// an API key and no signature check) and reports each refused credential
// with Failed. Successful authentications cost nothing.
type Failures struct {
	l        *Limiter
	clientIP func(*http.Request) string
}

// NewFailures returns a failure limiter for cfg.
func NewFailures(cfg FailureConfig) *Failures {
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = 10
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 20
	}
	if cfg.ClientIP == nil {
		cfg.ClientIP = RemoteIP
	}
	perSecond := cfg.PerMinute / 60
	l := New(Config{Rate: perSecond, Burst: cfg.Burst, AnonRate: perSecond, AnonBurst: cfg.Burst, MaxKeys: cfg.MaxKeys, Now: cfg.Now})
	return &Failures{l: l, clientIP: cfg.ClientIP}
}

// Check reports whether r's address may still try a credential, and if not,
// how long until it may. It takes nothing from the bucket.
func (f *Failures) Check(r *http.Request) (ok bool, retryAfter time.Duration) {
	return f.l.peek("authfail:" + f.clientIP(r))
}

// Failed counts one refused credential against r's address.
func (f *Failures) Failed(r *http.Request) {
	f.l.debit("authfail:"+f.clientIP(r), true)
}

// peek reports whether key's bucket holds a token without taking it. A key
// without a bucket has a full one.
func (l *Limiter) peek(key string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	el, found := l.m[key]
	if !found {
		return true, 0
	}
	b := el.Value.(*bucket)
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		return true, 0
	}
	return false, time.Duration(math.Ceil((1 - tokens) / b.rate * float64(time.Second)))
}
