package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/internal/txn"
)

// ErrTransactionOpen is returned by Transaction and BeginContext when the
// context already carries a transaction of the same DB. Use Atomic (or
// Savepoint) to nest work inside it instead.
var ErrTransactionOpen = errors.New("orm: a transaction of this DB is already open in the context")

// ErrNoTransaction is returned by Savepoint when the context carries no
// transaction of the DB.
var ErrNoTransaction = errors.New("orm: no transaction of this DB in the context")

// Tx is a transaction bound to a context: every statement of the DB run
// with that context (or one derived from it) runs in the transaction.
// BeginContext returns one; Atomic and Transaction manage theirs
// themselves. Its methods are safe for concurrent use.
type Tx struct{ core txn.Tx }

// SQLTx returns the *sql.Tx underneath, for SQL written by hand (see
// DB.Executor, which finds it from the context).
func (tx *Tx) SQLTx() *sql.Tx { return tx.core.Std }

// Commit commits the transaction. It waits for statements running in it to
// finish first; statements started after it fail with an error matching
// sql.ErrTxDone. When the COMMIT fails, Commit rolls back (so the
// connection goes back to the pool clean) and returns the commit error.
// Commit after Commit or Rollback returns an error matching sql.ErrTxDone.
// When the context the transaction was begun with has ended, nothing is
// committed (database/sql rolls back) and Commit returns an error matching
// the context's error that says so.
func (tx *Tx) Commit() error { return tx.core.Commit() }

// Rollback rolls the transaction back. It waits for statements running in
// it to finish first; statements started after it fail with an error
// matching sql.ErrTxDone. Rollback after Commit or Rollback returns an
// error matching sql.ErrTxDone, so a deferred Rollback after a successful
// Commit is harmless.
func (tx *Tx) Rollback() error { return tx.core.Rollback() }

// TxOption configures the transaction begun by Atomic, Transaction or
// BeginContext: Isolation, ReadOnly and Retry. Options apply to a new
// transaction only: a nested Atomic (a savepoint) ignores them. Without
// options a transaction has the server's default isolation level, is
// read-write and runs once.
type TxOption func(*txConfig)

// txConfig is what the TxOptions of one call set.
type txConfig struct {
	sql   sql.TxOptions
	retry *RetryPolicy // nil: run once
}

// Isolation sets the transaction's isolation level. A level the driver
// does not support makes the BEGIN fail with the driver's error (SQLite
// accepts and ignores every level).
func Isolation(level sql.IsolationLevel) TxOption {
	return func(c *txConfig) { c.sql.Isolation = level }
}

// ReadOnly begins a read-only transaction (PostgreSQL, MySQL/MariaDB):
// writes in it fail on the server. SQLite ignores it.
func ReadOnly() TxOption {
	return func(c *txConfig) { c.sql.ReadOnly = true }
}

// txOptions applies opts.
func txOptions(opts []TxOption) txConfig {
	var c txConfig
	for _, opt := range opts {
		opt(&c)
	}
	return c
}

// txKey is the context key of a DB's transaction: one key per DB, so a
// context may carry transactions of several DBs.
type txKey struct{ db *DB }

// txFrom returns the transaction of db that ctx carries, or nil.
func (db *DB) txFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{db}).(*Tx)
	return tx
}

// BeginContext begins a transaction and returns a context bound to it, for
// code that cannot put its work in a closure (Atomic is simpler and safer).
// Every statement of db run with the returned context, or one derived from
// it, runs in the transaction until Commit or Rollback; after that they
// fail with an error matching sql.ErrTxDone. The caller must end the
// transaction with Commit or Rollback, or its connection stays taken;
// database/sql also rolls it back when ctx is cancelled.
//
// It fails with ErrTransactionOpen when ctx already carries an open
// transaction of db, and with an error matching sql.ErrTxDone when the one
// it carries has finished. Under the sync guard's panic mode, a ctx marked neither async nor
// AllowSync makes it panic with a *driver.SyncCallError (Op "begin")
// before any connection is taken; under the error mode it returns the
// guard's error.
func (db *DB) BeginContext(ctx context.Context, opts ...TxOption) (context.Context, *Tx, error) {
	if err := db.checkNoTx(ctx, "begin"); err != nil {
		return nil, nil, err
	}
	db.guardBegin(ctx)
	cfg := txOptions(opts)
	return db.begin(ctx, &cfg)
}

// checkNoTx fails when ctx carries a transaction of db: ErrTransactionOpen
// while it is open, sql.ErrTxDone once it has finished (a kept context).
func (db *DB) checkNoTx(ctx context.Context, op string) error {
	tx := db.txFrom(ctx)
	switch {
	case tx == nil:
		return nil
	case tx.core.Done():
		return txn.ErrFinished(op)
	default:
		return ErrTransactionOpen
	}
}

func (db *DB) begin(ctx context.Context, cfg *txConfig) (context.Context, *Tx, error) {
	// Always the primary: replicas serve reads outside transactions only.
	etx, sqlTx, err := db.beginTx(ctx, &cfg.sql)
	if err != nil {
		return nil, nil, fmt.Errorf("orm: begin: %w", err)
	}
	tx := new(Tx)
	tx.core.Init(etx, sqlTx, ctx)
	return context.WithValue(ctx, txKey{db}, tx), tx, nil
}

// guardBegin panics under the sync guard's panic mode when ctx is a sync
// context. The driver cannot panic inside BeginTx without leaking a pool
// slot, so the check is made here, before database/sql takes a connection.
func (db *DB) guardBegin(ctx context.Context) {
	if db.sync != driver.SyncPanic {
		return
	}
	if err := driver.Check(ctx, db.sync, "begin", ""); err != nil {
		panic(err)
	}
}

// Atomic runs fn in a transaction bound to the context fn receives, like
// peewee's atomic(). When ctx carries no transaction of db, Atomic begins
// one (BEGIN), commits it when fn returns nil and rolls it back when fn
// returns an error or panics; the panic then goes on with its value
// unchanged. When ctx already carries one, Atomic nests: it runs fn inside
// a savepoint that is released on success and rolled back to on error or
// panic, so the outer work is kept (see Savepoint).
//
// Atomic returns fn's error as it is (after a failed rollback, joined with
// the rollback's error), or the error of BEGIN or COMMIT; when the COMMIT
// fails, the transaction is rolled back. The connection always goes back
// to the pool. Operations fn starts concurrently with its context share
// the transaction's connection and take turns on it; fn should wait for
// them before returning, since statements run after the end fail with an
// error matching sql.ErrTxDone.
//
// opts apply to a new transaction only; with Retry, a serialization
// failure or deadlock runs fn again in a new transaction (see RetryPolicy).
// Under the sync guard's panic mode,
// beginning a transaction with a ctx marked neither async nor AllowSync
// panics with a *driver.SyncCallError (Op "begin"); use AioAtomic or
// aio.AllowSync.
func (db *DB) Atomic(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) error {
	if tx := db.txFrom(ctx); tx != nil {
		return tx.core.Savepoint(ctx, fn)
	}
	db.guardBegin(ctx)
	return db.transactionOpts(ctx, fn, opts)
}

// Transaction runs fn in a new transaction bound to the context fn
// receives: committed when fn returns nil, rolled back when it returns an
// error or panics (the panic goes on). Unlike Atomic it never nests: when
// ctx already carries a transaction of db it fails with ErrTransactionOpen
// without calling fn (with an error matching sql.ErrTxDone when that
// transaction has finished). Errors, the guard and opts are as for Atomic.
func (db *DB) Transaction(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) error {
	if err := db.checkNoTx(ctx, "begin"); err != nil {
		return err
	}
	db.guardBegin(ctx)
	return db.transactionOpts(ctx, fn, opts)
}

// Savepoint runs fn inside a savepoint of the transaction ctx carries:
// released when fn returns nil, rolled back to when fn returns an error or
// panics (the panic goes on), undoing only fn's work. Without a transaction
// of db in ctx it fails with ErrNoTransaction without calling fn.
// Savepoints are named aiodb_sp_1, aiodb_sp_2, ... per transaction.
//
// Savepoints form a stack on the transaction's one connection, so those
// started concurrently with the same context (several AioSavepoint or
// AioAtomic calls) take turns, each from SAVEPOINT to its release; fn must
// therefore start its own nested work with the context it receives, not an
// outer one, or it waits for itself. Plain statements of other goroutines
// are not held back: a rollback to the savepoint also undoes those they
// ran meanwhile.
func (db *DB) Savepoint(ctx context.Context, fn func(ctx context.Context) error) error {
	tx := db.txFrom(ctx)
	if tx == nil {
		return ErrNoTransaction
	}
	return tx.core.Savepoint(ctx, fn)
}

// AioAtomic is the async twin of Atomic: it runs Atomic in a new goroutine
// with ctx marked async and delivers its error on the returned channel,
// which receives exactly one Result and is then closed. A panic in fn
// rolls back and arrives as an *aio.PanicError.
func (db *DB) AioAtomic(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) <-chan aio.Result[struct{}] {
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, db.Atomic(ctx, fn, opts...)
	})
}

// AioTransaction is the async twin of Transaction; see AioAtomic for the
// channel.
func (db *DB) AioTransaction(ctx context.Context, fn func(ctx context.Context) error, opts ...TxOption) <-chan aio.Result[struct{}] {
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, db.Transaction(ctx, fn, opts...)
	})
}

// AioSavepoint is the async twin of Savepoint; see AioAtomic for the
// channel.
func (db *DB) AioSavepoint(ctx context.Context, fn func(ctx context.Context) error) <-chan aio.Result[struct{}] {
	return aio.Go(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, db.Savepoint(ctx, fn)
	})
}

// transactionOpts runs fn in a new transaction configured by opts,
// retrying it when they include Retry.
func (db *DB) transactionOpts(ctx context.Context, fn func(ctx context.Context) error, opts []TxOption) error {
	cfg := txOptions(opts)
	if cfg.retry != nil {
		return db.transactionRetry(ctx, fn, &cfg)
	}
	return db.transaction(ctx, fn, &cfg)
}

// transaction begins a transaction, runs fn with its context and ends it.
func (db *DB) transaction(ctx context.Context, fn func(ctx context.Context) error, cfg *txConfig) error {
	txCtx, tx, err := db.begin(ctx, cfg)
	if err != nil {
		return err
	}
	ended := false
	defer func() {
		// fn panicked (or called runtime.Goexit): roll back and let the
		// panic go on untouched.
		if !ended {
			_ = tx.Rollback()
		}
	}()
	err = fn(txCtx)
	ended = true
	if err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}
