package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Run drives every group at once, each client with its group's requests
// and its own token in turn, and sorts results by request name; failures
// (GraphQL errors) are counted, not timed.
func TestRunGroups(t *testing.T) {
	var mu sync.Mutex
	tokens := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct{ Query string }
		_ = json.Unmarshal(body, &req)
		mu.Lock()
		tokens[r.Header.Get("Authorization")] = true
		mu.Unlock()
		if strings.Contains(req.Query, "bad") {
			_, _ = io.WriteString(w, `{"errors":[{"message":"no","extensions":{"code":"FORBIDDEN"}}]}`)
			return
		}
		_, _ = io.WriteString(w, `{"data":{}}`)
	}))
	defer srv.Close()
	groups := []Group{
		{Name: "a", Clients: 2, Requests: []Request{{Name: "good", Query: "{ good }"}}, Tokens: []string{"t1", "t2"}},
		{Name: "b", Clients: 1, Requests: []Request{{Name: "bad", Query: "{ bad }"}}},
	}
	res, err := Run(context.Background(), srv.URL, groups, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.Count("good") == 0 || res.Count("bad") != 0 || res.Failed() == 0 || res.Failures["bad: GraphQL error FORBIDDEN"] != res.Failed() {
		t.Fatalf("good %d, bad %d, failures %v", res.Count("good"), res.Count("bad"), res.Failures)
	}
	if !tokens["Bearer t1"] || !tokens["Bearer t2"] || !tokens[""] || len(tokens) != 3 {
		t.Fatalf("tokens seen: %v", tokens)
	}
	if p50, p99 := res.Percentile("good", 50), res.Percentile("good", 99); p50 <= 0 || p99 < p50 {
		t.Fatalf("p50 %s, p99 %s", p50, p99)
	}
	if _, err := Run(context.Background(), "http://192.0.2.1/query", groups, time.Millisecond); err == nil {
		t.Fatal("a non-loopback target was accepted")
	}
}
