package gqlhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// rawJSON encodes v compactly without HTML escaping, as gqlgen's executor
// writes data.
func rawJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// TestAppendResponseIsWhatEncodingJSONWrites compares AppendResponse, and
// what writeResponse writes, with json.Marshal, which gqlgen's transport
// uses, byte for byte.
func TestAppendResponseIsWhatEncodingJSONWrites(t *testing.T) {
	yes := true
	withCode := gqlerror.Errorf("page size 500 is over the limit of 100")
	withCode.Path = ast.Path{ast.PathName("institutions"), ast.PathIndex(0)}
	withCode.Extensions = map[string]any{"code": "PAGE_TOO_LARGE", "field": "first"}
	cases := map[string]*graphql.Response{
		"no data":              {},
		"data":                 {Data: rawJSON(t, map[string]any{"institutions": map[string]any{"totalCount": 4986}})},
		"null data and errors": {Errors: gqlerror.List{withCode, gqlerror.Errorf("second")}},
		"data, errors and extensions": {
			Data:       rawJSON(t, map[string]any{"a": []any{1, "二", nil, 2.5}}),
			Errors:     gqlerror.List{withCode},
			Extensions: map[string]any{"z": 1, "a": map[string]any{"b": "<c>"}},
		},
		"html in data":            {Data: rawJSON(t, map[string]any{"name": `<script>alert("x")</script> & 托育`})},
		"line separators in data": {Data: rawJSON(t, map[string]any{"address": "一\u2028二\u2029三 — “引号” …"})},
		"incremental parts":       {Data: rawJSON(t, map[string]any{"x": 1}), Label: "slow", Path: ast.Path{ast.PathName("a"), ast.PathIndex(3)}, HasNext: &yes},
		"large data":              {Data: rawJSON(t, map[string]any{"values": strings.Repeat("托育 0.25 ", 3000)})},
		"large data with html":    {Data: rawJSON(t, map[string]any{"values": strings.Repeat("<b>托育</b> ", 3000)})},
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(resp)
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendResponse(nil, resp); !bytes.Equal(got, want) {
				t.Errorf("AppendResponse:\n got %s\nwant %s", got, want)
			}
			var written bytes.Buffer
			if writeResponse(&written, resp); !bytes.Equal(written.Bytes(), want) {
				t.Errorf("writeResponse:\n got %s\nwant %s", written.Bytes(), want)
			}
		})
	}
}

// TestAppendResponseRandomStrings does the same for data holding random
// strings drawn from the characters that need escaping and those that do
// not.
func TestAppendResponseRandomStrings(t *testing.T) {
	alphabet := []rune("a<>&\"\\/\u2028\u2029\u00e9托育—…\n\t\x01 ")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		runes := make([]rune, rng.IntN(12))
		for i := range runes {
			runes[i] = alphabet[rng.IntN(len(alphabet))]
		}
		resp := &graphql.Response{Data: rawJSON(t, map[string]any{"s": string(runes), "n": rng.IntN(1000)})}
		want, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendResponse(nil, resp); !bytes.Equal(got, want) {
			t.Fatalf("AppendResponse(%q):\n got %s\nwant %s", string(runes), got, want)
		}
		var written bytes.Buffer
		if writeResponse(&written, resp); !bytes.Equal(written.Bytes(), want) {
			t.Fatalf("writeResponse(%q):\n got %s\nwant %s", string(runes), written.Bytes(), want)
		}
	}
}

func TestResponseContentTypeAndStatus(t *testing.T) {
	for accept, want := range map[string]string{
		"":                                  contentTypeJSON,
		"*/*":                               contentTypeJSON,
		"application/*":                     contentTypeJSON,
		"application/json":                  contentTypeJSON,
		"application/graphql-response+json": contentTypeGraphQLResponse,
		"application/graphql-response+json, application/json;q=0.9": contentTypeGraphQLResponse,
		"text/html, application/json":                               contentTypeJSON,
		"text/html":                                                 contentTypeGraphQLResponse,
		"bad;;, application/json":                                   contentTypeJSON,
	} {
		if got := responseContentType(accept); got != want {
			t.Errorf("responseContentType(%q) = %s, want %s", accept, got, want)
		}
	}
	protocol := gqlerror.List{gqlerror.Errorf("Cannot query field")}
	for _, e := range protocol {
		e.Extensions = map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}
	}
	if got := statusFor(contentTypeJSON, protocol); got != 422 {
		t.Errorf("validation error, application/json: status %d, want 422", got)
	}
	if got := statusFor(contentTypeGraphQLResponse, protocol); got != 400 {
		t.Errorf("validation error, application/graphql-response+json: status %d, want 400", got)
	}
}

func TestDecodeParams(t *testing.T) {
	p, err := DecodeParams([]byte(` {"query":"{ a }","operationName":"A","variables":{"n":9007199254740993},"extensions":{"x":true}} ` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Query != "{ a }" || p.OperationName != "A" || p.Extensions["x"] != true {
		t.Errorf("params = %+v", p)
	}
	if n, ok := p.Variables["n"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Errorf("variable n = %#v, want json.Number 9007199254740993", p.Variables["n"])
	}
	for _, body := range []string{
		``, `[]`, `[{"query":"{ a }"}]`, `{"query":5}`, `{"query":"{ a }"} {"query":"{ b }"}`,
		`{"query":"{ a }"} x`, `{"query":"secret-value"`,
	} {
		_, err := DecodeParams([]byte(body))
		if !errors.Is(err, ErrBadBody) {
			t.Errorf("DecodeParams(%q) = %v, want ErrBadBody", body, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("the error quotes the body: %v", err)
		}
	}
}

// recordingExecutor runs nothing: it answers every operation with {"q": query}.
type recordingExecutor struct{ got *graphql.RawParams }

func (e *recordingExecutor) CreateOperationContext(ctx context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	e.got = p
	if p.Query == "" {
		return nil, gqlerror.List{{Message: "no query", Extensions: map[string]any{"code": "GRAPHQL_PARSE_FAILED"}}}
	}
	return &graphql.OperationContext{RawQuery: p.Query}, nil
}

func (e *recordingExecutor) DispatchOperation(ctx context.Context, oc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	return func(ctx context.Context) *graphql.Response {
		b, _ := json.Marshal(map[string]string{"q": oc.RawQuery})
		return &graphql.Response{Data: b}
	}, ctx
}

func (e *recordingExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

func TestDo(t *testing.T) {
	post := func(body string, ctxParams *graphql.RawParams, accept string) (*httptest.ResponseRecorder, *recordingExecutor) {
		r := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Accept", accept)
		if ctxParams != nil {
			r = r.WithContext(WithParams(r.Context(), ctxParams))
		}
		w := httptest.NewRecorder()
		exec := &recordingExecutor{}
		POST{}.Do(w, r, exec)
		return w, exec
	}

	w, _ := post(`{"query":"{ a }"}`, nil, "")
	if w.Code != 200 || w.Body.String() != `{"data":{"q":"{ a }"}}` || w.Header().Get("Content-Type") != contentTypeJSON {
		t.Errorf("plain request: %d %s %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	// Parameters a guard decoded win: the body is not read again.
	w, exec := post(`not JSON`, &graphql.RawParams{Query: "{ b }"}, "")
	if w.Code != 200 || w.Body.String() != `{"data":{"q":"{ b }"}}` || exec.got.Headers == nil {
		t.Errorf("decoded parameters: %d %s (headers %v)", w.Code, w.Body, exec.got.Headers)
	}
	w, _ = post(`{"query":"secret-value"`, nil, "")
	if w.Code != 400 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), ErrBadBody.Error()) {
		t.Errorf("bad body: %d %s", w.Code, w.Body)
	}
	w, _ = post(`{"query":""}`, nil, contentTypeGraphQLResponse)
	if w.Code != 400 || w.Header().Get("Content-Type") != contentTypeGraphQLResponse {
		t.Errorf("parse failure with graphql-response+json: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	w, _ = post(`{"query":""}`, nil, contentTypeJSON)
	if w.Code != 422 {
		t.Errorf("parse failure with application/json: %d", w.Code)
	}
}
