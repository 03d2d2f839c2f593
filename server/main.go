// Command server runs tuoyu.
//
//	go run ./server                      serve GraphQL + GraphiQL (default command)
//	go run ./server migrate              apply pending migrations and exit
//	go run ./server seed --scale city    load deterministic demo data into an empty database
//	go run ./server token --role PROVINCE_REGULATOR --region 210000
//	                                     print a development token (HS256, per-database secret)
//	go run ./server apikey create --name "BI 看板" --region 210100
//	                                     create, list or revoke BI service API keys
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
	"syscall"
	_ "time/tzdata" // Asia/Shanghai must resolve on machines without a zoneinfo database
)

// stdout receives what a command produces for scripts (a token, an API key,
// a list); stderr receives messages for people. Tests swap them.
var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "tuoyu:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; the first argument names it unless it is a flag.
func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
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
	case "help":
		usage()
		return nil
	}
	usage()
	return fmt.Errorf("unknown command %q", cmd)
}

func usage() {
	fmt.Fprint(stderr, `usage: server [command] [flags]

commands:
  serve    serve GraphQL at /query and GraphiQL at / (default)
  migrate  apply pending schema migrations and exit
  seed     load deterministic demo data into an empty database
  token    print a development token: token --role ROLE --region CODE
  apikey   BI service API keys: apikey create | list | revoke

Run "server <command> -h" for the flags of a command. Every flag can also be
set through the environment variable named in its help text.
`)
}
