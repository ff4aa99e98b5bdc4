package txn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/engine"
)

// ErrFinished is the error of work attempted with the context of a
// transaction that has already committed or rolled back.
func ErrFinished(op string) error {
	return fmt.Errorf("orm: %s with the context of a finished transaction: %w", op, sql.ErrTxDone)
}

// Tx is a database/sql transaction shared by the goroutines of one
// context: they take turns on its connection (Lock), and savepoints nest
// on it. Its methods are safe for concurrent use.
type Tx struct {
	// SQL is what the transaction's statements run on; Std is the same
	// transaction's *sql.Tx on database/sql, nil on an engine.
	SQL engine.Tx
	Std *sql.Tx
	// sem is the transaction's lock: a statement, a savepoint command or
	// the commit holds it while it uses the connection. A channel rather
	// than a sync.Mutex so that waiting can end with the context.
	sem      chan struct{}
	unlockFn func()      // tx.unlock, bound once so acquire does not allocate
	done     atomic.Bool // committed or rolled back; set under sem
	seq      int         // last savepoint number; guarded by sem
	// gate admits one savepoint at a time directly under the
	// transaction; each savepoint has its own gate for those nested in it.
	gate chan struct{}
	// ctx is the context the transaction was begun with: database/sql
	// rolls back when it ends, and Commit then says so.
	ctx context.Context
}

// spKey is the context key of the gate of the innermost savepoint of tx.
type spKey struct{ tx *Tx }

// Init makes tx the transaction etx (std when it is database/sql's),
// begun with ctx.
func (tx *Tx) Init(etx engine.Tx, std *sql.Tx, ctx context.Context) {
	tx.SQL, tx.Std, tx.ctx = etx, std, ctx
	tx.sem, tx.gate = make(chan struct{}, 1), make(chan struct{}, 1)
	tx.unlockFn = tx.Unlock
}

// Release returns Unlock as a func value made once, so that handing it
// out does not allocate.
func (tx *Tx) Release() func() { return tx.unlockFn }

// Done reports whether the transaction was committed or rolled back.
func (tx *Tx) Done() bool { return tx.done.Load() }

// Lock waits for the transaction's lock, or for ctx to end.
func (tx *Tx) Lock(ctx context.Context) error {
	select {
	case tx.sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case tx.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("orm: waiting for the transaction's connection: %w", context.Cause(ctx))
	}
}

// Unlock gives the connection to the next statement.
func (tx *Tx) Unlock() { <-tx.sem }

// Commit commits the transaction. It waits for statements running in it to
// finish first; statements started after it fail with an error matching
// sql.ErrTxDone. When the COMMIT fails, Commit rolls back (so the
// connection goes back to the pool clean) and returns the commit error.
// Commit after Commit or Rollback returns an error matching sql.ErrTxDone.
// When the context the transaction was begun with has ended, nothing is
// committed (database/sql rolls back) and Commit returns an error matching
// the context's error that says so.
func (tx *Tx) Commit() error {
	tx.sem <- struct{}{}
	defer tx.Unlock()
	if tx.done.Swap(true) {
		return ErrFinished("commit")
	}
	if tx.ctx != nil && tx.ctx.Err() != nil {
		// Not sent: database/sql may not have seen the end of the
		// context yet and would commit.
		_ = tx.SQL.Rollback()
		return tx.endedBeforeCommit(tx.ctx.Err())
	}
	if err := tx.SQL.Commit(); err != nil {
		// database/sql ends the transaction whatever Commit returns
		// (this then returns ErrTxDone); the rollback is for a wrapper
		// or future version that leaves it open.
		_ = tx.SQL.Rollback()
		if e := tx.endedBeforeCommit(err); e != nil {
			return e
		}
		return fmt.Errorf("orm: commit: %w", err)
	}
	return nil
}

// endedBeforeCommit returns the error of a Commit that failed with err
// because the transaction's context had ended, or nil. database/sql rolls
// such a transaction back itself and its Commit answers sql.ErrTxDone
// ("already committed or rolled back", which misleads) or the context's
// error; the COMMIT was never sent, so nothing was committed. The error
// matches the context's error (and its cause). A COMMIT whose connection
// was lost (driver.ErrConnLost: outcome unknown) is not restated.
func (tx *Tx) endedBeforeCommit(err error) error {
	if tx.ctx == nil || errors.Is(err, driver.ErrConnLost) {
		return nil
	}
	ctxErr := tx.ctx.Err()
	if ctxErr == nil || !errors.Is(err, sql.ErrTxDone) && !errors.Is(err, ctxErr) {
		return nil
	}
	const msg = "orm: commit: the transaction's context ended before COMMIT; it was rolled back and nothing was committed"
	if cause := context.Cause(tx.ctx); cause != ctxErr {
		return fmt.Errorf(msg+": %w: %w", ctxErr, cause)
	}
	return fmt.Errorf(msg+": %w", ctxErr)
}

// Rollback rolls the transaction back. It waits for statements running in
// it to finish first; statements started after it fail with an error
// matching sql.ErrTxDone. Rollback after Commit or Rollback returns an
// error matching sql.ErrTxDone, so a deferred Rollback after a successful
// Commit is harmless.
func (tx *Tx) Rollback() error {
	tx.sem <- struct{}{}
	defer tx.Unlock()
	if tx.done.Swap(true) {
		return ErrFinished("rollback")
	}
	if err := tx.SQL.Rollback(); err != nil {
		return fmt.Errorf("orm: rollback: %w", err)
	}
	return nil
}

// Savepoint runs fn inside a new savepoint of tx.
//
// Savepoints form a stack: releasing or rolling back to one also ends every
// savepoint made after it. So savepoints started concurrently at the same
// level (several AioAtomic with one context) take turns, each holding its
// parent's gate from SAVEPOINT to RELEASE; fn's context carries the new
// savepoint's own gate, so savepoints nested in fn do not wait for it.
// Plain statements are not held back: they only take turns on the
// connection, and a rollback to the savepoint undoes those run meanwhile
// by other goroutines too.
func (tx *Tx) Savepoint(ctx context.Context, fn func(ctx context.Context) error) error {
	parent := tx.gate
	if g, ok := ctx.Value(spKey{tx}).(chan struct{}); ok {
		parent = g
	}
	select {
	case parent <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("orm: waiting for a concurrent savepoint: %w", context.Cause(ctx))
	}
	defer func() { <-parent }()
	name, err := tx.beginSavepoint(ctx)
	if err != nil {
		return err
	}
	spCtx := context.WithValue(ctx, spKey{tx}, make(chan struct{}, 1))
	ended := false
	defer func() {
		if !ended {
			_ = tx.rollbackTo(ctx, name)
		}
	}()
	err = fn(spCtx)
	ended = true
	if err != nil {
		if rbErr := tx.rollbackTo(ctx, name); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	if err := tx.control(ctx, "release", "RELEASE SAVEPOINT "+name); err != nil {
		// The release failed, e.g. PostgreSQL after an error fn ignored:
		// undo fn's work so the outer transaction can go on.
		_ = tx.rollbackTo(ctx, name)
		return err
	}
	return nil
}

// beginSavepoint sends SAVEPOINT with the next generated name.
func (tx *Tx) beginSavepoint(ctx context.Context) (string, error) {
	if err := tx.Lock(ctx); err != nil {
		return "", err
	}
	defer tx.Unlock()
	if tx.done.Load() {
		return "", ErrFinished("savepoint")
	}
	tx.seq++
	name := "aiodb_sp_" + strconv.Itoa(tx.seq)
	if _, err := tx.SQL.Exec(ctx, "SAVEPOINT "+name, nil); err != nil {
		return "", fmt.Errorf("orm: savepoint %s: %w", name, err)
	}
	return name, nil
}

// rollbackTo undoes the work done since savepoint name, then releases it.
func (tx *Tx) rollbackTo(ctx context.Context, name string) error {
	if err := tx.control(ctx, "rollback to", "ROLLBACK TO SAVEPOINT "+name); err != nil {
		return err
	}
	return tx.control(ctx, "release", "RELEASE SAVEPOINT "+name)
}

// control runs a savepoint command under the transaction's lock. It runs
// even when ctx was cancelled (a rollback to must not be skipped because
// fn failed on a cancelled context); the context's values, such as the
// async mark the guard checks, are kept.
func (tx *Tx) control(ctx context.Context, op, query string) error {
	ctx = context.WithoutCancel(ctx)
	if err := tx.Lock(ctx); err != nil {
		return err
	}
	defer tx.Unlock()
	if tx.done.Load() {
		return ErrFinished(op + " savepoint")
	}
	if _, err := tx.SQL.Exec(ctx, query, nil); err != nil {
		return fmt.Errorf("orm: %s: %w", strings.ToLower(query), err)
	}
	return nil
}
