package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/db"
)

// backupCmd writes a consistent copy of the database to --out. SQLite:
// VACUUM INTO, one read transaction, safe while a server writes (WAL
// readers do not block the writer). PostgreSQL: pg_dump in its custom
// format (restore with pg_restore, README "Backups"), run from PATH or
// Debian's /usr/lib/postgresql/*/bin; over --migrate-database-url when set,
// since pg_dump needs a session PgBouncer's transaction mode does not give.
func backupCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("backup", "", "")
	c := bindCommon(fs)
	out := fs.String("out", "", "file to write; must not exist")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("backup: %s exists; a backup never overwrites a file", *out)
	}
	if c.DB.URL != "" {
		src := c.DB.URL
		if c.DB.MigrateURL != "" {
			src = c.DB.MigrateURL
		}
		if err := pgDump(ctx, src, *out); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "backup: PostgreSQL dump written to %s (restore: pg_restore --no-owner -d <empty database> %s)\n", *out, *out)
		return nil
	}
	d, err := db.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer d.Close()
	if d.Dialect != dialect.SQLite {
		return errors.New("backup: unexpected dialect")
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if _, err := d.SQL.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		return fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	fmt.Fprintf(stderr, "backup: SQLite copy written to %s (restore: stop the server, replace %s by it)\n", *out, c.DB.SQLitePath)
	return nil
}

// pgDump runs pg_dump -Fc of the database at rawURL into out. The password
// goes through PGPASSWORD, not the command line (ps shows arguments), and
// only the URL parameters libpq knows are passed on.
func pgDump(ctx context.Context, rawURL, out string) error {
	bin, err := findPgDump()
	if err != nil {
		return err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return errors.New("backup: DATABASE_URL is not a valid URL")
	}
	environ := os.Environ()
	if pw, ok := u.User.Password(); ok {
		environ = append(environ, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := url.Values{}
	for k, v := range u.Query() {
		switch k {
		case "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name":
			q[k] = v
		}
	}
	u.RawQuery = q.Encode()
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--file="+out, "--dbname="+u.String())
	cmd.Env = environ
	if msg, err := cmd.CombinedOutput(); err != nil {
		os.Remove(out)
		return fmt.Errorf("backup: pg_dump: %v: %s", err, msg)
	}
	return nil
}

// findPgDump is pg_dump from PATH, else the newest of Debian's versioned
// directories (the server's major version or newer is required).
func findPgDump() (string, error) {
	if p, err := exec.LookPath("pg_dump"); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
	if len(matches) == 0 {
		return "", errors.New("backup: pg_dump not found (install postgresql-client of the server's version)")
	}
	sort.Strings(matches)
	return matches[len(matches)-1], nil
}
