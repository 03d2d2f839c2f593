package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// APIKeyPrefix starts every API key, so a bearer credential can be told from
// a JWT (which starts with "eyJ") and so secret scanners can find leaked keys.
const APIKeyPrefix = "tuoyu_"

const (
	apiKeyIDBytes     = 8  // 16 hex digits: unique enough to look keys up by
	apiKeySecretBytes = 32 // 256 bits of crypto/rand: see HashAPIKeySecret
)

// NewAPIKey makes a new key for a BI service account: id (public, stored),
// secret (never stored) and full, the "tuoyu_<id>_<secret>" string handed to
// the account once. Store only HashAPIKeySecret(secret).
func NewAPIKey() (id, secret, full string) {
	id = randomHex(apiKeyIDBytes)
	secret = randomHex(apiKeySecretBytes)
	return id, secret, APIKeyPrefix + id + "_" + secret
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24; it aborts the program instead
	return hex.EncodeToString(b)
}

// ParseAPIKey splits a full key into id and secret; ok is false unless full
// has the exact shape NewAPIKey produces.
func ParseAPIKey(full string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(full, APIKeyPrefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || !isHex(id, apiKeyIDBytes*2) || !isHex(secret, apiKeySecretBytes*2) {
		return "", "", false
	}
	return id, secret, true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// HashAPIKeySecret is what an API key store keeps instead of the secret:
// SHA-256, lower-case hex. A fast unsalted hash is enough here, unlike for
// passwords: the secret is 256 bits from crypto/rand, so there is no
// dictionary to try and brute force is 2^256 work whatever the hash costs;
// salt and bcrypt/argon2 only help low-entropy secrets, and would add tens of
// milliseconds of CPU to every BI request (a DoS lever).
func HashAPIKeySecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// APIKeyRecord is a stored API key.
type APIKeyRecord struct {
	ID string
	// SecretHash is HashAPIKeySecret(secret).
	SecretHash string
	// Role and RegionCode make the viewer; normally BI_SERVICE and its region.
	Role       Role
	RegionCode string
	// RevokedAt, when set and not in the future, disables the key.
	RevokedAt *time.Time
}

// ErrAPIKeyNotFound is what an APIKeyStore returns for an unknown id; any
// other error is treated as the store failing (HTTP 500), not as bad
// credentials.
var ErrAPIKeyNotFound = errors.New("auth: API key not found")

// APIKeyStore finds API keys by id. The server backs it with a table; tests
// use MemoryKeyStore.
type APIKeyStore interface {
	LookupAPIKey(ctx context.Context, id string) (APIKeyRecord, error)
}

// MemoryKeyStore is an in-memory APIKeyStore, safe for concurrent use.
type MemoryKeyStore struct {
	mu   sync.RWMutex
	keys map[string]APIKeyRecord
}

// NewMemoryKeyStore returns a store holding records.
func NewMemoryKeyStore(records ...APIKeyRecord) *MemoryKeyStore {
	s := &MemoryKeyStore{keys: map[string]APIKeyRecord{}}
	for _, r := range records {
		s.Put(r)
	}
	return s
}

// Put adds or replaces a record.
func (s *MemoryKeyStore) Put(r APIKeyRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[r.ID] = r
}

// Revoke marks the key id revoked at t; it reports whether the key exists.
func (s *MemoryKeyStore) Revoke(id string, t time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.keys[id]
	if ok {
		r.RevokedAt = &t
		s.keys[id] = r
	}
	return ok
}

// LookupAPIKey implements APIKeyStore.
func (s *MemoryKeyStore) LookupAPIKey(_ context.Context, id string) (APIKeyRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.keys[id]
	if !ok {
		return APIKeyRecord{}, ErrAPIKeyNotFound
	}
	return r, nil
}

// dummyHash is compared against when a key id is unknown, so that a miss
// costs the same as a wrong secret.
var dummyHash = HashAPIKeySecret(strings.Repeat("0", apiKeySecretBytes*2))

// verifyAPIKey checks a full key against store and returns its viewer.
func verifyAPIKey(ctx context.Context, store APIKeyStore, full string, now time.Time) (*Viewer, error) {
	id, secret, ok := ParseAPIKey(full)
	if !ok {
		return nil, unauthenticated("malformed API key")
	}
	rec, err := store.LookupAPIKey(ctx, id)
	want := rec.SecretHash
	switch {
	case errors.Is(err, ErrAPIKeyNotFound):
		want = dummyHash
	case err != nil:
		// A store fault, not the client's: logged, answered 500, never sent.
		return nil, fmt.Errorf("auth: API key lookup: %w", err)
	}
	got := HashAPIKeySecret(secret)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || err != nil || rec.ID != id {
		return nil, unauthenticated("invalid API key")
	}
	if rec.RevokedAt != nil && !rec.RevokedAt.After(now) {
		return nil, unauthenticated("API key revoked")
	}
	v := &Viewer{Subject: "apikey:" + id, Role: rec.Role, RegionCode: rec.RegionCode, KeyID: id}
	if v.Role == Public || v.Validate() != nil {
		return nil, unauthenticated("API key record is not usable")
	}
	return v, nil
}
