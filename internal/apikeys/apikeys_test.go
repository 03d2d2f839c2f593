package apikeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/apikeys"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// regions creates 辽宁省 › 沈阳市 and returns the client.
func regions(t *testing.T) *ent.Client {
	t.Helper()
	d := testdb.Open(t)
	ctx := testdb.Ctx()
	p := d.Client.Region.Create().SetCode("210000").SetName("辽宁省").SetLevel(region.LevelPROVINCE).SaveX(ctx)
	d.Client.Region.Create().SetCode("210100").SetName("沈阳市").SetLevel(region.LevelCITY).SetParent(p).ExecX(ctx)
	return d.Client
}

// authenticate runs one request with header through a.Middleware and returns
// the status, the error code of a refusal and the viewer the handler saw.
func authenticate(t *testing.T, a *auth.Authenticator, header string) (int, string, *auth.Viewer) {
	t.Helper()
	var seen *auth.Viewer
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = auth.FromContext(r.Context())
	}))
	req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Authorization", header)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body struct {
		Errors []struct{ Extensions struct{ Code string } }
	}
	code := ""
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("status %d body %q is not one GraphQL error", rec.Code, rec.Body)
		}
		code = body.Errors[0].Extensions.Code
	}
	return rec.Code, code, seen
}

func TestCreateAuthenticateRevoke(t *testing.T) {
	client := regions(t)
	// A plain context: the package must bring its own Allow decision.
	ctx := context.Background()
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	store := &apikeys.Store{Client: client, Now: func() time.Time { return created }}

	full, rec, err := store.Create(ctx, " 沈阳市卫健委 BI 看板 ", auth.BIService, "210100")
	if err != nil {
		t.Fatal(err)
	}
	id, secret, ok := auth.ParseAPIKey(full)
	if !ok || id != rec.ID || rec.SecretHash != auth.HashAPIKeySecret(secret) || rec.Role != auth.BIService || rec.RegionCode != "210100" {
		t.Fatalf("Create = %q, %+v", full, rec)
	}

	a := &auth.Authenticator{Keys: store}
	status, code, v := authenticate(t, a, "Bearer "+full)
	want := auth.Viewer{Subject: "apikey:" + id, Role: auth.BIService, RegionCode: "210100", KeyID: id}
	if status != http.StatusOK || v == nil || *v != want {
		t.Fatalf("status %d %s, viewer %+v; want %+v", status, code, v, want)
	}

	wrong := auth.APIKeyPrefix + id + "_" + strings.Repeat("0", 64)
	if status, code, v := authenticate(t, a, "Bearer "+wrong); status != http.StatusUnauthorized || code != "UNAUTHENTICATED" || v != nil {
		t.Fatalf("wrong secret: %d %s %+v", status, code, v)
	}
	_, _, unknown := auth.NewAPIKey()
	if status, code, _ := authenticate(t, a, "Bearer "+unknown); status != http.StatusUnauthorized || code != "UNAUTHENTICATED" {
		t.Fatalf("unknown key: %d %s", status, code)
	}
	if _, err := store.LookupAPIKey(ctx, "0123456789abcdef"); !errors.Is(err, auth.ErrAPIKeyNotFound) {
		t.Fatalf("LookupAPIKey(unknown) = %v; want ErrAPIKeyNotFound", err)
	}

	other, _, err := apikeys.Create(ctx, client, "省统计 BI", auth.BIService, "210000")
	if err != nil {
		t.Fatal(err)
	}
	otherID, _, _ := auth.ParseAPIKey(other)

	revoked := created.Add(time.Hour)
	store.Now = func() time.Time { return revoked }
	if err := store.Revoke(ctx, id); err != nil {
		t.Fatal(err)
	}
	if status, code, v := authenticate(t, a, "Bearer "+full); status != http.StatusUnauthorized || code != "UNAUTHENTICATED" || v != nil {
		t.Fatalf("revoked key: %d %s %+v", status, code, v)
	}
	// Revoking again keeps the first time; the other key still works.
	store.Now = func() time.Time { return revoked.Add(time.Hour) }
	if err := apikeys.Revoke(ctx, client, id); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	if status, _, v := authenticate(t, a, "Bearer "+other); status != http.StatusOK || v.KeyID != otherID || v.RegionCode != "210000" {
		t.Fatalf("other key: %d %+v", status, v)
	}
	if err := apikeys.Revoke(ctx, client, "0123456789abcdef"); !errors.Is(err, apikeys.ErrNotFound) {
		t.Fatalf("Revoke(unknown) = %v; want ErrNotFound", err)
	}

	list, err := apikeys.List(ctx, client)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("List: %d keys; want 2", len(list))
	}
	first, second := list[0], list[1]
	if first.KeyID != id || first.Name != "沈阳市卫健委 BI 看板" || first.Role != auth.BIService || first.RegionCode != "210100" ||
		!first.CreatedAt.Equal(created) || first.RevokedAt == nil || !first.RevokedAt.Equal(revoked) || !first.Revoked(revoked) {
		t.Fatalf("first summary %+v", first)
	}
	if second.KeyID != otherID || second.RevokedAt != nil || second.Revoked(time.Now()) {
		t.Fatalf("second summary %+v", second)
	}
	// Nothing of a secret or its hash in what List returns.
	out, _ := json.Marshal(list)
	for _, s := range []string{secret, rec.SecretHash, full, other} {
		if strings.Contains(string(out), s) {
			t.Fatalf("List leaks a secret: %s", out)
		}
	}
}

func TestCreateValidates(t *testing.T) {
	client := regions(t)
	ctx := context.Background()
	tests := []struct {
		name, keyName string
		role          auth.Role
		region        string
		want          string
	}{
		{"no name", "  ", auth.BIService, "210100", "name is required"},
		{"long name", strings.Repeat("名", apikeys.MaxNameLength+1), auth.BIService, "210100", "longer than"},
		{"regulator role", "x", auth.ProvinceRegulator, "210000", "role must be BI_SERVICE"},
		{"staff role", "x", auth.InstitutionStaff, "210100", "role must be BI_SERVICE"},
		{"public", "x", auth.Public, "", "role must be BI_SERVICE"},
		{"unknown role", "x", "ADMIN", "210100", "role must be BI_SERVICE"},
		{"no region", "x", auth.BIService, "", "requires a region"},
		{"not a code", "x", auth.BIService, "21010", "6-digit"},
		{"subdistrict code", "x", auth.BIService, "210102001000", "6-digit"},
		{"region not in the database", "x", auth.BIService, "110000", "no region with code 110000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			full, _, err := apikeys.Create(ctx, client, tc.keyName, tc.role, tc.region)
			if !errors.Is(err, apikeys.ErrInvalid) || !strings.Contains(err.Error(), tc.want) || full != "" {
				t.Fatalf("Create = %q, %v; want ErrInvalid containing %q", full, err, tc.want)
			}
		})
	}
	if list, err := apikeys.List(ctx, client); err != nil || len(list) != 0 {
		t.Fatalf("refused keys were stored: %v %v", list, err)
	}
}
