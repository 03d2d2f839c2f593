package auth

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/internal/dberr"

	"github.com/tuoyu/tuoyu/internal/httperr"
)

// Authenticator turns the Authorization header into a Viewer. Either field
// may be nil, which refuses that kind of credential.
type Authenticator struct {
	// Verifier checks JWTs ("Bearer eyJ…").
	Verifier *Verifier
	// Keys finds API keys ("Bearer tuoyu_<id>_<secret>").
	Keys APIKeyStore
	// Now is the clock for API key revocation; nil means time.Now.
	Now func() time.Time
	// Failures, when set, limits refused credentials per client address
	// (ratelimit.Failures): an address over its limit gets 429 before its
	// credential is looked at.
	Failures FailureLimiter
}

// FailureLimiter counts failed authentications per client.
type FailureLimiter interface {
	// Check reports whether r's client may present a credential now, and
	// if not, how long until it may.
	Check(r *http.Request) (ok bool, retryAfter time.Duration)
	// Failed counts one refused credential of r's client.
	Failed(r *http.Request)
}

// Authenticate returns the viewer for an Authorization header value: PUBLIC
// when it is empty (no header, or an empty one), else the JWT's or API key's viewer. Errors wrapping
// ErrUnauthenticated are the client's (401); others are server faults. It is
// exported for transports that carry the header elsewhere (a websocket
// connection_init payload).
func (a *Authenticator) Authenticate(ctx context.Context, authorization string) (*Viewer, error) {
	if strings.TrimSpace(authorization) == "" {
		return &Viewer{Role: Public}, nil
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" {
		return nil, unauthenticated("Authorization must be \"Bearer <token>\"")
	}
	if strings.HasPrefix(cred, APIKeyPrefix) {
		if a.Keys == nil {
			return nil, unauthenticated("API keys are not accepted")
		}
		now := time.Now
		if a.Now != nil {
			now = a.Now
		}
		return verifyAPIKey(ctx, a.Keys, cred, now())
	}
	if a.Verifier == nil {
		return nil, unauthenticated("tokens are not accepted")
	}
	return a.Verifier.Verify(cred)
}

// Middleware authenticates every request before next sees it and stores the
// viewer in the request context (replacing any viewer already there: only
// this middleware decides who is asking). No Authorization header, or an
// empty one, yields PUBLIC. Bad credentials get 401 with a GraphQL-shaped body
// {"errors":[{"message":…,"extensions":{"code":"UNAUTHENTICATED"}}]} and
// nothing runs; the body never repeats the credential. Place it first:
// rate limiting keys on the viewer it sets.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		var (
			v   *Viewer
			err error
		)
		// An empty header presents no credential: Authenticate serves it
		// as PUBLIC, so the failure limit does not hold it back either.
		presents := len(values) > 1 || len(values) == 1 && strings.TrimSpace(values[0]) != ""
		if presents && a.Failures != nil {
			if ok, wait := a.Failures.Check(r); !ok {
				slog.InfoContext(r.Context(), "auth: too many failed authentications", "remote", r.RemoteAddr)
				w.Header().Set("Retry-After", strconv.FormatInt(max(1, int64(math.Ceil(wait.Seconds()))), 10))
				writeError(w, http.StatusTooManyRequests, "RATE_LIMITED", "too many failed authentications")
				return
			}
		}
		if len(values) > 1 {
			err = unauthenticated("more than one Authorization header")
		} else {
			v, err = a.Authenticate(r.Context(), r.Header.Get("Authorization"))
		}
		switch {
		case errors.Is(err, ErrUnauthenticated):
			if a.Failures != nil {
				a.Failures.Failed(r)
			}
			slog.InfoContext(r.Context(), "auth: rejected credentials", "reason", err.Error(), "remote", r.RemoteAddr)
			msg := "invalid credentials"
			if errors.Is(err, ErrExpired) {
				msg = "credentials expired"
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tuoyu", error="invalid_token"`)
			writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", msg)
			return
		case dberr.Unavailable(err):
			// The API-key lookup could not reach the database: the same
			// answer as any request during an outage.
			slog.WarnContext(r.Context(), "auth: database unavailable for the API-key lookup")
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "the database is unavailable; retry later")
			return
		case err != nil:
			slog.ErrorContext(r.Context(), "auth: authentication failed", "err", err)
			writeError(w, http.StatusInternalServerError, "INTERNAL", "internal error")
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
	})
}

// writeError answers in the GraphQL response shape with a stable code.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Cache-Control", "no-store")
	httperr.Write(w, status, code, message)
}
