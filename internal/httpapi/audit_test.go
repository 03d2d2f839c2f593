package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// deliberateAuditWarnings are the graphql-http audit warnings the README
// (Security › Protocol) explains as deliberate, by audit id. Anything else
// that is not "ok" fails the test.
var deliberateAuditWarnings = map[string]string{
	// With Accept: application/json, request errors are 422 (400 with
	// application/graphql-response+json), not 200: a client that only looks
	// at the status still sees that nothing ran, and "data" is omitted.
	"572B": "parse failure is 422 with application/json",
	"FDE2": "validation failure is 422 with application/json",
	"7B9B": "variable coercion failure is 422 with application/json",
	// A body without "query" is a document that is not there: gqlgen
	// reports it as a validation failure (422 GRAPHQL_VALIDATION_FAILED).
	"3E3A": "missing query is 422, not 400 (a notice, MAY)",
}

// TestGraphQLHTTPAudit runs the graphql-http server audits (npm package
// graphql-http 1.23.1, installed in audit/ by `npm ci`) against the real
// server with a regulator token: no audit may fail, and the only warnings
// allowed are the deliberate ones above. Without node or audit/node_modules
// the test skips, except in CI, where it fails.
func TestGraphQLHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join("audit", "node_modules", "graphql-http", "package.json"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the graphql-http audit needs node and `npm ci` in internal/httpapi/audit: %v", err)
		}
		t.Skipf("graphql-http audit not installed (cd internal/httpapi/audit && npm ci): %v", err)
	}
	s := startServer(t)
	cmd := exec.CommandContext(t.Context(), node, "audit.mjs")
	cmd.Dir = "audit"
	cmd.Env = append(os.Environ(), "AUDIT_URL="+s.URL+"/query", "AUDIT_TOKEN="+s.token(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node audit.mjs: %v\n%s", err, stderr.String())
	}
	var n, ok int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ ID, Name, Status, Reason string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit output %q: %v", sc.Text(), err)
		}
		n++
		switch {
		case r.Status == "ok":
			ok++
		case r.Status == "error":
			t.Errorf("audit %s failed: %s: %s", r.ID, r.Name, r.Reason)
		case deliberateAuditWarnings[r.ID] != "":
			t.Logf("audit %s %s (deliberate: %s): %s", r.ID, r.Status, deliberateAuditWarnings[r.ID], r.Name)
		default:
			t.Errorf("audit %s %s: %s: %s", r.ID, r.Status, r.Name, r.Reason)
		}
	}
	if n < 50 {
		t.Fatalf("only %d audits ran:\n%s\n%s", n, out, stderr.String())
	}
	t.Logf("%d audits, %d ok", n, ok)
}
