package ormpgx_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// showSetting reads a setting of the session inside ctx's transaction.
func showSetting(ctx context.Context, db *orm.DB, name string) (string, error) {
	var v string
	err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SHOW "+name).Scan(&v)
	return v, err
}

// TestTxIsolation: orm.Isolation and orm.ReadOnly become PostgreSQL's
// transaction modes; a level PostgreSQL lacks fails before BEGIN, naming
// it.
func TestTxIsolation(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec))
	m := createItems(t, db)
	ctx := aio.Async(context.Background())

	levels := []struct {
		level sql.IsolationLevel
		want  string
	}{
		{sql.LevelDefault, "read committed"}, // the server's default
		{sql.LevelReadUncommitted, "read uncommitted"},
		{sql.LevelReadCommitted, "read committed"},
		{sql.LevelRepeatableRead, "repeatable read"},
		{sql.LevelSnapshot, "repeatable read"},
		{sql.LevelSerializable, "serializable"},
	}
	for _, l := range levels {
		var got, ro string
		err := db.Atomic(ctx, func(ctx context.Context) error {
			var err error
			if got, err = showSetting(ctx, db, "transaction_isolation"); err != nil {
				return err
			}
			ro, err = showSetting(ctx, db, "transaction_read_only")
			return err
		}, orm.Isolation(l.level))
		if err != nil {
			t.Fatalf("%v: %v", l.level, err)
		}
		if got != l.want || ro != "off" {
			t.Errorf("orm.Isolation(%v): transaction_isolation %q, read only %q; want %q, off", l.level, got, ro, l.want)
		}
	}

	// BeginContext takes the same options.
	txCtx, tx, err := db.BeginContext(ctx, orm.Isolation(sql.LevelSerializable), orm.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	iso, err1 := showSetting(txCtx, db, "transaction_isolation")
	ro, err2 := showSetting(txCtx, db, "transaction_read_only")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(err1, err2); err != nil || iso != "serializable" || ro != "on" {
		t.Errorf("BeginContext(Serializable, ReadOnly): %q, read only %q, %v", iso, ro, err)
	}

	// Read only: a write fails on the server.
	err = db.Atomic(ctx, func(ctx context.Context) error {
		_, err := m.Create(ctx, &item{Name: "read only"})
		return err
	}, orm.ReadOnly())
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "25006" {
		t.Errorf("write in a read-only transaction: %v, want SQLSTATE 25006", err)
	}

	// Unsupported levels fail before anything is sent.
	for _, level := range []sql.IsolationLevel{sql.LevelLinearizable, sql.LevelWriteCommitted} {
		rec.reset()
		called := false
		err := db.Atomic(ctx, func(ctx context.Context) error {
			called = true
			return nil
		}, orm.Isolation(level))
		if err == nil || !strings.Contains(err.Error(), level.String()) {
			t.Errorf("orm.Isolation(%v): %v, want an error naming the level", level, err)
		}
		if called {
			t.Errorf("orm.Isolation(%v): fn ran", level)
		}
		if txs := rec.Txs(); len(txs) != 0 {
			t.Errorf("orm.Isolation(%v): tx events %+v", level, txs)
		}
	}
	if got := ormpgx.Pool(db).Stat().AcquiredConns(); got != 0 {
		t.Errorf("%d connections still acquired", got)
	}
	if n := countRows(t, db, itemTable); n != 0 {
		t.Errorf("rows = %d", n)
	}
}

// TestTxCommitAfterCancel: when the context BeginContext was given ends
// before Commit, Commit commits nothing, says so, and the connection goes
// back to the pool rolled back.
func TestTxCommitAfterCancel(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec), orm.MaxConnections(1))
	m := createItems(t, db)
	ctx, cancel := context.WithCancel(aio.Async(context.Background()))
	defer cancel()

	rec.reset()
	txCtx, tx, err := db.BeginContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(txCtx, &item{Name: "never committed"}); err != nil {
		t.Fatal(err)
	}
	cancel()
	err = tx.Commit()
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was committed") {
		t.Fatalf("Commit after cancel: %v, want context.Canceled saying nothing was committed", err)
	}
	checkTxKinds(t, rec.Txs(), hooks.TxBegin, hooks.TxRollback)
	if n := countRows(t, db, itemTable); n != 0 {
		t.Errorf("rows = %d: the cancelled transaction committed", n)
	}
	if got := ormpgx.Pool(db).Stat().AcquiredConns(); got != 0 {
		t.Errorf("%d connections still acquired", got)
	}
	if _, err := m.Create(txCtx, &item{Name: "after"}); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("statement with the finished transaction's context: %v, want sql.ErrTxDone", err)
	}
	if err := tx.Commit(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("second Commit: %v, want sql.ErrTxDone", err)
	}
	if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Rollback after Commit: %v, want sql.ErrTxDone", err)
	}

	// The pool's one connection is usable.
	actx := aio.Async(context.Background())
	if _, err := m.Create(actx, &item{Name: "next"}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, itemTable); n != 1 {
		t.Errorf("rows = %d, want 1", n)
	}
}

// TestTxCommitFailure: a COMMIT the server turns into a rollback (the
// transaction failed) is an error, and nothing is kept.
func TestTxCommitFailure(t *testing.T) {
	db := openDB(t, "")
	m := createItems(t, db)
	ctx := aio.Async(context.Background())
	txCtx, tx, err := db.BeginContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(txCtx, &item{Name: "first"}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create(txCtx, &item{Name: "first"}); !errors.Is(err, orm.ErrIntegrity) {
		t.Fatalf("duplicate: %v", err)
	}
	if err := tx.Commit(); err == nil {
		t.Fatal("Commit of a failed transaction succeeded")
	}
	if n := countRows(t, db, itemTable); n != 0 {
		t.Errorf("rows = %d after a failed transaction", n)
	}
	if got := ormpgx.Pool(db).Stat().AcquiredConns(); got != 0 {
		t.Errorf("%d connections still acquired", got)
	}
}

// TestBeginContextCancelRollsBack: a transaction of BeginContext whose
// context is cancelled before Commit or Rollback is rolled back and its
// connection goes back to the pool, as on database/sql: with a pool of one
// connection, the next statement runs, and the row written in the
// transaction is not there.
func TestBeginContextCancelRollsBack(t *testing.T) {
	db := openDB(t, "", orm.MaxConnections(1))
	table := newTableName()
	if _, err := poolExec(t, "CREATE TABLE "+table+" (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { poolExec(t, "DROP TABLE IF EXISTS "+table) })
	ctx, cancel := context.WithCancel(aio.AllowSync(context.Background()))
	txCtx, tx, err := db.BeginContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ormpgx.Executor(txCtx, db).Exec(txCtx, "INSERT INTO "+table+" VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	cancel()
	sctx, stop := context.WithTimeout(aio.AllowSync(context.Background()), 10*time.Second)
	defer stop()
	var n int
	if err := ormpgx.Executor(sctx, db).QueryRow(sctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("the pool's one connection was not given back: %v", err)
	}
	if n != 0 {
		t.Errorf("%d rows after the cancelled transaction, want 0", n)
	}
	if err := tx.Commit(); err == nil {
		t.Error("Commit after the context ended: nil error")
	}
}
