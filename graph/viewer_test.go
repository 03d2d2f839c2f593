package graph_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
)

func TestIntrospectionByViewer(t *testing.T) {
	s := gqltest.New(t)
	buildTree(t, s.Client, 1)
	viewers := map[string]auth.Viewer{
		"PUBLIC":             {Role: auth.Public},
		"INSTITUTION_STAFF":  {Subject: "s", Role: auth.InstitutionStaff, InstitutionID: 1},
		"DISTRICT_REGULATOR": {Subject: "d", Role: auth.DistrictRegulator, RegionCode: "210102"},
		"BI_SERVICE":         {Subject: "apikey:k", Role: auth.BIService, RegionCode: "210000", KeyID: "k"},
	}
	queries := map[string]string{
		"__schema":             `{ __schema { queryType { name } } }`,
		"__type":               `{ __type(name: "Child") { name } }`,
		"__type in a fragment": `{ ...Q } fragment Q on Query { __type(name: "Child") { name } }`,
		"mixed with data":      `{ regions(first: 1) { totalCount } __schema { types { name } } }`,
	}
	for vname, v := range viewers {
		for qname, q := range queries {
			t.Run(vname+"/"+qname, func(t *testing.T) {
				var resp gqltest.Response
				n := s.Count(func() { resp = s.DoAs(t, v, q, nil) })
				if v.CanIntrospect() {
					if len(resp.Errors) > 0 {
						t.Fatalf("errors: %s", resp.Body)
					}
					return
				}
				if strings.Join(resp.Codes(), ",") != graph.CodeIntrospectionDisabled || resp.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, body %s; want 422 %s", resp.Status, resp.Body, graph.CodeIntrospectionDisabled)
				}
				if n != 0 || strings.Contains(resp.Body, "totalCount") {
					t.Fatalf("refused operation ran %d statements: %s", n, resp.Body)
				}
			})
		}
	}
	// __typename is not introspection.
	var got struct {
		Typename string `json:"__typename"`
	}
	s.Do(t, `{ __typename }`, nil).Decode(t, &got)
	if got.Typename != "Query" {
		t.Fatalf("__typename = %q", got.Typename)
	}
}

func TestSuggestionsOnlyForIntrospectors(t *testing.T) {
	s := gqltest.New(t)
	for name, q := range map[string]string{
		"field":       `{ regionz { totalCount } }`,
		"argument":    `{ regions(frist: 1) { totalCount } }`,
		"enum value":  `{ regions(first: 1, where: {level: CITTY}) { totalCount } }`,
		"input field": `{ regions(first: 1, where: {levle: CITY}) { totalCount } }`,
		"type":        `query($w: RegionWhereInputt) { regions(first: 1, where: $w) { totalCount } }`,
		"scalar leaf": `{ regions }`,
	} {
		for _, v := range []auth.Viewer{{Role: auth.Public}, {Subject: "s", Role: auth.InstitutionStaff, InstitutionID: 1}} {
			resp := s.DoAs(t, v, q, nil)
			if len(resp.Errors) == 0 || resp.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Errorf("%s as %s: %s", name, v.Role, resp.Body)
			}
			if strings.Contains(resp.Body, "Did you mean") || strings.Contains(resp.Body, `"regions"`) && name == "field" {
				t.Errorf("%s as %s suggests: %s", name, v.Role, resp.Body)
			}
		}
	}
	// Viewers who may introspect the schema (GraphiQL users) get the hints.
	resp := s.DoAs(t, regulator, `{ regionz { totalCount } }`, nil)
	if !strings.Contains(resp.Body, "Did you mean") {
		t.Errorf("a regulator gets no suggestion: %s", resp.Body)
	}
}

func TestCSRFAndTransports(t *testing.T) {
	s := gqltest.New(t)
	post := func(contentType, body string, headers ...string) gqltest.Response {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		return s.Send(t, req)
	}
	const mutation = `mutation { createRegion(input: {code: "110000", name: "北京市", level: PROVINCE}) { id } }`
	tests := []struct {
		name       string
		do         func() gqltest.Response
		wantStatus int
	}{
		// The three CORS-simple content types a cross-site form can send
		// without a preflight are refused, even with a CSRF-style header.
		{"form urlencoded", func() gqltest.Response {
			return post("application/x-www-form-urlencoded", "query="+url.QueryEscape(mutation))
		}, http.StatusUnsupportedMediaType},
		{"multipart", func() gqltest.Response {
			return post("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":\""+mutation+"\"}\r\n--x--")
		}, http.StatusUnsupportedMediaType},
		{"text/plain with a preflight header", func() gqltest.Response {
			return post("text/plain", `{"query": "`+strings.ReplaceAll(mutation, `"`, `\"`)+`"}`, "Apollo-Require-Preflight", "true")
		}, http.StatusUnsupportedMediaType},
		// GET needs no header but runs queries only.
		{"GET query without any header", func() gqltest.Response {
			return s.Send(t, httptest.NewRequest(http.MethodGet, "/query?query="+url.QueryEscape(`{ regions(first: 1) { totalCount } }`), nil))
		}, http.StatusOK},
		{"GET mutation", func() gqltest.Response {
			return s.Send(t, httptest.NewRequest(http.MethodGet, "/query?query="+url.QueryEscape(mutation), nil))
		}, http.StatusNotAcceptable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			n := s.Count(func() { resp = tc.do() })
			if resp.Status != tc.wantStatus {
				t.Fatalf("status %d; want %d (%s)", resp.Status, tc.wantStatus, resp.Body)
			}
			if tc.wantStatus != http.StatusOK && n != 0 {
				t.Fatalf("refused request ran %d statements", n)
			}
		})
	}
	var count struct{ Regions struct{ TotalCount int } }
	s.Do(t, `{ regions { totalCount } }`, nil).Decode(t, &count)
	if count.Regions.TotalCount != 0 {
		t.Fatal("a refused mutation wrote a region")
	}
}

// TestAuthenticatedStack runs the whole chain NewHandler builds with an
// Authenticator and a RateLimiter: credentials from the Authorization header,
// 401 before anything runs, viewer-dependent introspection, 429 per principal.
func TestAuthenticatedStack(t *testing.T) {
	secret := []byte("graph-test-secret-0123456789abcdef")
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	verifier, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret, PublicKeyPEM: ecPEM})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keySecret, apiKey := auth.NewAPIKey()
	revokedID, revokedSecret, revokedKey := auth.NewAPIKey()
	revokedAt := time.Now().Add(-time.Minute)
	keys := auth.NewMemoryKeyStore(
		auth.APIKeyRecord{ID: keyID, SecretHash: auth.HashAPIKeySecret(keySecret), Role: auth.BIService, RegionCode: "210100"},
		auth.APIKeyRecord{ID: revokedID, SecretHash: auth.HashAPIKeySecret(revokedSecret), Role: auth.BIService, RegionCode: "210100", RevokedAt: &revokedAt},
	)
	limiter := ratelimit.New(ratelimit.Config{Rate: 0.001, Burst: 4, AnonRate: 0.001, AnonBurst: 50})
	s := gqltest.New(t,
		gqltest.As(regulator), // must be ignored: the Authenticator decides
		gqltest.WithHandlerOptions(graph.HandlerOptions{
			Authenticator: &auth.Authenticator{Verifier: verifier, Keys: keys},
			RateLimiter:   limiter,
		}))
	buildTree(t, s.Client, 1)

	claims := func(tweak func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "u-7", "role": "CITY_REGULATOR", "region": "210100", "exp": time.Now().Add(time.Hour).Unix()}
		if tweak != nil {
			tweak(c)
		}
		return c
	}
	signed := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		tok, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := signed(jwt.SigningMethodHS256, secret, claims(nil))
	es256 := signed(jwt.SigningMethodES256, ecKey, claims(func(c jwt.MapClaims) { c["sub"] = "u-8" }))
	// The body carries an ID number, to prove errors never echo the request.
	const idNumber = "11010519491231002X"
	introspect := `{ __schema { queryType { name } } }`
	send := func(authorization, query string) gqltest.Response {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query": "`+strings.ReplaceAll(query, `"`, `\"`)+`", "variables": {"probe": "`+idNumber+`"}}`))
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		return s.Send(t, req)
	}

	tests := []struct {
		name          string
		authorization string
		query         string
		wantStatus    int
		wantCode      string
	}{
		{"no credentials is PUBLIC (the As viewer is ignored)", "", introspect, 422, graph.CodeIntrospectionDisabled},
		{"HS256 regulator may introspect", "Bearer " + good, introspect, 200, ""},
		{"ES256 regulator", "Bearer " + es256, introspect, 200, ""},
		{"API key (BI) may introspect", "Bearer " + apiKey, introspect, 200, ""},
		{"forged: wrong secret", "Bearer " + signed(jwt.SigningMethodHS256, []byte("not-the-secret-not-the-secret-xx"), claims(nil)), introspect, 401, "UNAUTHENTICATED"},
		{"expired", "Bearer " + signed(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() })), introspect, 401, "UNAUTHENTICATED"},
		{"alg none", "Bearer " + signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil)), introspect, 401, "UNAUTHENTICATED"},
		{"HS256 signed with the public key", "Bearer " + signed(jwt.SigningMethodHS256, ecPEM, claims(nil)), introspect, 401, "UNAUTHENTICATED"},
		{"wrong algorithm (HS384)", "Bearer " + signed(jwt.SigningMethodHS384, secret, claims(nil)), introspect, 401, "UNAUTHENTICATED"},
		{"revoked API key", "Bearer " + revokedKey, introspect, 401, "UNAUTHENTICATED"},
		{"mutation with a forged token writes nothing", "Bearer " + signed(jwt.SigningMethodHS256, []byte("not-the-secret-not-the-secret-xx"), claims(nil)),
			`mutation { createRegion(input: {code: "110000", name: "北京市", level: PROVINCE}) { id } }`, 401, "UNAUTHENTICATED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			n := s.Count(func() { resp = send(tc.authorization, tc.query) })
			if resp.Status != tc.wantStatus || strings.Join(resp.Codes(), ",") != tc.wantCode {
				t.Fatalf("status %d codes %v; want %d %q (%s)", resp.Status, resp.Codes(), tc.wantStatus, tc.wantCode, resp.Body)
			}
			if tc.wantStatus != 200 && n != 0 {
				t.Fatalf("refused request ran %d statements", n)
			}
			token := strings.TrimPrefix(tc.authorization, "Bearer ")
			if token != "" && strings.Contains(resp.Body, token) || strings.Contains(resp.Body, idNumber) {
				t.Fatalf("response echoes the credential or the body: %s", resp.Body)
			}
			if tc.wantStatus == 401 {
				for _, part := range strings.Split(token, ".") {
					if len(part) > 8 && strings.Contains(resp.Body, part) {
						t.Fatalf("response echoes part of the token: %s", resp.Body)
					}
				}
			}
		})
	}

	t.Run("rate limit per principal", func(t *testing.T) {
		// A fresh subject with a burst of 4.
		tok := signed(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["sub"] = "burst" }))
		q := `{ regions(first: 1) { totalCount } }`
		for i := range 4 {
			if resp := send("Bearer "+tok, q); resp.Status != 200 || len(resp.Errors) > 0 {
				t.Fatalf("request %d: %d %s", i, resp.Status, resp.Body)
			}
		}
		var resp gqltest.Response
		n := s.Count(func() { resp = send("Bearer "+tok, q) })
		if resp.Status != http.StatusTooManyRequests || strings.Join(resp.Codes(), ",") != graph.CodeRateLimited || n != 0 {
			t.Fatalf("5th request: status %d, %d statements, %s", resp.Status, n, resp.Body)
		}
		// Others are unaffected: another subject, an API key, anonymous.
		other := signed(jwt.SigningMethodHS256, secret, claims(func(c jwt.MapClaims) { c["sub"] = "someone-else" }))
		for _, a := range []string{"Bearer " + other, "Bearer " + apiKey, ""} {
			if resp := send(a, q); resp.Status != 200 || len(resp.Errors) > 0 {
				t.Fatalf("%.20s…: %d %s", a, resp.Status, resp.Body)
			}
		}
	})
}

// TestRateLimitHeader checks Retry-After on the real stack. The limiter's
// clock stands still, so the answer does not depend on how fast the
// machine runs the two requests: the bucket refills 0.5 a second, so the
// next token is 2 s away.
func TestRateLimitHeader(t *testing.T) {
	frozen := time.Date(2026, time.March, 16, 9, 0, 0, 0, time.UTC)
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{
		RateLimiter: ratelimit.New(ratelimit.Config{AnonRate: 0.5, AnonBurst: 1, Now: func() time.Time { return frozen }}),
	}))
	req := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/query?query="+url.QueryEscape(`{ __typename }`), nil)
		rec := httptest.NewRecorder()
		s.Handler.ServeHTTP(rec, r)
		return rec
	}
	if rec := req(); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	rec := req()
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("second: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
}
