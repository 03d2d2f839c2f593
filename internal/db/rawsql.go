package db

import (
	"context"
	"database/sql"
	"errors"
)

// RawStatements is what ent's generated Client.ExecContext and QueryContext
// (gen.FeatureExecQuery) look for on a driver or a transaction: demo loads,
// migrations' backfills and the KPI store's set-wise rebuilds run raw SQL
// through them. Every driver wrapper (statement counting in tests, tracing,
// replica routing) forwards them, or those paths fail behind the wrapper.
type RawStatements interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ErrNoRawStatements: the wrapped driver runs no raw statements.
var ErrNoRawStatements = errors.New("db: the driver does not run raw statements")

// ExecRaw runs query through inner's ExecContext.
func ExecRaw(ctx context.Context, inner any, query string, args ...any) (sql.Result, error) {
	r, ok := inner.(RawStatements)
	if !ok {
		return nil, ErrNoRawStatements
	}
	return r.ExecContext(ctx, query, args...)
}

// QueryRaw runs query through inner's QueryContext.
func QueryRaw(ctx context.Context, inner any, query string, args ...any) (*sql.Rows, error) {
	r, ok := inner.(RawStatements)
	if !ok {
		return nil, ErrNoRawStatements
	}
	return r.QueryContext(ctx, query, args...)
}
