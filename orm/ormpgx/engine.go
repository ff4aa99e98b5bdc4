package ormpgx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/engine"
)

// pgxEngine is the engine.Engine of a pgx pool. Statements are checked by
// the guard before they are sent; the pool's tracer (a *Tracer) fires the
// hooks' events.
type pgxEngine struct {
	pool  *pgxpool.Pool
	opts  driver.Options // the guard's mode, hooks and logger
	sqlDB *sql.DB
	owns  bool // Close closes the pool
}

var _ engine.Engine = (*pgxEngine)(nil)

func newEngine(pool *pgxpool.Pool, opts driver.Options, owns bool) *pgxEngine {
	opts.Name, opts.Dialect = driverName, driver.DialectPostgres
	return &pgxEngine{pool: pool, opts: opts, owns: owns, sqlDB: sqlView(pool, opts)}
}

// driverName is the Driver of the events and warn-mode lines of the
// engine and its tracer.
const driverName = "pgxpool"

// guard is the sync guard, before anything is sent.
func (e *pgxEngine) guard(ctx context.Context, op, query string) error {
	if e.opts.Sync == driver.SyncAllow {
		return nil
	}
	return driver.Guard(ctx, &e.opts, op, query)
}

func (e *pgxEngine) Exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if err := e.guard(ctx, "exec", query); err != nil {
		return nil, err
	}
	tag, err := e.pool.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

func (e *pgxEngine) Query(ctx context.Context, query string, args []any) (engine.Rows, error) {
	if err := e.guard(ctx, "query", query); err != nil {
		return nil, err
	}
	r, err := e.pool.Query(ctx, query, withFormats(args)...)
	if err != nil {
		return nil, err
	}
	return &rows{r: r}, nil
}

// resultFormats has the ORM's queries read their results in the formats
// pgx's database/sql adapter asks for (the same map): binary for the types
// pgx scans natively, text for the rest, so that the ORM's sql.Scanner
// types (arrays, ranges, hstore, ...) and Maps, Tuples and Scalar get the
// text they get on database/sql rather than pgx's binary encoding.
var resultFormats = pgx.QueryResultFormatsByOID{
	pgtype.BoolOID:        pgtype.BinaryFormatCode,
	pgtype.ByteaOID:       pgtype.BinaryFormatCode,
	pgtype.CIDOID:         pgtype.BinaryFormatCode,
	pgtype.DateOID:        pgtype.BinaryFormatCode,
	pgtype.Float4OID:      pgtype.BinaryFormatCode,
	pgtype.Float8OID:      pgtype.BinaryFormatCode,
	pgtype.Int2OID:        pgtype.BinaryFormatCode,
	pgtype.Int4OID:        pgtype.BinaryFormatCode,
	pgtype.Int8OID:        pgtype.BinaryFormatCode,
	pgtype.OIDOID:         pgtype.BinaryFormatCode,
	pgtype.TimestampOID:   pgtype.BinaryFormatCode,
	pgtype.TimestamptzOID: pgtype.BinaryFormatCode,
	pgtype.XIDOID:         pgtype.BinaryFormatCode,
}

// withFormats is a query's arguments after resultFormats, which pgx takes
// as an option (the tracer leaves it out of the hooks' Args).
func withFormats(args []any) []any {
	out := make([]any, 1+len(args))
	out[0] = resultFormats
	copy(out[1:], args)
	return out
}

func (e *pgxEngine) Begin(ctx context.Context, opts *sql.TxOptions) (engine.Tx, error) {
	if err := e.guard(ctx, "begin", ""); err != nil {
		return nil, err
	}
	txOpts, err := pgxTxOptions(opts)
	if err != nil {
		return nil, err
	}
	tx, err := e.pool.BeginTx(ctx, txOpts)
	if err != nil {
		return nil, err
	}
	return &pgxTx{e: e, tx: tx, ctx: ctx}, nil
}

func (e *pgxEngine) DB() *sql.DB     { return e.sqlDB }
func (e *pgxEngine) Dialect() string { return driver.DialectPostgres }

func (e *pgxEngine) Close() error {
	err := e.sqlDB.Close()
	if e.owns {
		e.pool.Close()
	}
	return err
}

// pgxTxOptions maps database/sql's options onto pgx's.
func pgxTxOptions(opts *sql.TxOptions) (pgx.TxOptions, error) {
	var o pgx.TxOptions
	if opts == nil {
		return o, nil
	}
	switch opts.Isolation {
	case sql.LevelDefault:
	case sql.LevelReadUncommitted:
		o.IsoLevel = pgx.ReadUncommitted
	case sql.LevelReadCommitted:
		o.IsoLevel = pgx.ReadCommitted
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		o.IsoLevel = pgx.RepeatableRead // PostgreSQL's REPEATABLE READ is snapshot isolation
	case sql.LevelSerializable:
		o.IsoLevel = pgx.Serializable
	default:
		return o, fmt.Errorf("ormpgx: isolation level %v is not supported by PostgreSQL", opts.Isolation)
	}
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	return o, nil
}

// pgxTx is a pgx transaction as an engine.Tx. Package orm serialises its
// use, as pgx needs.
type pgxTx struct {
	e   *pgxEngine
	tx  pgx.Tx
	ctx context.Context // Begin's (the TxStarter's when there is one)
}

func (t *pgxTx) Exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if err := t.e.guard(ctx, "exec", query); err != nil {
		return nil, err
	}
	tag, err := t.tx.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

func (t *pgxTx) Query(ctx context.Context, query string, args []any) (engine.Rows, error) {
	if err := t.e.guard(ctx, "query", query); err != nil {
		return nil, err
	}
	r, err := t.tx.Query(ctx, query, withFormats(args)...)
	if err != nil {
		return nil, err
	}
	return &rows{r: r}, nil
}

// Commit and Rollback run with Begin's context without its cancellation:
// package orm checks that context before it commits, and a rollback must
// be sent whatever became of it.
func (t *pgxTx) Commit() error   { return t.finish(t.tx.Commit) }
func (t *pgxTx) Rollback() error { return t.finish(t.tx.Rollback) }

func (t *pgxTx) finish(end func(context.Context) error) error {
	return txError(end(context.WithoutCancel(t.ctx)))
}

// txError makes pgx's "transaction already closed" match sql.ErrTxDone,
// as database/sql's does.
func txError(err error) error {
	if errors.Is(err, pgx.ErrTxClosed) {
		return fmt.Errorf("%w (%w)", sql.ErrTxDone, err)
	}
	return err
}

// result is a command's rows affected as a sql.Result.
type result int64

func (r result) RowsAffected() (int64, error) { return int64(r), nil }

func (result) LastInsertId() (int64, error) {
	return 0, errors.New("ormpgx: LastInsertId is not supported by PostgreSQL; use RETURNING")
}
