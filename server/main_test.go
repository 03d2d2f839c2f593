package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/apikeys"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/demo"
	"github.com/tuoyu/tuoyu/internal/secrets"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// TestMigrateAndSeedCommands runs the subcommands as a user would, on a
// fresh SQLite file: migrate, seed, and a refused second seed.
func TestMigrateAndSeedCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cmd.db")
	ctx := testdb.Ctx()
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := run(ctx, []string{"seed", "--scale", "district", "--as-of", "2025-06-16", "--db", path}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	err := run(ctx, []string{"seed", "--scale", "district", "--db", path})
	if err == nil || !strings.Contains(err.Error(), "already has data") {
		t.Fatalf("second seed: %v; want a refusal", err)
	}
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	client := d.Client()
	if n := client.Institution.Query().CountX(ctx); n == 0 {
		t.Fatal("seed loaded no institutions")
	}
	if n := client.ServerSecret.Query().CountX(ctx); n != 1 {
		t.Fatalf("%d server secrets; want the generated PII key", n)
	}
}

// TestInterruptedDemoRefused: a demo load interrupted midway (Ctrl-C on
// the first start) leaves a database serve and seed refuse, saying how to
// start again, instead of serving its wrong indicators.
func TestInterruptedDemoRefused(t *testing.T) {
	_, errOut := captureOutput(t)
	dbArgs, _ := kpiDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"seed", "--scale", "district"}, dbArgs...)) }()
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-time.After(5 * time.Millisecond):
			if strings.Contains(errOut.String(), "demo: seats") {
				cancel() // regions and institutions are written
			}
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("seed cancelled midway: %v; want context.Canceled", err)
	}
	serveArgs := append([]string{"serve", "--addr", "127.0.0.1:0"}, dbArgs...)
	for _, args := range [][]string{serveArgs, append(serveArgs, "--demo=false"), append([]string{"seed", "--scale", "district"}, dbArgs...)} {
		err := run(context.Background(), args)
		if !errors.Is(err, demo.ErrInterrupted) {
			t.Fatalf("%v on a half-loaded demo: %v; want demo.ErrInterrupted", args[0], err)
		}
		want := "drop and recreate the database"
		if dbArgs[0] == "--db" {
			want = "rm " + dbArgs[1]
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say how to start again (%q)", err, want)
		}
	}
}

// TestSeedAsOfRefusedEarly: a bad or out-of-range --as-of is refused before
// the database file is created, naming the flag (and the range).
func TestSeedAsOfRefusedEarly(t *testing.T) {
	captureOutput(t)
	dir := t.TempDir()
	for _, tc := range []struct{ asOf, want string }{
		{"2026-13-01", "--as-of"},
		{"2010-01-01", "--as-of 2010-01-01: the demo data's date must be in the years 2015 to 2190"},
	} {
		path := filepath.Join(dir, "s.db")
		err := run(context.Background(), []string{"seed", "--db", path, "--as-of", tc.asOf})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("seed --as-of %s: %v; want an error containing %q", tc.asOf, err, tc.want)
		}
		if matches, _ := filepath.Glob(path + "*"); len(matches) > 0 {
			t.Errorf("seed --as-of %s created %v", tc.asOf, matches)
		}
	}
}

func TestUnknownCommandAndBadFlags(t *testing.T) {
	ctx := testdb.Ctx()
	if err := run(ctx, []string{"frobnicate"}); err == nil {
		t.Error("unknown command accepted")
	}
	if err := run(ctx, []string{"seed", "--scale", "galaxy", "--db", filepath.Join(t.TempDir(), "x.db")}); err == nil {
		t.Error("unknown scale accepted")
	}
	if err := run(ctx, []string{"serve", "--timezone", "Mars/Olympus", "--db", filepath.Join(t.TempDir(), "y.db")}); err == nil {
		t.Error("unknown time zone accepted")
	}
	if err := run(ctx, []string{"migrate", "--database-url", "mysql://x"}); err == nil {
		t.Error("non-postgres URL accepted")
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// take returns the contents and empties the buffer.
func (s *syncBuffer) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	s.b.Reset()
	return out
}

// captureOutput points the commands' stdout and stderr at buffers for the
// rest of the test.
func captureOutput(t *testing.T) (out, errOut *syncBuffer) {
	t.Helper()
	out, errOut = &syncBuffer{}, &syncBuffer{}
	oldOut, oldErr := stdout, stderr
	stdout, stderr = out, errOut
	t.Cleanup(func() { stdout, stderr = oldOut, oldErr })
	return out, errOut
}

// tokenVerifier is the verifier a server on the SQLite file at path builds:
// the per-database secret, read back from the database.
func tokenVerifier(t *testing.T, path string, cfg auth.TokenConfig) *auth.Verifier {
	t.Helper()
	ctx := testdb.Ctx()
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	secret, err := secrets.Resolve(ctx, d.Client(), secrets.TokenKey, "", 32)
	if err != nil {
		t.Fatal(err)
	}
	cfg.HS256Secret = secret
	v, err := auth.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// oneLine returns the single line of out, failing unless out is exactly one
// newline-terminated line.
func oneLine(t *testing.T, out string) string {
	t.Helper()
	line, rest, ok := strings.Cut(out, "\n")
	if !ok || rest != "" || line == "" {
		t.Fatalf("stdout %q is not exactly one line", out)
	}
	return line
}

// tokenMinter returns a function that signs a development token with the
// token command on the database of dbArgs (serve's arguments, --demo=false
// dropped: token takes no such flag), for subject and the flags it is given
// (--role, --region, --institution), as an operator would. It captures
// stdout for the rest of the test.
func tokenMinter(t *testing.T, dbArgs []string, subject string) func(args ...string) string {
	t.Helper()
	out := &syncBuffer{}
	stdout = out
	t.Cleanup(func() { stdout = io.Discard })
	tokenArgs := slices.DeleteFunc(slices.Clone(dbArgs), func(s string) bool { return s == "--demo=false" })
	return func(args ...string) string {
		t.Helper()
		if err := run(context.Background(), append(append([]string{"token", "--subject", subject}, args...), tokenArgs...)); err != nil {
			t.Fatalf("token %v: %v", args, err)
		}
		return oneLine(t, out.take())
	}
}

func TestTokenCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.db")
	out, errOut := captureOutput(t)
	// A plain context, as main passes: the command must bring its own
	// system decision to read the secret table.
	ctx := context.Background()
	// token works on an existing database only (a mistyped --db is refused).
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want auth.Viewer
	}{
		{[]string{"--role", "PROVINCE_REGULATOR", "--region", "210000"},
			auth.Viewer{Subject: defaultSubject(), Role: auth.ProvinceRegulator, RegionCode: "210000"}},
		{[]string{"--role", "city_regulator", "--region", "210100", "--subject", "alice", "--ttl", "1h"},
			auth.Viewer{Subject: "alice", Role: auth.CityRegulator, RegionCode: "210100"}},
		{[]string{"--role", "BI_SERVICE", "--region", "210102", "--subject", "bi"},
			auth.Viewer{Subject: "bi", Role: auth.BIService, RegionCode: "210102"}},
		{[]string{"--role", "INSTITUTION_STAFF", "--institution", "47244640257", "--subject", "staff"},
			auth.Viewer{Subject: "staff", Role: auth.InstitutionStaff, InstitutionID: 47244640257}},
	}
	var tokens []string
	for _, tc := range tests {
		if err := run(ctx, append([]string{"token", "--db", path}, tc.args...)); err != nil {
			t.Fatalf("token %v: %v", tc.args, err)
		}
		token := oneLine(t, out.take())
		tokens = append(tokens, token)
		msg := errOut.take()
		for _, want := range []string{`curl -H "Authorization: Bearer $TOKEN"`, `paste {"Authorization": "Bearer ` + token + `"} into the Headers tab`} {
			if !strings.Contains(msg, want) {
				t.Errorf("stderr lacks %q:\n%s", want, msg)
			}
		}
		if strings.Contains(msg, "warning: no institution") != (tc.want.Role == auth.InstitutionStaff) {
			t.Errorf("institution warning: %s", msg)
		}
	}
	v := tokenVerifier(t, path, auth.TokenConfig{})
	for i, tc := range tests {
		got, err := v.Verify(tokens[i])
		if err != nil {
			t.Fatalf("%v: Verify: %v", tc.args, err)
		}
		if *got != tc.want {
			t.Errorf("%v: viewer %+v; want %+v", tc.args, *got, tc.want)
		}
	}
	// The secret is the database's: a second database does not accept it.
	other := filepath.Join(t.TempDir(), "other.db")
	if err := run(ctx, []string{"migrate", "--db", other}); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"token", "--db", other, "--role", "BI_SERVICE", "--region", "210100"}); err != nil {
		t.Fatal(err)
	}
	out.take()
	if _, err := tokenVerifier(t, other, auth.TokenConfig{}).Verify(tokens[0]); err == nil {
		t.Fatal("another database's verifier accepted the token")
	}

	// Issuer and audience go into the token; a configured secret replaces the
	// database's.
	hexSecret := strings.Repeat("ab", 32)
	if err := run(ctx, []string{"token", "--db", path, "--role", "DISTRICT_REGULATOR", "--region", "210102",
		"--jwt-issuer", "https://idp.example", "--jwt-audience", "tuoyu", "--jwt-secret", hexSecret}); err != nil {
		t.Fatal(err)
	}
	token := oneLine(t, out.take())
	secret, _ := hex.DecodeString(hexSecret)
	strict, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret, Issuer: "https://idp.example", Audience: "tuoyu"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := strict.Verify(token); err != nil || got.Role != auth.DistrictRegulator || got.RegionCode != "210102" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	if _, err := v.Verify(token); err == nil {
		t.Fatal("the database secret accepted a token signed with --jwt-secret")
	}
}

func TestTokenCommandRejects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "never.db")
	out, _ := captureOutput(t)
	ctx := context.Background()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "--role is required"},
		{[]string{"--role", "ADMIN", "--region", "210000"}, `unknown role "ADMIN"`},
		{[]string{"--role", "PUBLIC"}, "PUBLIC needs no token"},
		{[]string{"--role", "PROVINCE_REGULATOR"}, "role requires a region"},
		{[]string{"--role", "PROVINCE_REGULATOR", "--region", "210100"}, "PROVINCE_REGULATOR needs a province code"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210000"}, "CITY_REGULATOR needs a city code"},
		{[]string{"--role", "DISTRICT_REGULATOR", "--region", "210100"}, "DISTRICT_REGULATOR needs a district code"},
		{[]string{"--role", "BI_SERVICE", "--region", "21a000"}, "not a GB/T 2260 code"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100001"}, "6-digit GB/T 2260 code"},
		{[]string{"--role", "INSTITUTION_STAFF"}, "requires an institution"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100", "--institution", "7"}, "only INSTITUTION_STAFF has an institution"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100", "--subject", " "}, "subject is required"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100", "--ttl", "2000h"}, "--ttl must be between"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100", "--ttl", "-1m"}, "--ttl must be between"},
		{[]string{"--role", "CITY_REGULATOR", "--region", "210100", "extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		err := run(ctx, append([]string{"token", "--db", path}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("token %v: %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
	if s := out.take(); s != "" {
		t.Fatalf("refused tokens printed %q", s)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("bad arguments opened the database: %v", err)
	}
	// A bad secret or key is refused before the database is opened: the
	// file is not created (nor, were it there, migrated).
	for _, tc := range []struct{ flag, value, want string }{
		{"--jwt-secret", "abcd", "at least 64 hex digits"},
		{"--pii-key", "not-hex", "--pii-key (TUOYU_PII_KEY) must be at least 32 hex digits"},
	} {
		err := run(ctx, []string{"token", "--db", path, "--role", "CITY_REGULATOR", "--region", "210100", tc.flag, tc.value})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("bad %s: %v; want an error containing %q", tc.flag, err, tc.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("a bad %s opened the database: %v", tc.flag, err)
		}
	}
}

func TestAPIKeyCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.db")
	out, errOut := captureOutput(t)
	ctx := context.Background()
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, db.Config{SQLitePath: path})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	client := d.Client()
	client.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).ExecX(testdb.Ctx())

	if err := run(ctx, []string{"apikey", "create", "--db", path, "--name", "省 BI 看板", "--region", "210000"}); err != nil {
		t.Fatal(err)
	}
	full := oneLine(t, out.take())
	id, secret, ok := auth.ParseAPIKey(full)
	if !ok {
		t.Fatalf("apikey create printed %q", full)
	}
	if msg := errOut.take(); !strings.Contains(msg, "created key "+id) || strings.Contains(msg, secret) {
		t.Fatalf("stderr %q: want the id, not the secret", msg)
	}
	store := &apikeys.Store{Client: client}
	authn := &auth.Authenticator{Keys: store}
	if v, err := authn.Authenticate(ctx, "Bearer "+full); err != nil || v.Role != auth.BIService || v.RegionCode != "210000" || v.KeyID != id {
		t.Fatalf("Authenticate = %+v, %v", v, err)
	}

	if err := run(ctx, []string{"apikey", "list", "--db", path}); err != nil {
		t.Fatal(err)
	}
	table := out.take()
	if !strings.Contains(table, id) || !strings.Contains(table, "active") || !strings.Contains(table, "省 BI 看板") {
		t.Fatalf("list:\n%s", table)
	}
	hash := auth.HashAPIKeySecret(secret)
	if strings.Contains(table, secret) || strings.Contains(table, hash) {
		t.Fatalf("list shows a secret:\n%s", table)
	}

	if err := run(ctx, []string{"apikey", "revoke", "--db", path, "--id", id}); err != nil {
		t.Fatal(err)
	}
	if _, err := authn.Authenticate(ctx, "Bearer "+full); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("revoked key: %v", err)
	}
	if err := run(ctx, []string{"apikey", "list", "--db", path, "--json"}); err != nil {
		t.Fatal(err)
	}
	raw := out.take()
	var listed []apikeys.Summary
	if err := json.Unmarshal([]byte(raw), &listed); err != nil || len(listed) != 1 {
		t.Fatalf("list --json %q: %v", raw, err)
	}
	if k := listed[0]; k.KeyID != id || k.RevokedAt == nil || k.Role != auth.BIService || strings.Contains(raw, hash) || strings.Contains(raw, secret) {
		t.Fatalf("list --json %s", raw)
	}
	if err := run(ctx, []string{"apikey", "list", "--db", path}); err != nil || !strings.Contains(out.take(), "revoked") {
		t.Fatalf("list after revoke: %v", err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"apikey"}, "name a subcommand"},
		{[]string{"apikey", "rotate"}, `unknown subcommand "rotate"`},
		{[]string{"apikey", "revoke", "--db", path}, "--id is required"},
		{[]string{"apikey", "revoke", "--db", path, "--id", "0123456789abcdef"}, "no API key with this id"},
		{[]string{"apikey", "create", "--db", path, "--region", "210000"}, "name is required"},
		{[]string{"apikey", "create", "--db", path, "--name", "x", "--role", "PROVINCE_REGULATOR", "--region", "210000"}, "role must be BI_SERVICE"},
		{[]string{"apikey", "create", "--db", path, "--name", "x", "--role", "NOBODY", "--region", "210000"}, `unknown role "NOBODY"`},
		{[]string{"apikey", "create", "--db", path, "--name", "x", "--region", "2100"}, "6-digit"},
		{[]string{"apikey", "create", "--db", path, "--name", "x", "--region", "110000"}, "no region with code 110000"},
	} {
		if err := run(ctx, tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
	if s := out.take(); s != "" {
		t.Fatalf("refused commands printed %q", s)
	}
}

func TestServeLimitFlags(t *testing.T) {
	captureOutput(t)
	ctx := context.Background()
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-depth", "0"}, "--max-depth must be positive"},
		{[]string{"--max-complexity", "-5"}, "--max-complexity must be positive"},
		{[]string{"--max-operations", "0"}, "--max-operations must be positive"},
		{[]string{"--max-kpi-operations", "-1"}, "--max-kpi-operations must be positive"},
		{[]string{"--apq-cache", "-1"}, "--apq-cache"},
		{[]string{"--rate-limit", "-1"}, "--rate-limit"},
		{[]string{"--rate-limit", "NaN"}, "finite"},
		{[]string{"--allow-list", filepath.Join(dir, "missing.json")}, "allow list"},
		{[]string{"--jwt-public-key", filepath.Join(dir, "missing.pem")}, "--jwt-public-key"},
		{[]string{"--jwt-secret", "00"}, "at least 64 hex digits"},
	} {
		err := run(ctx, append([]string{"serve", "--db", filepath.Join(dir, "x.db"), "--demo=false", "--addr", "127.0.0.1:0"}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v; want an error containing %q", tc.args, err, tc.want)
		}
	}
}

// gqlResponse is a GraphQL response with its HTTP status.
type gqlResponse struct {
	Status int
	Data   map[string]any
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	}
}

func (r gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

func post(t *testing.T, url, authorization, query string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := gqlResponse{Status: resp.StatusCode}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%d %q: %v", resp.StatusCode, raw, err)
	}
	return r
}

// TestServeEndToEnd starts serve as `go run ./server` would (district demo
// on a fresh SQLite file, an ephemeral port) and checks authentication from
// the outside: anonymous callers cannot introspect, a token from the token
// command can, an API key from the apikey command works until revoked, and
// cancelling the context shuts the server down cleanly.
func TestServeEndToEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e2e.db")
	_, errOut := captureOutput(t)
	s := serveInProcess(t, "--db", path, "--demo-scale", "district")
	base := s.base
	// The start-up message names the demo's province and this database.
	wantHint := "token:     go run ./server token --role PROVINCE_REGULATOR --region 500000 --db " + path
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errOut.String(), wantHint) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if msg := errOut.String(); !strings.Contains(msg, wantHint) || !strings.Contains(msg, "GraphiQL's token bar") ||
		!strings.Contains(msg, "GraphiQL:  "+base+"/\n") || !strings.Contains(msg, "--addr "+strings.TrimPrefix(base, "http://")) {
		t.Fatalf("start-up message lacks %q:\n%s", wantHint, msg)
	}

	query := base + "/query"
	const introspect = `{ __schema { queryType { name } } }`
	if r := post(t, query, "", introspect); r.code() != "INTROSPECTION_DISABLED" || r.Data["__schema"] != nil {
		t.Fatalf("anonymous introspection: %d %+v", r.Status, r)
	}

	out := &syncBuffer{}
	stdout = out // serve writes nothing to stdout; the commands below do
	if err := run(context.Background(), []string{"token", "--db", path, "--role", "PROVINCE_REGULATOR", "--region", "500000"}); err != nil {
		t.Fatal(err)
	}
	token := oneLine(t, out.take())
	r := post(t, query, "Bearer "+token, introspect)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("introspection with a token: %d %+v", r.Status, r.Errors)
	}
	if name := r.Data["__schema"].(map[string]any)["queryType"].(map[string]any)["name"]; name != "Query" {
		t.Fatalf("introspection: %+v", r.Data)
	}
	if r := post(t, query, "Bearer "+token+"x", `{ __typename }`); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("tampered token: %d %+v", r.Status, r)
	}

	if err := run(context.Background(), []string{"apikey", "create", "--db", path, "--name", "e2e", "--region", "500000"}); err != nil {
		t.Fatal(err)
	}
	key := oneLine(t, out.take())
	const count = `{ institutions(first: 1) { totalCount } }`
	r = post(t, query, "Bearer "+key, count)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("API key: %d %+v", r.Status, r.Errors)
	}
	if n := r.Data["institutions"].(map[string]any)["totalCount"].(float64); n == 0 {
		t.Fatal("BI_SERVICE of 500000 sees no institutions")
	}
	id, _, _ := auth.ParseAPIKey(key)
	if err := run(context.Background(), []string{"apikey", "revoke", "--db", path, "--id", id}); err != nil {
		t.Fatal(err)
	}
	if r := post(t, query, "Bearer "+key, count); r.Status != http.StatusUnauthorized || r.code() != "UNAUTHENTICATED" {
		t.Fatalf("revoked API key: %d %+v", r.Status, r)
	}

	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(ready), "ready") {
		t.Fatalf("/readyz: %d %s", resp.StatusCode, ready)
	}

	if err := s.stop(); err != nil { // what SIGTERM does through signal.NotifyContext
		t.Fatalf("serve after cancel: %v", err)
	}
	if _, err := http.Get(base + "/livez"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}

// TestIdentityProviderTokens builds serve's authenticator for production:
// an ES256 public key from the identity provider and development tokens
// off. The provider's tokens are accepted; HS256 tokens, even signed with
// the database's own secret, are not.
func TestIdentityProviderTokens(t *testing.T) {
	captureOutput(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, err := open(ctx, &config{DB: db.Config{SQLitePath: filepath.Join(dir, "idp.db")}, Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(dir, "idp.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	idpToken, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"sub": "zhang.wei", "role": "CITY_REGULATOR", "region": "210100",
		"iss": "https://idp.example", "aud": "tuoyu",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}

	prod, err := newAuthenticator(ctx, a, &tokenFlags{PublicKeyFile: pemFile, Issuer: "https://idp.example", Audience: "tuoyu"}, &limitFlags{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := prod.Authenticate(ctx, "Bearer "+idpToken)
	if err != nil || v.Subject != "zhang.wei" || v.Role != auth.CityRegulator || v.RegionCode != "210100" {
		t.Fatalf("identity provider token: %+v, %v", v, err)
	}
	secret, err := devTokenSecret(ctx, a, "")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret, Issuer: "https://idp.example", Audience: "tuoyu"})
	if err != nil {
		t.Fatal(err)
	}
	devToken, err := dev.Sign(auth.Viewer{Subject: "dev", Role: auth.ProvinceRegulator, RegionCode: "210000"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prod.Authenticate(ctx, "Bearer "+devToken); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("dev token with --dev-tokens=false: %v", err)
	}

	// Both on (the default plus a provider key): either kind is accepted, and
	// the issuer is checked on both.
	both, err := newAuthenticator(ctx, a, &tokenFlags{PublicKeyFile: pemFile, Issuer: "https://idp.example", Audience: "tuoyu", DevTokens: true}, &limitFlags{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{idpToken, devToken} {
		if _, err := both.Authenticate(ctx, "Bearer "+tok); err != nil {
			t.Fatalf("both: %v", err)
		}
	}
	wrongIssuer, _ := newAuthenticator(ctx, a, &tokenFlags{PublicKeyFile: pemFile, Issuer: "https://other.example", DevTokens: true}, &limitFlags{})
	if _, err := wrongIssuer.Authenticate(ctx, "Bearer "+idpToken); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("wrong issuer accepted: %v", err)
	}

	// Neither: tokens are refused, API keys and anonymous requests remain.
	none, err := newAuthenticator(ctx, a, &tokenFlags{}, &limitFlags{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Authenticate(ctx, "Bearer "+idpToken); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Fatalf("no verifier: %v", err)
	}
	if v, err := none.Authenticate(ctx, ""); err != nil || v.Role != auth.Public {
		t.Fatalf("anonymous: %+v, %v", v, err)
	}

	if err := os.WriteFile(pemFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := newAuthenticator(ctx, a, &tokenFlags{PublicKeyFile: pemFile}, &limitFlags{}); err == nil || !strings.Contains(err.Error(), "--jwt-public-key") {
		t.Fatalf("bad PEM: %v", err)
	}
}

// servedInProcess is serve run by run() in this process on an ephemeral
// port (tests that need the real binary use serveBinary).
type servedInProcess struct {
	base string // http://host:port
	stop func() error
}

// serveInProcess runs serve with args (after --addr 127.0.0.1:0, so they
// may override it) until it listens. stop cancels it, as SIGTERM does, and
// returns what serve returned, failing the test when that takes more than
// a minute; it also runs when the test ends.
func serveInProcess(t *testing.T, args ...string) *servedInProcess {
	t.Helper()
	addrc := make(chan net.Addr, 1)
	listening = func(a net.Addr) { addrc <- a }
	t.Cleanup(func() { listening = nil })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	var (
		once    sync.Once
		stopErr error
	)
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(time.Minute):
				stopErr = errors.New("serve did not stop within a minute of cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case a := <-addrc:
		return &servedInProcess{base: "http://" + a.String(), stop: stop}
	case err := <-done:
		done <- err // for stop
		t.Fatalf("serve returned before listening: %v", err)
	case <-time.After(8 * time.Minute): // a city demo on a loaded CI machine
		t.Fatal("serve did not start listening within 8 minutes")
	}
	return nil
}
