// Package persisted runs GraphQL documents by hash: automatic persisted
// queries (APQ, a bounded cache of documents clients may then send by hash
// alone) and the allow list (only documents reviewed and shipped with the
// server run). Both are gqlgen extensions that act on the raw request
// parameters, before the document is parsed.
package persisted

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// Codes of the refusals this package makes.
const (
	// CodeNotAllowed refuses, in allow-list mode, a document that is not on
	// the list (sent as text or as an unknown hash).
	CodeNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"
	// CodeBadRequest: the request itself is malformed, e.g. an APQ hash
	// that does not match its query.
	CodeBadRequest = "BAD_REQUEST"
)

func init() {
	// Refusals before execution are protocol errors: HTTP 422 (400 with
	// Accept: application/graphql-response+json), like gqlgen's own parse
	// and validation errors.
	errcode.RegisterErrorType(CodeNotAllowed, errcode.KindProtocol)
	errcode.RegisterErrorType(CodeBadRequest, errcode.KindProtocol)
}

// AllowList maps the SHA-256 (lower-case hex) of each allowed document to
// its exact text. It is the Apollo "safelist" / Hasura "allow list" model:
// unlike automatic persisted queries, which cache whatever any client sends,
// only documents reviewed and shipped with the server run.
type AllowList map[string]string

// Hash is the SHA-256 of a document's exact bytes in lower-case hex, as APQ
// clients send it in extensions.persistedQuery.sha256Hash.
func Hash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// NewAllowList returns the allow list of queries.
func NewAllowList(queries ...string) AllowList {
	l := AllowList{}
	for _, q := range queries {
		l[Hash(q)] = q
	}
	return l
}

// Check reports an entry whose key is not the hash of its text: such an
// entry would let a listed hash run an unlisted document.
func (l AllowList) Check() error {
	for h, q := range l {
		if Hash(q) != h {
			return fmt.Errorf("allow list entry %.16s… is not the SHA-256 of its query", h)
		}
	}
	return nil
}

// OperationNames are the names of the operations in l's documents (for
// metrics, which give listed operations their own series).
func (l AllowList) OperationNames() []string {
	var names []string
	for _, q := range l {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			continue
		}
		for _, op := range doc.Operations {
			if op.Name != "" {
				names = append(names, op.Name)
			}
		}
	}
	return names
}

// LoadAllowList reads an allow list from a JSON file in either of two forms:
// an object {"<sha256>": "<query>", …} (the APQ / Relay persisted-queries
// shape), or an Apollo persisted query manifest
// {"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":…,"body":…},…]}.
// Every id must be the SHA-256 of its body.
func LoadAllowList(path string) (AllowList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("allow list: %w", err)
	}
	var manifest struct {
		Format     string `json:"format"`
		Operations []struct {
			ID   string `json:"id"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	l := AllowList{}
	if json.Unmarshal(data, &manifest) == nil && manifest.Format != "" {
		if manifest.Format != "apollo-persisted-query-manifest" {
			return nil, fmt.Errorf("allow list %s: unknown format %q", path, manifest.Format)
		}
		for _, op := range manifest.Operations {
			l[strings.ToLower(op.ID)] = op.Body
		}
	} else {
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("allow list %s: want an object of sha256 → query or an Apollo manifest: %w", path, err)
		}
		for h, q := range m {
			l[strings.ToLower(h)] = q
		}
	}
	if err := l.Check(); err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return l, nil
}

// Gate enforces an AllowList before parsing. A request naming a listed hash
// without text gets the listed text (persisted queries proper); a request
// with text runs only if the text's hash is listed, whatever hash it
// claims. Viewers for whom Exempt returns true (e.g. data teams in
// GraphiQL) are not restricted.
type Gate struct {
	List   AllowList
	Exempt func(*auth.Viewer) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = Gate{}

// ExtensionName names the extension for gqlgen.
func (Gate) ExtensionName() string { return "AllowList" }

// Validate refuses a nil list and an entry whose key is not its text's hash
// (gqlgen calls it when the extension is added).
func (g Gate) Validate(graphql.ExecutableSchema) error {
	if g.List == nil {
		return errors.New("allow list is nil")
	}
	return g.List.Check()
}

// MutateOperationParameters lets a listed document through (filling in the
// text of a listed hash sent alone) and refuses any other with
// CodeNotAllowed, unless the viewer is exempt.
func (g Gate) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := requestedHash(p.Extensions)
	if p.Query == "" && hash != "" {
		if q, ok := g.List[hash]; ok { // exact: APQ hashes are lower-case hex
			p.Query = q
			return nil
		}
	} else if _, ok := g.List[Hash(p.Query)]; ok {
		return nil
	}
	if g.Exempt != nil && g.Exempt(auth.FromContext(ctx)) {
		return nil
	}
	err := gqlerror.Errorf("this operation is not on the server's allow list")
	errcode.Set(err, CodeNotAllowed)
	return err
}

// requestedHash is extensions.persistedQuery.sha256Hash, or "".
func requestedHash(ext map[string]any) string {
	pq, _ := ext["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	return h
}

// APQ is gqlgen's AutomaticPersistedQuery (a bounded cache of documents by
// hash, so clients may send the hash alone) with a stable code on its
// protocol errors, which gqlgen leaves without one (a presenter would
// otherwise report them as INTERNAL). PERSISTED_QUERY_NOT_FOUND keeps its
// code: APQ clients resend with the text when they see it (TrackNotFound).
type APQ struct {
	extension.AutomaticPersistedQuery
}

// NewAPQ keeps up to size documents, least recently used dropped first.
func NewAPQ(size int) APQ {
	return APQ{extension.AutomaticPersistedQuery{Cache: lru.New[string](size)}}
}

// CodeNotFound is APQ's answer to a hash it does not hold (gqlgen's code,
// which APQ clients recognise, with the message "PersistedQueryNotFound").
const CodeNotFound = "PERSISTED_QUERY_NOT_FOUND"

// MutateOperationParameters is gqlgen's, with CodeBadRequest on errors that
// have no code. An unknown hash is noted for NotFoundAnswered.
func (a APQ) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	err := a.AutomaticPersistedQuery.MutateOperationParameters(ctx, p)
	switch {
	case err == nil:
	case err.Extensions["code"] == nil:
		errcode.Set(err, CodeBadRequest)
	case err.Extensions["code"] == CodeNotFound:
		if seen, ok := ctx.Value(notFoundKey{}).(*bool); ok {
			*seen = true
		}
	}
	return err
}

type notFoundKey struct{}

// TrackNotFound returns a context in which APQ notes that it answered
// PERSISTED_QUERY_NOT_FOUND, and a function reporting whether it has. The
// answer is HTTP 200, as APQ clients expect (Apollo Server's answer; Apollo
// iOS and Kotlin fail on a non-2xx status before they look at the errors,
// and Apollo Client 3 turns APQ off after a 400): the HTTP layer uses the
// mark to give it the shape of a request error all the same (no "data":
// nothing ran) and keep caches from storing it. The mark is set before the
// response is written.
func TrackNotFound(ctx context.Context) (context.Context, func() bool) {
	seen := new(bool)
	return context.WithValue(ctx, notFoundKey{}, seen), func() bool { return *seen }
}
