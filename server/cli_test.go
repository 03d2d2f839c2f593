package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// setArgv0 pretends the program was invoked as name for the rest of the test.
func setArgv0(t *testing.T, name string) {
	t.Helper()
	old := argv0
	argv0 = name
	t.Cleanup(func() { argv0 = old })
}

func TestInvocation(t *testing.T) {
	tests := []struct{ argv0, invocation, prog string }{
		{"./tuoyu", "./tuoyu", "tuoyu"},
		{"tuoyu", "tuoyu", "tuoyu"},
		{"/usr/local/bin/tuoyu", "/usr/local/bin/tuoyu", "tuoyu"},
		{"/tmp/go-build1234/b001/exe/server", "go run ./server", "go run ./server"},
		{"/root/.cache/go-build/x/server.test", "go run ./server", "go run ./server"},
	}
	for _, tc := range tests {
		setArgv0(t, tc.argv0)
		if got := invocation(); got != tc.invocation {
			t.Errorf("argv0 %q: invocation %q, want %q", tc.argv0, got, tc.invocation)
		}
		if got := progName(); got != tc.prog {
			t.Errorf("argv0 %q: progName %q, want %q", tc.argv0, got, tc.prog)
		}
	}
}

// TestHelp: --help (and -h, help) lists every command with one line each,
// under the name the program was invoked by, and is not an error.
func TestHelp(t *testing.T) {
	for _, argv0 := range []string{"./tuoyu", "/tmp/go-build99/b001/exe/server"} {
		setArgv0(t, argv0)
		for _, arg := range []string{"--help", "-h", "help"} {
			out, _ := captureOutput(t)
			if err := run(context.Background(), []string{arg}); err != nil {
				t.Fatalf("%s: %v", arg, err)
			}
			help := out.take()
			if !strings.HasPrefix(help, "usage: "+progName()+" [command]") {
				t.Errorf("%s as %s: %q does not start with the invoked name", arg, argv0, help)
			}
			for _, c := range commands {
				var lines int
				for l := range strings.SplitSeq(help, "\n") {
					if strings.HasPrefix(l, "  "+c.name+" ") {
						lines++
						if strings.TrimSpace(strings.TrimPrefix(l, "  "+c.name)) == "" {
							t.Errorf("%s: command %s has no summary", arg, c.name)
						}
					}
				}
				if lines != 1 {
					t.Errorf("%s: command %s listed on %d lines, want 1:\n%s", arg, c.name, lines, help)
				}
			}
			if !strings.Contains(help, progName()+" <command> -h") {
				t.Errorf("%s: help does not say how to get a command's flags:\n%s", arg, help)
			}
		}
	}
}

// TestCommandHelp: each command's -h names the program as invoked and the
// command, says what it does and lists the command's own flags.
func TestCommandHelp(t *testing.T) {
	setArgv0(t, "./tuoyu")
	tests := []struct {
		args     []string
		usage    string
		flag     string // a flag only this command has
		notFlags []string
	}{
		{[]string{"serve", "-h"}, "usage: tuoyu serve [flags]", "-cors-origins", []string{"-role"}},
		{[]string{"-addr", "x", "-h"}, "usage: tuoyu serve [flags]", "-request-timeout", nil},
		{[]string{"migrate", "-h"}, "usage: tuoyu migrate [flags]", "-database-url", []string{"-addr", "-role"}},
		{[]string{"seed", "--help"}, "usage: tuoyu seed [--scale city] [flags]", "-as-of", []string{"-addr"}},
		{[]string{"token", "-h"}, "usage: tuoyu token --role ROLE --region CODE [flags]", "-ttl", []string{"-cors-origins"}},
		{[]string{"apikey", "create", "-h"}, "usage: tuoyu apikey create --name NAME --region CODE [flags]", "-name", []string{"-json"}},
		{[]string{"apikey", "list", "-h"}, "usage: tuoyu apikey list [--json] [flags]", "-json", []string{"-name"}},
		{[]string{"apikey", "revoke", "-h"}, "usage: tuoyu apikey revoke --id ID [flags]", "-id", []string{"-json"}},
		{[]string{"kpi", "-h"}, "usage: tuoyu kpi verify [--region CODE] [--months N] | rebuild [flags]", "-months", []string{"-addr"}},
		{[]string{"kpi", "verify", "--help"}, "usage: tuoyu kpi verify [--region CODE] [--months N] | rebuild [flags]", "-months", []string{"-addr"}},
		{[]string{"kpi", "rebuild", "--help"}, "usage: tuoyu kpi verify [--region CODE] [--months N] | rebuild [flags]", "-statement-timeout", []string{"-addr", "-months"}},
		{[]string{"template", "-h"}, "usage: tuoyu template ENTITY [--format xlsx|csv] [--out FILE]", "-format", []string{"-database-url"}},
		{[]string{"template", "children", "--help"}, "usage: tuoyu template ENTITY [--format xlsx|csv] [--out FILE]", "-format", []string{"-database-url"}},
	}
	for _, tc := range tests {
		_, errOut := captureOutput(t)
		err := run(context.Background(), tc.args)
		if !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v, want flag.ErrHelp (exit 0)", tc.args, err)
		}
		help := errOut.take()
		if !strings.HasPrefix(help, tc.usage+"\n") {
			t.Errorf("%v: help starts %q, want %q", tc.args, firstLine(help), tc.usage)
		}
		if strings.Contains(help, "Usage of") || strings.Contains(help, "usage: server") {
			t.Errorf("%v: help names the flag set or the package, not the program:\n%s", tc.args, help)
		}
		if !strings.Contains(help, "  "+tc.flag+" ") && !strings.Contains(help, "  "+tc.flag+"\n") {
			t.Errorf("%v: help lacks %s:\n%s", tc.args, tc.flag, help)
		}
		for _, f := range tc.notFlags {
			if strings.Contains(help, "  "+f+" ") {
				t.Errorf("%v: help lists %s, which the command does not take", tc.args, f)
			}
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

// TestExitCodes runs main in a child process: help exits 0, errors 1, and
// error texts carry no Go package prefix.
func TestExitCodes(t *testing.T) {
	if os.Getenv("TUOYU_TEST_MAIN") != "" {
		os.Args = append([]string{"tuoyu"}, strings.Fields(os.Getenv("TUOYU_TEST_MAIN"))...)
		main()
		os.Exit(0)
	}
	dir := t.TempDir()
	tests := []struct {
		args     string
		wantCode int
		want     string
	}{
		{"--help", 0, "usage: "},
		{"serve -h", 0, "usage: "},
		{"token -h", 0, "usage: "},
		{"migrate -h", 0, "usage: "},
		{"seed -h", 0, "usage: "},
		{"apikey -h", 0, "usage: "},
		{"apikey --help", 0, "usage: "},
		{"apikey list -h", 0, "usage: "},
		{"apikey", 1, "name a subcommand"},
		{"frobnicate", 1, `unknown command "frobnicate"`},
		{"token --role BI_SERVICE --region 999999 --db " + filepath.Join(dir, "a.db"), 1, "not a GB/T 2260 code"},
		{"apikey create --name x --region 99 --db " + filepath.Join(dir, "b.db"), 1, "tuoyu: "},
		{"backup --db " + filepath.Join(dir, "typo.db") + " --out " + filepath.Join(dir, "x.db"), 1, "typo.db does not exist"},
		{"purge --dry-run --db " + filepath.Join(dir, "new.db"), 1, "new.db does not exist"},
		{"token --role PROVINCE_REGULATOR --region 210000 --db-max-conns 0 --db " + filepath.Join(dir, "c.db"), 1, "--db-max-conns (TUOYU_DB_MAX_CONNS) must be positive, not 0"},
		{"migrate --db-max-conns -1 --db " + filepath.Join(dir, "d.db"), 1, "--db-max-conns (TUOYU_DB_MAX_CONNS) must be positive, not -1"},
	}
	for _, tc := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestExitCodes$")
		cmd.Env = append(os.Environ(), "TUOYU_TEST_MAIN="+tc.args)
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.wantCode || !strings.Contains(string(out), tc.want) {
			t.Errorf("tuoyu %s: exit %d, want %d; output %q should contain %q", tc.args, code, tc.wantCode, out, tc.want)
		}
		for _, p := range goPackagePrefixes {
			if strings.Contains(string(out), " "+p+": ") {
				t.Errorf("tuoyu %s: output carries the Go package prefix %q: %s", tc.args, p+":", out)
			}
		}
	}
}

// TestCommandsRefuseMissingSQLite: the commands that work on existing data
// refuse a SQLite file that does not exist (a mistyped --db), naming the
// path, and create nothing; serve, migrate and seed create the file.
func TestCommandsRefuseMissingSQLite(t *testing.T) {
	_, errOut := captureOutput(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "regions.csv")
	if err := os.WriteFile(file, []byte("区划代码,名称,级别,上级区划代码\n210000,辽宁省,PROVINCE,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
	}{
		{"backup", []string{"backup", "--out", filepath.Join(dir, "backup.db")}},
		{"purge", []string{"purge", "--dry-run"}},
		{"export", []string{"export", "--entity", "children", "--role", "PROVINCE_REGULATOR", "--region", "210000", "--out", filepath.Join(dir, "children.csv")}},
		{"import", []string{"import", "--entity", "regions", "--file", file, "--region", "210000", "--dry-run"}},
		{"kpi verify", []string{"kpi", "verify"}},
		{"kpi rebuild", []string{"kpi", "rebuild"}},
		{"apikey create", []string{"apikey", "create", "--name", "bi", "--region", "210000"}},
		{"apikey list", []string{"apikey", "list"}},
		{"apikey revoke", []string{"apikey", "revoke", "--id", "0123456789abcdef"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "typo-"+strings.ReplaceAll(tc.name, " ", "-")+".db")
			err := run(context.Background(), append(tc.args, "--db", path))
			if err == nil || !strings.Contains(err.Error(), path+" does not exist") {
				t.Fatalf("error %v; want one saying %s does not exist", err, path)
			}
			if matches, _ := filepath.Glob(path + "*"); len(matches) > 0 {
				t.Errorf("created %v", matches)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "backup.db")); err == nil {
		t.Error("backup wrote --out")
	}
	if _, err := os.Stat(filepath.Join(dir, "children.csv")); err == nil {
		t.Error("export wrote --out")
	}
	// serve and seed may create the file (open lets them through), migrate
	// creates it; the other commands then work on it.
	for _, cmd := range []string{"serve", "seed"} {
		c := bindCommon(newFlagSet(cmd, "", ""))
		c.DB.SQLitePath = filepath.Join(dir, "new-"+cmd+".db")
		if err := c.checkSQLiteExists(); err != nil {
			t.Errorf("%s on a new file: %v", cmd, err)
		}
	}
	created := filepath.Join(dir, "new.db")
	if err := run(context.Background(), []string{"migrate", "--db", created}); err != nil {
		t.Fatalf("migrate on a new file: %v", err)
	}
	errOut.take()
	if err := run(context.Background(), []string{"apikey", "list", "--db", created}); err != nil {
		t.Errorf("apikey list on the migrated file: %v", err)
	}
}

func TestUserMessage(t *testing.T) {
	base := errors.New("ident: invalid administrative division code: first two digits are not a province-level code")
	tests := []struct {
		err  error
		want string
	}{
		{base, "invalid administrative division code: first two digits are not a province-level code"},
		{fmt.Errorf("apikeys: invalid key: region: %w", base), "invalid key: region: invalid administrative division code: first two digits are not a province-level code"},
		{fmt.Errorf("token: %w", errors.New("auth: Sign needs a positive ttl")), "token: Sign needs a positive ttl"},
		{errors.New("--cors-origins: bad"), "--cors-origins: bad"},
	}
	for _, tc := range tests {
		if got := userMessage(tc.err); got != tc.want {
			t.Errorf("userMessage(%q) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestTokenCommandMessages: --role lists only the roles token accepts, a
// region that is no GB/T 2260 code says so, and the hint names the program
// as invoked and the server's address.
func TestTokenCommandMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tok.db")
	ctx := context.Background()
	_, errOut := captureOutput(t)
	if err := run(ctx, []string{"migrate", "--db", path}); err != nil { // token refuses a file that does not exist
		t.Fatal(err)
	}
	err := run(ctx, []string{"token", "--db", path, "--role", "ADMIN", "--region", "210000"})
	if err == nil || !strings.Contains(err.Error(), "PROVINCE_REGULATOR") || strings.Contains(err.Error(), "PUBLIC") {
		t.Errorf("unknown role: %v; want the accepted roles, without PUBLIC", err)
	}
	_ = errOut.take()
	run(ctx, []string{"token", "-h"})
	if help := errOut.take(); strings.Contains(help, "PUBLIC") || !strings.Contains(help, "BI_SERVICE") {
		t.Errorf("token -h role list:\n%s", help)
	}
	for _, region := range []string{"999999", "990000", "2101"} {
		err := run(ctx, []string{"token", "--db", path, "--role", "BI_SERVICE", "--region", region})
		if err == nil || !strings.Contains(err.Error(), "not a GB/T 2260 code") || strings.Contains(err.Error(), "ident:") {
			t.Errorf("--region %s: %v; want \"not a GB/T 2260 code\"", region, err)
		}
	}

	setArgv0(t, "./tuoyu")
	out, errOut := captureOutput(t)
	if err := run(ctx, []string{"token", "--db", path, "--role", "PROVINCE_REGULATOR", "--region", "210000", "--addr", "0.0.0.0:9090"}); err != nil {
		t.Fatal(err)
	}
	if tok := out.take(); strings.Count(tok, "\n") != 1 {
		t.Errorf("stdout %q is not one token line", tok)
	}
	hint := errOut.take()
	for _, want := range []string{"TOKEN=$(./tuoyu token --role PROVINCE_REGULATOR", "http://127.0.0.1:9090/query", "http://127.0.0.1:9090/"} {
		if !strings.Contains(hint, want) {
			t.Errorf("token hint lacks %q:\n%s", want, hint)
		}
	}
	if strings.Contains(hint, "go run") {
		t.Errorf("token hint for a binary says go run:\n%s", hint)
	}
}

func TestDialAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080": "127.0.0.1:8080",
		":8080":          "127.0.0.1:8080",
		"0.0.0.0:80":     "127.0.0.1:80",
		"[::]:8080":      "127.0.0.1:8080",
		"10.0.0.5:8080":  "10.0.0.5:8080",
		"api.local:8080": "api.local:8080",
	} {
		if got := dialAddr(in); got != want {
			t.Errorf("dialAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
