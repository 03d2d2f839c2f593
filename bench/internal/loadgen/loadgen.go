// Package loadgen is the closed-loop GraphQL load generator behind
// bench/load and bench/peer: groups of clients, each client sending its
// group's requests in turn as fast as the server answers, for a fixed time,
// to loopback addresses only.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Request is one GraphQL request of a mix.
type Request struct {
	Name      string
	Query     string
	Variables map[string]any
}

// Group is a set of clients sending the same requests: client i starts at
// Requests[i % len] and takes them in turn, with Tokens[i % len] (no
// Authorization header when Tokens is empty). Distinct tokens make distinct
// principals, as distinct users would be (per-principal limits such as the
// KPI slots apply per token subject).
type Group struct {
	Name     string
	Clients  int
	Requests []Request
	Tokens   []string
}

// Result is what one Run measured.
type Result struct {
	Elapsed time.Duration
	// Latencies holds the successful requests' latencies by request name,
	// sorted ascending.
	Latencies map[string][]time.Duration
	// Failures counts failed requests by reason.
	Failures map[string]int
	// Unfinished counts, by request name, the requests still in flight at
	// the deadline (cut off, so in neither Latencies nor Failures): a slow
	// request type's percentiles only describe the ones that finished.
	Unfinished map[string]int
}

// Count is the number of successful requests named name, or of all
// requests when name is "".
func (r *Result) Count(name string) int {
	if name != "" {
		return len(r.Latencies[name])
	}
	n := 0
	for _, l := range r.Latencies {
		n += len(l)
	}
	return n
}

// Failed is the number of failed requests.
func (r *Result) Failed() int {
	n := 0
	for _, v := range r.Failures {
		n += v
	}
	return n
}

// Throughput is successful requests per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Count("")) / r.Elapsed.Seconds()
}

// Merge adds o's requests to r (elapsed times add up: the two runs
// happened one after the other).
func (r *Result) Merge(o *Result) {
	if r.Latencies == nil {
		r.Latencies = map[string][]time.Duration{}
	}
	if r.Failures == nil {
		r.Failures = map[string]int{}
	}
	if r.Unfinished == nil {
		r.Unfinished = map[string]int{}
	}
	for k, n := range o.Unfinished {
		r.Unfinished[k] += n
	}
	r.Elapsed += o.Elapsed
	for k, l := range o.Latencies {
		r.Latencies[k] = append(r.Latencies[k], l...)
		slices.Sort(r.Latencies[k])
	}
	for k, n := range o.Failures {
		r.Failures[k] += n
	}
}

// Percentile is the p-th percentile (nearest rank) of the latencies of
// requests named name (all requests when name is ""), 0 when there are none.
func (r *Result) Percentile(name string, p int) time.Duration {
	l := r.Latencies[name]
	if name == "" {
		for _, v := range r.Latencies {
			l = append(l, v...)
		}
		l = slices.Clone(l)
		slices.Sort(l)
	}
	if len(l) == 0 {
		return 0
	}
	i := (len(l)*p+99)/100 - 1
	return l[max(0, min(i, len(l)-1))]
}

// CheckLoopback refuses targets that are not on a loopback address: the
// generator must never load somebody else's server.
func CheckLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("parse %s: %w", target, err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing %s: load only goes to loopback addresses", u.Hostname())
	}
	return nil
}

// NewClient is an HTTP client that keeps one idle connection per
// concurrent client (the default transport keeps two per host, so at 32
// clients most requests would open a new connection).
func NewClient(clients int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(clients, 2) * 2
	t.MaxIdleConnsPerHost = max(clients, 2) * 2
	return &http.Client{Timeout: 60 * time.Second, Transport: t}
}

// Run drives target with every group at once for d and returns what it
// measured; requests cut off by the deadline are not counted.
func Run(ctx context.Context, target string, groups []Group, d time.Duration) (*Result, error) {
	if err := CheckLoopback(target); err != nil {
		return nil, err
	}
	total := 0
	for _, g := range groups {
		if len(g.Requests) == 0 {
			return nil, fmt.Errorf("group %s has no requests", g.Name)
		}
		total += g.Clients
	}
	client := NewClient(total)
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	res := &Result{Latencies: map[string][]time.Duration{}, Failures: map[string]int{}, Unfinished: map[string]int{}}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	start := time.Now()
	for _, g := range groups {
		for c := range g.Clients {
			token := ""
			if len(g.Tokens) > 0 {
				token = g.Tokens[c%len(g.Tokens)]
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := c; ctx.Err() == nil; i++ {
					r := g.Requests[i%len(g.Requests)]
					took, _, err := Send(ctx, client, target, token, r)
					mu.Lock()
					if ctx.Err() != nil { // cut off by the deadline: not a result
						res.Unfinished[r.Name]++
						mu.Unlock()
						return
					}
					if err != nil {
						res.Failures[r.Name+": "+err.Error()]++
					} else {
						res.Latencies[r.Name] = append(res.Latencies[r.Name], took)
					}
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	for _, l := range res.Latencies {
		slices.Sort(l)
	}
	return res, nil
}

// ErrGraphQL marks a response with GraphQL errors.
var ErrGraphQL = errors.New("GraphQL error")

// Send posts one request and returns its latency (until the whole body was
// read) and the body. A non-200 status or a response with errors is an
// error.
func Send(ctx context.Context, client *http.Client, target, token string, r Request) (time.Duration, []byte, error) {
	payload := map[string]any{"query": r.Query}
	if r.Variables != nil {
		payload["variables"] = r.Variables
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, errors.New("transport error")
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil {
		return 0, nil, errors.New("transport error")
	}
	if resp.StatusCode != http.StatusOK {
		return 0, b, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	// Only a body that names "errors" can hold any: the whole-body JSON
	// decode is skipped for the others, so the load generator, which shares
	// the machine with the servers it measures, spends less of it (a
	// nested3 answer is 77 KB).
	if !bytes.Contains(b, []byte(`"errors"`)) {
		return took, b, nil
	}
	var out struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(b, &out) == nil && len(out.Errors) > 0 {
		code := out.Errors[0].Extensions["code"]
		if code == nil {
			code = out.Errors[0].Message
		}
		return 0, b, fmt.Errorf("%w %v", ErrGraphQL, code)
	}
	return took, b, nil
}

// DistrictIDs asks the server for the IDs of the districts the viewer
// sees (the regions of the dashboard).
func DistrictIDs(ctx context.Context, target, token string) ([]string, error) {
	_, body, err := Send(ctx, NewClient(1), target, token, Request{Name: "districts", Query: DistrictIDsQuery})
	if err != nil {
		return nil, fmt.Errorf("list districts: %w", err)
	}
	var out struct {
		Data struct {
			Regions struct {
				Edges []struct {
					Node struct{ ID string } `json:"node"`
				} `json:"edges"`
			} `json:"regions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("list districts: %w", err)
	}
	var ids []string
	for _, e := range out.Data.Regions.Edges {
		ids = append(ids, e.Node.ID)
	}
	if len(ids) == 0 {
		return nil, errors.New("list districts: the viewer sees no district (a regulator token is needed)")
	}
	return ids, nil
}
