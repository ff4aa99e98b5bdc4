package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect"
)

// Func is a migration written in Go. It runs in the migration's
// transaction where there is one (see Migration.NoTx), through tx.
type Func func(ctx context.Context, tx *Tx) error

// Ops returns a Func that applies ops in order.
func Ops(ops ...Op) Func {
	return func(ctx context.Context, tx *Tx) error { return tx.Apply(ctx, ops...) }
}

// Tx is what a migration runs its statements through: the migration's
// transaction, on the connection that holds the migrators' lock. Its
// errors name the failed statement, which the migration's error repeats.
// It is valid only while the migration runs.
type Tx struct {
	ex execer
	r  *renderer
	n  int // statements run, for their numbers in errors
}

// Dialect returns the dialect of the database being migrated.
func (t *Tx) Dialect() *dialect.Dialect { return t.r.d }

// Exec runs one statement.
func (t *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.n++
	res, err := t.ex.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, &statementError{index: t.n, sql: query, err: err}
	}
	return res, nil
}

// Query runs a query, for a migration that reads before it writes (moving
// data between columns, say).
func (t *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.ex.QueryContext(ctx, query, args...)
}

// QueryRow runs a query that returns at most one row.
func (t *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.ex.QueryRowContext(ctx, query, args...)
}

// Apply renders each op against the schema as the statements before it
// left it, and runs its statements.
func (t *Tx) Apply(ctx context.Context, ops ...Op) error {
	for _, op := range ops {
		stmts, err := t.r.op(ctx, op)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := t.Exec(ctx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// Preview returns the statements that would make the changes of ops on
// db, reading the live schema where the dialect needs it (see SQL); each
// op is rendered against the schema as it is now, not as the ops before
// it would leave it. It runs under aio.AllowSync, like CreateTable.
func Preview(ctx context.Context, db *orm.DB, ops ...Op) ([]string, error) {
	ctx = aio.AllowSync(ctx)
	r, err := newRenderer(db.Dialect(), nil)
	if err != nil {
		return nil, err
	}
	r.cat = liveCatalog{q: db.SQLDB(), c: r.c}
	return r.all(ctx, ops)
}

// Apply makes the changes of ops on db now, in one transaction where the
// dialect allows DDL in one, without recording a version: for a
// program's start-up or a one-off change (Diff's ops, say). It runs under
// aio.AllowSync, like CreateTable.
func Apply(ctx context.Context, db *orm.DB, ops ...Op) error {
	ctx = aio.AllowSync(ctx)
	r, err := newRenderer(db.Dialect(), nil)
	if err != nil {
		return err
	}
	conn, err := db.SQLDB().Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return runTx(ctx, conn, r, r.c.txDDL, func(ex execer) error {
		tx := &Tx{ex: ex, r: &renderer{d: r.d, c: r.c, cat: liveCatalog{q: ex, c: r.c}}}
		return tx.Apply(ctx, ops...)
	})
}

// runTx runs fn on conn: in a transaction when useTx (begun as the
// dialect says), else on the connection itself. On SQLite foreign keys
// are off while it runs and checked before the commit. fn's error rolls
// the transaction back.
func runTx(ctx context.Context, conn *sql.Conn, r *renderer, useTx bool, fn func(ex execer) error) (err error) {
	if r.c.foreignKeysOff {
		restore, ferr := foreignKeysOff(ctx, conn)
		if ferr != nil {
			return ferr
		}
		defer func() {
			if rerr := restore(); err == nil {
				err = rerr
			}
		}()
	}
	if !useTx {
		return fn(conn)
	}
	var ex execer = conn
	var tx *sql.Tx
	if r.c.begin != "" {
		if err := beginByHand(ctx, conn, r); err != nil {
			return err
		}
	} else {
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return err
		}
		ex = tx
	}
	rollback := func() {
		// The migration's own error is the one to report.
		if tx != nil {
			_ = tx.Rollback()
		} else {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}
	if err := fn(ex); err != nil {
		rollback()
		return err
	}
	if r.c.foreignKeysOff {
		if err := foreignKeyCheck(ctx, ex); err != nil {
			rollback()
			return err
		}
	}
	if tx != nil {
		return tx.Commit()
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		rollback()
		return err
	}
	return nil
}

// beginByHand runs the dialect's BEGIN, again while another connection
// holds the lock and the busy timeout ends first (a DSN with
// busy_timeout(0)).
func beginByHand(ctx context.Context, conn *sql.Conn, r *renderer) error {
	for {
		_, err := conn.ExecContext(ctx, r.c.begin)
		if err == nil || r.d.IsRetryable == nil || !r.d.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// foreignKeysOff turns SQLite's foreign keys off on conn, outside any
// transaction (inside one the pragma does nothing), and returns what
// turns them back on.
func foreignKeysOff(ctx context.Context, conn *sql.Conn) (restore func() error, err error) {
	var on bool
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
		return nil, err
	}
	if !on {
		return func() error { return nil }, nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return nil, err
	}
	return func() error {
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
		return err
	}, nil
}

// foreignKeyCheck fails when a row's reference has no parent, which the
// changes made with foreign keys off could have caused.
func foreignKeyCheck(ctx context.Context, q queryer) error {
	rows, err := q.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int64
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("foreign key check: a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}

// asMigrationError turns the error of a migration's Func into a
// MigrationError.
func asMigrationError(m *Migration, down, dirty bool, err error) error {
	me := &MigrationError{Version: m.Version, Name: m.Name, Down: down, Dirty: dirty, Err: err}
	var se *statementError
	if errors.As(err, &se) {
		me.Statement, me.Index, me.Err = se.sql, se.index, se.err
	}
	return me
}
