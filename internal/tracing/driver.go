package tracing

import (
	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/tuoyu/tuoyu/internal/db"
)

// maxStatementText bounds the statement text kept on a span (KPI
// statements with long calendars run to kilobytes).
const maxStatementText = 2048

// Driver is an ent driver that opens a span per statement of a traced
// request (inside transactions too), named by its first keyword ("SELECT", "INSERT", …),
// with the statement text as attribute. Arguments are never recorded: the
// text has placeholders, the values may be personal data.
type Driver struct {
	dialect.Driver
	tracer trace.Tracer
	system string
	on     bool // false with a no-op provider: statements go straight through
}

// WrapDriver traces drv's statements with tp. dialectName is ent's dialect
// name (postgres, sqlite3).
func WrapDriver(drv dialect.Driver, dialectName string, tp trace.TracerProvider) *Driver {
	system := "sqlite"
	if dialectName == dialect.Postgres {
		system = "postgresql"
	}
	return &Driver{Driver: drv, tracer: tp.Tracer(ScopeName), system: system, on: Recording(tp)}
}

// Exec traces and forwards.
func (d *Driver) Exec(ctx context.Context, query string, args, v any) error {
	if !d.traced(ctx) {
		return d.Driver.Exec(ctx, query, args, v)
	}
	ctx, span := d.start(ctx, query)
	defer span.End()
	return record(span, d.Driver.Exec(ctx, query, args, v))
}

// Query traces and forwards.
func (d *Driver) Query(ctx context.Context, query string, args, v any) error {
	if !d.traced(ctx) {
		return d.Driver.Query(ctx, query, args, v)
	}
	ctx, span := d.start(ctx, query)
	defer span.End()
	return record(span, d.Driver.Query(ctx, query, args, v))
}

// Tx returns a transaction whose statements are traced.
func (d *Driver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil || !d.traced(ctx) {
		return tx, err
	}
	return &tracedTx{Tx: tx, d: d, ctx: ctx}, nil
}

// traced reports whether ctx's statements get spans: only within a traced
// request (start-up, background purges and the like would each be a trace
// of one statement).
func (d *Driver) traced(ctx context.Context) bool {
	return d.on && trace.SpanContextFromContext(ctx).IsValid()
}

func (d *Driver) start(ctx context.Context, query string) (context.Context, trace.Span) {
	op := operationOf(query)
	ctx, span := d.tracer.Start(ctx, op, trace.WithSpanKind(trace.SpanKindClient))
	if span.IsRecording() { // attributes cost allocations; a no-op span drops them
		if len(query) > maxStatementText {
			query = query[:maxStatementText]
		}
		span.SetAttributes(
			attribute.String("db.system.name", d.system),
			attribute.String("db.operation.name", op),
			attribute.String("db.query.text", query),
		)
	}
	return ctx, span
}

func record(span trace.Span, err error) error {
	if err != nil {
		// The driver's text may quote values; the span only says it failed.
		span.SetStatus(codes.Error, "statement failed")
	}
	return err
}

// operationOf is the statement's first keyword, upper-cased.
func operationOf(query string) string {
	q := strings.TrimLeft(query, " \t\r\n(")
	if i := strings.IndexAny(q, " \t\r\n("); i > 0 {
		q = q[:i]
	}
	if len(q) > 16 || q == "" {
		return "SQL"
	}
	return strings.ToUpper(q)
}

type tracedTx struct {
	dialect.Tx
	d   *Driver
	ctx context.Context // the context the transaction began in
}

func (t *tracedTx) Exec(ctx context.Context, query string, args, v any) error {
	ctx, span := t.d.start(ctx, query)
	defer span.End()
	return record(span, t.Tx.Exec(ctx, query, args, v))
}

func (t *tracedTx) Query(ctx context.Context, query string, args, v any) error {
	ctx, span := t.d.start(ctx, query)
	defer span.End()
	return record(span, t.Tx.Query(ctx, query, args, v))
}

func (t *tracedTx) Commit() error {
	_, span := t.d.start(t.ctx, "COMMIT")
	defer span.End()
	return record(span, t.Tx.Commit())
}

func (t *tracedTx) Rollback() error {
	_, span := t.d.start(t.ctx, "ROLLBACK")
	defer span.End()
	return record(span, t.Tx.Rollback())
}

// ExecContext traces and forwards a raw statement (ent's Client.ExecContext).
func (d *Driver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !d.traced(ctx) {
		return db.ExecRaw(ctx, d.Driver, query, args...)
	}
	ctx, span := d.start(ctx, query)
	defer span.End()
	res, err := db.ExecRaw(ctx, d.Driver, query, args...)
	return res, record(span, err)
}

// QueryContext traces and forwards a raw query (ent's Client.QueryContext).
// The span ends when the query returns, before its rows are read.
func (d *Driver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !d.traced(ctx) {
		return db.QueryRaw(ctx, d.Driver, query, args...)
	}
	ctx, span := d.start(ctx, query)
	defer span.End()
	rows, err := db.QueryRaw(ctx, d.Driver, query, args...)
	return rows, record(span, err)
}

func (t *tracedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, span := t.d.start(ctx, query)
	defer span.End()
	res, err := db.ExecRaw(ctx, t.Tx, query, args...)
	return res, record(span, err)
}

func (t *tracedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, span := t.d.start(ctx, query)
	defer span.End()
	rows, err := db.QueryRaw(ctx, t.Tx, query, args...)
	return rows, record(span, err)
}
