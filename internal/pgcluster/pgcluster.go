// Package pgcluster starts throwaway PostgreSQL servers for tests that need
// real components beside the shared test cluster: a primary with a
// streaming standby (pg_basebackup -R), and PgBouncer in front of a server.
// Each lives in a temporary directory on a free loopback port, runs as the
// postgres user when the test runs as root (CI), and is stopped by
// t.Cleanup. Without the binaries a test is skipped, except under CI (CI
// set), where that is a failure.
package pgcluster

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Bin is where Debian's PostgreSQL 15 binaries live.
const Bin = "/usr/lib/postgresql/15/bin"

// PgBouncer is Debian's pgbouncer binary.
const PgBouncer = "/usr/sbin/pgbouncer"

// Server is one PostgreSQL server (a primary or a standby) of a test.
type Server struct {
	t    testing.TB
	Dir  string // data directory
	Port int
	base string
	cred *syscall.Credential
}

// require skips (or fails under CI) when a binary is missing.
func require(t testing.TB, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgcluster: CI is set but %s is missing", path)
		}
		t.Skipf("pgcluster: %s is missing", path)
	}
}

// workdir is a temporary directory owned by the postgres user when running
// as root (PostgreSQL refuses to run as root), with the credential to run
// commands as that user.
func workdir(t testing.TB, prefix string) (string, *syscall.Credential) {
	t.Helper()
	base, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if os.Geteuid() != 0 {
		return base, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skipf("pgcluster: running as root without a postgres user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(base, uid, gid); err != nil {
		t.Fatal(err)
	}
	return base, &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// FreePort is a loopback TCP port nobody listens on right now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Primary initdb's and starts a primary that standbys can stream from
// (wal_level=replica, replication connections trusted on loopback).
func Primary(t testing.TB) *Server {
	t.Helper()
	require(t, filepath.Join(Bin, "initdb"))
	base, cred := workdir(t, "tuoyu-pg-")
	s := &Server{t: t, base: base, Dir: filepath.Join(base, "primary"), Port: FreePort(t), cred: cred}
	s.run(Bin+"/initdb", "-D", s.Dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	s.Start()
	t.Cleanup(func() { s.Stop() })
	return s
}

// Standby takes a base backup of p (pg_basebackup -R writes
// standby.signal and primary_conninfo) and starts it as a streaming
// standby on its own port.
func (p *Server) Standby(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, base: p.base, Dir: filepath.Join(p.base, fmt.Sprintf("standby%d", FreePort(t))), Port: FreePort(t), cred: p.cred}
	s.run(Bin+"/pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", "postgres", "-D", s.Dir, "-R", "-X", "stream", "--no-sync")
	s.Start()
	t.Cleanup(func() { s.Stop() })
	return s
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c wal_level=replica -c max_wal_senders=5 -c hot_standby=on -c max_connections=60", s.Port, s.base)
	s.run(Bin+"/pg_ctl", "-D", s.Dir, "-o", opts, "-l", s.Dir+".log", "-w", "-t", "60", "start")
}

// Stop stops the server immediately (a crash, as far as clients see); it
// does nothing when the server is not running.
func (s *Server) Stop() {
	_ = s.command(Bin+"/pg_ctl", "-D", s.Dir, "-m", "immediate", "-w", "stop").Run()
}

// URL is a lib/pq URL of database name on this server.
func (s *Server) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, name)
}

// BouncedDatabase creates database name with the settings README's
// Pooling section puts on the database for PgBouncer's transaction mode
// (which drops startup options): statement and idle-transaction timeouts,
// UTC, no JIT, no parallel workers.
func (s *Server) BouncedDatabase(name string) {
	s.t.Helper()
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
		"-c", "CREATE DATABASE " + name}
	for _, set := range []string{"statement_timeout = '30s'", "idle_in_transaction_session_timeout = '60s'", "timezone = 'UTC'", "jit = off", "max_parallel_workers_per_gather = 0"} {
		args = append(args, "-c", "ALTER DATABASE "+name+" SET "+set)
	}
	s.run(Bin+"/psql", args...)
}

func (s *Server) run(name string, args ...string) {
	s.t.Helper()
	if out, err := s.command(name, args...).CombinedOutput(); err != nil {
		s.t.Fatalf("pgcluster: %s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.base
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	return cmd
}

// Bouncer is a PgBouncer process of a test.
type Bouncer struct {
	Port int
	cmd  *exec.Cmd
}

// URL is a lib/pq URL of database name through the bouncer.
func (b *Bouncer) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", b.Port, name)
}

// StartBouncer starts PgBouncer in transaction pooling mode in front of
// the server at port, forwarding every database name. It passes through the
// startup parameters lib/pq and tuoyu's DSN send (ignore_startup_parameters
// lists those PgBouncer would otherwise refuse), and stops when the test
// ends.
func StartBouncer(t testing.TB, serverPort int) *Bouncer {
	t.Helper()
	require(t, PgBouncer)
	base, cred := workdir(t, "tuoyu-bouncer-")
	b := &Bouncer{Port: FreePort(t)}
	ini := fmt.Sprintf(`[databases]
* = host=127.0.0.1 port=%d

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 4
ignore_startup_parameters = extra_float_digits,statement_timeout,idle_in_transaction_session_timeout,timezone
logfile = %s/pgbouncer.log
pidfile = %s/pgbouncer.pid
`, serverPort, b.Port, base, base, base)
	write := func(name, text string) {
		p := filepath.Join(base, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if cred != nil {
			_ = os.Chown(p, int(cred.Uid), int(cred.Gid))
		}
	}
	write("users.txt", `"postgres" ""`+"\n")
	write("pgbouncer.ini", ini)
	b.cmd = exec.Command(PgBouncer, filepath.Join(base, "pgbouncer.ini"))
	if cred != nil {
		b.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("pgcluster: start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		_ = b.cmd.Process.Kill()
		_ = b.cmd.Wait()
	})
	waitListening(t, b.Port, func() string {
		out, _ := os.ReadFile(filepath.Join(base, "pgbouncer.log"))
		return string(out)
	})
	return b
}

// waitListening waits until something accepts connections on port: the
// process's readiness, not a timing assertion. It fails the test with the
// process's log after a generous bound.
func waitListening(t testing.TB, port int, log func() string) {
	t.Helper()
	for i := 0; i < 300; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("pgcluster: nothing listens on port %d:\n%s", port, log())
}
