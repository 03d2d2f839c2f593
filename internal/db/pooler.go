package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// txDriver is an ent driver that also opens transactions with options
// (ent's Client.BeginTx).
type txDriver interface {
	dialect.Driver
	BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
}

// pinnedDriver runs every statement outside a transaction inside one of its
// own, for PgBouncer in transaction pooling mode. lib/pq sends a statement
// with arguments as two messages, each ending in Sync: parse (an unnamed
// prepared statement), then bind and execute. Outside a transaction the
// bouncer may give the second to another server connection, where the
// unnamed statement is missing or, worse, another client's. Inside a
// transaction the bouncer keeps the server connection until COMMIT. Costs a
// BEGIN and a COMMIT per statement; statements of a transaction are as
// they were.
type pinnedDriver struct{ *entsql.Driver }

var _ txDriver = pinnedDriver{}

// Exec runs query in its own transaction.
func (d pinnedDriver) Exec(ctx context.Context, query string, args, v any) error {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return err
	}
	if err := tx.Exec(ctx, query, args, v); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// Query runs query in its own transaction, committed when the rows are
// closed (the statement may be an INSERT … RETURNING).
func (d pinnedDriver) Query(ctx context.Context, query string, args, v any) error {
	rows, ok := v.(*entsql.Rows)
	if !ok {
		return fmt.Errorf("db: invalid type %T; expect *sql.Rows", v)
	}
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return err
	}
	if err := tx.Query(ctx, query, args, rows); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	rows.ColumnScanner = &commitOnClose{ColumnScanner: rows.ColumnScanner, tx: tx}
	return nil
}

type commitOnClose struct {
	entsql.ColumnScanner
	tx   dialect.Tx
	done bool
}

func (c *commitOnClose) Close() error {
	err := c.ColumnScanner.Close()
	if c.done {
		return err
	}
	c.done = true
	if err != nil {
		return errors.Join(err, c.tx.Rollback())
	}
	return c.tx.Commit()
}
