package httpapi

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rs/cors"
)

// PreflightMaxAge is how long, in seconds, a browser may cache a preflight
// answer (Chromium caps it at 2 hours).
const PreflightMaxAge = 7200

// ParseOrigins reads a comma-separated allow-list of origins such as
// "https://bi.example.cn,http://localhost:5173". Each must be a bare origin:
// scheme http or https, a host and an optional port, nothing else. Empty
// entries are ignored; an empty list means same-origin only.
func ParseOrigins(s string) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		o := strings.TrimSpace(part)
		if o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" ||
			!validOriginHost(u) {
			return nil, fmt.Errorf("CORS origin %q is not an origin like https://bi.example.cn or http://localhost:5173 (no wildcards; a port from 1 to 65535)", o)
		}
		out = append(out, strings.ToLower(u.Scheme+"://"+u.Host))
	}
	return out, nil
}

// validOriginHost reports whether u's host is one a browser can send in
// Origin: a DNS name (letters, digits, hyphens, dots) or an IP literal,
// with an optional port from 1 to 65535. A wildcard such as
// https://*.example.cn would match no Origin header (they are compared
// exactly): it is refused rather than left as a silently dead entry.
func validOriginHost(u *url.URL) bool {
	if strings.HasSuffix(u.Host, ":") {
		return false // "host:" with an empty port
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p[0] == '0' {
			return false
		}
	}
	h := u.Hostname()
	if h == "" {
		return false
	}
	if strings.HasPrefix(u.Host, "[") {
		return net.ParseIP(h) != nil
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// withCORS lets browsers on the allowed origins call next. Credentials
// travel only in the Authorization header, never in cookies, so
// Access-Control-Allow-Credentials is never sent. A preflight is answered
// 204 here: with Access-Control-Allow-* headers for an allowed origin,
// without them (the browser then refuses the call) for any other. With no
// origins every cross-origin call is refused (same-origin only).
func withCORS(next http.Handler, origins []string) http.Handler {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.ToLower(o)] = true
	}
	return cors.New(cors.Options{
		AllowOriginFunc: func(origin string) bool { return allowed[strings.ToLower(origin)] },
		AllowedMethods:  []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:  []string{"Authorization", "Content-Type", "Accept", "Idempotency-Key", "Apollographql-Client-Name", "Apollographql-Client-Version", "Apollo-Require-Preflight", "X-Apollo-Operation-Name"},
		ExposedHeaders:  []string{"Retry-After", "Idempotent-Replayed"},
		MaxAge:          PreflightMaxAge,
	}).Handler(next)
}
