package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type wireResponse struct {
	status int
	header http.Header
	raw    map[string]json.RawMessage
	errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	}
	body string
}

func send(t *testing.T, method, target, body string, hdr map[string]string) wireResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	w := wireResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/") && len(b) > 0 {
		if err := json.Unmarshal(b, &w.raw); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, target, err, b)
		}
		if e, ok := w.raw["errors"]; ok {
			if err := json.Unmarshal(e, &w.errors); err != nil {
				t.Fatalf("errors: %v", err)
			}
		}
	}
	return w
}

// TestErrorResponses: every error response of the GraphQL endpoint carries
// extensions.code, also gqlgen's transport errors; request errors (non-2xx)
// have no "data" member, execution errors keep "data".
func TestErrorResponses(t *testing.T) {
	s := startServer(t)
	bearer := "Bearer " + s.token(t)
	jsonHdr := map[string]string{"Content-Type": "application/json", "Authorization": bearer}
	get := func(q string) string { return s.URL + "/query?query=" + url.QueryEscape(q) }
	tests := []struct {
		name         string
		method, url  string
		body         string
		hdr          map[string]string
		wantStatus   int
		wantCode     string
		wantData     bool   // "data" present (execution error)
		wantAllowHdr string // Allow header
	}{
		{name: "GET mutation", method: http.MethodGet, url: get(`mutation { createRegion(input: {code: "1", name: "x", level: PROVINCE}) { id } }`), hdr: map[string]string{"Authorization": bearer}, wantStatus: http.StatusNotAcceptable, wantCode: "METHOD_NOT_ALLOWED"},
		{name: "OPTIONS without preflight", method: http.MethodOptions, url: s.URL + "/query", wantStatus: http.StatusMethodNotAllowed, wantCode: "METHOD_NOT_ALLOWED", wantAllowHdr: "GET, POST"},
		{name: "PUT", method: http.MethodPut, url: s.URL + "/query", body: `{"query":"{__typename}"}`, hdr: jsonHdr, wantStatus: http.StatusMethodNotAllowed, wantCode: "METHOD_NOT_ALLOWED", wantAllowHdr: "GET, POST"},
		{name: "DELETE on the alias", method: http.MethodDelete, url: s.URL + "/graphql", wantStatus: http.StatusMethodNotAllowed, wantCode: "METHOD_NOT_ALLOWED", wantAllowHdr: "GET, POST"},
		{name: "GET variables not JSON", method: http.MethodGet, url: get(`query($a: Int) { __typename }`) + "&variables=%7Bnope", wantStatus: http.StatusBadRequest, wantCode: "BAD_REQUEST"},
		{name: "parse error", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{ regions("}`, hdr: jsonHdr, wantStatus: http.StatusUnprocessableEntity, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "validation error", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{ nope }"}`, hdr: jsonHdr, wantStatus: http.StatusUnprocessableEntity, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "validation error, graphql-response+json", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{ nope }"}`, hdr: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json", "Authorization": bearer}, wantStatus: http.StatusBadRequest, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "depth limit", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{ regions { edges { node { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } } } } } } } } }"}`, hdr: jsonHdr, wantStatus: http.StatusUnprocessableEntity, wantCode: "MAX_DEPTH_LIMIT"},
		{name: "bad token", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{__typename}"}`, hdr: map[string]string{"Content-Type": "application/json", "Authorization": "Bearer nope"}, wantStatus: http.StatusUnauthorized, wantCode: "UNAUTHENTICATED"},
		{name: "not JSON", method: http.MethodPost, url: s.URL + "/query", body: `query=x`, hdr: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "execution error keeps data", method: http.MethodPost, url: s.URL + "/query", body: `{"query":"{ node(id: \"1\") { id } }"}`, hdr: jsonHdr, wantStatus: http.StatusOK, wantData: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.method, tc.url, tc.body, tc.hdr)
			if r.status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, tc.wantStatus, r.body)
			}
			if len(r.errors) == 0 {
				t.Fatalf("no errors: %s", r.body)
			}
			for _, e := range r.errors {
				if code, _ := e.Extensions["code"].(string); code == "" {
					t.Errorf("error without extensions.code: %s", r.body)
				}
			}
			if code, _ := r.errors[0].Extensions["code"].(string); tc.wantCode != "" && code != tc.wantCode {
				t.Errorf("code %q, want %q: %s", code, tc.wantCode, r.body)
			}
			if _, has := r.raw["data"]; has != tc.wantData {
				t.Errorf("data present = %v, want %v: %s", has, tc.wantData, r.body)
			}
			if got := r.header.Get("Allow"); got != tc.wantAllowHdr {
				t.Errorf("Allow %q, want %q", got, tc.wantAllowHdr)
			}
		})
	}
}

// TestPaths: GraphiQL only at "/", /graphql an alias of /query, every other
// path (/metrics included, until metrics exist) 404 NOT_FOUND.
func TestPaths(t *testing.T) {
	s := startServer(t)
	tests := []struct {
		path       string
		wantStatus int
		want       string
	}{
		{"/", http.StatusOK, "graphiql-config"},
		{"/query?query=%7B__typename%7D", http.StatusOK, `"Query"`},
		{"/graphql?query=%7B__typename%7D", http.StatusOK, `"Query"`},
		{"/metrics", http.StatusNotFound, `"NOT_FOUND"`},
		{"/graphiql", http.StatusNotFound, `"NOT_FOUND"`},
		{"/index.html", http.StatusNotFound, `"NOT_FOUND"`},
		{"/query/extra", http.StatusNotFound, `"NOT_FOUND"`},
		{"/graphiql/assets/nope.js", http.StatusNotFound, ""},
		{"/livez", http.StatusOK, `"ok"`},
	}
	for _, tc := range tests {
		r := send(t, http.MethodGet, s.URL+tc.path, "", nil)
		if r.status != tc.wantStatus || !strings.Contains(r.body, tc.want) {
			t.Errorf("GET %s = %d %.200s; want %d containing %s", tc.path, r.status, r.body, tc.wantStatus, tc.want)
		}
	}
}
