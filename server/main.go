// Command server runs tuoyu. Build it as tuoyu (go build -o tuoyu ./server)
// or run it with go run ./server; usage and hints name it as invoked.
//
//	go run ./server                      serve GraphQL + GraphiQL (default command)
//	go run ./server migrate              apply pending migrations and exit
//	go run ./server seed --scale city    load deterministic demo data into an empty database
//	go run ./server token --role PROVINCE_REGULATOR --region 210000
//	                                     print a development token (HS256, per-database secret)
//	go run ./server apikey create --name "BI 看板" --region 210100
//	                                     create, list or revoke BI service API keys
//	go run ./server purge --dry-run      list who is past the retention periods (purge without --dry-run)
//	go run ./server backup --out FILE    consistent copy: SQLite VACUUM INTO, PostgreSQL pg_dump -Fc
//
// With DATABASE_URL unset it uses an embedded SQLite file (./tuoyu.db); with
// DATABASE_URL=postgres://... the same binary runs on PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without a zoneinfo database
)

// stdout receives what a command produces for scripts (a token, an API key,
// a list); stderr receives messages for people. Tests swap them.
var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

func main() {
	ctx := stopOnSignals(context.Background())
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h, --help: the usage was asked for and printed
		}
		fmt.Fprintln(os.Stderr, "tuoyu:", userMessage(err))
		os.Exit(1)
	}
}

// stopOnSignals returns ctx cancelled by the first SIGINT or SIGTERM: a
// graceful stop (serve's grace and drain, an import's rollback). A second
// one ends the process at once, as an operator at a terminal expects, by
// that signal, or with its exit status (130, 143) when the process started
// with it ignored (`tuoyu serve &` in a script): restoring the default
// handling alone would give "ignore" back.
func stopOnSignals(parent context.Context) context.Context {
	ctx, cancel := context.WithCancel(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		cancel()
		second := <-signals
		// Die by the signal, as a shell expects of Ctrl-C; when the
		// inherited disposition was "ignore" that does nothing, so exit
		// with the status a shell gives a death by it.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		if sig, ok := second.(syscall.Signal); ok {
			_ = syscall.Kill(os.Getpid(), sig)
			time.Sleep(time.Second)
			os.Exit(128 + int(sig))
		}
		os.Exit(1)
	}()
	return ctx
}

// commands are the subcommands with their one-line summaries, in the order
// --help lists them.
var commands = []struct{ name, args, summary string }{
	{"serve", "[flags]", "serve GraphQL at /query and GraphiQL at / (the default command)"},
	{"migrate", "[flags]", "apply pending schema migrations and exit"},
	{"seed", "[--scale city] [flags]", "load deterministic demo data into an empty database"},
	{"token", "--role ROLE --region CODE [flags]", "print a development token for a role and region"},
	{"apikey", "create|list|revoke [flags]", "create, list or revoke BI service API keys"},
	{"purge", "[--dry-run] [--retention-children 3y] [flags]", "pseudonymise children and staff past their retention, delete old audit rows"},
	{"backup", "--out FILE [flags]", "write a consistent copy of the database (SQLite VACUUM INTO, PostgreSQL pg_dump)"},
	{"export", "--entity E --role ROLE --region CODE [--format csv|xlsx] [--out FILE] [flags]", "export one entity's rows as a viewer sees them (CSV or XLSX)"},
	{"template", "ENTITY [--format xlsx|csv] [--out FILE]", "write the import template of an entity"},
	{"import", "--entity NAME --file FILE [--dry-run] [flags]", "import a CSV or XLSX file of one registry entity, all or nothing"},
	{"kpi", "verify [--region CODE] [--months N] | rebuild [flags]", "compare the precomputed KPI data and fast path with the live definitions (verify), or rebuild the precomputed data from the registry (rebuild)"},
}

// run dispatches to a subcommand; the first argument names it unless it is a flag.
func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			usage(stdout)
			return nil
		}
		if len(args[0]) > 0 && args[0][0] != '-' {
			cmd, args = args[0], args[1:]
		}
	}
	switch cmd {
	case "serve":
		return serve(ctx, args)
	case "migrate":
		return migrateCmd(ctx, args)
	case "seed":
		return seedCmd(ctx, args)
	case "token":
		return tokenCmd(ctx, args)
	case "apikey":
		return apikeyCmd(ctx, args)
	case "purge":
		return purgeCmd(ctx, args)
	case "backup":
		return backupCmd(ctx, args)
	case "export":
		return exportCmd(ctx, args)
	case "template":
		return templateCmd(ctx, args)
	case "import":
		return importCmd(ctx, args)
	case "kpi":
		return kpiCmd(ctx, args)
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", cmd)
}

// usage lists the commands, one line each, under the program's name as it
// was invoked.
func usage(w io.Writer) {
	prog := progName()
	fmt.Fprintf(w, "usage: %s [command] [flags]\n\ncommands:\n", prog)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Run "%s <command> -h" for the flags of a command. Every flag can also be
set through the environment variable named in its help text.
`, prog)
}

// newFlagSet is a command's flag set whose -h names the program as it was
// invoked and says what the command does. synopsis and summary default to
// the command's entry in commands.
func newFlagSet(name, synopsis, summary string) *flag.FlagSet {
	for _, c := range commands {
		if c.name == name {
			synopsis, summary = c.args, c.summary
		}
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s %s %s\n\n%s.\n\nflags:\n", progName(), name, synopsis, summary)
		fs.PrintDefaults()
	}
	return fs
}

// isHelp reports whether arg asks for a command's usage, as the flag
// package reads it (-h, -help, --h, --help).
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--h", "--help":
		return true
	}
	return false
}

// argv0 is how the program was invoked (tests set it).
var argv0 = os.Args[0]

// invocation is the command line that runs this program again: the path it
// was invoked by (./tuoyu, tuoyu, /usr/local/bin/tuoyu), or "go run ./server"
// when it is a binary that go run or go test built in a temporary directory.
func invocation() string {
	if strings.Contains(argv0, string(filepath.Separator)+"go-build") || argv0 == "" {
		return "go run ./server"
	}
	return shellQuote(argv0)
}

// progName is the program's name for usage lines: the invoked file's base
// name, or "go run ./server".
func progName() string {
	if inv := invocation(); inv == "go run ./server" {
		return inv
	}
	return filepath.Base(argv0)
}

// goPackagePrefixes are the names of our Go packages that wrap errors
// ("ident: invalid …"): useful in logs, noise to someone at a terminal.
var goPackagePrefixes = []string{"ident", "auth", "apikeys", "secrets", "db", "demo", "migrate", "pii", "civil", "kpi", "graph", "httpapi", "ratelimit", "bulkload", "ent", "retention", "backup", "export", "jobs"}

// userMessage is err's text without Go package prefixes.
func userMessage(err error) string {
	msg := err.Error()
	for _, p := range goPackagePrefixes {
		if strings.HasPrefix(msg, p+": ") {
			msg = msg[len(p)+2:]
		}
		msg = strings.ReplaceAll(msg, ": "+p+": ", ": ")
	}
	return msg
}
