// Package graph is tuoyu's GraphQL layer: the resolvers (thin: validate
// arguments, call ent or an internal package, return), the HTTP handler with
// its transports and limits, and the mapping of errors to stable codes.
package graph

import (
	"context"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"

	"github.com/tuoyu/tuoyu/ent"
	"github.com/tuoyu/tuoyu/graph/generated"
	"github.com/tuoyu/tuoyu/internal/answercache"
	"github.com/tuoyu/tuoyu/internal/civil"
	"github.com/tuoyu/tuoyu/internal/jobs"
	"github.com/tuoyu/tuoyu/internal/kpi"
	"github.com/tuoyu/tuoyu/internal/pii"
)

// Deps are what the resolvers need. Client is required.
type Deps struct {
	Client *ent.Client
	// Hasher hashes ID-card numbers given in mutation inputs.
	Hasher *pii.Hasher
	// Location is the server's time zone; calendar dates ("today") are taken in it.
	Location *time.Location
	// Driver and Dialect are what KPI SQL runs through (the client's driver).
	Driver  dialect.Driver
	Dialect string
	// SuppressionK: a child-based indicator value with fewer distinct
	// children behind it is withheld from aggregate-only viewers (default 5).
	SuppressionK int
	// Jobs is the background-job queue behind importData and exportData
	// (data.graphql); nil answers them with an error.
	Jobs *jobs.Queue
	// KPIResultCache is how many KPI results to keep while their data is
	// unchanged (PostgreSQL; kpi.Engine.WithResultCache); 0 keeps none,
	// and no response of a KPI-only query either (kpianswers.go).
	KPIResultCache int
}

// Resolver is the root resolver.
type Resolver struct {
	client *ent.Client
	hasher *pii.Hasher
	loc    *time.Location
	kpi    *kpi.Engine
	// suppressK is Deps.SuppressionK.
	suppressK int
	// jobs is Deps.Jobs.
	jobs *jobs.Queue
}

// NewSchema builds the executable schema over deps; the server and the tests
// use the same one.
func NewSchema(deps Deps) graphql.ExecutableSchema {
	loc := deps.Location
	if loc == nil {
		loc = time.UTC
	}
	k := deps.SuppressionK
	if k <= 0 {
		k = 5
	}
	engine := kpi.New(deps.Client, deps.Driver, deps.Dialect).WithResultCache(deps.KPIResultCache)
	cfg := generated.Config{
		Resolvers: &Resolver{client: deps.Client, hasher: deps.Hasher, loc: loc, kpi: engine, suppressK: k, jobs: deps.Jobs},
	}
	// Introspection shows the public schema: gqlgen's code-generation
	// directives (@goModel, @goField) are left out.
	cfg.Schema = publicDirectives(generated.NewExecutableSchema(cfg).Schema())
	return locatedSchema{ExecutableSchema: generated.NewExecutableSchema(cfg), loc: loc, kpiAnswers: newKPIAnswers(engine, loc)}
}

// locatedSchema runs every operation with the server's time zone in its
// context (civil.WithLocation), so ent hooks that date a write "today"
// (a filing's receipt day left empty) use the configured zone.
type locatedSchema struct {
	graphql.ExecutableSchema
	loc *time.Location
	// kpiAnswers keeps the responses of KPI-only queries; NewHandler
	// installs it (kpianswers.go).
	kpiAnswers *answercache.Extension
}

// Exec runs the operation with the server's time zone in ctx. gqlgen runs
// the fields with the context given to the returned handler, so both get it.
func (s locatedSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	next := s.ExecutableSchema.Exec(civil.WithLocation(ctx, s.loc))
	return func(ctx context.Context) *graphql.Response {
		return next(civil.WithLocation(ctx, s.loc))
	}
}

// db returns the transactional client of a mutation (set by
// entgql.Transactioner) or the plain client outside one.
func (r *Resolver) db(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.client
}
