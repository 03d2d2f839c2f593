// Package secrets provides the keys the server needs (the ID-number hashing
// key, the development token secret): from configuration when set, otherwise
// generated once per database and kept in it, so that the embedded default
// works with no set-up and no key is ever hard-coded.
package secrets

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/serversecret"
)

// Names of the per-database secrets.
const (
	PIIKey   = "pii_hmac_key"
	TokenKey = "dev_token_hs256"
)

// Parse decodes a configured key: hex, at least 32 hex digits (16 bytes).
func Parse(configured string) ([]byte, error) {
	b, err := hex.DecodeString(configured)
	if err != nil || len(b) < 16 {
		return nil, errors.New("secrets: a configured key must be at least 32 hex digits")
	}
	return b, nil
}

// Resolve returns the secret called name: configured (hex, at least 32 hex
// digits) when not empty, else the one stored in the database, created with
// size random bytes on first use.
func Resolve(ctx context.Context, client *ent.Client, name, configured string, size int) ([]byte, error) {
	if configured != "" {
		return Parse(configured)
	}
	if s, err := client.ServerSecret.Query().Where(serversecret.Name(name)).Only(ctx); err == nil {
		return s.Value, nil
	} else if !ent.IsNotFound(err) {
		return nil, fmt.Errorf("secrets: read %s: %w", name, err)
	}
	value := make([]byte, size)
	if _, err := rand.Read(value); err != nil {
		return nil, fmt.Errorf("secrets: generate %s: %w", name, err)
	}
	err := client.ServerSecret.Create().SetName(name).SetValue(value).Exec(ctx)
	if ent.IsConstraintError(err) {
		// Another server created it first: use theirs.
		s, err := client.ServerSecret.Query().Where(serversecret.Name(name)).Only(ctx)
		if err != nil {
			return nil, fmt.Errorf("secrets: read %s: %w", name, err)
		}
		return s.Value, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: store %s: %w", name, err)
	}
	return value, nil
}
