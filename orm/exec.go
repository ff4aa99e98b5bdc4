package orm

import (
	"context"
	"database/sql"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/internal/txn"
)

// This file is the execution path every statement of the package takes:
// acquire picks what it runs on (the pool, a replica, or the transaction
// bound to the context), run and exec send the statement a builder made.

// executor is what statements run on: the pool, a replica set, or the
// transaction bound to the context, on database/sql or an engine.
type executor = engine.Queryer

// acquire returns what a statement run with ctx executes on, and a release
// function the caller must call exactly once, when the statement and its
// rows are done. Every query of the package goes through it, so that
// transactions bound to the context (and their serialisation) apply
// everywhere.
//
// When ctx carries a transaction of this DB (see Atomic, Transaction and
// BeginContext), acquire waits for the transaction's lock and returns its
// *sql.Tx; release unlocks it. Operations started concurrently with one
// transaction's context thus take turns on its single connection. The wait
// ends early with ctx's error when ctx is done. A transaction that has
// already finished (a context kept after Atomic returned) fails with an
// error matching sql.ErrTxDone: its statements never run outside it. A
// transaction of another DB in ctx is ignored.
//
// Without a transaction, acquire returns the pool and a release that does
// nothing.
//
// Callers must read their rows to the end, or close them, before calling
// release, and should release in a defer so that a panic cannot leave the
// transaction locked (its rollback would then wait forever). A stream run
// inside a transaction must therefore buffer its rows and release before
// yielding them, so that iterating while writing in the same transaction
// cannot deadlock.
func (db *DB) acquire(ctx context.Context) (executor, func(), error) {
	tx := db.txFrom(ctx)
	if tx == nil {
		if db.engine != nil && db.shut.Load() {
			// The engine's own error (a closed pool) would not say why.
			return nil, nil, ErrManagerClosed
		}
		return db.pool, noRelease, nil
	}
	if err := tx.core.Lock(ctx); err != nil {
		return nil, nil, err
	}
	if tx.core.Done() {
		tx.core.Unlock()
		return nil, nil, txn.ErrFinished("statement")
	}
	return tx.core.SQL, tx.core.Release(), nil
}

func noRelease() {}

// run executes the query built in b on the executor acquire gives for ctx
// and passes the rows to fn. The rows are closed and the executor released
// on every path, panics included.
func (db *DB) run(ctx context.Context, b *sqlb.Builder, fn func(rows engine.Rows) error) error {
	return db.runRows(ctx, b, fn, false)
}

// read is run for an fn that starts its result over each time it is
// called (it resets what it fills before reading the first row). A read
// that a replica answers is then run again on the next server when the
// replica's connection breaks while fn reads the rows (a replica shut
// down in the middle of a result), as it is when the connection breaks
// before the first row. Reads whose rows have reached the caller (Each,
// AioExecute) use run: they cannot be taken back.
func (db *DB) read(ctx context.Context, b *sqlb.Builder, fn func(rows engine.Rows) error) error {
	return db.runRows(ctx, b, fn, db.replicas != nil)
}

func (db *DB) runRows(ctx context.Context, b *sqlb.Builder, fn func(rows engine.Rows) error, again bool) error {
	if b.Err != nil {
		return b.Err
	}
	query := b.SQL()
	exec, release, err := db.acquireQuery(ctx, query)
	if err != nil {
		return err
	}
	defer release()
	if again && exec == db.replicaExec {
		for try := 1; ; try++ {
			rows, srv, err := db.replicas.Query(ctx, query, b.Args)
			if err != nil {
				return db.wrapErr(err, query)
			}
			err = db.scanRows(rows, fn, query)
			if err == nil || try == db.replicas.Tries() || !db.replicas.Failed(ctx, srv, err) {
				return err
			}
		}
	}
	rows, err := exec.Query(ctx, query, b.Args)
	if err != nil {
		return db.wrapErr(err, query)
	}
	return db.scanRows(rows, fn, query)
}

// scanRows passes rows to fn and closes them, panics included; it returns
// fn's error as it is and the rows' own error wrapped with query.
func (db *DB) scanRows(rows engine.Rows, fn func(rows engine.Rows) error, query string) error {
	closed := false
	defer func() {
		if !closed { // fn panicked: close before release
			rows.Close()
		}
	}()
	err := fn(rows)
	closed = true
	cerr := rows.Close()
	if err != nil {
		return err
	}
	if cerr != nil {
		return db.wrapErr(cerr, query)
	}
	if err := rows.Err(); err != nil {
		return db.wrapErr(err, query)
	}
	return nil
}

// exec executes the statement built in b and returns its result.
func (db *DB) exec(ctx context.Context, b *sqlb.Builder) (sql.Result, error) {
	if b.Err != nil {
		return nil, b.Err
	}
	query := b.SQL()
	exec, release, err := db.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	res, err := exec.Exec(ctx, query, b.Args)
	if err != nil {
		return nil, db.wrapErr(err, query)
	}
	return res, nil
}

// Executor is what hand-written SQL runs on: the methods *sql.DB and
// *sql.Tx share, which sqlc's generated DBTX interface, sqlx's helpers
// and most query libraries accept.
type Executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Executor returns what SQL written by hand and run with ctx must use to
// join the ORM's work: the *sql.Tx of the transaction of db that ctx
// carries (Atomic, Transaction, BeginContext; inside a Savepoint it is the
// same transaction, so rolling back to the savepoint undoes the raw
// statements too), or else db's *sql.DB. Hand it to sqlc's New, to sqlx, or
// call its methods with ctx:
//
//	err := db.Atomic(ctx, func(ctx context.Context) error {
//		if err := books.Create(ctx, &b); err != nil {
//			return err
//		}
//		_, err := db.Executor(ctx).ExecContext(ctx, "UPDATE stock SET n = n - 1 WHERE id = $1", b.StockID)
//		return err // an error rolls back both
//	})
//
// Its statements are the driver's own: placeholders are $1 on PostgreSQL
// and ? elsewhere.
// The guard and hooks see its statements as they see the ORM's. They do
// not take turns with ORM statements of the same transaction run by other
// goroutines (the ORM's own statements do): use it from the goroutine
// that runs the transaction's function, and not while rows of the same
// transaction are still being read. After the transaction ended, its
// statements fail with an error matching sql.ErrTxDone.
//
// On a DB of OpenEngine, outside a transaction it is the engine's
// *sql.DB. Inside a transaction it panics, since the engine's transaction
// is not a *sql.Tx: use the engine's own (ormpgx.Executor).
func (db *DB) Executor(ctx context.Context) Executor {
	if tx := db.txFrom(ctx); tx != nil {
		if tx.core.Std == nil {
			panic("orm: DB.Executor inside a transaction of an engine (" + db.dialect.Name + "): its transaction is not a *sql.Tx; use the engine's executor (ormpgx.Executor)")
		}
		return tx.core.Std
	}
	return db.sqlDB
}

// queryRow runs query on exec and scans its first row into dest; it
// returns sql.ErrNoRows when there is none.
func queryRow(ctx context.Context, exec executor, query string, args []any, dest ...any) error {
	rows, err := exec.Query(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}
