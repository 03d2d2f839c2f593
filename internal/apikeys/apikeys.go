// Package apikeys keeps the API keys of BI service accounts in the database
// (the api_keys table): Store is the auth.APIKeyStore the server
// authenticates with, and Create, Revoke and List are what `server apikey`
// runs.
//
// Only the SHA-256 of a key's secret is stored (auth.HashAPIKeySecret); the
// full key is returned once, by Create, and cannot be recovered afterwards.
//
// The api_keys table is system-only (its ent policy denies every viewer), so
// every function here reads and writes with privacy.DecisionContext(ctx,
// privacy.Allow). They are for trusted code (the authenticator and the
// command line): never call them with arguments taken from a GraphQL request.
package apikeys

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/apikey"
	"github.com/tuoyu/tuoyu/ent/privacy"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/internal/auth"
)

// MaxNameLength is the longest key name, in characters (the column's limit).
const MaxNameLength = 200

// ErrNotFound is returned by Revoke for an unknown key id.
var ErrNotFound = errors.New("apikeys: no API key with this id")

// ErrInvalid is wrapped by every Create error about its arguments.
var ErrInvalid = errors.New("apikeys: invalid key")

// Store is the database-backed auth.APIKeyStore. Its methods Create and
// Revoke are the package functions of the same name with Now as the clock.
type Store struct {
	Client *ent.Client
	// Now is the clock for created_at and revoked_at; nil means time.Now.
	Now func() time.Time
}

var _ auth.APIKeyStore = (*Store)(nil)

// system is ctx with the Allow decision the system-only api_keys table needs.
func system(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// LookupAPIKey implements auth.APIKeyStore: the key with id, or
// auth.ErrAPIKeyNotFound.
func (s *Store) LookupAPIKey(ctx context.Context, id string) (auth.APIKeyRecord, error) {
	k, err := s.Client.APIKey.Query().Where(apikey.KeyID(id)).Only(system(ctx))
	switch {
	case ent.IsNotFound(err):
		return auth.APIKeyRecord{}, auth.ErrAPIKeyNotFound
	case err != nil:
		return auth.APIKeyRecord{}, fmt.Errorf("apikeys: lookup: %w", err)
	}
	return auth.APIKeyRecord{
		ID:         k.KeyID,
		SecretHash: k.SecretHash,
		Role:       auth.Role(k.Role),
		RegionCode: k.RegionCode,
		RevokedAt:  k.RevokedAt,
	}, nil
}

// Summary describes a stored key without its secret hash.
type Summary struct {
	KeyID      string     `json:"keyId"`
	Name       string     `json:"name"`
	Role       auth.Role  `json:"role"`
	RegionCode string     `json:"regionCode"`
	CreatedAt  time.Time  `json:"createdAt"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
}

// Revoked reports whether the key is revoked at t.
func (s Summary) Revoked(t time.Time) bool { return s.RevokedAt != nil && !s.RevokedAt.After(t) }

func summary(k *ent.APIKey) Summary {
	return Summary{KeyID: k.KeyID, Name: k.Name, Role: auth.Role(k.Role), RegionCode: k.RegionCode, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt}
}

// Create makes a key for a service account named name (what it is for, e.g.
// "市卫健委 BI 看板") acting as role over the region with regionCode, stores
// its hash and returns the full key "tuoyu_<id>_<secret>" (shown to the
// operator once) with the stored record.
//
// Only BI_SERVICE keys are made. API keys are long-lived bearer secrets held
// by machines: regulators write to the registry and read children's
// personal data, and those rights belong to named people with short-lived
// tokens from the identity provider, so that every write and every audit row
// names a person. BI_SERVICE reads aggregates only. The region must be a
// 6-digit GB/T 2260 code (auth.Viewer.Validate) of a region in the database
// (a typo would otherwise give a key that sees nothing).
func Create(ctx context.Context, client *ent.Client, name string, role auth.Role, regionCode string) (full string, rec auth.APIKeyRecord, err error) {
	return (&Store{Client: client}).Create(ctx, name, role, regionCode)
}

// Create is the package function Create with s.Now as the clock.
func (s *Store) Create(ctx context.Context, name string, role auth.Role, regionCode string) (full string, rec auth.APIKeyRecord, err error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", rec, bad("a name is required (what the key is for)")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", rec, bad("the name is longer than %d characters", MaxNameLength)
	case role != auth.BIService:
		return "", rec, bad("role must be %s (got %q): regulators and staff use personal tokens", auth.BIService, role)
	}
	id, secret, full := auth.NewAPIKey()
	v := auth.Viewer{Subject: "apikey:" + id, Role: role, RegionCode: regionCode, KeyID: id}
	if err := v.Validate(); err != nil {
		return "", rec, bad("region %q: %s", regionCode, strings.TrimPrefix(err.Error(), auth.ErrInvalidViewer.Error()+": "))
	}
	sys := system(ctx)
	exists, err := s.Client.Region.Query().Where(region.Code(regionCode)).Exist(sys)
	if err != nil {
		return "", rec, fmt.Errorf("apikeys: check region: %w", err)
	}
	if !exists {
		return "", rec, bad("no region with code %s in the database", regionCode)
	}
	k, err := s.Client.APIKey.Create().
		SetKeyID(id).
		SetSecretHash(auth.HashAPIKeySecret(secret)).
		SetName(name).
		SetRole(string(role)).
		SetRegionCode(regionCode).
		SetCreatedAt(s.now()).
		Save(sys)
	if err != nil {
		return "", rec, fmt.Errorf("apikeys: store: %w", err)
	}
	return full, auth.APIKeyRecord{ID: k.KeyID, SecretHash: k.SecretHash, Role: role, RegionCode: k.RegionCode}, nil
}

// Revoke disables the key with keyID from now on; ErrNotFound when there is
// none. Revoking a revoked key changes nothing (its first revocation time
// stays). Keys are never deleted, so List keeps a record of every key issued.
func Revoke(ctx context.Context, client *ent.Client, keyID string) error {
	return (&Store{Client: client}).Revoke(ctx, keyID)
}

// Revoke is the package function Revoke with s.Now as the clock.
func (s *Store) Revoke(ctx context.Context, keyID string) error {
	sys := system(ctx)
	k, err := s.Client.APIKey.Query().Where(apikey.KeyID(keyID)).Only(sys)
	switch {
	case ent.IsNotFound(err):
		return fmt.Errorf("%w: %q", ErrNotFound, keyID)
	case err != nil:
		return fmt.Errorf("apikeys: revoke: %w", err)
	case k.RevokedAt != nil:
		return nil
	}
	if err := s.Client.APIKey.UpdateOneID(k.ID).SetRevokedAt(s.now()).Exec(sys); err != nil {
		return fmt.Errorf("apikeys: revoke: %w", err)
	}
	return nil
}

// List returns every key, oldest first, revoked ones included; never their
// secret hashes.
func List(ctx context.Context, client *ent.Client) ([]Summary, error) {
	keys, err := client.APIKey.Query().
		Order(ent.Asc(apikey.FieldCreatedAt), ent.Asc(apikey.FieldID)).
		All(system(ctx))
	if err != nil {
		return nil, fmt.Errorf("apikeys: list: %w", err)
	}
	out := make([]Summary, len(keys))
	for i, k := range keys {
		out[i] = summary(k)
	}
	return out, nil
}
