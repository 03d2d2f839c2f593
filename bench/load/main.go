// Command load drives a running tuoyu server with a closed-loop mix of
// GraphQL requests and reports throughput and latency percentiles. It only
// talks to loopback addresses and stops after -d.
//
//	TOKEN=$(go run ./server token --role PROVINCE_REGULATOR --region 210000)
//	go run ./bench/load -url http://127.0.0.1:8080/query -token "$TOKEN" -c 8 -d 30s -mix bi
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

// mixes are the request mixes: each is a list of (name, query) picked in turn.
var mixes = map[string][]request{
	// A BI dashboard page: every district of a city, a trend and a ranking.
	"bi": {
		{"dashboard", `{ regions(first: 1, where: {level: CITY}) { edges { node { subregions(first: 100) { edges { node { code
		   indicators(keys: [SEATS_PER_1000, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE, FILING_RATE, STAFF_CERTIFICATION_RATE, GUIDANCE_CENTERS]) { key value } } } } } } } }`},
		{"trend", `{ regions(first: 1, where: {level: CITY}) { edges { node { seats: indicator(key: SEATS_PER_1000) { value } } } } }`},
		{"ranking", `{ regions(first: 1, where: {level: CITY}) { edges { node { subregions(first: 20) { totalCount } } } } }`},
	},
	// Parents browsing the public directory (no token needed).
	"directory": {
		{"directory", `{ institutions(first: 20, where: {closedAtIsNil: true}) { totalCount edges { node { name address form seats { totalCount } designations(first: 1) { totalCount } } } } }`},
	},
}

type request struct{ name, query string }

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/query", "GraphQL endpoint (loopback only)")
	token := flag.String("token", os.Getenv("TOKEN"), "bearer token (env TOKEN)")
	workers := flag.Int("c", 8, "concurrent clients")
	duration := flag.Duration("d", 30*time.Second, "how long to run")
	mixName := flag.String("mix", "bi", "request mix: bi or directory")
	flag.Parse()
	if err := run(*target, *token, *workers, *duration, *mixName); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(target, token string, workers int, duration time.Duration, mixName string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing %s: load only goes to loopback addresses", u.Hostname())
	}
	mix, ok := mixes[mixName]
	if !ok {
		return fmt.Errorf("unknown mix %q", mixName)
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	client := &http.Client{Timeout: 60 * time.Second}
	var (
		mu        sync.Mutex
		latencies = map[string][]time.Duration{}
		failures  = map[string]int{}
		wg        sync.WaitGroup
	)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ctx.Err() == nil; i++ {
				r := mix[i%len(mix)]
				took, err := send(ctx, client, target, token, r.query)
				if ctx.Err() != nil {
					return // cut off by the deadline: not a result
				}
				mu.Lock()
				if err != nil {
					failures[err.Error()]++
				} else {
					latencies[r.name] = append(latencies[r.name], took)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	total := 0
	fmt.Printf("mix %s, %d clients, %s\n", mixName, workers, elapsed.Round(time.Millisecond))
	fmt.Printf("%-10s %8s %10s %10s %10s\n", "request", "count", "p50", "p95", "p99")
	for _, r := range mix {
		l := latencies[r.name]
		if len(l) == 0 {
			continue
		}
		total += len(l)
		slices.Sort(l)
		fmt.Printf("%-10s %8d %10s %10s %10s\n", r.name, len(l), pct(l, 50), pct(l, 95), pct(l, 99))
	}
	fmt.Printf("throughput %.1f req/s, %d failed\n", float64(total)/elapsed.Seconds(), sum(failures))
	for reason, n := range failures {
		fmt.Printf("  %d × %s\n", n, reason)
	}
	return nil
}

func send(ctx context.Context, client *http.Client, target, token, query string) (time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("transport error")
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if json.Unmarshal(b, &out) == nil && len(out.Errors) > 0 {
		return 0, fmt.Errorf("GraphQL error %v", out.Errors[0].Extensions["code"])
	}
	return took, nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))].Round(100 * time.Microsecond)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
