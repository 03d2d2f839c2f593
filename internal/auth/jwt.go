package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// ErrUnauthenticated is wrapped by every error about credentials that are
// present but not acceptable (bad signature, expired, unknown key, …). The
// HTTP middleware answers it with 401; anything else is a server fault.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrExpired wraps ErrUnauthenticated for tokens past their exp, so clients
// can be told to refresh rather than to log in again.
var ErrExpired = fmt.Errorf("%w: credentials expired", ErrUnauthenticated)

// unauthenticated wraps ErrUnauthenticated with a fixed reason. Reasons are
// constants chosen here, never the text of a library error, which can quote
// bytes of the token.
func unauthenticated(reason string) error { return fmt.Errorf("%w: %s", ErrUnauthenticated, reason) }

// maxTokenBytes bounds what is handed to the JWT parser. Real tokens are
// well under 2 KiB (an RS256 token with our claims is ~600 bytes); the cap
// keeps a header-sized blob from costing base64 and JSON work.
const maxTokenBytes = 8 << 10

// minHS256SecretBytes is RFC 7518 §3.2: an HS256 key must be at least as long
// as the hash output (256 bits).
const minHS256SecretBytes = 32

// TokenConfig says which JWTs are accepted. At least one key is required;
// each key enables exactly one algorithm, and no other algorithm is accepted.
type TokenConfig struct {
	// HS256Secret enables HS256 (shared secret, ≥ 32 bytes). Meant for
	// development and tests (Sign); production should prefer asymmetric keys,
	// so the API cannot mint tokens.
	HS256Secret []byte
	// PublicKeyPEM enables RS256 (an RSA key of ≥ 2048 bits) or ES256 (an
	// ECDSA P-256 key): a PEM "PUBLIC KEY" (PKIX) or "RSA PUBLIC KEY" (PKCS#1)
	// block from the identity provider.
	PublicKeyPEM []byte
	// Issuer, when set, must equal the "iss" claim.
	Issuer string
	// Audience, when set, must be one of the "aud" claim's values.
	Audience string
	// Leeway tolerates clock skew on exp, nbf and iat. Zero means none;
	// 30 s is a common choice when the issuer's clock is not ours.
	Leeway time.Duration
}

// verifiedTokens bounds the tokens a Verifier remembers as verified. A
// client sends the same token with every request until it expires, so a
// few thousand cover every active user of a province; each entry is the
// token (well under 1 KiB) and its viewer.
const verifiedTokens = 4096

// Verifier checks JWTs against a TokenConfig and turns their claims into
// viewers. It is safe for concurrent use.
type Verifier struct {
	cfg     TokenConfig
	methods []string
	rsaKey  *rsa.PublicKey
	ecKey   *ecdsa.PublicKey
	parser  *jwt.Parser
	// verified remembers tokens that passed every check, with their viewer
	// and the instant they expire (exp plus the leeway): a client repeats
	// its token on every request, and decoding it again (two base64 and JSON
	// decodes, then HMAC, RSA or ECDSA verification) was 4 % of the server's
	// CPU on list pages with HS256, more with the public-key algorithms
	// production uses. Only successes are kept; nbf and iat, once passed,
	// stay passed, so the expiry is the one check a hit repeats.
	verified *lru.Cache[string, verifiedToken]
	now      func() time.Time // time.Now; tests move it
}

// verifiedToken is an entry of Verifier.verified.
type verifiedToken struct {
	viewer Viewer
	until  time.Time // valid while now is before it
}

// NewVerifier validates cfg and returns a Verifier accepting only the
// algorithms its keys enable: HS256 iff HS256Secret is set, RS256 iff
// PublicKeyPEM holds an RSA key, ES256 iff it holds a P-256 key.
func NewVerifier(cfg TokenConfig) (*Verifier, error) {
	v := &Verifier{cfg: cfg, now: time.Now}
	cache, err := lru.New[string, verifiedToken](verifiedTokens)
	if err != nil {
		return nil, fmt.Errorf("auth: verified-token cache: %w", err)
	}
	v.verified = cache
	if len(cfg.HS256Secret) > 0 {
		if len(cfg.HS256Secret) < minHS256SecretBytes {
			return nil, fmt.Errorf("auth: HS256 secret must be at least %d bytes", minHS256SecretBytes)
		}
		v.methods = append(v.methods, jwt.SigningMethodHS256.Alg())
	}
	if len(cfg.PublicKeyPEM) > 0 {
		key, err := parsePublicKey(cfg.PublicKeyPEM)
		if err != nil {
			return nil, err
		}
		switch k := key.(type) {
		case *rsa.PublicKey:
			if k.N.BitLen() < 2048 {
				return nil, errors.New("auth: RSA public key must have at least 2048 bits")
			}
			v.rsaKey = k
			v.methods = append(v.methods, jwt.SigningMethodRS256.Alg())
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				return nil, errors.New("auth: ECDSA public key must be on P-256 (ES256)")
			}
			v.ecKey = k
			v.methods = append(v.methods, jwt.SigningMethodES256.Alg())
		default:
			return nil, fmt.Errorf("auth: unsupported public key type %T (want RSA or ECDSA P-256)", key)
		}
	}
	if len(v.methods) == 0 {
		return nil, errors.New("auth: TokenConfig needs HS256Secret or PublicKeyPEM")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer))
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience))
	}
	v.parser = jwt.NewParser(opts...)
	return v, nil
}

func parsePublicKey(data []byte) (any, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("auth: PublicKeyPEM holds no PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		key, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: PublicKeyPEM: %w", err)
		}
		return key, nil
	case "RSA PUBLIC KEY":
		key, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("auth: PublicKeyPEM: %w", err)
		}
		return key, nil
	}
	return nil, fmt.Errorf("auth: PublicKeyPEM: unsupported PEM block %q (want PUBLIC KEY or RSA PUBLIC KEY)", block.Type)
}

// claims are the JWT claims tuoyu reads besides the registered ones.
type claims struct {
	Role        Role   `json:"role"`
	Region      string `json:"region,omitempty"`
	Institution int64  `json:"institution,omitempty"`
	jwt.RegisteredClaims
}

// key returns the verification key for the token's algorithm. The algorithm
// was already checked against the configured set (WithValidMethods); the type
// switch on the method is what stops algorithm confusion: an HMAC token only
// ever gets the HMAC secret, never the bytes of a public key.
func (v *Verifier) key(t *jwt.Token) (any, error) {
	switch t.Method.(type) {
	case *jwt.SigningMethodHMAC:
		if len(v.cfg.HS256Secret) > 0 {
			return v.cfg.HS256Secret, nil
		}
	case *jwt.SigningMethodRSA:
		if v.rsaKey != nil {
			return v.rsaKey, nil
		}
	case *jwt.SigningMethodECDSA:
		if v.ecKey != nil {
			return v.ecKey, nil
		}
	}
	return nil, errors.New("algorithm not configured")
}

// Verify checks token (without the "Bearer " prefix) and returns its viewer.
// Required: a configured algorithm, a valid signature, exp (in the future),
// sub, a known role other than PUBLIC and the scope the role needs (region
// for regulators and BI_SERVICE, institution iff INSTITUTION_STAFF); nbf and
// iat are honoured when present. Every error wraps ErrUnauthenticated and
// never contains the token.
func (v *Verifier) Verify(token string) (*Viewer, error) {
	if token == "" || len(token) > maxTokenBytes {
		return nil, unauthenticated("malformed token")
	}
	if known, ok := v.verified.Get(token); ok {
		if v.now().Before(known.until) {
			viewer := known.viewer // a copy: callers may not change the cache
			return &viewer, nil
		}
		v.verified.Remove(token) // expired: the full check below says so
	}
	var c claims
	if _, err := v.parser.ParseWithClaims(token, &c, v.key); err != nil {
		return nil, jwtReason(err)
	}
	if c.Role == Public {
		return nil, unauthenticated("tokens cannot carry role PUBLIC")
	}
	viewer := &Viewer{
		Subject:       c.Subject,
		Role:          c.Role,
		RegionCode:    c.Region,
		InstitutionID: int(c.Institution),
	}
	if int64(viewer.InstitutionID) != c.Institution {
		return nil, unauthenticated("institution out of range")
	}
	if err := viewer.Validate(); err != nil {
		return nil, unauthenticated("claims: " + reasonOf(err))
	}
	// exp is required (WithExpirationRequired), so it is set here; the
	// parser accepted the token while now < exp + leeway.
	v.verified.Add(token, verifiedToken{viewer: *viewer, until: c.ExpiresAt.Add(v.cfg.Leeway)})
	return viewer, nil
}

// reasonOf is the part of a Validate error after its sentinel prefix.
func reasonOf(err error) string {
	msg, prefix := err.Error(), ErrInvalidViewer.Error()+": "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix):]
	}
	return "invalid"
}

// jwtReason maps a jwt library error to a fixed reason.
func jwtReason(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrExpired
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauthenticated("required claim missing")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauthenticated("token not valid yet")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauthenticated("token issued in the future")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauthenticated("wrong issuer")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauthenticated("wrong audience")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return unauthenticated("malformed token")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return unauthenticated("invalid signature or algorithm")
	}
	return unauthenticated("invalid token")
}

// Sign issues an HS256 token for viewer valid for ttl, with the configured
// issuer and audience: for development, tests and the token CLI. It fails
// without an HS256 secret, for an invalid viewer, and for PUBLIC (which needs
// no token).
func (v *Verifier) Sign(viewer Viewer, ttl time.Duration) (string, error) {
	if len(v.cfg.HS256Secret) == 0 {
		return "", errors.New("auth: Sign needs an HS256 secret")
	}
	if ttl <= 0 {
		return "", errors.New("auth: Sign needs a positive ttl")
	}
	if viewer.Role == Public || viewer.KeyID != "" {
		return "", errors.New("auth: tokens are for authenticated, non-API-key viewers")
	}
	if err := viewer.Validate(); err != nil {
		return "", err
	}
	now := time.Now()
	c := claims{
		Role:        viewer.Role,
		Region:      viewer.RegionCode,
		Institution: int64(viewer.InstitutionID),
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   viewer.Subject,
			Issuer:    v.cfg.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
	}
	if v.cfg.Audience != "" {
		c.Audience = jwt.ClaimStrings{v.cfg.Audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.cfg.HS256Secret)
}
