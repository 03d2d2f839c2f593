package graph_test

import (
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/gqltest"
)

// TestFirstAndLastTogether: a connection given both first and last is the
// client's mistake, refused before any SQL as BAD_USER_INPUT on "last" (not
// entgql's refusal inside the resolver, an INTERNAL that was logged as an
// ERROR), on root and nested connections, literal or through variables.
func TestFirstAndLastTogether(t *testing.T) {
	s := gqltest.New(t, gqltest.Trusted())
	buildTree(t, s.Client, 2)
	logs := captureLog(t)
	tests := []struct {
		name  string
		query string
		vars  map[string]any
	}{
		{"root institutions", `{ institutions(first: 10, last: 10) { totalCount } }`, nil},
		{"root children", `{ children(first: 1, last: 1) { totalCount } }`, nil},
		{"root auditLogs", `{ auditLogs(first: 1, last: 1) { totalCount } }`, nil},
		{"nested seats", `{ institutions(first: 1) { edges { node { seats(first: 1, last: 1) { totalCount } } } } }`, nil},
		{"nested in a fragment, through variables", `query($f: Int, $l: Int) { regions(first: 1) { edges { node { ...R } } } } fragment R on Region { institutions(first: $f, last: $l) { edges { node { id } } } }`, map[string]any{"f": 0, "l": 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			statements := s.Count(func() { resp = s.Do(t, tc.query, tc.vars) })
			if len(resp.Errors) != 1 || resp.Errors[0].Code() != "BAD_USER_INPUT" || resp.Errors[0].Field() != "last" {
				t.Fatalf("errors = %s; want one BAD_USER_INPUT on last", resp.Body)
			}
			if statements != 0 {
				t.Errorf("a rejected request ran %d SQL statements; want 0", statements)
			}
		})
	}
	for _, l := range logs.lines() {
		if strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) {
			t.Errorf("a client error was logged: %s", l)
		}
	}
	// One of the two alone still pages.
	if resp := s.Do(t, `query($f: Int, $l: Int) { institutions(first: $f, last: $l) { totalCount } }`, map[string]any{"l": 1}); len(resp.Errors) > 0 {
		t.Fatalf("last alone: %s", resp.Body)
	}
}
