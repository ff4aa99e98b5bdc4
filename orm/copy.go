package orm

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm/schema"
)

// ErrCopyInTransaction is the error of CopyFrom with a context that
// carries a transaction of the model's DB. database/sql gives no access to
// the connection of a *sql.Tx, and a COPY run on another connection would
// not be part of the transaction (a rollback would keep its rows), so
// CopyFrom refuses instead, before anything is sent; the transaction
// itself is left as it was. For a COPY inside a transaction, begin the
// transaction on a *sql.Conn and use driver.CopyFrom on that connection.
var ErrCopyInTransaction = errors.New("orm: CopyFrom inside a transaction: database/sql does not hand out a transaction's connection; run it outside the transaction, or use driver.CopyFrom on a *sql.Conn with its own BeginTx")

// CopyFrom loads rows into m's table with PostgreSQL's COPY FROM STDIN
// (driver.CopyFrom) and returns the number of rows copied: many times
// faster than INSERT for bulk loads. It writes every column of the model
// but an auto primary key, which the database fills (the rows' values of
// it are not read, and not set afterwards either: COPY returns nothing).
// Model hooks (BeforeSave and the like) are not called.
//
// The guard and hooks see one statement, as for an Exec (see
// driver.CopyFrom): under the guard's error and panic modes, ctx must be
// async (package aio) or allowed (aio.AllowSync). It fails with
// ErrCopyInTransaction when ctx carries a transaction of m's DB, and with
// an error matching driver.ErrNotPostgres naming the driver on MySQL and
// SQLite. A row the server refuses (a duplicate key, a NULL in a NOT NULL
// column) fails the whole COPY, matching ErrIntegrity, and no row is
// left behind.
func CopyFrom[T any](ctx context.Context, m *Model[T], rows []*T) (int64, error) {
	i := 0
	return copyFrom(ctx, m, func() (*T, bool) {
		for i < len(rows) {
			r := rows[i]
			i++
			if r != nil {
				return r, true
			}
		}
		return nil, false
	})
}

// CopyFromSeq is CopyFrom with the rows of an iterator, which is read as
// the COPY goes, so that rows need not all be in memory at once; nil rows
// are skipped. The iteration stops early when the COPY fails.
func CopyFromSeq[T any](ctx context.Context, m *Model[T], rows iter.Seq[*T]) (int64, error) {
	next, stop := iter.Pull(rows)
	defer stop()
	return copyFrom(ctx, m, func() (*T, bool) {
		for {
			r, ok := next()
			if !ok || r != nil {
				return r, ok
			}
		}
	})
}

// AioCopyFrom is the async twin of CopyFrom.
func AioCopyFrom[T any](ctx context.Context, m *Model[T], rows []*T) <-chan aio.Result[int64] {
	return aio.Go(ctx, func(ctx context.Context) (int64, error) { return CopyFrom(ctx, m, rows) })
}

// copyFields returns the fields CopyFrom writes: all but the auto key.
func copyFields(t *schema.Table) ([]*schema.Field, []string) {
	fields := make([]*schema.Field, 0, len(t.Fields))
	cols := make([]string, 0, len(t.Fields))
	for _, f := range t.Fields {
		if f.Auto {
			continue
		}
		fields = append(fields, f)
		cols = append(cols, f.Column)
	}
	return fields, cols
}

func copyFrom[T any](ctx context.Context, m *Model[T], next func() (*T, bool)) (int64, error) {
	if m == nil {
		return 0, errors.New("orm.CopyFrom: nil model")
	}
	db := m.db
	if tx := db.txFrom(ctx); tx != nil {
		if tx.core.Done() {
			return 0, fmt.Errorf("%w (the transaction has finished)", ErrCopyInTransaction)
		}
		return 0, ErrCopyInTransaction
	}
	fields, cols := copyFields(m.t)
	if len(cols) == 0 {
		return 0, fmt.Errorf("orm.CopyFrom: model %s has no column to copy but its auto key", m.t.GoType)
	}
	vals := make([]any, len(fields))
	src := driver.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		base := schema.PtrOf(row)
		for i, f := range fields {
			vals[i] = f.Value(base)
		}
		return vals, nil
	})
	n, err := driver.CopyFrom(ctx, db.sqlDB, m.t.Name, cols, src)
	if err != nil {
		var se *driver.SyncCallError
		if errors.As(err, &se) || errors.Is(err, driver.ErrNotPostgres) {
			return 0, err
		}
		return 0, db.wrapErr(err, driver.CopySQL(m.t.Name, cols))
	}
	return n, nil
}
