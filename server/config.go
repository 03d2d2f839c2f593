package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/shapelimits"
)

// config is the configuration shared by every command.
type config struct {
	DB       db.Config
	Timezone string
	PIIKey   string // hex; empty = generated per database
	// command is the flag set's name ("serve", "apikey list"): whether
	// the command may create a SQLite file (createsDatabase). Empty in a
	// config built by code rather than by bindCommon, which may create one.
	command string
}

// createsDatabase are the commands that may create a SQLite file that does
// not exist yet: serve (with --demo it fills it), migrate, seed, and token
// (the token is signed with the new database's secret, so a server started
// on that file afterwards accepts it). Every other command works on
// existing data and refuses a missing file, which is almost always a
// mistyped --db (it would otherwise become a new, empty database: an empty
// "backup", a purge of nobody).
var createsDatabase = map[string]bool{"serve": true, "migrate": true, "seed": true, "token": true}

// bindCommon registers the flags every command takes. Each flag defaults to
// its environment variable when that is set.
func bindCommon(fs *flag.FlagSet) *config {
	c := &config{DB: db.Defaults(), command: fs.Name()}
	fs.StringVar(&c.DB.URL, "database-url", env("DATABASE_URL", ""), "PostgreSQL URL postgres://...; empty uses SQLite (env DATABASE_URL)")
	fs.StringVar(&c.DB.SQLitePath, "db", env("TUOYU_SQLITE_PATH", c.DB.SQLitePath), "SQLite database file when no DATABASE_URL is set (env TUOYU_SQLITE_PATH)")
	fs.IntVar(&c.DB.MaxOpenConns, "db-max-conns", envInt("TUOYU_DB_MAX_CONNS", c.DB.MaxOpenConns), "PostgreSQL connection pool size (env TUOYU_DB_MAX_CONNS)")
	fs.IntVar(&c.DB.ParallelWorkers, "pg-parallel-workers", envInt("TUOYU_PG_PARALLEL_WORKERS", c.DB.ParallelWorkers), "PostgreSQL max_parallel_workers_per_gather for tuoyu's sessions; -1 = the server's setting (env TUOYU_PG_PARALLEL_WORKERS)")
	fs.IntVar(&c.DB.StatementCacheSize, "pg-statement-cache", envInt("TUOYU_PG_STATEMENT_CACHE", c.DB.StatementCacheSize), "prepared statements each PostgreSQL connection keeps, run with one round trip and no parsing; 0 = none; ignored with --pgbouncer-transaction-mode (env TUOYU_PG_STATEMENT_CACHE)")
	fs.DurationVar(&c.DB.StatementTimeout, "statement-timeout", envDuration("TUOYU_STATEMENT_TIMEOUT", c.DB.StatementTimeout), "PostgreSQL statement_timeout (env TUOYU_STATEMENT_TIMEOUT)")
	fs.StringVar(&c.Timezone, "timezone", env("TUOYU_TIMEZONE", "Asia/Shanghai"), "time zone of calendar dates such as today (env TUOYU_TIMEZONE)")
	fs.Var((*urlList)(&c.DB.ReplicaURLs), "database-replica-url", "a PostgreSQL streaming replica postgres://... that serves GraphQL reads (KPIs, lists, exports); repeat the flag or separate URLs by commas for several; empty = all on the primary (env TUOYU_DATABASE_REPLICA_URL, comma-separated)")
	fs.DurationVar(&c.DB.MaxReplicaLag, "max-replica-lag", envDuration("TUOYU_MAX_REPLICA_LAG", c.DB.MaxReplicaLag), "a replica whose replay lags more than this is skipped; reads fall back to the primary (env TUOYU_MAX_REPLICA_LAG)")
	fs.StringVar(&c.DB.MigrateURL, "migrate-database-url", env("TUOYU_MIGRATE_DATABASE_URL", ""), "direct PostgreSQL URL for migrations when --database-url points at PgBouncer in transaction mode; empty = --database-url (env TUOYU_MIGRATE_DATABASE_URL)")
	fs.BoolVar(&c.DB.PgBouncerTransactionMode, "pgbouncer-transaction-mode", envBool("TUOYU_PGBOUNCER_TRANSACTION_MODE", false), "--database-url (and replicas) lead through PgBouncer in transaction pooling mode: run each statement in its own transaction (env TUOYU_PGBOUNCER_TRANSACTION_MODE)")
	fs.StringVar(&c.PIIKey, "pii-key", env("TUOYU_PII_KEY", ""), "hex key for hashing ID-card numbers; empty = generated and kept in the database (env TUOYU_PII_KEY)")
	return c
}

// checkSQLiteExists refuses a SQLite file that does not exist, before
// anything creates it, unless the command may create one (createsDatabase;
// a config not bound to a command, built by code, may too). PostgreSQL is
// not checked: a missing database fails to connect.
func (c *config) checkSQLiteExists() error {
	if c.DB.URL != "" || c.command == "" || createsDatabase[c.command] {
		return nil
	}
	if _, err := os.Stat(c.DB.SQLitePath); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("SQLite database %s does not exist (--db, TUOYU_SQLITE_PATH): %s works on an existing database; serve, migrate, seed or token create one", c.DB.SQLitePath, c.command)
	}
	return nil
}

// checkPool refuses a pool size of 0 or less given on the command line or
// in TUOYU_DB_MAX_CONNS, which the pool would otherwise quietly replace by
// its default, the other database settings' values that mean nothing
// (they would be ignored or replaced without a word) and an unknown
// --timezone. A config built by code (no command) keeps the defaults.
func (c *config) checkPool() error {
	if c.command == "" {
		return nil
	}
	switch {
	case c.DB.MaxOpenConns <= 0:
		return fmt.Errorf("--db-max-conns (TUOYU_DB_MAX_CONNS) must be positive, not %d", c.DB.MaxOpenConns)
	case c.DB.ParallelWorkers < -1:
		return fmt.Errorf("--pg-parallel-workers (TUOYU_PG_PARALLEL_WORKERS) must be -1 (the server's setting) or more, not %d", c.DB.ParallelWorkers)
	case c.DB.StatementCacheSize < 0:
		return fmt.Errorf("--pg-statement-cache (TUOYU_PG_STATEMENT_CACHE) must be 0 (off) or more, not %d", c.DB.StatementCacheSize)
	case c.DB.StatementTimeout < 0:
		return fmt.Errorf("--statement-timeout (TUOYU_STATEMENT_TIMEOUT) must be 0 (the server's setting) or more, not %s", c.DB.StatementTimeout)
	case c.DB.MaxReplicaLag <= 0:
		return fmt.Errorf("--max-replica-lag (TUOYU_MAX_REPLICA_LAG) must be positive, not %s", c.DB.MaxReplicaLag)
	}
	// Every command takes --timezone: one that uses no date still refuses
	// a zone that does not exist, as it refuses any other bad value.
	_, err := c.location()
	return err
}

func (c *config) location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("--timezone (TUOYU_TIMEZONE): unknown time zone %q (want an IANA name such as Asia/Shanghai)", c.Timezone)
	}
	return loc, nil
}

// tokenFlags say which JWTs the server accepts (serve) and how development
// tokens are signed (token): both commands must agree on the secret, issuer
// and audience.
type tokenFlags struct {
	Secret   string // hex HS256 secret; empty = generated per database
	Issuer   string
	Audience string
	// serve only:
	PublicKeyFile string
	Leeway        time.Duration
	DevTokens     bool
}

func bindTokenFlags(fs *flag.FlagSet, serve bool) *tokenFlags {
	t := &tokenFlags{}
	fs.StringVar(&t.Secret, "jwt-secret", env("TUOYU_JWT_SECRET", ""), "hex HS256 secret (≥ 64 hex digits) of development tokens; empty = generated once per database and kept in it (env TUOYU_JWT_SECRET)")
	fs.StringVar(&t.Issuer, "jwt-issuer", env("TUOYU_JWT_ISSUER", ""), "when set, tokens must carry this iss claim (env TUOYU_JWT_ISSUER)")
	fs.StringVar(&t.Audience, "jwt-audience", env("TUOYU_JWT_AUDIENCE", ""), "when set, tokens must carry this aud claim (env TUOYU_JWT_AUDIENCE)")
	if serve {
		fs.StringVar(&t.PublicKeyFile, "jwt-public-key", env("TUOYU_JWT_PUBLIC_KEY", ""), "PEM file with the identity provider's RSA (RS256) or ECDSA P-256 (ES256) public key; empty = no such tokens (env TUOYU_JWT_PUBLIC_KEY)")
		fs.DurationVar(&t.Leeway, "jwt-leeway", envDuration("TUOYU_JWT_LEEWAY", 30*time.Second), "clock skew tolerated on exp, nbf and iat (env TUOYU_JWT_LEEWAY)")
		fs.BoolVar(&t.DevTokens, "dev-tokens", envBool("TUOYU_DEV_TOKENS", true), "accept HS256 tokens signed with the per-database secret (the token command); turn off in production once --jwt-public-key is set (env TUOYU_DEV_TOKENS)")
	}
	return t
}

// limitFlags are the request limits of serve (graph.HandlerOptions and the
// rate limiter).
type limitFlags struct {
	MaxBodyBytes        int64
	MaxQueryBytes       int
	MaxTokens           int
	MaxDepth            int
	MaxAliases          int
	MaxRootFields       int
	MaxDirectives       int
	MaxFields           int
	MaxComplexity       int
	MaxOperations       int
	MaxKPIOperations    int
	APQCache            int
	AllowList           string
	AllowListRegulators bool
	Rate                float64
	Burst               int
	AnonRate            float64
	AnonBurst           int
	AuthFailureRate     float64
	AuthFailureBurst    int
	SuppressionK        int
}

func bindLimitFlags(fs *flag.FlagSet) *limitFlags {
	l := &limitFlags{}
	d := shapelimits.Defaults
	fs.Int64Var(&l.MaxBodyBytes, "max-body-bytes", envInt64("TUOYU_MAX_BODY_BYTES", 1<<20), "largest POST body, bytes (env TUOYU_MAX_BODY_BYTES)")
	fs.IntVar(&l.MaxQueryBytes, "max-query-bytes", envInt("TUOYU_MAX_QUERY_BYTES", 16<<10), "longest GET query string, bytes (env TUOYU_MAX_QUERY_BYTES)")
	fs.IntVar(&l.MaxTokens, "max-tokens", envInt("TUOYU_MAX_TOKENS", 15000), "most tokens in a GraphQL document (env TUOYU_MAX_TOKENS)")
	fs.IntVar(&l.MaxDepth, "max-depth", envInt("TUOYU_MAX_DEPTH", d.Depth), "deepest field nesting; connection edges/node add no level (env TUOYU_MAX_DEPTH)")
	fs.IntVar(&l.MaxAliases, "max-aliases", envInt("TUOYU_MAX_ALIASES", d.Aliases), "most aliased fields in an operation (env TUOYU_MAX_ALIASES)")
	fs.IntVar(&l.MaxRootFields, "max-root-fields", envInt("TUOYU_MAX_ROOT_FIELDS", d.RootFields), "most top-level fields in an operation (env TUOYU_MAX_ROOT_FIELDS)")
	fs.IntVar(&l.MaxDirectives, "max-directives", envInt("TUOYU_MAX_DIRECTIVES", d.Directives), "most directive uses in an operation (env TUOYU_MAX_DIRECTIVES)")
	fs.IntVar(&l.MaxFields, "max-fields", envInt("TUOYU_MAX_FIELDS", d.Fields), "most field selections, fragments expanded (env TUOYU_MAX_FIELDS)")
	fs.IntVar(&l.MaxComplexity, "max-complexity", envInt("TUOYU_MAX_COMPLEXITY", graph.DefaultComplexityLimit), "highest estimated cost (connections cost page size × item) (env TUOYU_MAX_COMPLEXITY)")
	fs.IntVar(&l.MaxOperations, "max-operations", envInt("TUOYU_MAX_OPERATIONS", graph.DefaultOperations()), "operations other than KPI ones executed at once; further ones wait their turn, first come first served, within their request timeout (default 4 per core, at least 4) (env TUOYU_MAX_OPERATIONS)")
	fs.IntVar(&l.MaxKPIOperations, "max-kpi-operations", envInt("TUOYU_MAX_KPI_OPERATIONS", graph.DefaultKPIOperations()), "operations computing indicators executed at once, all clients together; further ones wait their turn within their request timeout (default one per core, at least 2) (env TUOYU_MAX_KPI_OPERATIONS)")
	fs.IntVar(&l.APQCache, "apq-cache", envInt("TUOYU_APQ_CACHE", 1000), "documents kept for automatic persisted queries; 0 turns APQ off (env TUOYU_APQ_CACHE)")
	fs.StringVar(&l.AllowList, "allow-list", env("TUOYU_ALLOW_LIST", ""), "JSON file of the only documents that run ({sha256: query} or an Apollo persisted query manifest); empty = any document (env TUOYU_ALLOW_LIST)")
	fs.BoolVar(&l.AllowListRegulators, "allow-list-exempt-regulators", envBool("TUOYU_ALLOW_LIST_EXEMPT_REGULATORS", false), "with --allow-list, let regulators run any document (GraphiQL exploration) (env TUOYU_ALLOW_LIST_EXEMPT_REGULATORS)")
	fs.Float64Var(&l.Rate, "rate-limit", envFloat("TUOYU_RATE_LIMIT", 10), "requests per second per token subject or API key; 0 turns rate limiting off (env TUOYU_RATE_LIMIT)")
	fs.IntVar(&l.Burst, "rate-burst", envInt("TUOYU_RATE_BURST", 40), "burst of an authenticated principal (env TUOYU_RATE_BURST)")
	fs.Float64Var(&l.AnonRate, "anon-rate-limit", envFloat("TUOYU_ANON_RATE_LIMIT", 2), "requests per second per client address without credentials (env TUOYU_ANON_RATE_LIMIT)")
	fs.IntVar(&l.AnonBurst, "anon-rate-burst", envInt("TUOYU_ANON_RATE_BURST", 20), "burst of an anonymous client address (env TUOYU_ANON_RATE_BURST)")
	fs.Float64Var(&l.AuthFailureRate, "auth-failure-limit", envFloat("TUOYU_AUTH_FAILURE_LIMIT", 10), "refused credentials (bad, forged, expired, unknown) per minute per client address (IPv6: per /64) once the burst is spent; then 429 before any credential is checked; 0 turns it off (env TUOYU_AUTH_FAILURE_LIMIT)")
	fs.IntVar(&l.AuthFailureBurst, "auth-failure-burst", envInt("TUOYU_AUTH_FAILURE_BURST", 20), "refused credentials in a row a client address may have (env TUOYU_AUTH_FAILURE_BURST)")
	fs.IntVar(&l.SuppressionK, "suppression-k", envInt("TUOYU_SUPPRESSION_K", 5), "BI_SERVICE gets no value for a child-based indicator value with fewer distinct children behind it (env TUOYU_SUPPRESSION_K)")
	return l
}

// check refuses values that would mean "no limit" or nonsense. Zero is
// meaningful only for --apq-cache and --rate-limit (off).
func (l *limitFlags) check() error {
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"max-body-bytes", l.MaxBodyBytes}, {"max-query-bytes", int64(l.MaxQueryBytes)}, {"max-tokens", int64(l.MaxTokens)},
		{"max-depth", int64(l.MaxDepth)}, {"max-aliases", int64(l.MaxAliases)}, {"max-root-fields", int64(l.MaxRootFields)},
		{"max-directives", int64(l.MaxDirectives)}, {"max-fields", int64(l.MaxFields)}, {"max-complexity", int64(l.MaxComplexity)},
		{"max-operations", int64(l.MaxOperations)}, {"max-kpi-operations", int64(l.MaxKPIOperations)},
		{"suppression-k", int64(l.SuppressionK)},
	} {
		if f.v <= 0 {
			return fmt.Errorf("--%s must be positive", f.name)
		}
	}
	switch {
	case math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0) || math.IsNaN(l.AnonRate) || math.IsInf(l.AnonRate, 0):
		return fmt.Errorf("--rate-limit and --anon-rate-limit must be finite numbers")
	case math.IsNaN(l.AuthFailureRate) || math.IsInf(l.AuthFailureRate, 0) || l.AuthFailureRate < 0:
		return fmt.Errorf("--auth-failure-limit must be 0 (off) or a positive number")
	case l.AuthFailureRate > 0 && l.AuthFailureBurst <= 0:
		return fmt.Errorf("--auth-failure-burst must be positive")
	case l.APQCache < 0:
		return fmt.Errorf("--apq-cache must be 0 (off) or positive")
	case l.Rate < 0:
		return fmt.Errorf("--rate-limit must be 0 (off) or positive")
	case l.Rate > 0 && (l.Burst <= 0 || l.AnonRate <= 0 || l.AnonBurst <= 0):
		return fmt.Errorf("--rate-burst, --anon-rate-limit and --anon-rate-burst must be positive")
	}
	return nil
}

// env is an environment variable's value, def when it is unset or empty (an
// empty value counts as unset, as for most tools). Only string flags take
// their default from it; parseFlags applies every variable strictly.
func env(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

// The typed helpers only pick the default shown by -h; a value that does not
// parse is refused by parseFlags at start-up, never silently replaced.

func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envInt64(key string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(key), 10, 64); err == nil {
		return v
	}
	return def
}

func envFloat(key string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(key), 64); err == nil {
		return v
	}
	return def
}

func envBool(key string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return v
	}
	return def
}

// flagEnv names the environment variable of every flag that has one. Flags
// not listed (the token and apikey commands' own, such as --role) are
// command-line only.
var flagEnv = map[string]string{
	"addr":                         "TUOYU_ADDR",
	"cors-origins":                 "TUOYU_CORS_ORIGINS",
	"database-url":                 "DATABASE_URL",
	"db":                           "TUOYU_SQLITE_PATH",
	"db-max-conns":                 "TUOYU_DB_MAX_CONNS",
	"pg-parallel-workers":          "TUOYU_PG_PARALLEL_WORKERS",
	"pg-statement-cache":           "TUOYU_PG_STATEMENT_CACHE",
	"statement-timeout":            "TUOYU_STATEMENT_TIMEOUT",
	"request-timeout":              "TUOYU_REQUEST_TIMEOUT",
	"heap-floor-mib":               "TUOYU_HEAP_FLOOR_MIB",
	"kpi-cache-results":            "TUOYU_KPI_CACHE_RESULTS",
	"shutdown-grace":               "TUOYU_SHUTDOWN_GRACE",
	"drain-timeout":                "TUOYU_DRAIN_TIMEOUT",
	"timezone":                     "TUOYU_TIMEZONE",
	"pii-key":                      "TUOYU_PII_KEY",
	"database-replica-url":         "TUOYU_DATABASE_REPLICA_URL",
	"max-replica-lag":              "TUOYU_MAX_REPLICA_LAG",
	"migrate-database-url":         "TUOYU_MIGRATE_DATABASE_URL",
	"pgbouncer-transaction-mode":   "TUOYU_PGBOUNCER_TRANSACTION_MODE",
	"retention-children":           "TUOYU_RETENTION_CHILDREN",
	"retention-staff":              "TUOYU_RETENTION_STAFF",
	"retention-audit":              "TUOYU_RETENTION_AUDIT",
	"demo":                         "TUOYU_DEMO",
	"demo-scale":                   "TUOYU_DEMO_SCALE",
	"jwt-secret":                   "TUOYU_JWT_SECRET",
	"jwt-issuer":                   "TUOYU_JWT_ISSUER",
	"jwt-audience":                 "TUOYU_JWT_AUDIENCE",
	"jwt-public-key":               "TUOYU_JWT_PUBLIC_KEY",
	"jwt-leeway":                   "TUOYU_JWT_LEEWAY",
	"dev-tokens":                   "TUOYU_DEV_TOKENS",
	"max-body-bytes":               "TUOYU_MAX_BODY_BYTES",
	"max-query-bytes":              "TUOYU_MAX_QUERY_BYTES",
	"max-tokens":                   "TUOYU_MAX_TOKENS",
	"max-depth":                    "TUOYU_MAX_DEPTH",
	"max-aliases":                  "TUOYU_MAX_ALIASES",
	"max-root-fields":              "TUOYU_MAX_ROOT_FIELDS",
	"max-directives":               "TUOYU_MAX_DIRECTIVES",
	"max-fields":                   "TUOYU_MAX_FIELDS",
	"max-complexity":               "TUOYU_MAX_COMPLEXITY",
	"max-operations":               "TUOYU_MAX_OPERATIONS",
	"max-kpi-operations":           "TUOYU_MAX_KPI_OPERATIONS",
	"apq-cache":                    "TUOYU_APQ_CACHE",
	"allow-list":                   "TUOYU_ALLOW_LIST",
	"allow-list-exempt-regulators": "TUOYU_ALLOW_LIST_EXEMPT_REGULATORS",
	"rate-limit":                   "TUOYU_RATE_LIMIT",
	"rate-burst":                   "TUOYU_RATE_BURST",
	"anon-rate-limit":              "TUOYU_ANON_RATE_LIMIT",
	"anon-rate-burst":              "TUOYU_ANON_RATE_BURST",
	"auth-failure-limit":           "TUOYU_AUTH_FAILURE_LIMIT",
	"auth-failure-burst":           "TUOYU_AUTH_FAILURE_BURST",
	"suppression-k":                "TUOYU_SUPPRESSION_K",
	"admin-addr":                   "TUOYU_ADMIN_ADDR",
	"otlp-endpoint":                "TUOYU_OTLP_ENDPOINT",
	"trace-sample-ratio":           "TUOYU_TRACE_SAMPLE_RATIO",
	"log-format":                   "TUOYU_LOG_FORMAT",
	"log-requests":                 "TUOYU_LOG_REQUESTS",
	"upload-max-bytes":             "TUOYU_UPLOAD_MAX_BYTES",
	"job-workers":                  "TUOYU_JOB_WORKERS",
	"job-timeout":                  "TUOYU_JOB_TIMEOUT",
	"job-rescue-after":             "TUOYU_JOB_RESCUE_AFTER",
	"job-max-active":               "TUOYU_JOB_MAX_ACTIVE",
	"entity":                       "TUOYU_IMPORT_ENTITY",
	"file":                         "TUOYU_IMPORT_FILE",
	"dry-run":                      "TUOYU_IMPORT_DRY_RUN",
	"format":                       "TUOYU_IMPORT_FORMAT",
	"encoding":                     "TUOYU_IMPORT_ENCODING",
	"error-report":                 "TUOYU_IMPORT_ERROR_REPORT",
}

// secretEnv are the variables whose values are never repeated in an error:
// they hold keys or, in a database URL, a password.
var secretEnv = map[string]bool{"DATABASE_URL": true, "TUOYU_JWT_SECRET": true, "TUOYU_PII_KEY": true, "TUOYU_DATABASE_REPLICA_URL": true, "TUOYU_MIGRATE_DATABASE_URL": true}

// urlList is a list of URLs (--database-replica-url): the flag may be
// repeated, and each value may hold several comma-separated URLs. Its
// environment variable holds the whole list (comma-separated) and, like
// every variable, gives way to the flag on the command line.
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, ",") }
func (l *urlList) Get() any       { return []string(*l) }

// Set adds the URLs of one occurrence of the flag.
func (l *urlList) Set(v string) error {
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			*l = append(*l, u) // db.Open checks each is a postgres:// URL
		}
	}
	return nil
}

// Reset empties the list: each parse starts from no URLs.
func (l *urlList) Reset() { *l = nil }

// Replace sets the whole list (the environment variable's value).
func (l *urlList) Replace(v string) error {
	l.Reset()
	return l.Set(v)
}

// commandEnv limits a variable to the command whose flag it names: import's
// --dry-run, --format, --entity and --file share their names with flags of
// purge and export, which TUOYU_IMPORT_* must not set (a dry run asked of
// imports is not a dry run of the retention purge).
var commandEnv = map[string]string{
	"TUOYU_IMPORT_ENTITY": "import", "TUOYU_IMPORT_FILE": "import", "TUOYU_IMPORT_DRY_RUN": "import",
	"TUOYU_IMPORT_FORMAT": "import", "TUOYU_IMPORT_ENCODING": "import", "TUOYU_IMPORT_ERROR_REPORT": "import",
}

// listFlag is a flag that accumulates repeated values (urlList).
type listFlag interface {
	flag.Value
	Reset()
	Replace(string) error
}

// parsingFlags, when set (tests), is shown every command's flag set.
var parsingFlags func(*flag.FlagSet)

// parseFlags parses args, then every flag's environment variable with the
// flag's own parser (strconv.ParseBool for booleans, time.ParseDuration
// for durations, …), so an environment value is exactly as strict as the
// flag. A set-but-unparsable variable stops the command and the error names
// the variable (its value too, unless it is a secret), also when the flag
// itself is given on the command line, which wins. Empty values count as
// unset.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if parsingFlags != nil {
		parsingFlags(fs)
	}
	// Repeatable flags accumulate what one command line gives.
	fs.VisitAll(func(f *flag.Flag) {
		if l, ok := f.Value.(listFlag); ok {
			l.Reset()
		}
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		key, ok := flagEnv[f.Name]
		if !ok || err != nil {
			return
		}
		if cmd, only := commandEnv[key]; only && cmd != fs.Name() {
			return
		}
		v, ok := os.LookupEnv(key)
		if !ok || v == "" {
			return
		}
		set := f.Value.Set
		if l, ok := f.Value.(listFlag); ok {
			set = l.Replace // the variable is the whole list
		}
		keep := f.Value.String()
		if serr := set(v); serr != nil {
			err = envError(key, f, v)
			return
		}
		if explicit[f.Name] {
			_ = set(keep) // the command line wins
		}
	})
	return err
}

// envError describes a variable that does not parse, with what the flag
// takes and, unless the variable is secret, the value.
func envError(key string, f *flag.Flag, v string) error {
	want := "a valid value"
	switch f.Value.(flag.Getter).Get().(type) {
	case bool:
		want = "a boolean: true or false (also 1, t, T, TRUE, True, 0, f, F, FALSE, False)"
	case int, int64:
		want = "an integer"
	case float64:
		want = "a number"
	case time.Duration:
		want = "a duration such as 30s, 5m or 1h30m"
	}
	if secretEnv[key] {
		return fmt.Errorf("environment variable %s (--%s) must be %s", key, f.Name, want)
	}
	return fmt.Errorf("environment variable %s (--%s) must be %s, not %q", key, f.Name, want, v)
}
