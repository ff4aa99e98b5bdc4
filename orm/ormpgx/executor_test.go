package ormpgx_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// rawInsert is the hand-written INSERT of the Executor tests.
func rawInsert() string { return "INSERT INTO " + itemTable + " (name, n) VALUES ($1, 0)" }

// TestExecutorJoinsAtomic: inside Atomic, Executor is the ORM's
// transaction (same backend, same transaction id), so its rows are rolled
// back or kept with the ORM's; inside a nested Atomic, the savepoint's
// rollback undoes them too.
func TestExecutorJoinsAtomic(t *testing.T) {
	db := openDB(t, "aio_sync=error")
	m := createItems(t, db)
	ctx := aio.Async(context.Background())

	for _, fail := range []bool{true, false} {
		suffix := "-kept"
		if fail {
			suffix = "-rolled-back"
		}
		err := db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := m.Create(ctx, &item{Name: "orm" + suffix}); err != nil {
				return err
			}
			ex := ormpgx.Executor(ctx, db)
			if ex == nil {
				return errors.New("Executor is nil inside Atomic")
			}
			if tag, err := ex.Exec(ctx, rawInsert(), "raw"+suffix); err != nil || tag.RowsAffected() != 1 {
				return errors.Join(errors.New("raw insert"), err)
			}
			var exPID, exTx int64
			if err := ex.QueryRow(ctx, "SELECT pg_backend_pid(), txid_current()").Scan(&exPID, &exTx); err != nil {
				return err
			}
			tup, err := m.Raw("SELECT pg_backend_pid(), txid_current()").Tuples(ctx)
			if err != nil {
				return err
			}
			if len(tup) != 1 || tup[0][0] != exPID || tup[0][1] != exTx {
				t.Errorf("Executor on backend %d tx %d, the ORM on %v", exPID, exTx, tup)
			}
			var seen int
			if err := ex.QueryRow(ctx, "SELECT count(*) FROM "+itemTable).Scan(&seen); err != nil || seen != 2 {
				t.Errorf("Executor sees %d rows (%v), want the ORM's and its own", seen, err)
			}
			if fail {
				return errRollback
			}
			return nil
		})
		if fail != errors.Is(err, errRollback) || !fail && err != nil {
			t.Fatalf("Atomic (fail=%v): %v", fail, err)
		}
	}
	if names := itemNames(t, db); !slices.Equal(names, []string{"orm-kept", "raw-kept"}) {
		t.Errorf("rows %q, want only those of the committed Atomic", names)
	}

	// A savepoint: the inner Atomic's raw row goes with it.
	if err := db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := ormpgx.Executor(ctx, db).Exec(ctx, rawInsert(), "outer"); err != nil {
			return err
		}
		err := db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := ormpgx.Executor(ctx, db).Exec(ctx, rawInsert(), "inner"); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if names := itemNames(t, db); !slices.Equal(names, []string{"orm-kept", "raw-kept", "outer"}) {
		t.Errorf("rows %q after a rolled back savepoint", names)
	}

	// Batches and COPY join the transaction too.
	err := db.Atomic(ctx, func(ctx context.Context) error {
		ex := ormpgx.Executor(ctx, db)
		b := new(pgx.Batch)
		b.Queue(rawInsert(), "batch-1")
		b.Queue(rawInsert(), "batch-2")
		if err := ex.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		n, err := ex.CopyFrom(ctx, pgx.Identifier{itemTable}, []string{"name", "n"}, pgx.CopyFromRows([][]any{{"copy-1", 1}}))
		if err != nil || n != 1 {
			return errors.Join(errors.New("copy"), err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := countRows(t, db, itemTable); n != 3 {
		t.Errorf("rows = %d: a rolled back batch or COPY was kept", n)
	}
}

// TestExecutorOutsideTx: without a transaction Executor runs on the pool:
// each statement takes a connection and commits on its own.
func TestExecutorOutsideTx(t *testing.T) {
	db := openDB(t, "")
	createItems(t, db)
	ctx := aio.Async(context.Background())
	pool := ormpgx.Pool(db)
	ex := ormpgx.Executor(ctx, db)
	if ex == nil {
		t.Fatal("Executor is nil outside a transaction")
	}
	acquired := pool.Stat().AcquireCount()
	if _, err := ex.Exec(ctx, rawInsert(), "pool"); err != nil {
		t.Fatal(err)
	}
	if got := pool.Stat().AcquireCount(); got != acquired+1 {
		t.Errorf("the pool's acquire count went %d -> %d for one statement", acquired, got)
	}
	var status string
	if err := ex.QueryRow(ctx, "SELECT CASE WHEN txid_current_if_assigned() IS NULL THEN 'none' ELSE 'tx' END").Scan(&status); err != nil || status != "none" {
		t.Errorf("a statement of Executor outside Atomic sees transaction %q (%v)", status, err)
	}
	if n := countRows(t, db, itemTable); n != 1 {
		t.Errorf("rows = %d seen from another connection, want the committed insert", n)
	}
	rows, err := ex.Query(ctx, "SELECT name FROM "+itemTable)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(names, []string{"pool"}) {
		t.Errorf("Query: %q, %v", names, err)
	}
	if got := pool.Stat().AcquiredConns(); got != 0 {
		t.Errorf("%d connections still acquired", got)
	}
}

// TestExecutorSyncGuard: under aio_sync=error every method of Executor
// refuses a sync call before anything is sent, in and out of a
// transaction; under panic it panics; async calls run.
func TestExecutorSyncGuard(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec))
	createItems(t, db)
	sync := context.Background()
	actx := aio.Async(sync)

	calls := []struct {
		name string
		run  func(ex ormpgx.DBTX) error
	}{
		{"Exec", func(ex ormpgx.DBTX) error {
			_, err := ex.Exec(sync, rawInsert(), "sync-exec")
			return err
		}},
		{"Query", func(ex ormpgx.DBTX) error {
			rows, err := ex.Query(sync, "SELECT name FROM "+itemTable)
			if rows != nil {
				rows.Close()
				return errors.New("Query returned rows with its error")
			}
			return err
		}},
		{"QueryRow", func(ex ormpgx.DBTX) error {
			return ex.QueryRow(sync, "SELECT count(*) FROM "+itemTable).Scan(new(int))
		}},
		{"SendBatch", func(ex ormpgx.DBTX) error {
			b := new(pgx.Batch)
			b.Queue(rawInsert(), "sync-batch")
			b.Queue("SELECT 'second'")
			br := ex.SendBatch(sync, b)
			_, err := br.Exec()
			if cerr := br.Close(); !errors.Is(cerr, driver.ErrSyncCall) {
				return errors.Join(errors.New("batch Close"), cerr)
			}
			return err
		}},
		{"CopyFrom", func(ex ormpgx.DBTX) error {
			_, err := ex.CopyFrom(sync, pgx.Identifier{itemTable}, []string{"name", "n"}, pgx.CopyFromRows([][]any{{"sync-copy", 1}}))
			return err
		}},
	}
	check := func(t *testing.T, ex ormpgx.DBTX) {
		t.Helper()
		for _, c := range calls {
			rec.reset()
			err := c.run(ex)
			if !errors.Is(err, driver.ErrSyncCall) {
				t.Errorf("sync %s: %v, want driver.ErrSyncCall", c.name, err)
			}
			if s := rec.Starts(); len(s) != 0 {
				t.Errorf("sync %s sent %q", c.name, sqls(s))
			}
			v := rec.Violations()
			if len(v) != 1 || v[0].Mode != "error" || !strings.Contains(v[0].Caller, "executor_test.go:") {
				t.Errorf("sync %s: violations %+v, want one naming this file", c.name, v)
			} else if c.name == "SendBatch" && !strings.Contains(v[0].SQL, "; SELECT 'second'") {
				t.Errorf("sync SendBatch: violation SQL %q, want every statement", v[0].SQL)
			}
		}
	}
	t.Run("pool", func(t *testing.T) { check(t, ormpgx.Executor(sync, db)) })
	t.Run("tx", func(t *testing.T) {
		if err := db.Atomic(actx, func(ctx context.Context) error {
			check(t, ormpgx.Executor(ctx, db))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	if n := countRows(t, db, itemTable); n != 0 {
		t.Fatalf("rows = %d after refused calls", n)
	}

	// Async calls run.
	rec.reset()
	ex := ormpgx.Executor(actx, db)
	if _, err := ex.Exec(actx, rawInsert(), "async-exec"); err != nil {
		t.Fatal(err)
	}
	b := new(pgx.Batch)
	b.Queue(rawInsert(), "async-batch")
	if err := ex.SendBatch(actx, b).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.CopyFrom(actx, pgx.Identifier{itemTable}, []string{"name", "n"}, pgx.CopyFromRows([][]any{{"async-copy", 1}})); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := ex.QueryRow(aio.AllowSync(sync), "SELECT count(*) FROM "+itemTable).Scan(&n); err != nil || n != 3 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if v := rec.Violations(); len(v) != 0 {
		t.Errorf("violations for async calls: %+v", v)
	}
	if cp := endsMatching(rec.Ends(), "copy", itemTable); len(cp) != 1 || cp[0].Rows != 1 {
		t.Errorf("COPY events: %+v", cp)
	}
}

// TestExecutorSyncPanic: under aio_sync=panic a sync call through
// Executor panics with the guard's error and takes no connection.
func TestExecutorSyncPanic(t *testing.T) {
	db := openDB(t, "aio_sync=panic", orm.MaxConnections(1))
	createItems(t, db)
	ex := ormpgx.Executor(context.Background(), db)
	for range 10 {
		func() {
			defer func() {
				if _, ok := recover().(*driver.SyncCallError); !ok {
					t.Fatal("sync Exec did not panic with a *driver.SyncCallError")
				}
			}()
			_, _ = ex.Exec(context.Background(), rawInsert(), "panic")
		}()
	}
	ctx := aio.Async(context.Background())
	var n int
	if err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SELECT count(*) FROM "+itemTable).Scan(&n); err != nil || n != 0 {
		t.Fatalf("count after the panics: %d, %v", n, err)
	}
}
