package orm

import "context"

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
		return db.sqlDB, noRelease, nil
	}
	if err := tx.lock(ctx); err != nil {
		return nil, nil, err
	}
	if tx.done.Load() {
		tx.unlock()
		return nil, nil, errTxFinished("statement")
	}
	return tx.sqlTx, tx.unlockFn, nil
}

func noRelease() {}
