// Package auth says who is asking: it verifies bearer credentials (JWTs from
// the identity provider, API keys of BI service accounts), turns them into a
// Viewer and puts the Viewer into the request context, where the GraphQL
// layer, ent privacy rules, audit and rate limiting read it.
//
// A request without credentials is served as the PUBLIC viewer; a request
// with bad credentials is refused with HTTP 401 before anything runs. Errors
// and logs never contain a token or an API key secret.
package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/tuoyu/tuoyu/internal/ident"
)

// Role is what a viewer may do. Its values travel in JWT "role" claims and
// API key records, so they are stable strings.
type Role string

// The roles. Regulators see their region (province, city or district) and
// everything below it; INSTITUTION_STAFF sees one institution; BI_SERVICE is
// a service account reading a region for dashboards; PUBLIC is anyone
// without credentials.
const (
	ProvinceRegulator Role = "PROVINCE_REGULATOR"
	CityRegulator     Role = "CITY_REGULATOR"
	DistrictRegulator Role = "DISTRICT_REGULATOR"
	InstitutionStaff  Role = "INSTITUTION_STAFF"
	BIService         Role = "BI_SERVICE"
	Public            Role = "PUBLIC"
)

// Roles lists every role, for validation and documentation.
var Roles = []Role{ProvinceRegulator, CityRegulator, DistrictRegulator, InstitutionStaff, BIService, Public}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, k := range Roles {
		if r == k {
			return true
		}
	}
	return false
}

// IsRegulator reports whether r is one of the three regulator roles.
func (r Role) IsRegulator() bool {
	return r == ProvinceRegulator || r == CityRegulator || r == DistrictRegulator
}

// Viewer is the authenticated caller of one request. Treat it as immutable:
// NewContext stores a copy.
type Viewer struct {
	// Subject identifies the person or account (JWT "sub"; "apikey:<id>"
	// for API keys). Empty only for PUBLIC.
	Subject string
	Role    Role
	// RegionCode is the GB/T 2260 code of the viewer's region: required for
	// regulators and BI_SERVICE, whose scope it is.
	RegionCode string
	// InstitutionID is the institution of INSTITUTION_STAFF, 0 for every
	// other role.
	InstitutionID int
	// KeyID is the id of the API key the request authenticated with, empty
	// for JWTs and PUBLIC.
	KeyID string
}

// ErrInvalidViewer is wrapped by every Validate error.
var ErrInvalidViewer = errors.New("auth: invalid viewer")

// Validate checks that v is a viewer the rest of the system can rely on:
// a known role, a subject, and the scope its role needs. A regulator's region
// must be of the regulator's level (a district regulator holding a
// province code would otherwise get a whole province in scope through prefix
// filters). Errors wrap ErrInvalidViewer and never contain claim values.
func (v Viewer) Validate() error {
	bad := func(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidViewer, reason) }
	if !v.Role.Valid() {
		return bad("unknown role")
	}
	if v.Role == Public {
		if v.InstitutionID != 0 || v.KeyID != "" {
			return bad("PUBLIC has no institution or key")
		}
		return nil
	}
	if v.Subject == "" {
		return bad("subject is required")
	}
	if v.Role == InstitutionStaff {
		if v.InstitutionID <= 0 {
			return bad("INSTITUTION_STAFF requires an institution")
		}
		if v.RegionCode != "" && ident.ValidateRegionCode(v.RegionCode) != nil {
			return bad("region is not a GB/T 2260 code")
		}
		return nil
	}
	if v.InstitutionID != 0 {
		return bad("only INSTITUTION_STAFF has an institution")
	}
	if v.RegionCode == "" {
		return bad("role requires a region")
	}
	if len(v.RegionCode) != 6 || ident.ValidateRegionCode(v.RegionCode) != nil {
		return bad("region must be a 6-digit GB/T 2260 code")
	}
	city, district := v.RegionCode[2:4], v.RegionCode[4:6]
	switch v.Role {
	case ProvinceRegulator:
		if city != "00" || district != "00" {
			return bad("PROVINCE_REGULATOR needs a province code")
		}
	case CityRegulator:
		if city == "00" || district != "00" {
			return bad("CITY_REGULATOR needs a city code")
		}
	case DistrictRegulator:
		if district == "00" {
			return bad("DISTRICT_REGULATOR needs a district code")
		}
	}
	return nil
}

// IsRegulator reports whether v is a province, city or district regulator.
func (v *Viewer) IsRegulator() bool { return v.Role.IsRegulator() }

// CanIntrospect reports whether v may run introspection queries (and so use
// GraphiQL with schema completion): regulators and BI service accounts. The
// schema of an anonymous or institution-facing client is not theirs to
// explore (OWASP: introspection off for untrusted clients).
func (v *Viewer) CanIntrospect() bool { return v.IsRegulator() || v.Role == BIService }

// Principal is the key rate limits and audit rows are kept under:
// "key:<id>" for an API key, "sub:<subject>" for a JWT subject, "" for PUBLIC
// (the caller then keys by client address, e.g. "anon:<ip>"). The prefixes
// keep a subject from colliding with a key id.
func (v *Viewer) Principal() string {
	switch {
	case v.KeyID != "":
		return "key:" + v.KeyID
	case v.Subject != "" && v.Role != Public:
		return "sub:" + v.Subject
	}
	return ""
}

// RegionPrefix is the prefix shared by the codes of every region inside v's
// region ("21" for 辽宁省 210000, "2101" for 沈阳市 210100, "210102" for a
// district; township and street codes extend district codes). ok is false
// when v has no region: callers must then grant nothing, never treat an
// empty prefix as "everything".
func (v *Viewer) RegionPrefix() (prefix string, ok bool) {
	code := v.RegionCode
	switch len(code) {
	case 6:
		switch {
		case code[2:] == "0000":
			return code[:2], true
		case code[4:] == "00":
			return code[:4], true
		}
		return code, true
	case 9:
		return code, true
	case 12:
		if code[9:] == "000" {
			return code[:9], true
		}
		return code, true
	}
	return "", false
}

// InRegion reports whether the region with code lies inside v's region
// (or is it). False when v has no region.
func (v *Viewer) InRegion(code string) bool {
	prefix, ok := v.RegionPrefix()
	return ok && len(code) >= len(prefix) && code[:len(prefix)] == prefix
}

type ctxKey struct{}

// NewContext returns ctx carrying a copy of v. A nil v stores PUBLIC.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	c := Viewer{Role: Public}
	if v != nil {
		c = *v
	}
	return context.WithValue(ctx, ctxKey{}, &c)
}

// Lookup returns the viewer stored in ctx and whether there was one. Code
// that must not run without authentication having happened (as opposed to
// having yielded PUBLIC) checks ok.
func Lookup(ctx context.Context) (*Viewer, bool) {
	v, ok := ctx.Value(ctxKey{}).(*Viewer)
	return v, ok && v != nil
}

// FromContext returns the viewer of ctx, or a PUBLIC viewer when there is
// none: never nil, so a missing authentication step degrades to the least
// privileged viewer instead of a crash or an open door.
func FromContext(ctx context.Context) *Viewer {
	if v, ok := Lookup(ctx); ok {
		return v
	}
	return &Viewer{Role: Public}
}
