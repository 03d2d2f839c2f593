package main

import (
	"context"
	"errors"
	"flag"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// commandFlagSets runs every command with -h and returns the flag sets they
// parse, by command.
func commandFlagSets(t *testing.T) map[string]*flag.FlagSet {
	t.Helper()
	captureOutput(t)
	sets := map[string]*flag.FlagSet{}
	var current string
	parsingFlags = func(fs *flag.FlagSet) { sets[current] = fs }
	t.Cleanup(func() { parsingFlags = nil })
	for _, cmd := range [][]string{{"serve"}, {"migrate"}, {"seed"}, {"token"}, {"apikey", "create"}, {"apikey", "list"}, {"apikey", "revoke"}, {"import"}, {"kpi", "verify"}, {"kpi", "rebuild"}} {
		current = strings.Join(cmd, " ")
		if err := run(context.Background(), append(cmd, "-h")); !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("%s -h: %v", current, err)
		}
		if sets[current] == nil {
			t.Fatalf("%s parsed no flags through parseFlags", current)
		}
	}
	parsingFlags = nil
	return sets
}

// cliOnly are the flags that have no environment variable: the arguments of
// one-off commands.
var cliOnly = []string{"role", "region", "institution", "subject", "ttl", "scale", "seed", "as-of", "name", "id", "json", "months", "identity-hashes"}

// TestEveryFlagEnvIsStrict goes over every flag of every command: each has an
// environment variable (or is a one-off command argument); a valid value of
// the variable is applied, the command line wins over it, and a value the
// flag itself would refuse stops the command with the variable's name, never
// silently becoming the default.
func TestEveryFlagEnvIsStrict(t *testing.T) {
	sets := commandFlagSets(t)
	seen := map[string]bool{}
	for cmd, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) {
			if _, ok := flagEnv[f.Name]; !ok && !slices.Contains(cliOnly, f.Name) {
				t.Errorf("%s --%s has no environment variable in flagEnv", cmd, f.Name)
			}
			seen[f.Name] = true
		})
	}
	for name := range flagEnv {
		if !seen[name] {
			t.Errorf("flagEnv lists --%s, which no command has", name)
		}
	}

	type values struct {
		good, other string
		bad         []string
	}
	byType := func(f *flag.Flag) values {
		switch f.Value.(flag.Getter).Get().(type) {
		case bool:
			return values{"false", "true", []string{"off", "on", "yes", "no", "disabled", "2"}}
		case int, int64:
			return values{"7", "9", []string{"1O", "7.5", "10k", "0x"}}
		case float64:
			return values{"2.5", "3", []string{"1O", "2,5", "ten"}}
		case time.Duration:
			return values{"7s", "9s", []string{"7", "1O s", "soon"}}
		}
		return values{good: "value-7", other: "value-9"}
	}
	for cmd, fs := range sets {
		fs.VisitAll(func(f *flag.Flag) {
			key, ok := flagEnv[f.Name]
			if !ok {
				return
			}
			v := byType(f)
			t.Run(cmd+"/"+key, func(t *testing.T) {
				t.Setenv(key, v.good)
				if err := parseFlags(fs, nil); err != nil {
					t.Fatalf("%s=%s: %v", key, v.good, err)
				}
				if got := f.Value.String(); got != v.good {
					t.Fatalf("%s=%s gave --%s %s", key, v.good, f.Name, got)
				}
				if err := parseFlags(fs, []string{"--" + f.Name + "=" + v.other}); err != nil || f.Value.String() != v.other {
					t.Fatalf("the flag must win over %s: %v, %s", key, err, f.Value.String())
				}
				for _, bad := range v.bad {
					t.Setenv(key, bad)
					err := parseFlags(fs, nil)
					if err == nil || !strings.Contains(err.Error(), key) {
						t.Fatalf("%s=%q: error %v; want one naming %s", key, bad, err, key)
					}
					if err := parseFlags(fs, []string{"--" + f.Name + "=" + v.other}); err == nil {
						t.Fatalf("%s=%q with the flag set: a bad variable must still stop the command", key, bad)
					}
				}
				// An empty value counts as unset.
				t.Setenv(key, "")
				if err := parseFlags(fs, nil); err != nil {
					t.Fatalf("%s empty: %v", key, err)
				}
			})
		})
	}
}

// TestBadEnvStopsCommands runs the commands as a user would: a bad value
// stops them before anything opens, the error names the variable and
// repeats no secret.
func TestBadEnvStopsCommands(t *testing.T) {
	captureOutput(t)
	dbPath := filepath.Join(t.TempDir(), "t.db")
	// token works only on an existing database (it checks its secret after opening).
	if err := run(context.Background(), []string{"migrate", "--db", dbPath}); err != nil {
		t.Fatal(err)
	}
	const password = "hunter2-secret"
	for _, tc := range []struct {
		name, key, value string
		args             []string
		secret           bool
	}{
		{"dev tokens off is not a boolean", "TUOYU_DEV_TOKENS", "off", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"rate limit with a letter O", "TUOYU_RATE_LIMIT", "1O", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"request timeout without unit", "TUOYU_REQUEST_TIMEOUT", "30", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"request timeout zero", "TUOYU_REQUEST_TIMEOUT", "0s", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"request timeout negative", "TUOYU_REQUEST_TIMEOUT", "-10s", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"shutdown grace", "TUOYU_SHUTDOWN_GRACE", "5 seconds", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"pool size", "TUOYU_DB_MAX_CONNS", "sixteen", []string{"migrate", "--db", dbPath}, false},
		{"jwt secret not hex", "TUOYU_JWT_SECRET", "zz" + password + strings.Repeat("0", 64), []string{"token", "--db", dbPath, "--role", "PROVINCE_REGULATOR", "--region", "210000"}, true},
		{"pii key not hex (serve)", "TUOYU_PII_KEY", "zz" + password + strings.Repeat("0", 32), []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, true},
		{"database URL", "DATABASE_URL", "postgres://tuoyu:" + password + "@[::1:5432/x", []string{"migrate"}, true},
		// Values that parse but mean nothing are refused with the variable's
		// name too, as is a time zone that does not exist.
		{"time zone (kpi verify)", "TUOYU_TIMEZONE", "Mars/X", []string{"kpi", "verify", "--db", dbPath}, false},
		{"time zone (serve)", "TUOYU_TIMEZONE", "Mars/X", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"time zone (seed)", "TUOYU_TIMEZONE", "Mars/X", []string{"seed", "--db", dbPath}, false},
		{"parallel workers below -1", "TUOYU_PG_PARALLEL_WORKERS", "-2", []string{"migrate", "--db", dbPath}, false},
		{"statement cache negative", "TUOYU_PG_STATEMENT_CACHE", "-1", []string{"migrate", "--db", dbPath}, false},
		{"statement timeout negative", "TUOYU_STATEMENT_TIMEOUT", "-5s", []string{"kpi", "verify", "--db", dbPath}, false},
		{"replica lag negative", "TUOYU_MAX_REPLICA_LAG", "-5s", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
		{"jwt leeway negative", "TUOYU_JWT_LEEWAY", "-5s", []string{"serve", "--db", dbPath, "--demo=false", "--addr", "127.0.0.1:0"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, tc.args)
			if err == nil {
				t.Fatalf("%s=%s: the command ran", tc.key, tc.value)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.key) {
				t.Fatalf("error %q does not name %s", msg, tc.key)
			}
			if tc.secret && strings.Contains(msg, password) {
				t.Fatalf("error repeats the secret: %q", msg)
			}
		})
	}
}

// TestBadFlagValuesNameTheFlag: the same refusals given on the command
// line name the flag; -1 (the server's setting) and 0 stay accepted where
// the README gives them a meaning.
func TestBadFlagValuesNameTheFlag(t *testing.T) {
	captureOutput(t)
	dbPath := filepath.Join(t.TempDir(), "t.db")
	for _, tc := range []struct {
		args []string
		want string // "" = accepted
	}{
		{[]string{"migrate", "--timezone", "Mars/X"}, "--timezone"},
		{[]string{"migrate", "--pg-parallel-workers", "-2"}, "--pg-parallel-workers"},
		{[]string{"migrate", "--pg-statement-cache", "-1"}, "--pg-statement-cache"},
		{[]string{"migrate", "--statement-timeout", "-5s"}, "--statement-timeout"},
		{[]string{"migrate", "--max-replica-lag", "0s"}, "--max-replica-lag"},
		{[]string{"serve", "--demo=false", "--addr", "127.0.0.1:0", "--jwt-leeway", "-5s"}, "--jwt-leeway"},
		{[]string{"migrate", "--pg-parallel-workers", "-1", "--pg-statement-cache", "0", "--statement-timeout", "0s"}, ""},
	} {
		err := run(context.Background(), append(tc.args, "--db", dbPath))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v: %v; want it accepted", tc.args, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v; want an error naming %s", tc.args, err, tc.want)
		}
	}
}

// TestReplicaURLFlagRepeats: --database-replica-url may be repeated and
// each value may list several URLs; the variable is the whole list and the
// command line replaces it.
func TestReplicaURLFlagRepeats(t *testing.T) {
	fs := newFlagSet("serve", "", "")
	c := bindCommon(fs)
	t.Setenv("TUOYU_DATABASE_REPLICA_URL", "postgres://env1/db,postgres://env2/db")
	if err := parseFlags(fs, nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.DB.ReplicaURLs, " "); got != "postgres://env1/db postgres://env2/db" {
		t.Fatalf("from the variable: %q", got)
	}
	args := []string{"--database-replica-url", "postgres://r1/db", "--database-replica-url=postgres://r2/db,postgres://r3/db"}
	if err := parseFlags(fs, args); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.DB.ReplicaURLs, " "); got != "postgres://r1/db postgres://r2/db postgres://r3/db" {
		t.Fatalf("repeated flags over the variable: %q", got)
	}
}

// TestImportVariablesSetOnlyImport: TUOYU_IMPORT_DRY_RUN and the other
// import variables set import's flags, not the flags of the same name of
// purge and export (a dry run asked of imports made the purge a dry run).
func TestImportVariablesSetOnlyImport(t *testing.T) {
	t.Setenv("TUOYU_IMPORT_DRY_RUN", "true")
	t.Setenv("TUOYU_IMPORT_FORMAT", "xlsx")
	for _, tc := range []struct {
		command, flag, want string
	}{
		{"import", "dry-run", "true"},
		{"import", "format", "xlsx"},
		{"purge", "dry-run", "false"},
	} {
		fs := flag.NewFlagSet(tc.command, flag.ContinueOnError)
		fs.Bool("dry-run", false, "")
		fs.String("format", "", "")
		if err := parseFlags(fs, nil); err != nil {
			t.Fatal(err)
		}
		if got := fs.Lookup(tc.flag).Value.String(); got != tc.want {
			t.Errorf("%s --%s = %q with the import variables set; want %q", tc.command, tc.flag, got, tc.want)
		}
	}
}
