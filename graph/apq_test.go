package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/graph"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqltest"
	"github.com/tuoyu/tuoyu/internal/persisted"
)

// postAPQ POSTs a request with an APQ extension; an empty query sends the
// hash alone.
func postAPQ(t testing.TB, s *gqltest.Server, query, hash string) gqltest.Response {
	t.Helper()
	params := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}}
	if query != "" {
		params["query"] = query
	}
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.Send(t, req)
}

func TestAutomaticPersistedQueries(t *testing.T) {
	s := gqltest.New(t)
	buildTree(t, s.Client, 1)
	const q = `{ regions(first: 2) { totalCount } }`
	h := persisted.Hash(q)

	// Unknown hash: the APQ protocol answer, so the client resends the text.
	var resp gqltest.Response
	n := s.Count(func() { resp = postAPQ(t, s, "", h) })
	if strings.Join(resp.Codes(), ",") != "PERSISTED_QUERY_NOT_FOUND" || n != 0 {
		t.Fatalf("hash only, unknown: %d statements, %s", n, resp.Body)
	}
	// Text and hash: runs and registers the hash.
	if resp := postAPQ(t, s, q, h); len(resp.Errors) > 0 {
		t.Fatalf("text and hash: %s", resp.Body)
	}
	// The hash alone now runs, over POST and GET.
	if resp := postAPQ(t, s, "", h); len(resp.Errors) > 0 || !strings.Contains(resp.Body, "totalCount") {
		t.Fatalf("hash only, known: %s", resp.Body)
	}
	ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}`)
	if resp := s.Send(t, httptest.NewRequest(http.MethodGet, "/query?extensions="+ext, nil)); len(resp.Errors) > 0 || resp.Status != 200 {
		t.Fatalf("GET hash only: %d %s", resp.Status, resp.Body)
	}
	// A hash that does not match the text is the client's error, with a code.
	n = s.Count(func() { resp = postAPQ(t, s, `{ regions(first: 3) { totalCount } }`, h) })
	if strings.Join(resp.Codes(), ",") != persisted.CodeBadRequest || n != 0 {
		t.Fatalf("mismatched hash: %d statements, %s", n, resp.Body)
	}
}

func TestAllowList(t *testing.T) {
	const (
		listed   = `query Listed { regions(first: 2) { totalCount } }`
		unlisted = `{ regions(first: 2) { totalCount edges { node { code } } } }`
	)
	s := gqltest.New(t, gqltest.WithHandlerOptions(graph.HandlerOptions{
		AllowList:       persisted.NewAllowList(listed),
		AllowListExempt: func(v *auth.Viewer) bool { return v.IsRegulator() },
	}))
	buildTree(t, s.Client, 1)
	tests := []struct {
		name     string
		do       func() gqltest.Response
		wantCode string
	}{
		{"listed text", func() gqltest.Response { return s.Do(t, listed, nil) }, ""},
		{"listed hash alone", func() gqltest.Response { return postAPQ(t, s, "", persisted.Hash(listed)) }, ""},
		{"listed hash alone, upper-case", func() gqltest.Response { return postAPQ(t, s, "", strings.ToUpper(persisted.Hash(listed))) }, persisted.CodeNotAllowed},
		{"listed hash over GET", func() gqltest.Response {
			ext := url.QueryEscape(`{"persistedQuery":{"version":1,"sha256Hash":"` + persisted.Hash(listed) + `"}}`)
			return s.Send(t, httptest.NewRequest(http.MethodGet, "/query?extensions="+ext, nil))
		}, ""},
		{"unlisted text", func() gqltest.Response { return s.Do(t, unlisted, nil) }, persisted.CodeNotAllowed},
		{"unlisted text with a listed hash", func() gqltest.Response { return postAPQ(t, s, unlisted, persisted.Hash(listed)) }, persisted.CodeNotAllowed},
		{"unlisted hash alone", func() gqltest.Response { return postAPQ(t, s, "", persisted.Hash(unlisted)) }, persisted.CodeNotAllowed},
		{"listed text with whitespace changed", func() gqltest.Response { return s.Do(t, listed+" ", nil) }, persisted.CodeNotAllowed},
		{"unlisted mutation", func() gqltest.Response {
			return s.Do(t, `mutation { createRegion(input: {code: "110000", name: "北京市", level: PROVINCE}) { id } }`, nil)
		}, persisted.CodeNotAllowed},
		{"exempt viewer runs unlisted text", func() gqltest.Response { return s.DoAs(t, regulator, unlisted, nil) }, ""},
		{"non-exempt viewer does not", func() gqltest.Response {
			return s.DoAs(t, auth.Viewer{Subject: "k", Role: auth.BIService, RegionCode: "210000", KeyID: "k"}, unlisted, nil)
		}, persisted.CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqltest.Response
			n := s.Count(func() { resp = tc.do() })
			if got := strings.Join(resp.Codes(), ","); got != tc.wantCode {
				t.Fatalf("codes %q; want %q (%s)", got, tc.wantCode, resp.Body)
			}
			if tc.wantCode == "" {
				if !strings.Contains(resp.Body, `"totalCount":`) {
					t.Fatalf("no data: %s", resp.Body)
				}
				return
			}
			if n != 0 || resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("refused: status %d, %d statements", resp.Status, n)
			}
		})
	}
}

// A bad allow list entry handed to NewHandler directly is a startup error.
func TestNewHandlerRefusesBadAllowList(t *testing.T) {
	const q1, q2 = `{ regions(first: 1) { totalCount } }`, `query Two { __typename }`
	defer func() {
		if recover() == nil {
			t.Error("NewHandler accepted an allow list entry that is not its query's hash")
		}
	}()
	graph.NewHandler(graph.NewSchema(graph.Deps{}), nil, graph.HandlerOptions{AllowList: persisted.AllowList{persisted.Hash(q1): q2}})
}
