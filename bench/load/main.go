// Command load drives a running tuoyu server with a closed-loop mix of
// GraphQL requests and reports throughput and latency percentiles. It only
// talks to loopback addresses and stops after -d.
//
//	TOKEN=$(go run ./server token --role PROVINCE_REGULATOR --region 210000)
//	go run ./bench/load -url http://127.0.0.1:8080/query -token "$TOKEN" -c 8 -d 30s -mix bi
//
// -mix takes one mix, or groups of clients running at once, each a mix with
// its own client count: -mix dashboard:8,lists:56 is the mixed load of issue
// 11 (8 province dashboards beside 56 list users). -token takes one token or
// several separated by commas, handed to each group's clients in turn:
// distinct tokens are distinct principals, as distinct users would be (a
// principal runs at most two KPI operations at once).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tuoyu/tuoyu/bench/internal/loadgen"
)

// mixes are the request mixes: each is a list of requests a client sends in
// turn. dashboard is filled in at start (it needs the districts' IDs).
var mixes = map[string][]loadgen.Request{
	// A BI dashboard page: every district of a city, a trend and a ranking.
	"bi": {
		{Name: "dashboard", Query: `{ regions(first: 1, where: {level: CITY}) { edges { node { subregions(first: 100) { edges { node { code
		   indicators(keys: [SEATS_PER_1000, INCLUSIVE_SEAT_SHARE, SEAT_USAGE_RATE, FILING_RATE, STAFF_CERTIFICATION_RATE, GUIDANCE_CENTERS]) { key value } } } } } } } }`},
		{Name: "trend", Query: `{ regions(first: 1, where: {level: CITY}) { edges { node { seats: indicator(key: SEATS_PER_1000) { value } } } } }`},
		{Name: "ranking", Query: `{ regions(first: 1, where: {level: CITY}) { edges { node { subregions(first: 20) { totalCount } } } } }`},
	},
	// Parents browsing the public directory (no token needed).
	"directory": {
		{Name: "directory", Query: `{ institutions(first: 20, where: {closedAtIsNil: true}) { totalCount edges { node { name address form seats { totalCount } designations(first: 1) { totalCount } } } } }`},
	},
	// Regulators paging lists: the two list requests bench/peer compares
	// with PostGraphile.
	"lists": {loadgen.List20.TuoyuRequest(), loadgen.Nested3.TuoyuRequest()},
	// Each of the two alone, to profile one shape.
	"list20":  {loadgen.List20.TuoyuRequest()},
	"nested3": {loadgen.Nested3.TuoyuRequest()},
	// The province dashboard: every indicator × every district (up to 100)
	// of the viewer's province, one request.
	"dashboard": nil,
}

func main() {
	target := flag.String("url", "http://127.0.0.1:8080/query", "GraphQL endpoint (loopback only)")
	token := flag.String("token", os.Getenv("TOKEN"), "bearer token, or several separated by commas handed to clients in turn (env TOKEN)")
	workers := flag.Int("c", 8, "concurrent clients of a mix given without a count")
	duration := flag.Duration("d", 30*time.Second, "how long to run")
	mixSpec := flag.String("mix", "bi", "mix, or comma-separated mix:clients groups run at once; mixes: bi, directory, lists, list20, nested3, dashboard")
	flag.Parse()
	if err := run(*target, *token, *workers, *duration, *mixSpec); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(target, token string, workers int, duration time.Duration, mixSpec string) error {
	if err := loadgen.CheckLoopback(target); err != nil {
		return err
	}
	var tokens []string
	if token != "" {
		tokens = strings.Split(token, ",")
	}
	groups, err := parseGroups(mixSpec, workers)
	if err != nil {
		return err
	}
	ctx := context.Background()
	for i := range groups {
		groups[i].Tokens = tokens
		if groups[i].Name == "dashboard" {
			ids, err := loadgen.DistrictIDs(ctx, target, token0(tokens))
			if err != nil {
				return err
			}
			groups[i].Requests = []loadgen.Request{loadgen.Dashboard(ids)}
		}
	}
	res, err := loadgen.Run(ctx, target, groups, duration)
	if err != nil {
		return err
	}
	fmt.Printf("mix %s, %s\n", mixSpec, res.Elapsed.Round(time.Millisecond))
	fmt.Printf("%-10s %8s %10s %10s %10s\n", "request", "count", "p50", "p95", "p99")
	for _, g := range groups {
		for _, r := range g.Requests {
			if res.Count(r.Name) == 0 {
				continue
			}
			fmt.Printf("%-10s %8d %10s %10s %10s\n", r.Name, res.Count(r.Name), ms(res.Percentile(r.Name, 50)), ms(res.Percentile(r.Name, 95)), ms(res.Percentile(r.Name, 99)))
		}
	}
	fmt.Printf("throughput %.1f req/s, %d failed\n", res.Throughput(), res.Failed())
	for reason, n := range res.Failures {
		fmt.Printf("  %d × %s\n", n, reason)
	}
	for name, n := range res.Unfinished {
		fmt.Printf("  %d × %s still running at the deadline (not counted)\n", n, name)
	}
	return nil
}

// parseGroups reads "mix" or "mix:clients,mix:clients"; a mix without a
// count gets defaultClients.
func parseGroups(spec string, defaultClients int) ([]loadgen.Group, error) {
	var groups []loadgen.Group
	for part := range strings.SplitSeq(spec, ",") {
		name, count, hasCount := strings.Cut(strings.TrimSpace(part), ":")
		reqs, ok := mixes[name]
		if !ok {
			return nil, fmt.Errorf("unknown mix %q (bi, directory, lists, list20, nested3, dashboard)", name)
		}
		clients := defaultClients
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("mix %s: client count %q is not a positive number", name, count)
			}
			clients = n
		}
		groups = append(groups, loadgen.Group{Name: name, Clients: clients, Requests: reqs})
	}
	return groups, nil
}

func token0(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	return tokens[0]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
