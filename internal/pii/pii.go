// Package pii hashes and masks personal identifiers so that clear values are
// never stored or returned.
//
// Identity numbers are stored only as keyed hashes (Hasher), which still
// allow exact matching, for example against a ban list, without keeping the
// number itself. Values that must be shown to a user are masked with the
// Mask* functions according to the viewer's role.
package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// minKeyLen is the minimum key length, in bytes, accepted by NewHasher.
const minKeyLen = 16

// errShortKey is returned by NewHasher when the key is shorter than
// minKeyLen bytes.
var errShortKey = errors.New("pii: hash key must be at least 16 bytes")

// Hasher computes keyed hashes (HMAC-SHA256) of personal identifiers.
//
// Because the hash is keyed, the same identifier always produces the same
// hash, so hashes can be compared for equality, but the small space of
// identity numbers cannot be brute-forced without the key. The key must be
// kept secret and stable: changing it changes every hash.
//
// A Hasher must be created with NewHasher and is safe for concurrent use.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher using a copy of key. It returns an error if key
// is shorter than 16 bytes; 32 random bytes are recommended.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < minKeyLen {
		return nil, errShortKey
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the lowercase hex-encoded (64-character) HMAC-SHA256 of the
// normalised identifier: surrounding white space is trimmed and letters are
// upper-cased, so " 11010519491231002x" and "11010519491231002X" hash
// identically.
//
// Hash panics if h was not created by NewHasher, rather than silently
// hashing with an empty key.
func (h *Hasher) Hash(id string) string {
	if h == nil || len(h.key) == 0 {
		panic("pii: Hasher used without NewHasher")
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write([]byte(strings.ToUpper(strings.TrimSpace(id))))
	return hex.EncodeToString(mac.Sum(nil))
}

// MaskIDNumber masks an identity number, keeping the first 4 and last 4
// characters and replacing each character in between with '*'
// ("330102199001011234" → "3301**********1234"). Inputs of 8 characters or
// fewer are replaced entirely by '*'. Characters are counted as runes, so
// the result is always valid UTF-8 of the same character length.
func MaskIDNumber(id string) string {
	return maskKeep(id, 4, 4, 8)
}

// MaskName masks a personal name, keeping the first character (rune) and
// replacing each remaining one with '*' ("张三" → "张*", "欧阳娜娜" → "欧***").
// A one-character name becomes "*" and an empty name stays "".
func MaskName(name string) string {
	if utf8.RuneCountInString(name) <= 1 {
		return strings.Repeat("*", utf8.RuneCountInString(name))
	}
	return maskKeep(name, 1, 0, 0)
}

// MaskPhone masks a telephone number. For an 11-digit mainland mobile
// number the first 3 and last 4 digits are kept ("13812345678" →
// "138****5678"). Any other input keeps only its last 2 characters, the rest
// becoming '*' ("02112345678x" → "**********8x"); inputs of 2 characters or
// fewer are replaced entirely by '*'.
func MaskPhone(phone string) string {
	if isMobile(phone) {
		return phone[:3] + "****" + phone[7:]
	}
	return maskKeep(phone, 0, 2, 2)
}

// MaskDate formats d as year and month only ("2024-05"), hiding the day, for
// birth dates shown to roles that may not see the full date. The date is
// formatted in d's own location.
func MaskDate(d time.Time) string {
	return d.Format("2006-01")
}

// isMobile reports whether s is exactly 11 ASCII digits.
func isMobile(s string) bool {
	if len(s) != 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maskKeep keeps the first head and last tail runes of s and replaces the
// rest with one '*' per rune. If s has at most short runes, every rune is
// replaced.
func maskKeep(s string, head, tail, short int) string {
	r := []rune(s)
	n := len(r)
	if n <= short || n <= head+tail {
		return strings.Repeat("*", n)
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(string(r[:head]))
	b.WriteString(strings.Repeat("*", n-head-tail))
	b.WriteString(string(r[n-tail:]))
	return b.String()
}
