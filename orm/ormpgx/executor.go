package ormpgx

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// DBTX is what hand-written pgx code runs on: the methods *pgxpool.Pool
// and pgx.Tx share, which sqlc's pgx/v5 output (its DBTX) accepts.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Executor returns what hand-written SQL run with ctx must use to join the
// ORM's work on db (a DB of Open, OpenConfig or New): the pgx transaction
// of db that ctx carries (Atomic, Transaction, BeginContext; inside a
// Savepoint the same transaction), or else db's pool. It is nil for a DB
// on database/sql (use orm.DB.Executor there).
//
// Its statements pass the sync guard first, as the ORM's do: under the
// error mode a sync call fails before anything is sent (QueryRow's Scan
// returns the error; SendBatch's results do), under panic it panics. The
// pool's tracer reports them to the hooks. Like orm.DB.Executor's, they do
// not take turns with ORM statements that other goroutines run in the
// same transaction.
func Executor(ctx context.Context, db *orm.DB) DBTX {
	q := db.EngineExecutor(ctx)
	switch q := q.(type) {
	case *pgxEngine:
		return guarded{e: q, on: q.pool}
	case *pgxTx:
		return guarded{e: q.e, on: q.tx}
	}
	return nil
}

// guarded runs DBTX calls on on after the guard of e.
type guarded struct {
	e  *pgxEngine
	on DBTX
}

func (g guarded) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := g.e.guard(ctx, "exec", sql); err != nil {
		return pgconn.CommandTag{}, err
	}
	return g.on.Exec(ctx, sql, args...)
}

func (g guarded) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := g.e.guard(ctx, "query", sql); err != nil {
		return nil, err
	}
	return g.on.Query(ctx, sql, args...)
}

func (g guarded) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := g.e.guard(ctx, "query", sql); err != nil {
		return errRow{err}
	}
	return g.on.QueryRow(ctx, sql, args...)
}

func (g guarded) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if err := g.e.guard(ctx, "exec", "COPY "+table.Sanitize()); err != nil {
		return 0, err
	}
	return g.on.CopyFrom(ctx, table, columns, rows)
}

// SendBatch's guard sees the batch's statements joined by "; ", as
// aiopgx's SendBatch does.
func (g guarded) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if g.e.opts.Sync != driver.SyncAllow {
		var sqls []string
		if b != nil {
			for _, q := range b.QueuedQueries {
				sqls = append(sqls, q.SQL)
			}
		}
		if err := g.e.guard(ctx, "exec", strings.Join(sqls, "; ")); err != nil {
			return errBatch{err}
		}
	}
	return g.on.SendBatch(ctx, b)
}

// errRow is a QueryRow refused by the guard.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// errBatch is a SendBatch refused by the guard.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
