package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/ent/banlistentry"
	"github.com/tuoyu/tuoyu/ent/staff"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/db"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/pii"
	"github.com/tuoyu/tuoyu/internal/secrets"
	"github.com/tuoyu/tuoyu/internal/testdb"
)

// bannedNumber is a valid resident ID number put on the ban list.
const bannedNumber = "11010519491231002X"

// answers are what a restored database must answer like the original.
type answers struct {
	KPIs    []string
	Banned  bool   // the ban list matches bannedNumber, hashed with the database's own key
	Refused string // creating staff with bannedNumber: the error
	Viewer  string // the development token verified with the database's secret
}

func answersOf(t *testing.T, cfg db.Config, token string) answers {
	t.Helper()
	ctx := testdb.Ctx()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	client := d.Client()
	var a answers
	key, err := secrets.Resolve(ctx, client, secrets.PIIKey, "", 32)
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := pii.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	a.Banned = client.BanListEntry.Query().Where(banlistentry.IDNumberHash(hasher.Hash(bannedNumber))).ExistX(ctx)
	inst := client.Institution.Query().FirstIDX(ctx)
	_, err = client.Staff.Create().SetName("测试").SetIDNumberHash(hasher.Hash(bannedNumber)).SetIDNumberMasked("110105********002X").
		SetRole(staff.RoleCAREGIVER).SetInstitutionID(inst).SetHiredAt(civil.D(2026, 1, 5)).Save(ctx)
	if err != nil {
		a.Refused = err.Error()
	}
	secret, err := secrets.Resolve(ctx, client, secrets.TokenKey, "", 32)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.TokenConfig{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if viewer, err := v.Verify(token); err == nil {
		a.Viewer = fmt.Sprintf("%+v", *viewer)
	}
	ids := client.Region.Query().IDsX(ctx)
	points, err := kpi.SeriesPoints(civil.D(2025, 11, 1), civil.D(2026, 11, 1), kpi.Month)
	if err != nil {
		t.Fatal(err)
	}
	var keys []kpi.Key
	for _, ind := range kpi.Catalogue {
		keys = append(keys, ind.Key)
	}
	res, err := kpi.New(client, d.Driver, d.Dialect).Evaluate(ctx, kpi.Query{Keys: keys, RegionIDs: ids, Points: points})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		line := fmt.Sprintf("%s %d %d %g", r.Key, r.RegionID, r.Point, r.Numerator)
		if r.Denominator != nil {
			line += fmt.Sprintf("/%g", *r.Denominator)
		}
		a.KPIs = append(a.KPIs, line)
	}
	return a
}

// prepareSource seeds the database of args (demo data), bans bannedNumber
// and returns a development token signed with the database's secret.
func prepareSource(t *testing.T, out *syncBuffer, args ...string) string {
	t.Helper()
	ctx := context.Background()
	if err := run(ctx, append([]string{"seed", "--scale", "district", "--as-of", "2026-11-01"}, args...)); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if err := run(ctx, append([]string{"token", "--role", "PROVINCE_REGULATOR", "--region", "210000", "--subject", "backup"}, args...)); err != nil {
		t.Fatalf("token: %v", err)
	}
	return oneLine(t, out.take())
}

func ban(t *testing.T, cfg db.Config) {
	t.Helper()
	ctx := testdb.Ctx()
	d, err := db.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	key, err := secrets.Resolve(ctx, d.Client(), secrets.PIIKey, "", 32)
	if err != nil {
		t.Fatal(err)
	}
	hasher, _ := pii.NewHasher(key)
	d.Client().BanListEntry.Create().SetIDNumberHash(hasher.Hash(bannedNumber)).SetIDNumberMasked("110105********002X").
		SetBasis("test").SetDecidedAt(civil.D(2025, 1, 1)).ExecX(ctx)
}

func checkAnswers(t *testing.T, orig, restored answers) {
	t.Helper()
	if !orig.Banned || orig.Refused == "" || orig.Viewer == "" || len(orig.KPIs) == 0 {
		t.Fatalf("the original does not answer: %+v", orig)
	}
	if !reflect.DeepEqual(orig, restored) {
		t.Errorf("restored answers differ:\nbanned %v/%v\nrefused %q/%q\nviewer %q/%q\n%d/%d KPI values (equal: %v)",
			orig.Banned, restored.Banned, orig.Refused, restored.Refused, orig.Viewer, restored.Viewer, len(orig.KPIs), len(restored.KPIs), reflect.DeepEqual(orig.KPIs, restored.KPIs))
	}
}

// TestBackupSQLiteWhileWriting: `backup --out` of a SQLite database while
// another connection keeps writing gives a file that opens, passes
// integrity_check and answers as the original does: the development token
// verifies (the per-database secret came along), the ban list matches the
// number hashed with the database's PII key, every KPI is identical.
func TestBackupSQLiteWhileWriting(t *testing.T) {
	out, _ := captureOutput(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	token := prepareSource(t, out, "--db", src)
	ban(t, db.Config{SQLitePath: src})

	// A writer appends audit rows (no KPI reads them) throughout.
	w, err := db.Open(context.Background(), db.Config{SQLitePath: src})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var (
		stop    atomic.Bool
		failed  atomic.Bool
		written atomic.Int64
		wg      sync.WaitGroup
		werr    error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if err := w.Client().AuditLog.Create().SetSubject("writer").SetRole("SYSTEM").SetDocumentHash("h").SetEntityType("Child").SetEntityIds([]int{}).SetFields([]string{}).Exec(testdb.Ctx()); err != nil {
				werr = err
				failed.Store(true)
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 20 && !failed.Load() {
		// let the writer get going (progress, not time)
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(dir, "backup.db")
	berr := run(context.Background(), []string{"backup", "--db", src, "--out", backup})
	stop.Store(true)
	wg.Wait()
	if berr != nil || werr != nil {
		t.Fatalf("backup: %v; writer: %v", berr, werr)
	}
	if err := run(context.Background(), []string{"backup", "--db", src, "--out", backup}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second backup over the file: %v; want a refusal", err)
	}
	raw, err := sql.Open("sqlite3", "file:"+backup+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var check string
	var inBackup int64
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	if err := raw.QueryRow("SELECT count(*) FROM audit_logs WHERE subject = 'writer'").Scan(&inBackup); err != nil || inBackup < 20 || inBackup > written.Load() {
		t.Errorf("backup holds %d of the writer's %d rows, %v; want a snapshot taken while it wrote", inBackup, written.Load(), err)
	}
	raw.Close()
	checkAnswers(t, answersOf(t, db.Config{SQLitePath: src}, token), answersOf(t, db.Config{SQLitePath: backup}, token))
}

// TestBackupSQLiteFile: the copy is created owner-only (0600), the restore
// hint is README's (delete the old -wal and -shm), a missing --out
// directory is named without the driver's words, an existing file is never
// overwritten, and a database file that does not exist is refused before
// anything is created.
func TestBackupSQLiteFile(t *testing.T) {
	_, errOut := captureOutput(t)
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	if err := run(ctx, []string{"migrate", "--db", src}); err != nil {
		t.Fatal(err)
	}
	errOut.take()
	backup := filepath.Join(dir, "backup.db")
	if err := run(ctx, []string{"backup", "--db", src, "--out", backup}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 || perm&0o600 != 0o600 {
		t.Errorf("backup mode %v; want 0600 (owner only)", perm)
	}
	if st.Size() == 0 {
		t.Error("backup is empty")
	}
	hint := errOut.take()
	if want := fmt.Sprintf("(restore: stop the server, replace %[1]s by it and delete %[1]s-wal and %[1]s-shm, start)", src); !strings.Contains(hint, want) {
		t.Errorf("restore hint %q; want %q", hint, want)
	}

	for _, tc := range []struct {
		name, db, out, want string
	}{
		{"out exists", src, backup, "exists; a backup never overwrites a file"},
		{"out directory missing", src, filepath.Join(dir, "nodir", "x.db"), "the directory of --out"},
		{"database missing", filepath.Join(dir, "typo.db"), filepath.Join(dir, "typo-backup.db"), "typo.db does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadDir(dir)
			err := run(ctx, []string{"backup", "--db", tc.db, "--out", tc.out})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want %q", err, tc.want)
			}
			for _, driver := range []string{"unable to open", "(14)", "VACUUM"} {
				if strings.Contains(err.Error(), driver) {
					t.Errorf("error %q carries the driver's words %q", err, driver)
				}
			}
			if after, _ := os.ReadDir(dir); len(after) != len(before) {
				t.Errorf("files before %v, after %v: the refused backup created something", before, after)
			}
		})
	}
}

// TestBackupRefusesPgBouncerWithoutDirectURL: behind PgBouncer in
// transaction mode pg_dump needs a direct connection; without
// --migrate-database-url backup refuses before connecting or writing.
func TestBackupRefusesPgBouncerWithoutDirectURL(t *testing.T) {
	captureOutput(t)
	out := filepath.Join(t.TempDir(), "x.dump")
	err := run(context.Background(), []string{"backup", "--database-url", "postgres://tuoyu@127.0.0.1:1/tuoyu", "--pgbouncer-transaction-mode", "--out", out})
	if err == nil || !strings.Contains(err.Error(), "--migrate-database-url") || !strings.Contains(err.Error(), "PgBouncer") {
		t.Fatalf("error %v; want a refusal naming --migrate-database-url", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the refused backup wrote --out")
	}
}

// TestNewestPgDump: Debian's versioned pg_dump directories compare as
// numbers, not strings (15 is newer than 9.6).
func TestNewestPgDump(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{"/usr/lib/postgresql/15/bin/pg_dump", "/usr/lib/postgresql/9.6/bin/pg_dump"}, "15"},
		{[]string{"/usr/lib/postgresql/9.6/bin/pg_dump", "/usr/lib/postgresql/10/bin/pg_dump", "/usr/lib/postgresql/9.4/bin/pg_dump"}, "10"},
		{[]string{"/usr/lib/postgresql/17/bin/pg_dump", "/usr/lib/postgresql/16/bin/pg_dump", "/usr/lib/postgresql/9.6/bin/pg_dump"}, "17"},
		{[]string{"/usr/lib/postgresql/12/bin/pg_dump"}, "12"},
	} {
		want := "/usr/lib/postgresql/" + tc.want + "/bin/pg_dump"
		if got := newestPgDump(tc.paths); got != want {
			t.Errorf("newestPgDump(%v) = %s; want %s", tc.paths, got, want)
		}
	}
}

// TestBackupPostgres: `backup --out` runs pg_dump (custom format); the
// README's procedure (pg_restore --no-owner into an empty database)
// restores a database that answers as the original does.
func TestBackupPostgres(t *testing.T) {
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" || testdb.Dialect() != "postgres" {
		t.Skip("PostgreSQL backup: TEST_DATABASE_URL not set (or TEST_DIALECT=sqlite)")
	}
	out, errOut := captureOutput(t)
	adminDB, err := sql.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer adminDB.Close()
	suffix := strconv.Itoa(os.Getpid())
	urlOf := func(name string) string {
		u, _ := url.Parse(admin)
		u.Path = "/" + name
		return u.String()
	}
	src, dst := "tuoyu_backup_src_"+suffix, "tuoyu_backup_dst_"+suffix
	for _, name := range []string{src, dst} {
		if _, err := adminDB.Exec("CREATE DATABASE " + name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { adminDB.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") }) //nolint:errcheck
	}
	token := prepareSource(t, out, "--database-url", urlOf(src))
	cfg := db.Defaults()
	cfg.URL = urlOf(src)
	ban(t, cfg)
	file := filepath.Join(t.TempDir(), "tuoyu.dump")
	errOut.take()
	if err := run(context.Background(), []string{"backup", "--database-url", urlOf(src), "--out", file}); err != nil {
		t.Fatalf("backup: %v", err)
	}
	// README "Backups": the same restore command, and a file only its owner reads.
	if hint, want := errOut.take(), "(restore: pg_restore --no-owner --exit-on-error -d <empty database> "+file+")"; !strings.Contains(hint, want) {
		t.Errorf("restore hint %q; want %q", hint, want)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm()&0o077 != 0 {
		t.Errorf("dump file: %v, %v; want mode 0600 (owner only)", st.Mode(), err)
	}
	restore, err := exec.LookPath("pg_restore")
	if err != nil {
		if restore, err = filepath.Abs("/usr/lib/postgresql/15/bin/pg_restore"); err != nil {
			t.Fatal(err)
		}
	}
	if msg, err := exec.Command(restore, "--no-owner", "--exit-on-error", "--dbname="+urlOf(dst), file).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, msg)
	}
	restored := db.Defaults()
	restored.URL = urlOf(dst)
	checkAnswers(t, answersOf(t, cfg, token), answersOf(t, restored, token))
}

// TestBackupPassesConnectionParameters: pg_dump gets the URL's host (a
// socket directory), port and TLS parameters, and its passwords through
// PGPASSWORD, never on its command line (which ps shows). A stand-in
// pg_dump first on PATH records what it was given.
func TestBackupPassesConnectionParameters(t *testing.T) {
	captureOutput(t)
	dir := t.TempDir()
	record := filepath.Join(dir, "pg_dump.args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" \"PGPASSWORD=$PGPASSWORD\" > " + record + "\nfor a in \"$@\"; do case $a in --file=*) : > \"${a#--file=}\";; esac; done\n"
	if err := os.WriteFile(filepath.Join(dir, "pg_dump"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	for _, tc := range []struct{ url, password string }{
		{"postgres://ops:s3cret@db.internal:5433/tuoyu?sslmode=verify-full&sslrootcert=/etc/ca.pem", "s3cret"},
		{"postgres://ops@/tuoyu?host=/var/run/postgresql&password=s3cret&sslmode=disable", "s3cret"},
	} {
		out := filepath.Join(dir, fmt.Sprintf("dump-%d", len(tc.url)))
		if err := run(context.Background(), []string{"backup", "--database-url", tc.url, "--out", out}); err != nil {
			t.Fatalf("backup of %s: %v", tc.url, err)
		}
		raw, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		got := string(raw)
		u, _ := url.Parse(tc.url)
		if strings.Count(got, tc.password) != 1 || !strings.Contains(got, "PGPASSWORD="+tc.password+"\n") {
			t.Errorf("pg_dump of %s: the password must reach it through PGPASSWORD only:\n%s", tc.url, got)
		}
		for k := range u.Query() {
			if k != "password" && !strings.Contains(got, k+"=") {
				t.Errorf("pg_dump of %s lost the parameter %s:\n%s", tc.url, k, got)
			}
		}
		if u.Host != "" && !strings.Contains(got, "@"+u.Host+"/") {
			t.Errorf("pg_dump of %s lost the host:\n%s", tc.url, got)
		}
	}
}
