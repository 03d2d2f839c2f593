package graph

import (
	"context"
	"net/http"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/internal/audit"
	"github.com/tuoyu/tuoyu/internal/auth"
	"github.com/tuoyu/tuoyu/internal/gqlhttp"
	"github.com/tuoyu/tuoyu/internal/idempotency"
	"github.com/tuoyu/tuoyu/internal/metrics"
	"github.com/tuoyu/tuoyu/internal/persisted"
	"github.com/tuoyu/tuoyu/internal/ratelimit"
	"github.com/tuoyu/tuoyu/internal/shapelimits"
	"github.com/tuoyu/tuoyu/internal/tracing"
	"github.com/tuoyu/tuoyu/internal/upload"
)

// HandlerOptions bound what one request may cost and say who may make it.
// The zero value is a safe configuration: every limit at its default, APQ on,
// no allow list, and (without an Authenticator) every request served as
// PUBLIC.
type HandlerOptions struct {
	// MaxBodyBytes caps a POST body (default 1 MiB).
	MaxBodyBytes int64
	// MaxQueryBytes caps the query string of a GET request (default 16 KiB).
	MaxQueryBytes int
	// ParserTokenLimit caps the tokens of a document (default 15,000; gqlgen
	// has no limit by default, CVE-2023-49559).
	ParserTokenLimit int
	// Limits bound depth, aliases, root fields, directives and expanded
	// fields (see shapelimits.Limits; zero fields take shapelimits.Defaults).
	Limits shapelimits.Limits
	// ComplexityLimit caps the estimated cost, connections costing page
	// size × item (default DefaultComplexityLimit).
	ComplexityLimit int
	// APQCacheSize is the number of documents kept for automatic persisted
	// queries (default 1000; negative turns APQ off). APQ saves bandwidth
	// only: it is not an allow list.
	APQCacheSize int
	// AllowList, when non-nil, is the only set of documents that run
	// (an empty non-nil list runs nothing). NewHandler panics if an entry's
	// key is not its query's hash (a configuration error).
	AllowList persisted.AllowList
	// AllowListExempt, when set, lets the viewers it accepts run any
	// document in allow-list mode (e.g. regulators exploring in GraphiQL:
	// func(v *auth.Viewer) bool { return v.IsRegulator() }).
	AllowListExempt func(*auth.Viewer) bool
	// Authenticator, when set, authenticates every request first (401 on bad
	// credentials). Without it no credential is read: requests are PUBLIC
	// unless a viewer is already in the request context (tests).
	Authenticator *auth.Authenticator
	// RateLimiter, when set, limits requests per principal after
	// authentication and before the body is read (429).
	RateLimiter *ratelimit.Limiter
	// KPISlots is the number of operations computing indicators one
	// principal may run at once (default DefaultKPISlots); a further one
	// waits up to KPISlotWait, then gets RATE_LIMITED (HTTP 429).
	KPISlots int
	// KPISlotWait is how long an operation waits for a KPI slot (default
	// KPISlotWait).
	KPISlotWait time.Duration
	// KPIOperations is the number of operations computing indicators the
	// server runs at once, whoever asks (default DefaultKPIOperations); a
	// further one waits its turn within its deadline.
	KPIOperations int
	// Operations is the number of other operations the server executes at
	// once, whoever asks (default DefaultOperations); a further one waits
	// its turn, first come first served, within its deadline (turns.go).
	Operations int
	// AuditWriter stores the audit trail of reads of children's personal
	// and health data (audit.go). Nil writes to audit_logs through the
	// handler's ent client.
	AuditWriter audit.Writer
	// TracerProvider, when set, gets a span per operation and per resolver
	// that may reach the database (internal/tracing).
	TracerProvider trace.TracerProvider
	// MaxUploadBytes, when positive, mounts the multipart transport of
	// file uploads (importData) and caps an upload request; such requests
	// need the CSRF headers internal/upload checks. Zero: no uploads
	// (multipart is 415 like any other non-JSON POST).
	MaxUploadBytes int64
}

func (o *HandlerOptions) defaults() {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.MaxQueryBytes <= 0 {
		o.MaxQueryBytes = 16 << 10
	}
	if o.ParserTokenLimit <= 0 {
		o.ParserTokenLimit = 15000
	}
	if o.ComplexityLimit <= 0 {
		o.ComplexityLimit = DefaultComplexityLimit
	}
	if o.APQCacheSize == 0 {
		o.APQCacheSize = 1000
	}
	if o.KPISlots <= 0 {
		o.KPISlots = DefaultKPISlots
	}
	if o.KPISlotWait <= 0 {
		o.KPISlotWait = KPISlotWait
	}
	if o.KPIOperations <= 0 {
		o.KPIOperations = DefaultKPIOperations()
	}
	if o.Operations <= 0 {
		o.Operations = DefaultOperations()
	}
}

// NewHandler serves the GraphQL endpoint. A request passes, in order:
//
//  1. authentication (opts.Authenticator): the viewer, or 401;
//  2. rate limiting (opts.RateLimiter): per principal, or 429;
//  3. gqlhttp.Guard: POST only as application/json (or a multipart
//     upload, whose operations and map parts obey the same rules), bounded
//     bodies and query strings, one JSON object (no batching);
//  4. gqlgen, where before any resolver runs: the allow list and APQ
//     (internal/persisted), the token limit, validation (suggestions off),
//     viewer-dependent introspection (viewer.go), shape limits
//     (internal/shapelimits: depth, aliases, root fields, directives,
//     fields), argument checks (inputs.go), page sizes (pagination.go) and
//     complexity (complexity.go); then
//     execution, where a query selecting only indicators may be answered
//     with the response kept for its data version (kpianswers.go), and
//     other operations wait their turn (turns.go: KPI operations within
//     the principal's slots and the server's KPI turns, the rest within
//     the server's turns),
//     each mutation in one transaction, every error through one presenter
//     (errors.go; UNAVAILABLE turns the answer into 503, outcome.go, which
//     also writes the request's one log line), personal fields masked by
//     role (personal.go) and every read of children's, enrolment or health
//     rows audited before the response leaves (audit.go, internal/audit).
//
// GET serves queries only (gqlgen answers 406 to a GET mutation) and needs no
// CSRF header: a query changes nothing. CSRF on POST is prevented by
// accepting only application/json, which a cross-site form cannot send
// without a CORS preflight (Apollo's csrfPrevention rule); a multipart file
// upload (mounted only with MaxUploadBytes) must carry an Authorization and
// an Apollo-Require-Preflight header instead (internal/upload); form
// transports are not mounted. Credentials travel in the Authorization
// header, never in cookies, so a cross-site request carries none anyway.
func NewHandler(schema graphql.ExecutableSchema, client *ent.Client, opts HandlerOptions) http.Handler {
	opts.defaults()
	srv := handler.New(schema)
	srv.AddTransport(transport.GET{})
	// gqlgen's POST transport, minus its second pass over the response
	// (internal/gqlhttp).
	srv.AddTransport(gqlhttp.POST{})
	if opts.MaxUploadBytes > 0 {
		// Files beyond MaxMemory go to temporary files, not memory.
		srv.AddTransport(transport.MultipartForm{MaxUploadSize: opts.MaxUploadBytes, MaxMemory: upload.MaxMemory})
	}
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetValidationRulesFn(validationRules)
	srv.SetParserTokenLimit(opts.ParserTokenLimit)
	// Field suggestions ("Did you mean …?") map the schema, so only viewers
	// who may introspect it get them: gqlparser writes them into validation
	// messages (failed validations are never cached), and the presenter,
	// which sees the request's viewer, strips them for everyone else.
	srv.SetErrorPresenter(presentSuggestionsToIntrospectors)
	srv.SetRecoverFunc(Recover)
	srv.AroundResponses(capErrors)
	// Metrics: the operation's label and outcome code (internal/metrics).
	srv.Use(metrics.Extension{})
	if opts.TracerProvider != nil {
		srv.Use(tracing.NewExtension(opts.TracerProvider))
	}
	if opts.AllowList != nil {
		srv.Use(persisted.Gate{List: opts.AllowList, Exempt: opts.AllowListExempt})
		// Its operations keep their own metric series whatever the cap.
		metrics.KnownOperations(opts.AllowList.OperationNames()...)
	}
	if opts.APQCacheSize > 0 {
		srv.Use(persisted.NewAPQ(opts.APQCacheSize))
	}
	srv.Use(viewerIntrospection{})
	srv.Use(shapelimits.Extension{Limits: opts.Limits})
	// inputChecks before the page limits and the complexity: every limit
	// and resolver sees the coerced values.
	srv.Use(&inputChecks{})
	srv.Use(pageLimits{})
	srv.Use(newComplexityLimit(opts.ComplexityLimit))
	// A KPI-only query whose response is kept (kpianswers.go) is answered
	// before it would queue for a KPI slot.
	if s, ok := schema.(locatedSchema); ok {
		srv.Use(s.kpiAnswers)
	}
	srv.Use(newExecutionGate(opts))
	auditing := newAuditor(opts.AuditWriter, client)
	srv.Use(transactionerExceptSelf{transactioner{Transactioner: entgql.Transactioner{TxOpener: client}, present: presentSuggestionsToIntrospectors, afterRollback: auditing.persistLookups}})
	// Idempotency-Key: inside the mutation's transaction (registered after
	// the transactioner), so the stored response commits with the writes.
	srv.Use(&idempotency.Extension{Client: client})
	// Each operation gets its own batch loaders (KPI fields of many regions
	// become one engine call).
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(withLoaders(ctx))
	})
	// Personal data (personal.go, audit.go): fields masked by role, and every
	// read of a child's personal or health fields audited, once per operation
	// and entity type. The flush is registered after the Transactioner, so it
	// runs inside a mutation's transaction: a failed audit write withholds the
	// response and rolls the mutation back.
	srv.AroundOperations(withAuditCollector)
	srv.AroundResponses(auditing.flush)
	srv.AroundFields(personalData)
	h := gqlhttp.Guard(withOutcome(idempotency.Middleware(srv), client), gqlhttp.Bounds{MaxBodyBytes: opts.MaxBodyBytes, MaxQueryBytes: opts.MaxQueryBytes, MaxUploadBytes: opts.MaxUploadBytes})
	// metrics.Admitted and Authenticated mark how far a request got, so a
	// RATE_LIMITED refusal is told apart by its source.
	h = metrics.Admitted(h)
	if opts.RateLimiter != nil {
		h = opts.RateLimiter.Middleware(h)
	}
	h = metrics.Authenticated(h)
	if opts.Authenticator != nil {
		h = opts.Authenticator.Middleware(h)
	}
	return metrics.Middleware(h)
}

// maxErrors bounds the errors of one response, as graphql-js's validate()
// does (maxErrors 100): gqlparser reports every problem, so 15,000 tokens of
// "@a @a …" come back as ~10,000 errors, a megabyte from a 15 KB request.
const maxErrors = 100

// capErrors keeps the first maxErrors errors and says the rest were dropped,
// with the first error's code so that clients keep one classification.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > maxErrors {
		more := gqlerror.Errorf("%d more errors omitted", len(resp.Errors)-maxErrors)
		more.Extensions = map[string]any{"code": resp.Errors[0].Extensions["code"]}
		resp.Errors = append(resp.Errors[:maxErrors:maxErrors], more)
	}
	return resp
}

// presentSuggestionsToIntrospectors is PresentError minus "Did you mean …?"
// hints for viewers who may not introspect. Stripping the message (rather
// than gqlgen's SetDisableSuggestion, which is per server and only covers
// unknown fields and scalar leaves) also removes gqlparser's argument,
// type, input-field and enum-value suggestions, each a way to map a schema
// whose introspection is off (OWASP).
func presentSuggestionsToIntrospectors(ctx context.Context, err error) *gqlerror.Error {
	e := PresentError(ctx, err)
	if e != nil && !auth.FromContext(ctx).CanIntrospect() {
		if i := strings.Index(e.Message, " Did you mean "); i >= 0 {
			e.Message = e.Message[:i]
		}
	}
	return e
}
