package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tuoyu/tuoyu/internal/auth"
)

var secret = []byte("0123456789abcdef0123456789abcdef-test-secret")

func pemOf(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func newVerifier(t testing.TB, cfg auth.TokenConfig) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims builds a claim set; tweak edits it.
func claims(tweak func(jwt.MapClaims)) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"sub":    "u-1",
		"role":   "DISTRICT_REGULATOR",
		"region": "210102",
		"iat":    now.Unix(),
		"exp":    now.Add(time.Hour).Unix(),
	}
	if tweak != nil {
		tweak(c)
	}
	return c
}

func sign(t testing.TB, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM, ecPEM := pemOf(t, &rsaKey.PublicKey), pemOf(t, &ecKey.PublicKey)

	hs := newVerifier(t, auth.TokenConfig{HS256Secret: secret})
	rs := newVerifier(t, auth.TokenConfig{PublicKeyPEM: rsaPEM})
	es := newVerifier(t, auth.TokenConfig{PublicKeyPEM: ecPEM})
	both := newVerifier(t, auth.TokenConfig{HS256Secret: secret, PublicKeyPEM: rsaPEM})
	scoped := newVerifier(t, auth.TokenConfig{HS256Secret: secret, Issuer: "https://idp.example", Audience: "tuoyu"})
	none := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))

	tests := []struct {
		name    string
		v       *auth.Verifier
		token   string
		want    *auth.Viewer
		wantErr error // nil: must succeed
	}{
		{name: "HS256", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(nil)),
			want: &auth.Viewer{Subject: "u-1", Role: auth.DistrictRegulator, RegionCode: "210102"}},
		{name: "RS256", v: rs, token: sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil)),
			want: &auth.Viewer{Subject: "u-1", Role: auth.DistrictRegulator, RegionCode: "210102"}},
		{name: "ES256", v: es, token: sign(t, jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["role"], c["region"] = "BI_SERVICE", "210100" })),
			want: &auth.Viewer{Subject: "u-1", Role: auth.BIService, RegionCode: "210100"}},
		{name: "institution staff", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) {
			c["role"], c["institution"] = "INSTITUTION_STAFF", 42
			delete(c, "region")
		})), want: &auth.Viewer{Subject: "u-1", Role: auth.InstitutionStaff, InstitutionID: 42}},
		{name: "RS256 and HS256 both configured: RS256", v: both, token: sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil)),
			want: &auth.Viewer{Subject: "u-1", Role: auth.DistrictRegulator, RegionCode: "210102"}},
		{name: "issuer and audience", v: scoped, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"], c["aud"] = "https://idp.example", "tuoyu" })),
			want: &auth.Viewer{Subject: "u-1", Role: auth.DistrictRegulator, RegionCode: "210102"}},

		{name: "forged: wrong secret", v: hs, token: sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "forged: other RSA key", v: rs, token: sign(t, jwt.SigningMethodRS256, otherRSA, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "alg none", v: hs, token: none, wantErr: auth.ErrUnauthenticated},
		{name: "alg none against RSA", v: rs, token: none, wantErr: auth.ErrUnauthenticated},
		{name: "alg confusion: HS256 signed with the RSA public key PEM", v: rs, token: sign(t, jwt.SigningMethodHS256, rsaPEM, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "alg confusion with HS256 also enabled", v: both, token: sign(t, jwt.SigningMethodHS256, rsaPEM, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "alg confusion: HS256 signed with the EC public key PEM", v: es, token: sign(t, jwt.SigningMethodHS256, ecPEM, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "wrong algorithm: RS256 to an HS256 verifier", v: hs, token: sign(t, jwt.SigningMethodRS256, rsaKey, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "wrong algorithm: RS384 with the right key", v: rs, token: sign(t, jwt.SigningMethodRS384, rsaKey, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "wrong algorithm: PS256 with the right key", v: rs, token: sign(t, jwt.SigningMethodPS256, rsaKey, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "wrong algorithm: ES256 to an RSA verifier", v: rs, token: sign(t, jwt.SigningMethodES256, ecKey, claims(nil)), wantErr: auth.ErrUnauthenticated},
		{name: "expired", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() })), wantErr: auth.ErrExpired},
		{name: "missing exp", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "exp") })), wantErr: auth.ErrUnauthenticated},
		{name: "nbf in the future", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), wantErr: auth.ErrUnauthenticated},
		{name: "iat in the future", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })), wantErr: auth.ErrUnauthenticated},
		{name: "wrong issuer", v: scoped, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"], c["aud"] = "https://evil.example", "tuoyu" })), wantErr: auth.ErrUnauthenticated},
		{name: "wrong audience", v: scoped, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["iss"], c["aud"] = "https://idp.example", "other" })), wantErr: auth.ErrUnauthenticated},
		{name: "unknown role", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"] = "ADMIN" })), wantErr: auth.ErrUnauthenticated},
		{name: "role PUBLIC in a token", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"] = "PUBLIC"; delete(c, "region") })), wantErr: auth.ErrUnauthenticated},
		{name: "regulator without region", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "region") })), wantErr: auth.ErrUnauthenticated},
		{name: "BI without region", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"] = "BI_SERVICE"; delete(c, "region") })), wantErr: auth.ErrUnauthenticated},
		{name: "district regulator holding a province code", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["region"] = "210000" })), wantErr: auth.ErrUnauthenticated},
		{name: "region not a GB/T 2260 code", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"], c["region"] = "PROVINCE_REGULATOR", "990000" })), wantErr: auth.ErrUnauthenticated},
		{name: "staff without institution", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"] = "INSTITUTION_STAFF" })), wantErr: auth.ErrUnauthenticated},
		{name: "institution on a regulator", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["institution"] = 7 })), wantErr: auth.ErrUnauthenticated},
		{name: "institution as a string", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["role"], c["institution"] = "INSTITUTION_STAFF", "7" })), wantErr: auth.ErrUnauthenticated},
		{name: "no subject", v: hs, token: sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { delete(c, "sub") })), wantErr: auth.ErrUnauthenticated},
		{name: "malformed", v: hs, token: "eyJhbGciOiJIUzI1NiJ9.not-base64!.x", wantErr: auth.ErrUnauthenticated},
		{name: "empty", v: hs, token: "", wantErr: auth.ErrUnauthenticated},
		{name: "oversized", v: hs, token: "eyJ" + strings.Repeat("A", 9000), wantErr: auth.ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.v.Verify(tc.token)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if *got != *tc.want {
					t.Fatalf("viewer = %+v; want %+v", *got, *tc.want)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || got != nil {
				t.Fatalf("Verify = %v, %v; want an error wrapping %v", got, err, tc.wantErr)
			}
			assertNoSecret(t, err.Error(), tc.token)
		})
	}
}

// assertNoSecret fails if msg contains token or any of its dot-separated
// segments.
func assertNoSecret(t testing.TB, msg, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(msg, token) {
		t.Fatalf("message contains the credential: %s", msg)
	}
	for _, part := range strings.FieldsFunc(token, func(r rune) bool { return r == '.' || r == '_' }) {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Fatalf("message contains part of the credential: %s", msg)
		}
	}
}

func TestNewVerifierConfig(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]auth.TokenConfig{
		"no key":            {},
		"short secret":      {HS256Secret: []byte("short")},
		"RSA 1024":          {PublicKeyPEM: pemOf(t, &small.PublicKey)},
		"P-384":             {PublicKeyPEM: pemOf(t, &p384.PublicKey)},
		"not PEM":           {PublicKeyPEM: []byte("hello")},
		"private key block": {PublicKeyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})},
	} {
		if _, err := auth.NewVerifier(cfg); err == nil {
			t.Errorf("%s: NewVerifier accepted it", name)
		}
	}
}

func TestSign(t *testing.T) {
	v := newVerifier(t, auth.TokenConfig{HS256Secret: secret, Issuer: "tuoyu-dev", Audience: "tuoyu"})
	want := auth.Viewer{Subject: "alice", Role: auth.CityRegulator, RegionCode: "210100"}
	tok, err := v.Sign(want, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(tok)
	if err != nil || *got != want {
		t.Fatalf("round trip = %+v, %v; want %+v", got, err, want)
	}
	for name, viewer := range map[string]auth.Viewer{
		"PUBLIC":               {Role: auth.Public},
		"invalid viewer":       {Subject: "x", Role: auth.ProvinceRegulator},
		"API key viewer":       {Subject: "x", Role: auth.BIService, RegionCode: "210000", KeyID: "k"},
		"unknown role":         {Subject: "x", Role: "ROOT", RegionCode: "210000"},
		"city code for county": {Subject: "x", Role: auth.CityRegulator, RegionCode: "210102"},
	} {
		if _, err := v.Sign(viewer, time.Minute); err == nil {
			t.Errorf("Sign(%s) succeeded", name)
		}
	}
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	if _, err := newVerifier(t, auth.TokenConfig{PublicKeyPEM: pemOf(t, &rsaKey.PublicKey)}).Sign(want, time.Minute); err == nil {
		t.Error("Sign without an HS256 secret succeeded")
	}
}

func TestViewerHelpers(t *testing.T) {
	tests := []struct {
		v             auth.Viewer
		introspect    bool
		principal     string
		prefix        string
		in, out       string
		validateError bool
	}{
		{v: auth.Viewer{Role: auth.Public}, principal: "", out: "210102"},
		{v: auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}, introspect: true, principal: "sub:p", prefix: "21", in: "210102001000", out: "220100"},
		{v: auth.Viewer{Subject: "c", Role: auth.CityRegulator, RegionCode: "210100"}, introspect: true, principal: "sub:c", prefix: "2101", in: "210102", out: "210200"},
		{v: auth.Viewer{Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"}, introspect: true, principal: "sub:d", prefix: "210102", in: "210102001", out: "210103"},
		{v: auth.Viewer{Subject: "apikey:k1", Role: auth.BIService, RegionCode: "210000", KeyID: "k1"}, introspect: true, principal: "key:k1", prefix: "21", in: "210100", out: "110000"},
		{v: auth.Viewer{Subject: "s", Role: auth.InstitutionStaff, InstitutionID: 3}, principal: "sub:s", out: "210102"},
		{v: auth.Viewer{Subject: "s", Role: auth.InstitutionStaff}, principal: "sub:s", validateError: true},
	}
	for _, tc := range tests {
		v := tc.v
		if v.CanIntrospect() != tc.introspect || v.Principal() != tc.principal {
			t.Errorf("%+v: CanIntrospect %v, Principal %q", v, v.CanIntrospect(), v.Principal())
		}
		prefix, ok := v.RegionPrefix()
		if prefix != tc.prefix || ok != (tc.prefix != "") {
			t.Errorf("%+v: RegionPrefix = %q, %v", v, prefix, ok)
		}
		if (tc.in != "" && !v.InRegion(tc.in)) || (tc.out != "" && v.InRegion(tc.out)) {
			t.Errorf("%+v: InRegion(%q) / InRegion(%q) wrong", v, tc.in, tc.out)
		}
		if err := v.Validate(); (err != nil) != tc.validateError {
			t.Errorf("%+v: Validate = %v", v, err)
		}
	}
	// The context never yields nil, and stores a copy.
	if v := auth.FromContext(context.Background()); v == nil || v.Role != auth.Public {
		t.Fatalf("FromContext(empty) = %+v", v)
	}
	if _, ok := auth.Lookup(context.Background()); ok {
		t.Fatal("Lookup found a viewer in an empty context")
	}
	orig := &auth.Viewer{Subject: "p", Role: auth.ProvinceRegulator, RegionCode: "210000"}
	ctx := auth.NewContext(context.Background(), orig)
	orig.Role = auth.Public
	if auth.FromContext(ctx).Role != auth.ProvinceRegulator {
		t.Fatal("NewContext did not copy the viewer")
	}
}

func TestAPIKeys(t *testing.T) {
	id, sec, full := auth.NewAPIKey()
	if gotID, gotSecret, ok := auth.ParseAPIKey(full); !ok || gotID != id || gotSecret != sec || len(sec) != 64 {
		t.Fatalf("ParseAPIKey(%q) = %q, %q, %v", full, gotID, gotSecret, ok)
	}
	if _, _, again := auth.NewAPIKey(); again == full {
		t.Fatal("NewAPIKey repeated itself")
	}
	for _, bad := range []string{"", "tuoyu_", "tuoyu_" + id, "tuoyu_" + id + "_" + sec[:63], "tuoyu_" + strings.ToUpper(id) + "_" + sec, "other_" + id + "_" + sec} {
		if _, _, ok := auth.ParseAPIKey(bad); ok {
			t.Errorf("ParseAPIKey(%q) accepted", bad)
		}
	}
	if h := auth.HashAPIKeySecret(sec); len(h) != 64 || strings.Contains(h, sec) {
		t.Fatalf("hash %q", h)
	}
}

// serve runs one request through a.Middleware and returns the status, the
// body and the viewer the next handler saw.
func serve(t testing.TB, a *auth.Authenticator, header ...string) (int, string, *auth.Viewer) {
	t.Helper()
	var seen *auth.Viewer
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = auth.FromContext(r.Context())
		w.WriteHeader(http.StatusOK)
	}))
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ __typename }"}`))
	for _, v := range header {
		req.Header.Add("Authorization", v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), seen
}

// seenRetryAfter serves one request and returns its Retry-After header.
func seenRetryAfter(t testing.TB, a *auth.Authenticator, header ...string) string {
	t.Helper()
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ __typename }"}`))
	for _, v := range header {
		req.Header.Add("Authorization", v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Header().Get("Retry-After")
}

type failingStore struct{}

func (failingStore) LookupAPIKey(context.Context, string) (auth.APIKeyRecord, error) {
	return auth.APIKeyRecord{}, errors.New("pq: syntax error at or near \"api_keys\"")
}

// unreachableStore fails as database/sql does when the database cannot be
// reached: the lookup is an outage, not a bug.
type unreachableStore struct{}

func (unreachableStore) LookupAPIKey(context.Context, string) (auth.APIKeyRecord, error) {
	return auth.APIKeyRecord{}, fmt.Errorf("apikeys: lookup: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
}

func TestMiddleware(t *testing.T) {
	v := newVerifier(t, auth.TokenConfig{HS256Secret: secret})
	id, sec, full := auth.NewAPIKey()
	revokedID, revokedSecret, revokedFull := auth.NewAPIKey()
	laterID, laterSecret, laterFull := auth.NewAPIKey()
	_, _, unknownFull := auth.NewAPIKey()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	keys := auth.NewMemoryKeyStore(
		auth.APIKeyRecord{ID: id, SecretHash: auth.HashAPIKeySecret(sec), Role: auth.BIService, RegionCode: "210100"},
		auth.APIKeyRecord{ID: revokedID, SecretHash: auth.HashAPIKeySecret(revokedSecret), Role: auth.BIService, RegionCode: "210100", RevokedAt: &past},
		auth.APIKeyRecord{ID: laterID, SecretHash: auth.HashAPIKeySecret(laterSecret), Role: auth.BIService, RegionCode: "210100", RevokedAt: &future},
	)
	a := &auth.Authenticator{Verifier: v, Keys: keys, Now: func() time.Time { return now }}
	good, err := v.Sign(auth.Viewer{Subject: "u", Role: auth.ProvinceRegulator, RegionCode: "210000"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	forged := sign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), claims(nil))
	wrongSecret := "tuoyu_" + id + "_" + strings.Repeat("a", 64)

	tests := []struct {
		name       string
		a          *auth.Authenticator
		headers    []string
		wantStatus int
		wantViewer *auth.Viewer
	}{
		{"no header: PUBLIC", a, nil, 200, &auth.Viewer{Role: auth.Public}},
		{"JWT", a, []string{"Bearer " + good}, 200, &auth.Viewer{Subject: "u", Role: auth.ProvinceRegulator, RegionCode: "210000"}},
		{"lower-case scheme", a, []string{"bearer " + good}, 200, &auth.Viewer{Subject: "u", Role: auth.ProvinceRegulator, RegionCode: "210000"}},
		{"API key", a, []string{"Bearer " + full}, 200, &auth.Viewer{Subject: "apikey:" + id, Role: auth.BIService, RegionCode: "210100", KeyID: id}},
		{"API key revoked later", a, []string{"Bearer " + laterFull}, 200, &auth.Viewer{Subject: "apikey:" + laterID, Role: auth.BIService, RegionCode: "210100", KeyID: laterID}},
		{"forged JWT", a, []string{"Bearer " + forged}, 401, nil},
		{"revoked API key", a, []string{"Bearer " + revokedFull}, 401, nil},
		{"unknown API key", a, []string{"Bearer " + unknownFull}, 401, nil},
		{"API key with wrong secret", a, []string{"Bearer " + wrongSecret}, 401, nil},
		{"Basic scheme", a, []string{"Basic dXNlcjpwYXNz"}, 401, nil},
		{"Bearer without token", a, []string{"Bearer "}, 401, nil},
		{"two Authorization headers", a, []string{"Bearer " + good, "Bearer " + good}, 401, nil},
		{"JWT without a verifier", &auth.Authenticator{Keys: keys}, []string{"Bearer " + good}, 401, nil},
		{"API key without a store", &auth.Authenticator{Verifier: v}, []string{"Bearer " + full}, 401, nil},
		{"store failure is a 500", &auth.Authenticator{Keys: failingStore{}}, []string{"Bearer " + full}, 500, nil},
		{"unreachable store is a 503", &auth.Authenticator{Keys: unreachableStore{}}, []string{"Bearer " + full}, 503, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body, seen := serve(t, tc.a, tc.headers...)
			if status != tc.wantStatus {
				t.Fatalf("status %d; want %d (%s)", status, tc.wantStatus, body)
			}
			if tc.wantViewer != nil {
				if seen == nil || *seen != *tc.wantViewer {
					t.Fatalf("viewer %+v; want %+v", seen, tc.wantViewer)
				}
				return
			}
			if seen != nil {
				t.Fatal("the next handler ran for a rejected request")
			}
			var resp struct {
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil || len(resp.Errors) != 1 {
				t.Fatalf("body %q is not one GraphQL error", body)
			}
			wantCode := map[int]string{500: "INTERNAL", 503: "UNAVAILABLE"}[status]
			if wantCode == "" {
				wantCode = "UNAUTHENTICATED"
			}
			if status == 503 && seenRetryAfter(t, tc.a, tc.headers...) == "" {
				t.Fatal("503 without Retry-After")
			}
			if resp.Errors[0].Extensions.Code != wantCode {
				t.Fatalf("code %q; want %s", resp.Errors[0].Extensions.Code, wantCode)
			}
			for _, h := range tc.headers {
				assertNoSecret(t, body, strings.TrimPrefix(h, "Bearer "))
			}
			if strings.Contains(body, "pq:") || strings.Contains(body, "__typename") {
				t.Fatalf("body leaks internals or the request: %s", body)
			}
		})
	}
}

func TestMiddlewareExpiredMessage(t *testing.T) {
	v := newVerifier(t, auth.TokenConfig{HS256Secret: secret})
	expired := sign(t, jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))
	status, body, _ := serve(t, &auth.Authenticator{Verifier: v}, "Bearer "+expired)
	if status != 401 || !strings.Contains(body, "expired") || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("%d %s", status, body)
	}
}
