// Command peer compares tuoyu's list requests with PostGraphile v4 (with
// @graphile/pg-aggregates), the peer of issue 11, on the same PostgreSQL
// database, and runs the mixed load (province dashboards beside list users).
//
//	(cd bench/peer && npm ci)     # once: the peer, pinned by package-lock.json
//	go run ./bench/peer -database-url 'postgres://postgres@127.0.0.1:55432/peer_province?sslmode=disable'
//	go run ./bench/peer -database-url … -mixed   # 8 dashboards + 56 list clients, 30 s
//
// It builds tuoyu (go build ./server into a temporary directory, unless
// -tuoyu names a binary), starts it and the peer on loopback ports, checks
// that the two answer each request with the same JSON (the peer's fields are
// aliased to tuoyu's names), then, for each request and each concurrency,
// runs the two sides one after the other for -d, -rounds times, swapping
// which goes first every round, so both see the same machine in the same
// minutes. It prints throughput, latency percentiles, the ratios
// tuoyu/peer, each server's peak RSS (VmHWM) and the load average.
//
// tuoyu runs with rate limiting off (the peer has none) and is queried with
// a PROVINCE_REGULATOR token of the province (region 210000), whose row
// policies admit every row the requests read; none of the fields read is
// masked or audited. Nothing is downloaded at run time: the peer comes from
// bench/peer/node_modules, installed by `npm ci` from the committed lock.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tuoyu/tuoyu/bench/internal/loadgen"
)

func main() {
	dbURL := flag.String("database-url", os.Getenv("DATABASE_URL"), "PostgreSQL database both servers use (a copy of bench_province; tuoyu migrates it and adds its job tables) (env DATABASE_URL)")
	tuoyuBin := flag.String("tuoyu", "", "tuoyu binary to run; empty = go build ./server into a temporary directory")
	baseline := flag.String("baseline", "", "a second tuoyu binary (e.g. built from an earlier commit) measured in the same rounds: before/after in the same minutes")
	clients := flag.String("c", "1,8,32", "client counts, comma-separated")
	d := flag.Duration("d", 10*time.Second, "duration of one side's run in one round")
	rounds := flag.Int("rounds", 3, "rounds per cell; the side that goes first alternates")
	warmup := flag.Duration("warmup", 5*time.Second, "load on each side before measuring (JIT, caches, pools)")
	only := flag.String("requests", "list20,nested3", "requests to compare, comma-separated")
	mixed := flag.Bool("mixed", false, "instead of the comparison, run the mixed load on tuoyu: -dashboards dashboard clients beside -lists list clients for -mixed-d")
	dashboards := flag.Int("dashboards", 8, "dashboard clients of -mixed (each its own principal)")
	lists := flag.Int("lists", 56, "list clients of -mixed")
	mixedD := flag.Duration("mixed-d", 30*time.Second, "duration of -mixed")
	flag.Parse()
	if *dbURL == "" {
		fatal(errors.New("-database-url is required (a PostgreSQL copy of bench_province)"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *mixed {
		err = runMixed(ctx, *dbURL, *tuoyuBin, *dashboards, *lists, *mixedD)
	} else {
		err = runCompare(ctx, *dbURL, *tuoyuBin, *baseline, *clients, *only, *d, *rounds, *warmup)
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "peer:", err)
	os.Exit(1)
}

// side is one server under test.
type side struct {
	name   string
	url    string
	token  string
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	pairOf func(loadgen.Pair) loadgen.Request
}

// start starts cmd and reaps it when it exits.
func (s *side) start(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	return nil
}

func (s *side) stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// peakRSS is the server's peak resident set (VmHWM) in MB.
func (s *side) peakRSS() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return "?"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return fmt.Sprintf("%.0f MB", float64(kb)/1024)
		}
	}
	return "?"
}

func runCompare(ctx context.Context, dbURL, tuoyuBin, baselineBin, clientSpec, only string, d time.Duration, rounds int, warmup time.Duration) error {
	var counts []int
	for s := range strings.SplitSeq(clientSpec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-c: %q is not a positive number", s)
		}
		counts = append(counts, n)
	}
	var pairs []loadgen.Pair
	for name := range strings.SplitSeq(only, ",") {
		switch strings.TrimSpace(name) {
		case loadgen.List20.Name:
			pairs = append(pairs, loadgen.List20)
		case loadgen.Nested3.Name:
			pairs = append(pairs, loadgen.Nested3)
		default:
			return fmt.Errorf("-requests: unknown request %q (list20, nested3)", name)
		}
	}
	peerDir, err := peerDir()
	if err != nil {
		return err
	}
	tuoyu, err := startTuoyu(ctx, dbURL, tuoyuBin)
	if err != nil {
		return err
	}
	defer tuoyu.stop()
	peer, err := startPeer(ctx, dbURL, peerDir)
	if err != nil {
		return err
	}
	defer peer.stop()
	sides := []*side{tuoyu, peer}
	var before *side
	if baselineBin != "" {
		if before, err = startTuoyu(ctx, dbURL, baselineBin); err != nil {
			return err
		}
		defer before.stop()
		before.name = "before"
		sides = append(sides, before)
	}

	for _, p := range pairs {
		if err := sameAnswers(ctx, tuoyu, peer, p); err != nil {
			return err
		}
	}
	fmt.Printf("same answers: %d requests checked, tuoyu and peer return identical data\n", len(pairs))
	fmt.Printf("load average at start: %s\n", loadAvg())
	for _, p := range pairs {
		for _, s := range sides {
			if _, err := loadgen.Run(ctx, s.url, []loadgen.Group{s.group(p, 8)}, warmup); err != nil {
				return err
			}
		}
	}

	fmt.Printf("\n%-8s %4s | %-30s | %-30s | %s\n", "request", "c", "tuoyu req/s  p50  p95  p99 ms", "peer req/s  p50  p95  p99 ms", "tuoyu/peer")
	if before != nil {
		fmt.Printf("%-8s %4s   %-30s   %-30s   %s\n", "", "", "before req/s p50  p95  p99 ms", "", "before/peer")
	}
	for _, p := range pairs {
		for _, c := range counts {
			results := map[string]*loadgen.Result{}
			for r := range rounds {
				order := sides
				if r%2 == 1 {
					order = slices.Clone(sides)
					slices.Reverse(order)
				}
				for _, s := range order {
					res, err := loadgen.Run(ctx, s.url, []loadgen.Group{s.group(p, c)}, d)
					if err != nil {
						return err
					}
					if ctx.Err() != nil {
						return ctx.Err()
					}
					if results[s.name] == nil {
						results[s.name] = &loadgen.Result{}
					}
					results[s.name].Merge(res)
				}
			}
			t, q := results["tuoyu"], results["peer"]
			fmt.Printf("%-8s %4d | %s | %s | %.2f×%s\n", p.Name, c, row(t), row(q), t.Throughput()/q.Throughput(), failures(t, q))
			if b := results["before"]; b != nil {
				fmt.Printf("%-8s %4s   %s   %30s   %.2f×%s\n", "", "", row(b), "", b.Throughput()/q.Throughput(), failures(b))
			}
		}
	}
	fmt.Printf("\npeak RSS: tuoyu %s, peer %s", tuoyu.peakRSS(), peer.peakRSS())
	if before != nil {
		fmt.Printf(", before %s", before.peakRSS())
	}
	fmt.Printf("; load average at end: %s\n", loadAvg())
	return nil
}

func (s *side) group(p loadgen.Pair, clients int) loadgen.Group {
	g := loadgen.Group{Name: p.Name, Clients: clients, Requests: []loadgen.Request{s.pairOf(p)}}
	if s.token != "" {
		g.Tokens = []string{s.token}
	}
	return g
}

func row(r *loadgen.Result) string {
	return fmt.Sprintf("%8.1f %5.1f %5.1f %5.1f", r.Throughput(), msec(r.Percentile("", 50)), msec(r.Percentile("", 95)), msec(r.Percentile("", 99)))
}

func failures(rs ...*loadgen.Result) string {
	var out []string
	for _, r := range rs {
		for reason, n := range r.Failures {
			out = append(out, fmt.Sprintf("%d× %s", n, reason))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "  FAILED: " + strings.Join(out, "; ")
}

func msec(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// sameAnswers checks that tuoyu and the peer return the same data for p.
func sameAnswers(ctx context.Context, tuoyu, peer *side, p loadgen.Pair) error {
	client := loadgen.NewClient(1)
	var data [2]string
	for i, s := range []*side{tuoyu, peer} {
		_, body, err := loadgen.Send(ctx, client, s.url, s.token, s.pairOf(p))
		if err != nil {
			return fmt.Errorf("%s %s: %w: %s", s.name, p.Name, err, body)
		}
		var out struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return fmt.Errorf("%s %s: %w", s.name, p.Name, err)
		}
		var v any
		if err := json.Unmarshal(out.Data, &v); err != nil {
			return fmt.Errorf("%s %s: %w", s.name, p.Name, err)
		}
		canonical, _ := json.Marshal(normalize(v))
		data[i] = string(canonical)
	}
	if data[0] != data[1] {
		return fmt.Errorf("%s: tuoyu and the peer answer differently:\ntuoyu: %.2000s\npeer:  %.2000s", p.Name, data[0], data[1])
	}
	if len(data[0]) < 100 {
		return fmt.Errorf("%s: the answer is nearly empty (%s): is the database seeded?", p.Name, data[0])
	}
	return nil
}

// normalize turns the peer's BigInt strings ("1200") into numbers, so
// that both sides' integers compare equal.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil && k64(x) {
			return float64(n)
		}
	}
	return v
}

// k64 is true for decimal strings without a leading zero (IDs and fees, not
// codes such as "0101").
func k64(s string) bool { return s == "0" || (s != "" && s[0] != '0') }

// peerDir is bench/peer of this checkout, with node_modules installed.
func peerDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	dir := filepath.Dir(file)
	if !ok || !exists(filepath.Join(dir, "package-lock.json")) {
		wd, _ := os.Getwd()
		dir = filepath.Join(wd, "bench", "peer")
	}
	if !exists(filepath.Join(dir, "package-lock.json")) {
		return "", errors.New("bench/peer/package-lock.json not found: run from the repository root")
	}
	if !exists(filepath.Join(dir, "node_modules", "postgraphile", "cli.js")) && !exists(filepath.Join(dir, "node_modules", ".bin", "postgraphile")) {
		return "", fmt.Errorf("the peer is not installed: run `npm ci` in %s (it installs the versions pinned by package-lock.json; nothing is downloaded at run time)", dir)
	}
	return dir, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// freeAddr is a free loopback address.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func startTuoyu(ctx context.Context, dbURL, bin string) (*side, error) {
	if bin == "" {
		dir, err := os.MkdirTemp("", "tuoyu-peer-bench")
		if err != nil {
			return nil, err
		}
		bin = filepath.Join(dir, "tuoyu")
		fmt.Println("building tuoyu (go build ./server) …")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("go build ./server (run from the repository root): %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.CreateTemp("", "tuoyu-peer-bench-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--database-url", dbURL, "--addr", addr, "--rate-limit", "0")
	if admin := os.Getenv("TUOYU_ADMIN_ADDR"); admin != "" { // pprof while the bench runs
		cmd.Args = append(cmd.Args, "--admin-addr", admin)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &side{name: "tuoyu", url: "http://" + addr + "/query", pairOf: loadgen.Pair.TuoyuRequest}
	if err := s.start(cmd); err != nil {
		return nil, fmt.Errorf("start tuoyu: %w", err)
	}
	if err := waitReady(ctx, "http://"+addr+"/readyz", nil, s, logFile.Name()); err != nil {
		s.stop()
		return nil, err
	}
	out, err := exec.CommandContext(ctx, bin, "token", "--role", "PROVINCE_REGULATOR", "--region", "210000", "--subject", "bench:lists", "--database-url", dbURL).Output()
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("tuoyu token: %w", err)
	}
	s.token = strings.TrimSpace(string(out))
	fmt.Printf("tuoyu on %s (pid %d, log %s)\n", addr, cmd.Process.Pid, logFile.Name())
	return s, nil
}

// tokens mints n PROVINCE_REGULATOR tokens with distinct subjects.
func tokens(ctx context.Context, bin, dbURL, prefix string, n int) ([]string, error) {
	var out []string
	for i := range n {
		b, err := exec.CommandContext(ctx, bin, "token", "--role", "PROVINCE_REGULATOR", "--region", "210000", "--subject", fmt.Sprintf("bench:%s-%d", prefix, i+1), "--database-url", dbURL).Output()
		if err != nil {
			return nil, fmt.Errorf("tuoyu token: %w", err)
		}
		out = append(out, strings.TrimSpace(string(b)))
	}
	return out, nil
}

func startPeer(ctx context.Context, dbURL, dir string) (*side, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	logFile, err := os.CreateTemp("", "postgraphile-peer-bench-*.log")
	if err != nil {
		return nil, err
	}
	cli := filepath.Join(dir, "node_modules", "postgraphile", "cli.js")
	if !exists(cli) {
		cli = filepath.Join(dir, "node_modules", ".bin", "postgraphile")
	}
	cmd := exec.Command("node", cli,
		"--connection", dbURL, "--schema", "public",
		"--append-plugins", "@graphile/pg-aggregates",
		"--disable-query-log", "--host", host, "--port", port)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &side{name: "peer", url: "http://" + addr + "/graphql", pairOf: loadgen.Pair.PeerRequest}
	if err := s.start(cmd); err != nil {
		return nil, fmt.Errorf("start PostGraphile (node): %w", err)
	}
	probe := []byte(`{"query":"{ __typename }"}`)
	if err := waitReady(ctx, s.url, probe, s, logFile.Name()); err != nil {
		s.stop()
		return nil, err
	}
	fmt.Printf("peer (PostGraphile) on %s (pid %d, log %s)\n", addr, cmd.Process.Pid, logFile.Name())
	return s, nil
}

// waitReady polls url (GET, or POST of body) until it answers 200, the
// process exits or a minute passes.
func waitReady(ctx context.Context, url string, body []byte, s *side, logName string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var resp *http.Response
		var err error
		if body == nil {
			resp, err = http.Get(url)
		} else {
			resp, err = http.Post(url, "application/json", bytes.NewReader(body))
		}
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before it was ready; see %s", s.name, logName)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after a minute; see %s", url, logName)
}

// runMixed is issue 11's mixed load on tuoyu alone: dashboard clients (the
// province dashboard, every indicator × every district, each client its own
// principal as distinct users are) beside list clients (list20 and nested3
// in turn, one shared token), all at once for d. It reports each request's
// percentiles and the server's peak RSS.
func runMixed(ctx context.Context, dbURL, bin string, dashboards, lists int, d time.Duration) error {
	if bin == "" {
		dir, err := os.MkdirTemp("", "tuoyu-peer-bench")
		if err != nil {
			return err
		}
		bin = filepath.Join(dir, "tuoyu")
		fmt.Println("building tuoyu (go build ./server) …")
		build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./server (run from the repository root): %w", err)
		}
	}
	tuoyu, err := startTuoyu(ctx, dbURL, bin)
	if err != nil {
		return err
	}
	defer tuoyu.stop()
	dashTokens, err := tokens(ctx, bin, dbURL, "dashboard", dashboards)
	if err != nil {
		return err
	}
	ids, err := loadgen.DistrictIDs(ctx, tuoyu.url, tuoyu.token)
	if err != nil {
		return err
	}
	dash := loadgen.Dashboard(ids)
	// One dashboard alone first: what a user waits on an idle server.
	took, _, err := loadgen.Send(ctx, loadgen.NewClient(1), tuoyu.url, tuoyu.token, dash)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	fmt.Printf("one dashboard alone (%d districts × every indicator): %.0f ms\n", len(ids), msec(took))
	fmt.Printf("load average at start: %s\n", loadAvg())
	groups := []loadgen.Group{
		{Name: "dashboard", Clients: dashboards, Requests: []loadgen.Request{dash}, Tokens: dashTokens},
		{Name: "lists", Clients: lists, Requests: []loadgen.Request{loadgen.List20.TuoyuRequest(), loadgen.Nested3.TuoyuRequest()}, Tokens: []string{tuoyu.token}},
	}
	res, err := loadgen.Run(ctx, tuoyu.url, groups, d)
	if err != nil {
		return err
	}
	fmt.Printf("\nmixed load: %d dashboard + %d list clients for %s\n", dashboards, lists, res.Elapsed.Round(time.Millisecond))
	fmt.Printf("%-10s %7s %9s %9s %9s %9s %11s\n", "request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "unfinished")
	for _, name := range []string{"dashboard", loadgen.List20.Name, loadgen.Nested3.Name} {
		fmt.Printf("%-10s %7d %9.1f %9.1f %9.1f %9.1f %11d\n", name, res.Count(name), float64(res.Count(name))/res.Elapsed.Seconds(),
			msec(res.Percentile(name, 50)), msec(res.Percentile(name, 95)), msec(res.Percentile(name, 99)), res.Unfinished[name])
	}
	listP95 := max(res.Percentile(loadgen.List20.Name, 95), res.Percentile(loadgen.Nested3.Name, 95))
	fmt.Printf("%s\n", failures(res))
	fmt.Printf("goals: dashboard p95 %.0f ms (≤ 1000), list p95 %.0f ms (≤ 100), tuoyu peak RSS %s (≤ 200 MB); load average at end: %s\n",
		msec(res.Percentile("dashboard", 95)), msec(listP95), tuoyu.peakRSS(), loadAvg())
	return nil
}
