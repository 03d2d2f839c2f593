package auth

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifiedTokens checks the verified-token cache: a repeated token is
// answered from it with the same viewer, a copy the caller may change; an
// expired one is refused although it is cached (exp + leeway, as the parser
// has it); a token that failed is never cached.
func TestVerifiedTokens(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef-test-secret")
	v, err := NewVerifier(TokenConfig{HS256Secret: secret, Leeway: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	clock := start
	v.now = func() time.Time { return clock }
	token, err := v.Sign(Viewer{Subject: "u-1", Role: DistrictRegulator, RegionCode: "210102"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := Viewer{Subject: "u-1", Role: DistrictRegulator, RegionCode: "210102"}

	first, err := v.Verify(token)
	if err != nil || *first != want {
		t.Fatalf("first Verify = %+v, %v; want %+v", first, err, want)
	}
	if _, ok := v.verified.Get(token); !ok {
		t.Fatal("a verified token is not remembered")
	}
	first.Role = ProvinceRegulator // a caller changing its viewer must not change the cache
	again, err := v.Verify(token)
	if err != nil || *again != want {
		t.Fatalf("cached Verify = %+v, %v; want %+v", again, err, want)
	}
	if again == first {
		t.Fatal("two requests share one *Viewer")
	}

	// 59 minutes later, plus the leeway up to a second before exp + leeway:
	// still valid. At exp + leeway (whole seconds): expired, from the cache
	// as from the parser.
	exp := start.Truncate(time.Second).Add(time.Hour)
	clock = exp.Add(29 * time.Second)
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock = exp.Add(30 * time.Second)
	if _, err := v.Verify(token); !errors.Is(err, ErrExpired) {
		t.Fatalf("past exp + leeway: err = %v, want ErrExpired", err)
	}
	if _, ok := v.verified.Get(token); ok {
		t.Fatal("an expired token stays cached")
	}

	// Failures are not cached: a token with a bad signature stays refused,
	// and leaves no entry.
	clock = start
	forged, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "u-1", "role": "PROVINCE_REGULATOR", "region": "210000",
		"exp": start.Add(time.Hour).Unix(),
	}).SignedString([]byte("another-secret-another-secret-xx"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := v.Verify(forged); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("forged token: err = %v, want ErrUnauthenticated", err)
		}
	}
	if _, ok := v.verified.Get(forged); ok {
		t.Fatal("a refused token was cached")
	}
}
