package graph

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
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tuoyu/tuoyu/internal/auth"
)

// CodePersistedQueryNotAllowed refuses, in allow-list mode, a document that
// is not on the list (sent as text or as an unknown hash).
const CodePersistedQueryNotAllowed = "PERSISTED_QUERY_NOT_ALLOWED"

// AllowList maps the SHA-256 (lower-case hex) of each allowed document to
// its exact text. It is the Apollo "safelist" / Hasura "allow list" model:
// unlike automatic persisted queries, which cache whatever any client sends,
// only documents reviewed and shipped with the server run.
type AllowList map[string]string

// QueryHash is the SHA-256 of a document's exact bytes in lower-case hex,
// as APQ clients send it in extensions.persistedQuery.sha256Hash.
func QueryHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// NewAllowList returns the allow list of queries.
func NewAllowList(queries ...string) AllowList {
	l := AllowList{}
	for _, q := range queries {
		l[QueryHash(q)] = q
	}
	return l
}

// Check reports an entry whose key is not the hash of its text: such an
// entry would let a listed hash run an unlisted document.
func (l AllowList) Check() error {
	for h, q := range l {
		if QueryHash(q) != h {
			return fmt.Errorf("graph: allow list entry %.16s… is not the SHA-256 of its query", h)
		}
	}
	return nil
}

// LoadAllowList reads an allow list from a JSON file in either of two forms:
// an object {"<sha256>": "<query>", …} (the APQ / Relay persisted-queries
// shape), or an Apollo persisted query manifest
// {"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":…,"body":…},…]}.
// Every id must be the SHA-256 of its body.
func LoadAllowList(path string) (AllowList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("graph: allow list: %w", err)
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
			return nil, fmt.Errorf("graph: allow list %s: unknown format %q", path, manifest.Format)
		}
		for _, op := range manifest.Operations {
			l[strings.ToLower(op.ID)] = op.Body
		}
	} else {
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("graph: allow list %s: want an object of sha256 → query or an Apollo manifest: %w", path, err)
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

// allowListGate enforces an AllowList before parsing. A request naming a
// listed hash without text gets the listed text (persisted queries proper);
// a request with text runs only if the text's hash is listed, whatever hash
// it claims. Viewers for whom exempt returns true (e.g. data teams in
// GraphiQL) are not restricted.
type allowListGate struct {
	list   AllowList
	exempt func(*auth.Viewer) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = allowListGate{}

func (allowListGate) ExtensionName() string { return "AllowList" }
func (g allowListGate) Validate(graphql.ExecutableSchema) error {
	if g.list == nil {
		return errors.New("graph: allow list is nil")
	}
	return g.list.Check()
}

func (g allowListGate) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash := persistedHash(p.Extensions)
	if p.Query == "" && hash != "" {
		if q, ok := g.list[hash]; ok { // exact: APQ hashes are lower-case hex
			p.Query = q
			return nil
		}
	} else if _, ok := g.list[QueryHash(p.Query)]; ok {
		return nil
	}
	if g.exempt != nil && g.exempt(auth.FromContext(ctx)) {
		return nil
	}
	err := gqlerror.Errorf("this operation is not on the server's allow list")
	errcode.Set(err, CodePersistedQueryNotAllowed)
	return err
}

// persistedHash is extensions.persistedQuery.sha256Hash, or "".
func persistedHash(ext map[string]any) string {
	pq, _ := ext["persistedQuery"].(map[string]any)
	h, _ := pq["sha256Hash"].(string)
	return h
}

// apq is gqlgen's AutomaticPersistedQuery (a bounded cache of documents by
// hash, so clients may send the hash alone) with a stable code on its
// protocol errors, which gqlgen leaves without one (the presenter would
// otherwise report them as INTERNAL). PERSISTED_QUERY_NOT_FOUND keeps its
// code: APQ clients resend with the text when they see it.
type apq struct {
	extension.AutomaticPersistedQuery
}

func (a apq) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	err := a.AutomaticPersistedQuery.MutateOperationParameters(ctx, p)
	if err != nil && err.Extensions["code"] == nil {
		errcode.Set(err, CodeBadRequest)
	}
	return err
}
