package testdb

import (
	"context"
	"database/sql"
	"sync/atomic"

	"entgo.io/ent/dialect"

	"github.com/tuoyu/tuoyu/internal/db"
)

// Counter is an ent driver that counts the statements sent through it,
// inside transactions too.
type Counter struct {
	dialect.Driver
	n atomic.Int64
}

// N is the number of statements sent so far.
func (c *Counter) N() int64 { return c.n.Load() }

// Exec counts and forwards.
func (c *Counter) Exec(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Exec(ctx, query, args, v)
}

// Query counts and forwards.
func (c *Counter) Query(ctx context.Context, query string, args, v any) error {
	c.n.Add(1)
	return c.Driver.Query(ctx, query, args, v)
}

// Tx returns a transaction whose statements are counted.
func (c *Counter) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := c.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &countingTx{Tx: tx, n: &c.n}, nil
}

type countingTx struct {
	dialect.Tx
	n *atomic.Int64
}

func (t *countingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *countingTx) Query(ctx context.Context, query string, args, v any) error {
	t.n.Add(1)
	return t.Tx.Query(ctx, query, args, v)
}

// ExecContext counts and forwards a raw statement (ent's Client.ExecContext).
func (c *Counter) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return db.ExecRaw(ctx, c.Driver, query, args...)
}

// QueryContext counts and forwards a raw query (ent's Client.QueryContext).
func (c *Counter) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return db.QueryRaw(ctx, c.Driver, query, args...)
}

func (t *countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.n.Add(1)
	return db.ExecRaw(ctx, t.Tx, query, args...)
}

func (t *countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.n.Add(1)
	return db.QueryRaw(ctx, t.Tx, query, args...)
}
