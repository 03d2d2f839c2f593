package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/ent/institution"
	"github.com/tuoyu/tuoyu/ent/region"
	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/apikeys"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/dashboard"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/ident"
	"github.com/tuoyu/tuoyu/internal/persisted"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
	"github.com/tuoyu/tuoyu/internal/secrets"
	"github.com/tuoyu/tuoyu/internal/shapelimits"
)

// maxTokenTTL bounds development tokens: they cannot be revoked (there is no
// token list to strike them from), so they should expire within days.
const maxTokenTTL = 30 * 24 * time.Hour

// handlerOptions turns the limit flags into graph.HandlerOptions (without
// the authenticator), loading the allow list and building the rate limiter.
func (l *limitFlags) handlerOptions() (graph.HandlerOptions, error) {
	opts := graph.HandlerOptions{
		MaxBodyBytes:     l.MaxBodyBytes,
		MaxQueryBytes:    l.MaxQueryBytes,
		ParserTokenLimit: l.MaxTokens,
		Limits: shapelimits.Limits{
			Depth:      l.MaxDepth,
			Aliases:    l.MaxAliases,
			RootFields: l.MaxRootFields,
			Directives: l.MaxDirectives,
			Fields:     l.MaxFields,
		},
		ComplexityLimit: l.MaxComplexity,
		Operations:      l.MaxOperations,
		KPIOperations:   l.MaxKPIOperations,
		APQCacheSize:    l.APQCache,
	}
	if l.APQCache == 0 {
		opts.APQCacheSize = -1 // off (HandlerOptions reads 0 as the default)
	}
	if l.AllowList != "" {
		list, err := persisted.LoadAllowList(l.AllowList)
		if err != nil {
			return opts, err
		}
		// The dashboard's own operations are always allowed, so /dashboard
		// works in allow-list mode.
		for _, doc := range dashboard.Documents() {
			list[persisted.Hash(doc)] = doc
		}
		opts.AllowList = list
		if l.AllowListRegulators {
			opts.AllowListExempt = func(v *auth.Viewer) bool { return v.IsRegulator() }
		}
		slog.Info("allow list mode: only listed documents run", "documents", len(list), "of which dashboard", len(dashboard.Documents()), "regulators exempt", l.AllowListRegulators)
	}
	if l.Rate > 0 {
		opts.RateLimiter = ratelimit.New(ratelimit.Config{Rate: l.Rate, Burst: l.Burst, AnonRate: l.AnonRate, AnonBurst: l.AnonBurst})
	} else {
		slog.Warn("rate limiting is off (--rate-limit 0)")
	}
	return opts, nil
}

// devTokenSecret is the HS256 secret of development tokens: configured (hex,
// at least 32 bytes) or generated once per database and kept in it.
func devTokenSecret(ctx context.Context, a *app, configured string) ([]byte, error) {
	if err := checkJWTSecret(configured); err != nil {
		return nil, err
	}
	return secrets.Resolve(system(ctx), a.client, secrets.TokenKey, configured, 32)
}

// checkJWTSecret refuses a configured secret that is not 64 hex digits or
// more; serve and token call it before they open (and migrate) the
// database, so a bad setting changes nothing.
func checkJWTSecret(configured string) error {
	if configured == "" {
		return nil
	}
	if b, err := hex.DecodeString(configured); err != nil || len(b) < 32 {
		return errors.New("--jwt-secret (TUOYU_JWT_SECRET) must be at least 64 hex digits (32 bytes)")
	}
	return nil
}

// newAuthenticator builds serve's authenticator: development tokens (HS256,
// unless --dev-tokens=false), the identity provider's tokens (RS256/ES256,
// with --jwt-public-key) and API keys from the database.
func newAuthenticator(ctx context.Context, a *app, tf *tokenFlags, lf *limitFlags) (*auth.Authenticator, error) {
	cfg := auth.TokenConfig{Issuer: tf.Issuer, Audience: tf.Audience, Leeway: tf.Leeway}
	var accepted []string
	if tf.DevTokens {
		secret, err := devTokenSecret(ctx, a, tf.Secret)
		if err != nil {
			return nil, err
		}
		cfg.HS256Secret = secret
		accepted = append(accepted, "development tokens (HS256)")
	}
	if tf.PublicKeyFile != "" {
		pem, err := os.ReadFile(tf.PublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--jwt-public-key: %w", err)
		}
		cfg.PublicKeyPEM = pem
		accepted = append(accepted, "identity provider tokens ("+tf.PublicKeyFile+")")
	}
	authn := &auth.Authenticator{Keys: &apikeys.Store{Client: a.client}}
	if lf.AuthFailureRate > 0 {
		authn.Failures = ratelimit.NewFailures(ratelimit.FailureConfig{PerMinute: lf.AuthFailureRate, Burst: lf.AuthFailureBurst})
	} else {
		slog.Warn("failed authentications are not limited (--auth-failure-limit 0)")
	}
	if len(accepted) > 0 {
		v, err := auth.NewVerifier(cfg)
		if err != nil {
			if tf.PublicKeyFile != "" {
				return nil, fmt.Errorf("--jwt-public-key %s: %w", tf.PublicKeyFile, err)
			}
			return nil, err
		}
		authn.Verifier = v
	} else {
		slog.Warn("no token is accepted (--dev-tokens=false and no --jwt-public-key): only API keys and anonymous requests")
	}
	slog.Info("authentication", "accepts", strings.Join(append(accepted, "API keys"), ", "), "issuer", tf.Issuer, "audience", tf.Audience)
	return authn, nil
}

// tokenHint is the start-up message's line on getting a token, naming the
// database's first province (210000 in the city and province demos, 500000
// in the district demo) and repeating the flags the token command would not
// pick up from the environment by itself.
//
// It returns the message and the token command alone (empty when
// development tokens are off), which the GraphiQL page shows too. addr is
// the address clients reach the server at.
func tokenHint(ctx context.Context, a *app, c *config, tf *tokenFlags, addr string) (hint, command string) {
	if !tf.DevTokens {
		return "  token:     from your identity provider (development tokens are off)\n", ""
	}
	code := "<province code>"
	if p, err := a.client.Region.Query().Where(region.LevelEQ(region.LevelPROVINCE)).Order(ent.Asc(region.FieldCode)).First(system(ctx)); err == nil {
		code = p.Code
	}
	cmd := tokenCommand(code)
	switch {
	case a.db.Dialect == dialect.SQLite && c.DB.SQLitePath != env("TUOYU_SQLITE_PATH", db.Defaults().SQLitePath):
		cmd += " --db " + shellQuote(c.DB.SQLitePath)
	case a.db.Dialect == dialect.Postgres && c.DB.URL != env("DATABASE_URL", ""):
		cmd += " --database-url …" // never print the URL: it may hold a password
	}
	for _, f := range []struct{ name, value, envKey string }{
		{"jwt-issuer", tf.Issuer, "TUOYU_JWT_ISSUER"}, {"jwt-audience", tf.Audience, "TUOYU_JWT_AUDIENCE"},
	} {
		if f.value != env(f.envKey, "") {
			cmd += " --" + f.name + " " + shellQuote(f.value)
		}
	}
	if tf.Secret != env("TUOYU_JWT_SECRET", "") {
		cmd += " --jwt-secret …"
	}
	if addr != env("TUOYU_ADDR", defaultAddr) {
		cmd += " --addr " + shellQuote(addr) // only for the curl line it prints
	}
	return "  token:     " + cmd + "\n" +
		"             then paste it into GraphiQL's token bar (or its Headers tab as {\"Authorization\": \"Bearer <token>\"});\n" +
		"             it applies to every tab. Without one you are PUBLIC.\n", cmd
}

// defaultAddr is serve's listen address when neither --addr nor TUOYU_ADDR
// is set.
const defaultAddr = "127.0.0.1:8080"

// tokenCommand is the command line that prints a province regulator's
// development token, as this program was invoked.
func tokenCommand(provinceCode string) string {
	return invocation() + " token --role PROVINCE_REGULATOR --region " + provinceCode
}

// dialAddr turns a listen address into one a browser or curl can reach: an
// unspecified host (":8080", "0.0.0.0:8080", "[::]:8080") becomes 127.0.0.1.
func dialAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tokenRoles are the roles a development token may have: every role but
// PUBLIC, which needs no token.
func tokenRoles() []auth.Role {
	var out []auth.Role
	for _, r := range auth.Roles {
		if r != auth.Public {
			out = append(out, r)
		}
	}
	return out
}

// roleNames joins roles for messages and help texts.
func roleNames(roles []auth.Role) string {
	names := make([]string, len(roles))
	for i, k := range roles {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// parseRole reads a role name, case-insensitively; the messages list the
// accepted roles.
func parseRole(s string, accepted []auth.Role) (auth.Role, error) {
	r := auth.Role(strings.ToUpper(strings.TrimSpace(s)))
	if slices.Contains(accepted, r) {
		return r, nil
	}
	if s == "" {
		return "", fmt.Errorf("--role is required: one of %s", roleNames(accepted))
	}
	if r.Valid() {
		return "", fmt.Errorf("role %q is not accepted here: one of %s", s, roleNames(accepted))
	}
	return "", fmt.Errorf("unknown role %q: one of %s", s, roleNames(accepted))
}

// viewerReason is a Validate error without its sentinel prefix.
func viewerReason(err error) string {
	return strings.TrimPrefix(err.Error(), auth.ErrInvalidViewer.Error()+": ")
}

// scopeHint says which scope flags a role takes.
var scopeHint = map[auth.Role]string{
	auth.ProvinceRegulator: "--region takes a province code such as 210000",
	auth.CityRegulator:     "--region takes a city code such as 210100",
	auth.DistrictRegulator: "--region takes a district code such as 210102",
	auth.BIService:         "--region takes a 6-digit region code such as 210100",
	auth.InstitutionStaff:  "--institution takes the institution's ID; --region is optional",
}

func defaultSubject() string {
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if u := strings.TrimSpace(os.Getenv(k)); u != "" {
			return "dev:" + u
		}
	}
	return "dev:developer"
}

// tokenCmd prints a development token: one line on stdout, so that
// TOKEN=$(go run ./server token ...) works; how to use it goes to stderr.
func tokenCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("token", "", "")
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	tf := bindTokenFlags(fs, false)
	roleName := fs.String("role", "", "the token's role, one of "+roleNames(tokenRoles())+" (required)")
	regionCode := fs.String("region", "", "GB/T 2260 code of the viewer's region, of the role's level: 210000 province, 210100 city, 210102 district; any 6-digit code for BI_SERVICE; optional for INSTITUTION_STAFF")
	institutionID := fs.Int("institution", 0, "institution ID (its GraphQL id) of an INSTITUTION_STAFF viewer")
	subject := fs.String("subject", defaultSubject(), "the token's sub: who holds it (named in audit rows and rate limits)")
	ttl := fs.Duration("ttl", 12*time.Hour, "validity, at most 720h (tokens cannot be revoked: keep it short)")
	addr := fs.String("addr", env("TUOYU_ADDR", defaultAddr), "address of the running server, for the curl example printed on stderr (env TUOYU_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token: unexpected argument %q", fs.Arg(0))
	}
	if auth.Role(strings.ToUpper(strings.TrimSpace(*roleName))) == auth.Public {
		return errors.New("token: PUBLIC needs no token: send requests without an Authorization header")
	}
	role, err := parseRole(*roleName, tokenRoles())
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	v := auth.Viewer{Subject: strings.TrimSpace(*subject), Role: role, RegionCode: strings.TrimSpace(*regionCode), InstitutionID: *institutionID}
	if v.RegionCode != "" {
		if err := ident.ValidateRegionCode(v.RegionCode); err != nil {
			return fmt.Errorf("token: --region %s is not a GB/T 2260 code (%s; %s)", v.RegionCode, identReason(err), scopeHint[role])
		}
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("token: %s (%s)", viewerReason(err), scopeHint[role])
	}
	if *ttl <= 0 || *ttl > maxTokenTTL {
		return fmt.Errorf("token: --ttl must be between 1s and %s", maxTokenTTL)
	}
	if err := checkJWTSecret(tf.Secret); err != nil {
		return err
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	secret, err := devTokenSecret(ctx, a, tf.Secret)
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret, Issuer: tf.Issuer, Audience: tf.Audience})
	if err != nil {
		return err
	}
	token, err := verifier.Sign(v, *ttl)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	// Scope that matches nothing is not an error (the database may be filled
	// later) but is almost always a typo.
	sys := system(ctx)
	if v.RegionCode != "" {
		if ok, err := a.client.Region.Query().Where(region.Code(v.RegionCode)).Exist(sys); err == nil && !ok {
			fmt.Fprintf(stderr, "token: warning: no region %s in this database: the token will see no rows\n", v.RegionCode)
		}
	}
	if v.InstitutionID != 0 {
		if ok, err := a.client.Institution.Query().Where(institution.ID(v.InstitutionID)).Exist(sys); err == nil && !ok {
			fmt.Fprintf(stderr, "token: warning: no institution %d in this database: the token will see no rows\n", v.InstitutionID)
		}
	}
	fmt.Fprintln(stdout, token)
	scope := "region " + v.RegionCode
	if v.Role == auth.InstitutionStaff {
		scope = fmt.Sprintf("institution %d", v.InstitutionID)
	}
	fmt.Fprintf(stderr, `token: %s for %s, subject %q, valid until %s
  curl:     curl -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"query":"{ institutions(first: 1) { totalCount } }"}' http://%s/query
            (after TOKEN=$(%s token --role %s ...))
  GraphiQL: open http://%s/ and paste the token into the token bar,
            or paste {"Authorization": "Bearer %s"} into the Headers tab; either way it applies to every tab
`, v.Role, scope, v.Subject, time.Now().Add(*ttl).In(a.loc).Format("2006-01-02 15:04 MST"), dialAddr(*addr), invocation(), v.Role, dialAddr(*addr), token)
	return nil
}

// apikeyCmd creates, lists and revokes the API keys of BI service accounts.
func apikeyCmd(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		apikeyUsage()
		return flag.ErrHelp // asked for: exit 0
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		apikeyUsage()
		return errors.New("apikey: name a subcommand: create, list or revoke")
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("apikey "+sub, apikeySynopsis[sub], apikeySummary[sub])
	fs.SetOutput(stderr)
	c := bindCommon(fs)
	var (
		name, roleName, regionCode, id string
		asJSON                         bool
	)
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "what the key is for, e.g. \"沈阳市卫健委 BI 看板\" (required)")
		fs.StringVar(&roleName, "role", string(auth.BIService), "the key's role: BI_SERVICE (the only role API keys may have)")
		fs.StringVar(&regionCode, "region", "", "6-digit GB/T 2260 code of the region the key reads, e.g. 210100 (required; must exist in the database)")
	case "revoke":
		fs.StringVar(&id, "id", "", "id of the key to revoke (the <id> of tuoyu_<id>_<secret>, as 'apikey list' shows it)")
	case "list":
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	default:
		apikeyUsage()
		return fmt.Errorf("apikey: unknown subcommand %q", sub)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("apikey %s: unexpected argument %q", sub, fs.Arg(0))
	}
	var role auth.Role
	switch sub {
	case "create":
		// Every role parses; apikeys.Create says that keys are BI_SERVICE only.
		r, err := parseRole(roleName, auth.Roles)
		if err != nil {
			return fmt.Errorf("apikey create: %w", err)
		}
		role = r
	case "revoke":
		if strings.TrimSpace(id) == "" {
			return errors.New("apikey revoke: --id is required")
		}
	}
	a, err := open(ctx, c)
	if err != nil {
		return err
	}
	defer a.close()
	switch sub {
	case "create":
		full, rec, err := apikeys.Create(ctx, a.client, name, role, regionCode)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, full)
		fmt.Fprintf(stderr, `apikey: created key %s (%s, region %s). The key above is shown only this once; only its SHA-256 is stored.
  use it as a bearer token: curl -H "Authorization: Bearer tuoyu_%s_…" ...
  revoke it with: %s apikey revoke --id %s
`, rec.ID, rec.Role, rec.RegionCode, rec.ID, invocation(), rec.ID)
	case "revoke":
		if err := apikeys.Revoke(ctx, a.client, strings.TrimSpace(id)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "apikey: key %s is revoked; requests with it now get 401 UNAUTHENTICATED\n", strings.TrimSpace(id))
	case "list":
		keys, err := apikeys.List(ctx, a.client)
		if err != nil {
			return err
		}
		return printKeys(keys, asJSON, a.loc)
	}
	return nil
}

func printKeys(keys []apikeys.Summary, asJSON bool, loc *time.Location) error {
	if asJSON {
		if keys == nil {
			keys = []apikeys.Summary{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(keys)
	}
	if len(keys) == 0 {
		fmt.Fprintln(stderr, "apikey: no API keys")
		return nil
	}
	const layout = "2006-01-02 15:04"
	now := time.Now()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSTATUS\tROLE\tREGION\tCREATED\tREVOKED\tNAME")
	for _, k := range keys {
		status, revoked := "active", "-"
		if k.RevokedAt != nil {
			revoked = k.RevokedAt.In(loc).Format(layout)
			if k.Revoked(now) {
				status = "revoked"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KeyID, status, k.Role, k.RegionCode, k.CreatedAt.In(loc).Format(layout), revoked, k.Name)
	}
	return w.Flush()
}

func apikeyUsage() {
	fmt.Fprintf(stderr, `usage: %s apikey <subcommand> [flags]

  create --name NAME --region CODE [--role BI_SERVICE]
         print a new key on stdout (once: only its SHA-256 is stored)
  list   [--json]   every key with its state; never secrets
  revoke --id ID    the key authenticates nothing from now on
`, progName())
}

var (
	apikeySynopsis = map[string]string{
		"create": "--name NAME --region CODE [flags]",
		"list":   "[--json] [flags]",
		"revoke": "--id ID [flags]",
	}
	apikeySummary = map[string]string{
		"create": "create a BI_SERVICE API key: the key is printed once on stdout, its id on stderr",
		"list":   "list the API keys with their state (never secrets)",
		"revoke": "revoke an API key: requests with it get 401 from then on",
	}
)

// identReason is an ident validation error without its package and
// sentinel prefix ("first two digits are not a province-level code").
func identReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}
