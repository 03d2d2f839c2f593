// Package gqlhttp is the GraphQL-over-HTTP POST transport tuoyu mounts in
// place of gqlgen's transport.POST. It reads requests as gqlgen's does and
// writes the same bytes, without re-encoding the response: gqlgen hands
// its transport the finished data as a json.RawMessage and marshals the
// response with encoding/json, which scans and copies that data again to
// validate and compact it. That second pass was 4–5 % of the server's CPU on
// list pages (bench/RESULTS.md); the executor's output is compact, valid
// JSON already, so WriteResponse writes it as it is, HTML-escaped as
// encoding/json would (json.HTMLEscape) when it holds <, >, & or U+2028/9.
package gqlhttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

const (
	contentTypeJSON            = "application/json"
	contentTypeGraphQLResponse = "application/graphql-response+json"
)

// POST serves POST requests whose Content-Type is application/json, like
// gqlgen's transport.POST with its defaults: the response is
// application/json unless the Accept header prefers
// application/graphql-response+json, and with that type a request that
// fails before execution gets 400 instead of 422.
type POST struct{}

var _ graphql.Transport = POST{}

// Supports is transport.POST's: a POST with Content-Type application/json
// that is not a protocol upgrade.
func (POST) Supports(r *http.Request) bool { return transport.POST{}.Supports(r) }

// Do decodes the request, runs it and writes the response.
func (POST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)

	start := graphql.Now()
	params, _ := ctx.Value(paramsKey{}).(*graphql.RawParams)
	if params == nil {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body")}))
			return
		}
		if params, err = DecodeParams(body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			// Unlike gqlgen's message, neither the body nor the decoder's
			// text (which quotes it) is repeated.
			writeResponse(w, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("%s", err)}))
			return
		}
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		w.WriteHeader(statusFor(contentType, opErr))
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// ErrBadBody is DecodeParams' error, and its text the message of graph's
// request guard: it never quotes the body.
var ErrBadBody = errors.New("request body must be one JSON object with query, operationName, variables and extensions")

// DecodeParams decodes a POST body: one JSON object, with nothing after it
// but white space, its numbers kept as json.Number (as gqlgen's transport
// does, so an Int argument beyond float64's precision is refused rather
// than rounded).
func DecodeParams(body []byte) (*graphql.RawParams, error) {
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		return nil, ErrBadBody
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, ErrBadBody
	}
	return params, nil
}

type paramsKey struct{}

// WithParams hands Do the parameters a guard in front of the transport has
// already decoded from the body with DecodeParams, so that the body is
// decoded once.
func WithParams(ctx context.Context, params *graphql.RawParams) context.Context {
	return context.WithValue(ctx, paramsKey{}, params)
}

// responseContentType is gqlgen's choice for a POST without configured
// response headers: application/json for no Accept header, */* or
// application/*; otherwise the first of application/json and
// application/graphql-response+json the header names, and
// application/graphql-response+json when it names neither.
func responseContentType(accept string) string {
	if accept == "" {
		return contentTypeJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", contentTypeJSON:
			return contentTypeJSON
		case contentTypeGraphQLResponse:
			return contentTypeGraphQLResponse
		}
	}
	return contentTypeGraphQLResponse
}

// statusFor is the status of a request that failed before execution
// (parse, validation, variables): 422 for protocol errors with
// application/json, 400 with application/graphql-response+json, 200 for
// anything else.
func statusFor(contentType string, errs gqlerror.List) int {
	if errcode.GetErrorKind(errs) != errcode.KindProtocol {
		return http.StatusOK
	}
	if contentType == contentTypeGraphQLResponse {
		return http.StatusBadRequest
	}
	return http.StatusUnprocessableEntity
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	// A write error means the client went away; there is no one to tell.
	if len(resp.Data) >= writeInPlace && len(resp.Errors) == 0 && resp.Label == "" && len(resp.Path) == 0 &&
		resp.HasNext == nil && len(resp.Extensions) == 0 && !needsHTMLEscape(resp.Data) {
		// Large data alone, needing no escape: written in place, not
		// copied into a body first (a province dashboard is 250 KB).
		_, _ = w.Write(dataPrefix)
		_, _ = w.Write(resp.Data)
		_, _ = w.Write(dataSuffix)
		return
	}
	_, _ = w.Write(AppendResponse(nil, resp))
}

var dataPrefix, dataSuffix = []byte(`{"data":`), []byte(`}`)

// writeInPlace is the size of data from which writeResponse writes it in
// place: below it, one write of a copy costs less than three writes.
const writeInPlace = 16 << 10

// AppendResponse appends resp as encoding/json marshals a graphql.Response
// (the same keys in the same order, the same omissions, the same escaping),
// taking resp.Data as the compact, valid JSON gqlgen's executor writes.
func AppendResponse(dst []byte, resp *graphql.Response) []byte {
	dst = append(dst, '{')
	if len(resp.Errors) > 0 {
		dst = appendField(dst, `"errors":`, resp.Errors)
		dst = append(dst, ',')
	}
	dst = append(dst, `"data":`...)
	dst = appendRaw(dst, resp.Data)
	if resp.Label != "" {
		dst = appendField(append(dst, ','), `"label":`, resp.Label)
	}
	if len(resp.Path) > 0 {
		dst = appendField(append(dst, ','), `"path":`, resp.Path)
	}
	if resp.HasNext != nil {
		dst = appendField(append(dst, ','), `"hasNext":`, *resp.HasNext)
	}
	if len(resp.Extensions) > 0 {
		dst = appendField(append(dst, ','), `"extensions":`, resp.Extensions)
	}
	return append(dst, '}')
}

// appendField appends key and v as encoding/json writes them. These are
// the small parts of a response (errors, path, extensions); a value that
// cannot be encoded is a bug in an extension, reported in its place as
// encoding/json's error text would not be.
func appendField(dst []byte, key string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("unencodable %s", strings.Trim(key, `":`)))
	}
	return append(append(dst, key...), b...)
}

// appendRaw appends data, or null for none, HTML-escaped as encoding/json
// escapes a json.RawMessage.
func appendRaw(dst []byte, data json.RawMessage) []byte {
	if len(data) == 0 {
		return append(dst, "null"...)
	}
	if !needsHTMLEscape(data) {
		return append(dst, data...)
	}
	var buf bytes.Buffer
	json.HTMLEscape(&buf, data)
	return append(dst, buf.Bytes()...)
}

// needsHTMLEscape reports whether data holds something json.HTMLEscape
// rewrites: <, >, & or U+2028/U+2029. Five vectorised scans of the bytes
// are cheaper than one loop over them.
func needsHTMLEscape(data []byte) bool {
	return bytes.IndexByte(data, '<') >= 0 || bytes.IndexByte(data, '>') >= 0 ||
		bytes.IndexByte(data, '&') >= 0 ||
		bytes.Contains(data, lineSeparator) || bytes.Contains(data, paragraphSeparator)
}

var (
	lineSeparator      = []byte("\u2028")
	paragraphSeparator = []byte("\u2029")
)
