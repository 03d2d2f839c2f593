package graph

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// transactioner runs each mutation in one transaction, as
// entgql.Transactioner does (it keeps its field serialisation), but sends
// the failure to open or commit the transaction through the error
// presenter: entgql answers those with the driver's text ("cannot create
// transaction: … dial tcp …") and no code, where the presenter answers
// UNAVAILABLE (HTTP 503) when the database is unreachable and never leaks
// the cause.
type transactioner struct {
	entgql.Transactioner
	present graphql.ErrorPresenterFunc
	// afterRollback, when set, runs after a failed mutation's rollback,
	// outside the transaction (the audit of lookups that must survive it).
	afterRollback func(context.Context)
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = transactioner{}

// InterceptResponse runs a mutation under a transaction: committed when the
// response has no error, rolled back otherwise.
func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation {
		return next(ctx)
	}
	txCtx, tx, err := t.OpenTx(ctx)
	if err != nil {
		return t.fail(ctx, fmt.Errorf("graph: open transaction: %w", err))
	}
	defer func() {
		if r := recover(); r != nil {
			_ = tx.Rollback()
			panic(r)
		}
	}()
	rsp := next(txCtx)
	if rsp == nil || len(rsp.Errors) > 0 {
		_ = tx.Rollback()
		if t.afterRollback != nil {
			t.afterRollback(ctx)
		}
		if rsp == nil {
			return nil
		}
		return &graphql.Response{Errors: rsp.Errors}
	}
	if err := tx.Commit(); err != nil {
		return t.fail(ctx, fmt.Errorf("graph: commit: %w", err))
	}
	return rsp
}

func (t transactioner) fail(ctx context.Context, err error) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{t.present(ctx, err)}}
}
