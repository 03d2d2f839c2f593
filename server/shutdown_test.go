package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tuoyu/tuoyu/internal/db"
)

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// servedBinary is the real binary serving an empty SQLite database.
type servedBinary struct {
	cmd    *exec.Cmd
	addr   string
	db     string      // the SQLite file
	exited chan error  // the process's exit (cmd.Wait)
	output *syncBuffer // stdout and stderr, read while the process runs
}

// serveBinary builds the binary and runs serve with args added, until it is
// ready; the process is killed when the test ends, and its output logged if
// the test failed.
func serveBinary(t *testing.T, args ...string) *servedBinary {
	t.Helper()
	return startBinary(t, false, args...)
}

// startBinary is serveBinary, optionally started with SIGINT ignored, as
// a shell starts a background job (`tuoyu serve &` in a script).
func startBinary(t *testing.T, ignoreSIGINT bool, args ...string) *servedBinary {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "tuoyu")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	s := &servedBinary{addr: freeAddr(t), db: filepath.Join(dir, "t.db"), exited: make(chan error, 1)}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", s.addr, "--db", s.db, "--demo=false"}, args...)...)
	if ignoreSIGINT {
		// exec keeps an ignored disposition: the binary starts with SIGINT ignored.
		s.cmd = exec.Command("sh", append([]string{"-c", `trap '' INT; exec "$0" "$@"`, bin}, s.cmd.Args[1:]...)...)
	}
	s.cmd.Env = append(os.Environ(), "DATABASE_URL=")
	logs := &syncBuffer{}
	s.output = logs
	s.cmd.Stderr, s.cmd.Stdout = logs, logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if code, err := s.status("/readyz"); err == nil && code == http.StatusOK {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("the server did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// status is the HTTP status of a GET of path, on a connection of its own.
// waitOutput returns the server's output once it contains want (or after
// 10 s, for the caller's assertions to report what is missing).
func (s *servedBinary) waitOutput(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := s.output.String()
		if strings.Contains(out, want) || time.Now().After(deadline) {
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *servedBinary) status(path string) (int, error) {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + s.addr + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// TestSIGTERMGraceAndDrain runs the real binary: after SIGTERM /readyz
// answers 503 for the grace period while requests are still served, then
// the listener closes, a request in flight (its body still arriving) gets
// its response, and the process exits 0.
func TestSIGTERMGraceAndDrain(t *testing.T) {
	const grace = 1500 * time.Millisecond
	s := serveBinary(t, "--shutdown-grace", grace.String(), "--request-timeout", "10s")
	cmd, addr, exited, status := s.cmd, s.addr, s.exited, s.status

	// A slow request: headers and half the body now, the rest later.
	body := `{"query":"{ __typename }"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])

	sigAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// During the grace period: readiness fails, the API still answers.
	sawNotReady := false
	for time.Since(sigAt) < grace/2 {
		code, err := status("/readyz")
		if err != nil {
			t.Fatalf("/readyz during the grace period: %v", err)
		}
		if code == http.StatusServiceUnavailable {
			sawNotReady = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !sawNotReady {
		t.Fatal("/readyz never answered 503 after SIGTERM")
	}
	if code, err := status("/livez"); err != nil || code != http.StatusOK {
		t.Fatalf("/livez during the grace period: %d, %v", code, err)
	}
	// After the grace period the listener closes.
	for {
		if _, err := status("/livez"); err != nil {
			break
		}
		if time.Since(sigAt) > grace+5*time.Second {
			t.Fatal("the listener was still open long after the grace period")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if elapsed := time.Since(sigAt); elapsed < grace {
		t.Fatalf("the listener closed after %s, before the %s grace period", elapsed, grace)
	}
	select {
	case err := <-exited:
		t.Fatalf("the process exited with a request in flight: %v", err)
	default:
	}
	// The in-flight request completes.
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(got), `"__typename":"Query"`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, got)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) || err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the process did not exit after draining")
	}
}

// TestSecondSignalStopsAtOnce: the first Ctrl-C starts the graceful stop;
// a second one, during the grace period, ends the process at once, by the
// signal, instead of waiting for grace and drain.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	t.Run("at a terminal", func(t *testing.T) { testSecondSignal(t, false) })
	// Started with SIGINT ignored, the process still takes Ctrl-C (Go's
	// handler is installed over "ignore"); the second must not fall back
	// to the inherited "ignore". It exits with 130, as a shell reports a
	// death by SIGINT.
	t.Run("started with SIGINT ignored", func(t *testing.T) { testSecondSignal(t, true) })
}

func testSecondSignal(t *testing.T, ignored bool) {
	s := startBinary(t, ignored, "--shutdown-grace", "60s")
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if code, err := s.status("/readyz"); err == nil && code == http.StatusServiceUnavailable {
			break // the graceful stop has begun
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz never answered 503 after the first Ctrl-C")
		}
	}
	select {
	case err := <-s.exited:
		t.Fatalf("the process exited before the second Ctrl-C, within its 60 s grace period: %v", err)
	default:
	}
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.exited:
		var exit *exec.ExitError
		switch {
		case !errors.As(err, &exit):
			t.Fatalf("after the second Ctrl-C: %v, want the process ended by SIGINT", err)
		case ignored && exit.ExitCode() != 130:
			t.Fatalf("after the second Ctrl-C: %v, want exit status 130", err)
		case !ignored && exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGINT:
			t.Fatalf("after the second Ctrl-C: %v, want the process ended by SIGINT", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the process was still running 10 s after the second Ctrl-C")
	}
}

// TestDrainBudget: the drain budget is derived from the request timeout or
// at least as long; negative durations are refused.
func TestDrainBudget(t *testing.T) {
	for _, tc := range []struct {
		grace, drain, request, want time.Duration
		ok                          bool
	}{
		{5 * time.Second, 0, 30 * time.Second, 35 * time.Second, true},
		{0, 0, 10 * time.Second, 15 * time.Second, true},
		{5 * time.Second, 60 * time.Second, 30 * time.Second, 60 * time.Second, true},
		{5 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second, true},
		{5 * time.Second, 25 * time.Second, 30 * time.Second, 0, false},
		{-time.Second, 0, 30 * time.Second, 0, false},
		{time.Second, -time.Second, 30 * time.Second, 0, false},
	} {
		s := &shutdownFlags{Grace: tc.grace, Drain: tc.drain}
		err := s.check(tc.request)
		if (err == nil) != tc.ok || (tc.ok && s.drain != tc.want) {
			t.Errorf("grace %s drain %s request %s: drain %s, err %v", tc.grace, tc.drain, tc.request, s.drain, err)
		}
	}
}

// TestServeLimitsFailedAuthentication starts serve with a small failure
// allowance: refused credentials from one address get 401 up to the burst,
// then 429 RATE_LIMITED with Retry-After, for fake API keys and forged JWTs
// alike.
func TestServeLimitsFailedAuthentication(t *testing.T) {
	captureOutput(t)
	url := serveInProcess(t, "--db", filepath.Join(t.TempDir(), "t.db"), "--demo=false",
		"--auth-failure-limit", "1", "--auth-failure-burst", "3", "--shutdown-grace", "0s").base + "/query"
	credentials := []string{
		"Bearer tuoyu_0123456789abcdef_" + strings.Repeat("0", 64),
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
		"Bearer tuoyu_fedcba9876543210_" + strings.Repeat("1", 64),
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ5In0.c2lnbmF0dXJl",
		"Bearer tuoyu_00000000000000ff_" + strings.Repeat("2", 64),
	}
	for i, c := range credentials {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", c)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, code := http.StatusUnauthorized, "UNAUTHENTICATED"
		if i >= 3 {
			want, code = http.StatusTooManyRequests, "RATE_LIMITED"
		}
		if resp.StatusCode != want || !strings.Contains(string(body), `"code":"`+code+`"`) {
			t.Fatalf("credential %d: %d %s; want %d %s", i, resp.StatusCode, body, want, code)
		}
		if want == http.StatusTooManyRequests && resp.Header.Get("Retry-After") != "60" {
			t.Fatalf("Retry-After %q; want 60", resp.Header.Get("Retry-After"))
		}
	}
}

// Closing the pools waits for running statements at most poolCloseWait: one
// stuck in PgBouncer's queue must not keep the process past its kill timeout.
func TestCloseWithinAbandonsAStuckClose(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	start := time.Now()
	closeWithin(func() error { <-release; return nil }, 100*time.Millisecond, "test pool")
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("closeWithin waited %s for a close that never ends; want about 100ms", took)
	}
	start = time.Now()
	closed := false
	closeWithin(func() error { closed = true; return nil }, time.Minute, "test pool")
	if !closed || time.Since(start) > time.Second {
		t.Fatalf("a prompt close: closed=%v after %s", closed, time.Since(start))
	}
}

// startJobs that fails (here: the context already cancelled, as a signal
// during start-up leaves it) returns its error and closes the pool it
// opened; it used to call its nil result instead and panic.
func TestStartJobsFailsCleanly(t *testing.T) {
	captureOutput(t)
	a, err := open(context.Background(), &config{DB: db.Config{SQLitePath: filepath.Join(t.TempDir(), "jobs.db")}, Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q, closePool, err := startJobs(ctx, a, &jobFlags{Workers: 1, Timeout: time.Minute, MaxActive: 1})
	if err == nil || q != nil || closePool != nil {
		t.Fatalf("startJobs with a cancelled context = %v, %v; want an error and nothing to close", q, err)
	}
}

// With --log-format json everything serve writes to stderr is a JSON log
// record, its announcements (demo load, listening) included, so that a log
// shipper reading stderr gets nothing else.
func TestJSONLogsAreAllJSON(t *testing.T) {
	s := serveBinary(t, "--log-format", "json", "--demo=true", "--demo-scale", "district", "--admin-addr", freeAddr(t))
	// The "serving" record is written before the server accepts, but it
	// reaches the test through the process's stderr pipe, which exec copies
	// on its own goroutine: /readyz can answer before the copy is done.
	out := s.waitOutput(t, `"msg":"serving"`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var messages []string
	for _, line := range lines {
		var rec struct{ Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a line that is not JSON: %q\n%s", line, out)
		}
		messages = append(messages, rec.Msg)
	}
	for _, want := range []string{"loading demo data", "demo data loaded", "admin listener", "serving"} {
		if !slices.Contains(messages, want) {
			t.Errorf("no %q record in %q", want, messages)
		}
	}
}
