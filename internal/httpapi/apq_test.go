package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tuoyu/tuoyu/internal/persisted"
)

// TestAPQNotFoundIsARequestErrorWithStatus200: an unknown APQ hash runs
// nothing, so its answer has no "data" member like every request error; it
// stays HTTP 200 (what APQ clients expect, whatever the Accept header) and
// is not cacheable, and the message and code are the ones clients match.
// Once the text is registered, the hash runs as a normal 200 with data.
func TestAPQNotFoundIsARequestErrorWithStatus200(t *testing.T) {
	s := startServer(t)
	bearer := "Bearer " + s.token(t)
	const q = `{ viewer { role } }`
	ext := func(h string) string { return `{"persistedQuery":{"version":1,"sha256Hash":"` + h + `"}}` }
	unknown := persisted.Hash(q + " ")
	post := func(body, accept string) wireResponse {
		hdr := map[string]string{"Content-Type": "application/json", "Authorization": bearer}
		if accept != "" {
			hdr["Accept"] = accept
		}
		return send(t, http.MethodPost, s.URL+"/query", body, hdr)
	}
	get := func(h string) wireResponse {
		return send(t, http.MethodGet, s.URL+"/query?extensions="+url.QueryEscape(ext(h)), "", map[string]string{"Authorization": bearer})
	}
	for name, r := range map[string]wireResponse{
		"POST":                        post(`{"extensions":`+ext(unknown)+`}`, ""),
		"POST, graphql-response+json": post(`{"extensions":`+ext(unknown)+`}`, "application/graphql-response+json"),
		"GET":                         get(unknown),
	} {
		t.Run(name, func(t *testing.T) {
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", r.status, r.body)
			}
			if _, has := r.raw["data"]; has {
				t.Errorf(`"data" present in a request error: %s`, r.body)
			}
			if len(r.errors) != 1 || r.errors[0].Extensions["code"] != persisted.CodeNotFound || r.errors[0].Message != "PersistedQueryNotFound" {
				t.Errorf("body %s, want one PERSISTED_QUERY_NOT_FOUND", r.body)
			}
			if got := r.header.Get("Cache-Control"); !strings.Contains(got, "no-cache") {
				t.Errorf("Cache-Control %q, want no-cache", got)
			}
		})
	}
	// Registered, the hash runs; an ordinary 200 keeps data and no header.
	if r := post(`{"query":"`+q+`","extensions":`+ext(persisted.Hash(q))+`}`, ""); r.status != http.StatusOK || len(r.errors) > 0 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	r := get(persisted.Hash(q))
	if r.status != http.StatusOK || len(r.errors) > 0 || !strings.Contains(r.body, `"data":{"viewer"`) || r.header.Get("Cache-Control") != "" {
		t.Fatalf("known hash: %d %q %s", r.status, r.header.Get("Cache-Control"), r.body)
	}
}
