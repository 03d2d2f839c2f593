package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/db"
)

// backupCmd writes a consistent copy of the database to --out. SQLite:
// VACUUM INTO, one read transaction, safe while a server writes (WAL
// readers do not block the writer). PostgreSQL: pg_dump in its custom
// format (restore with pg_restore, README "Backups"), run from PATH or
// Debian's /usr/lib/postgresql/*/bin; over --migrate-database-url when set,
// since pg_dump needs a session PgBouncer's transaction mode does not give
// (behind it, without that URL, backup refuses). The file is created
// owner-only (0600) before anything is written to it: a backup is personal
// data. The restore hints printed match README "Backups".
func backupCmd(ctx context.Context, args []string) error {
	fs := newFlagSet("backup", "", "")
	c := bindCommon(fs)
	out := fs.String("out", "", "file to write, created readable by its owner only; must not exist")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	if c.DB.URL != "" && c.DB.PgBouncerTransactionMode && c.DB.MigrateURL == "" {
		return errors.New("backup: behind PgBouncer in transaction mode (--pgbouncer-transaction-mode), pg_dump needs a direct connection to PostgreSQL: set --migrate-database-url (TUOYU_MIGRATE_DATABASE_URL)")
	}
	if err := c.checkSQLiteExists(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	abs, err := filepath.Abs(*out)
	if err != nil {
		return fmt.Errorf("backup: --out: %w", err)
	}
	if c.DB.URL != "" {
		src := c.DB.URL
		if c.DB.MigrateURL != "" {
			src = c.DB.MigrateURL
		}
		bin, err := findPgDump()
		if err != nil {
			return err
		}
		if err := createBackupFile(*out, abs); err != nil {
			return err
		}
		if err := pgDump(ctx, bin, src, abs); err != nil {
			os.Remove(abs)
			return err
		}
		fmt.Fprintf(stderr, "backup: PostgreSQL dump written to %s (restore: pg_restore --no-owner --exit-on-error -d <empty database> %s)\n", *out, *out)
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
	// VACUUM INTO writes into an existing file when it is empty, and keeps
	// its mode.
	if err := createBackupFile(*out, abs); err != nil {
		return err
	}
	if _, err := d.SQL.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		os.Remove(abs)
		return fmt.Errorf("backup: copying the database into %s failed: %w", *out, err)
	}
	fmt.Fprintf(stderr, "backup: SQLite copy written to %s (restore: stop the server, replace %[2]s by it and delete %[2]s-wal and %[2]s-shm, start)\n", *out, c.DB.SQLitePath)
	return nil
}

// createBackupFile creates the empty file abs (--out as given: out) with
// mode 0600, refusing one that exists and naming a missing directory
// without the operating system's or the driver's words.
func createBackupFile(out, abs string) error {
	dir := filepath.Dir(abs)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("backup: the directory of --out %s (%s) does not exist", out, dir)
	}
	f, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup: %s exists; a backup never overwrites a file", out)
	}
	if err != nil {
		return fmt.Errorf("backup: --out: %w", err)
	}
	// Under a umask that leaves less than 0600 (rare), make it readable
	// and writable by the owner; never more.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(abs)
		return fmt.Errorf("backup: --out: %w", err)
	}
	return f.Close()
}

// pgDump runs pg_dump (bin) -Fc of the database at rawURL into out, which
// exists (createBackupFile): pg_dump truncates it and keeps its mode. The
// password goes through PGPASSWORD, not the command line (ps shows
// arguments), and only the URL parameters libpq knows are passed on.
func pgDump(ctx context.Context, bin, rawURL, out string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return errors.New("backup: the database URL is not a valid URL")
	}
	environ := os.Environ()
	if pw, ok := u.User.Password(); ok {
		environ = append(environ, "PGPASSWORD="+pw)
		u.User = url.User(u.User.Username())
	}
	q := url.Values{}
	for k, v := range u.Query() {
		switch k {
		case "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
			"host", "port", "user", "dbname": // lib/pq takes these from the query too (host: a socket directory)
			q[k] = v
		case "password":
			environ = append(environ, "PGPASSWORD="+v[len(v)-1]) // never on the command line
		}
	}
	u.RawQuery = q.Encode()
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--file="+out, "--dbname="+u.String())
	cmd.Env = environ
	if msg, err := cmd.CombinedOutput(); err != nil {
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
	return newestPgDump(matches), nil
}

// newestPgDump is the path of the highest version of Debian's
// /usr/lib/postgresql/<version>/bin/pg_dump paths, compared as numbers
// (15 is newer than 9.6).
func newestPgDump(paths []string) string {
	version := func(p string) []int {
		var v []int
		for _, part := range strings.Split(filepath.Base(filepath.Dir(filepath.Dir(p))), ".") {
			n, err := strconv.Atoi(part)
			if err != nil {
				n = -1 // not a version: oldest
			}
			v = append(v, n)
		}
		return v
	}
	return slices.MaxFunc(paths, func(a, b string) int { return slices.Compare(version(a), version(b)) })
}
