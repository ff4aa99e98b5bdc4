package orm

import (
	"context"
	"database/sql"

	"github.com/aiodb/aiodb/orm/engine"
)

// This file puts database/sql behind engine's interfaces, so that the
// execution path (exec.go) is the same on database/sql and on an engine.

// stdQueryer is what *sql.DB, *sql.Tx and a replica set share.
type stdQueryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// stdExec is a stdQueryer as an engine.Queryer. It is made once per pool
// or transaction and used through a pointer, so that handing it out as an
// interface does not allocate.
type stdExec struct{ q stdQueryer }

func (e *stdExec) Exec(ctx context.Context, query string, args []any) (sql.Result, error) {
	return e.q.ExecContext(ctx, query, args...)
}

func (e *stdExec) Query(ctx context.Context, query string, args []any) (engine.Rows, error) {
	rows, err := e.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err // not a typed nil in a non-nil interface
	}
	return rows, nil
}

// stdTx is a *sql.Tx as an engine.Tx.
type stdTx struct {
	stdExec
	tx *sql.Tx
}

func newStdTx(tx *sql.Tx) *stdTx { return &stdTx{stdExec{tx}, tx} }

func (t *stdTx) Commit() error   { return t.tx.Commit() }
func (t *stdTx) Rollback() error { return t.tx.Rollback() }

// beginStd begins a database/sql transaction on db's pool.
func (db *DB) beginStd(ctx context.Context, opts *sql.TxOptions) (engine.Tx, *sql.Tx, error) {
	tx, err := db.sqlDB.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return newStdTx(tx), tx, nil
}
