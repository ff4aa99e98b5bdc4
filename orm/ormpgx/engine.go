package ormpgx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm/engine"
)

// pgxEngine is the engine.Engine of a pgx pool. Statements are checked by
// the guard before they are sent; the pool's tracer (a *Tracer) fires the
// hooks' events.
type pgxEngine struct {
	pool *pgxpool.Pool
	opts driver.Options // the guard's mode, hooks and logger
	// traced is set when hooks are on: statements then tell the tracer
	// their Kind (Query or Exec) through the context.
	traced bool
	sqlDB  *sql.DB
	owns   bool // Close closes the pool
}

var _ engine.Engine = (*pgxEngine)(nil)

func newEngine(pool *pgxpool.Pool, opts driver.Options, owns bool) *pgxEngine {
	opts.Name, opts.Dialect = driverName, driver.DialectPostgres
	return &pgxEngine{pool: pool, opts: opts, traced: opts.Hooks != nil, owns: owns, sqlDB: sqlView(pool, opts)}
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
	return e.exec(ctx, e.pool, query, args)
}

// pgxExecer is what a statement without rows runs on: the pool or a pgx.Tx.
type pgxExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func (e *pgxEngine) exec(ctx context.Context, on pgxExecer, query string, args []any) (sql.Result, error) {
	if e.traced {
		ctx = context.WithValue(ctx, stmtKindKey, hooks.StmtExec)
	}
	tag, err := on.Exec(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return result(tag.RowsAffected()), nil
}

func (e *pgxEngine) Query(ctx context.Context, query string, args []any) (engine.Rows, error) {
	if err := e.guard(ctx, "query", query); err != nil {
		return nil, err
	}
	return e.query(ctx, e.pool, query, args, nil)
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

// pgxQueryer is what a query runs on: the pool or a pgx.Tx.
type pgxQueryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// query runs sql on q with resultFormats before args (pgx takes it as an
// option; the tracer leaves it out of the hooks' Args). The arguments
// live in the rows' own array when they fit, so that a query allocates
// once for both. tx, when not nil, is the transaction whose busy lock the
// caller holds: the rows' Close releases it.
func (e *pgxEngine) query(ctx context.Context, q pgxQueryer, sql string, args []any, tx *pgxTx) (engine.Rows, error) {
	if e.traced {
		ctx = context.WithValue(ctx, stmtKindKey, hooks.StmtQuery)
	}
	r := &rows{tx: tx}
	var all []any
	if len(args) < len(r.args) {
		all = r.args[:1+len(args)]
	} else {
		all = make([]any, 1+len(args))
	}
	all[0] = resultFormats
	copy(all[1:], args)
	pr, err := q.Query(ctx, sql, all...)
	if err != nil {
		return nil, err
	}
	r.r = pr
	return r, nil
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
	t := &pgxTx{e: e, tx: tx, ctx: ctx}
	if ctx.Done() != nil {
		t.stop = context.AfterFunc(ctx, t.ctxDone)
	}
	return t, nil
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
// statements, as pgx needs; the lock here is against the rollback that the
// end of Begin's context starts, as database/sql rolls back then.
type pgxTx struct {
	e   *pgxEngine
	tx  pgx.Tx
	ctx context.Context // Begin's (the TxStarter's when there is one)
	// busy is held while a statement runs or its rows are open, and by
	// Commit, Rollback and ctxDone; ended (guarded by busy) is set by
	// the first of those three.
	busy  sync.Mutex
	ended bool
	stop  func() bool // stops ctxDone's AfterFunc; nil when ctx cannot end
}

// lock takes busy for a statement; it fails once the transaction ended.
func (t *pgxTx) lock() error {
	t.busy.Lock()
	if t.ended {
		t.busy.Unlock()
		if err := t.ctx.Err(); err != nil {
			return fmt.Errorf("%w: the transaction's context ended and it was rolled back: %w", sql.ErrTxDone, context.Cause(t.ctx))
		}
		return sql.ErrTxDone
	}
	return nil
}

func (t *pgxTx) Exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	if err := t.e.guard(ctx, "exec", query); err != nil {
		return nil, err
	}
	if err := t.lock(); err != nil {
		return nil, err
	}
	defer t.busy.Unlock()
	return t.e.exec(ctx, t.tx, query, args)
}

func (t *pgxTx) Query(ctx context.Context, query string, args []any) (engine.Rows, error) {
	if err := t.e.guard(ctx, "query", query); err != nil {
		return nil, err
	}
	if err := t.lock(); err != nil {
		return nil, err
	}
	r, err := t.e.query(ctx, t.tx, query, args, t)
	if err != nil {
		t.busy.Unlock()
	}
	return r, err
}

// Commit and Rollback run with Begin's context without its cancellation:
// package orm checks that context before it commits, and a rollback must
// be sent whatever became of it.
func (t *pgxTx) Commit() error   { return t.finish(t.tx.Commit) }
func (t *pgxTx) Rollback() error { return t.finish(t.tx.Rollback) }

func (t *pgxTx) finish(end func(context.Context) error) error {
	if err := t.lock(); err != nil {
		return err
	}
	defer t.busy.Unlock()
	t.ended = true
	if t.stop != nil {
		t.stop()
	}
	return txError(end(context.WithoutCancel(t.ctx)))
}

// ctxDone rolls back a transaction whose Begin context ended before it
// was committed or rolled back, once its running statement is done, so
// that its connection goes back to the pool. A wait of rollbackTimeout
// at most: the connection is then closed by pgx.
func (t *pgxTx) ctxDone() {
	t.busy.Lock()
	defer t.busy.Unlock()
	if t.ended {
		return
	}
	t.ended = true
	ctx, cancel := context.WithTimeout(context.WithoutCancel(t.ctx), rollbackTimeout)
	defer cancel()
	// Nobody waits for the outcome: pgx gives the connection back, or
	// closes it, either way; the transaction's next call says it ended.
	_ = t.tx.Rollback(ctx)
}

const rollbackTimeout = 5 * time.Second

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
