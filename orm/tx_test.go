package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/ormtest"
)

// txBackend is one database the transaction suite runs against.
type txBackend struct {
	name   string
	dollar bool // PostgreSQL's $n placeholders
	open   func(t *testing.T, opts ...orm.Option) *orm.DB
	// readOnly: ReadOnly() is enforced by the server.
	readOnly bool
	// badIsolation: the driver rejects sql.LevelLinearizable at BEGIN.
	badIsolation bool
	// isolationQuery reads the current transaction's isolation level.
	isolationQuery string
	// deferredTable creates a table whose constraint is checked only at
	// COMMIT, and violation breaks it; nil when the server has none.
	deferredTable func(name string) (ddl string, violation []string)
}

// txBackends are aiosqlite, aiopg and aiomysql, named after their
// servers, and PostgreSQL on a pgx pool (pgxpool), with what the suite
// needs to know about each server.
func txBackends() []txBackend {
	var out []txBackend
	for _, b := range testenv.SelectORMBackends(testenv.Named("aiosqlite", "aiopg", "aiomysql", testenv.PgxPool)) {
		tb := txBackend{name: b.Server, open: txOpener(b)}
		if b.Engine {
			tb.name = b.Name // the server's name is aiopg's
		}
		switch b.Server {
		case testenv.SQLite:
			tb.deferredTable = func(name string) (string, []string) {
				return "CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v INTEGER NOT NULL REFERENCES " + name + "(id) DEFERRABLE INITIALLY DEFERRED)",
					[]string{"INSERT INTO " + name + " (id, v) VALUES (1, 999)"}
			}
		case testenv.Postgres:
			tb.dollar = true
			tb.readOnly = true
			tb.badIsolation = true
			tb.isolationQuery = "SHOW transaction_isolation"
			tb.deferredTable = func(name string) (string, []string) {
				return "CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, CONSTRAINT " + name + "_v UNIQUE (v) DEFERRABLE INITIALLY DEFERRED)",
					[]string{"INSERT INTO " + name + " (id, v) VALUES (1, 7)", "INSERT INTO " + name + " (id, v) VALUES (2, 7)"}
			}
		case testenv.MySQL:
			tb.readOnly = true
			tb.badIsolation = true
		}
		out = append(out, tb)
	}
	return out
}

// txOpener opens b with the suite's options; on SQLite foreign_keys(1)
// makes the deferred foreign key checked.
func txOpener(b testenv.Backend) func(*testing.T, ...orm.Option) *orm.DB {
	return func(t *testing.T, opts ...orm.Option) *orm.DB {
		t.Helper()
		var dsnOpts string
		if b.Server == testenv.SQLite {
			dsnOpts = "_pragma=foreign_keys(1)"
		}
		db, err := openDriver(b.Driver, b.DSNWith(t, dsnOpts), opts...)
		if err != nil {
			t.Fatalf("orm.Open(%q): %v", b.Driver, err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

var (
	txTableSeq atomic.Int64
	// txSetup is the context of statements made outside the code under test.
	txSetup   = aio.AllowSync(context.Background())
	errTxOops = errors.New("oops")
)

// txEnv is one test's database and table.
type txEnv struct {
	t     *testing.T
	b     txBackend
	db    *orm.DB
	table string
}

// newTxEnv opens a DB with opts and creates a fresh table (id, v), dropped
// at the end of the test.
func newTxEnv(t *testing.T, b txBackend, opts ...orm.Option) *txEnv {
	t.Helper()
	db := b.open(t, opts...)
	e := &txEnv{t: t, b: b, db: db, table: fmt.Sprintf("aiodb_tx_%d_%d", os.Getpid(), txTableSeq.Add(1))}
	e.setupTable("CREATE TABLE " + e.table + " (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
	return e
}

func (e *txEnv) setupTable(ddl string) {
	e.t.Helper()
	if _, err := e.db.SQLDB().ExecContext(txSetup, "DROP TABLE IF EXISTS "+e.table); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.SQLDB().ExecContext(txSetup, ddl); err != nil {
		e.t.Fatalf("%s: %v", ddl, err)
	}
	e.t.Cleanup(func() {
		// A transaction left open would block the drop: fail, not hang.
		ctx, cancel := context.WithTimeout(txSetup, 10*time.Second)
		defer cancel()
		if _, err := e.db.SQLDB().ExecContext(ctx, "DROP TABLE IF EXISTS "+e.table); err != nil {
			e.t.Errorf("drop %s: %v", e.table, err)
		}
	})
}

func (e *txEnv) rebind(q string) string {
	if !e.b.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// exec runs a statement with ctx the way the ORM does: through acquire.
func (e *txEnv) exec(ctx context.Context, q string, args ...any) error {
	ex, release, err := orm.AcquireForTxTest(e.db, ctx)
	if err != nil {
		return err
	}
	defer release()
	_, err = ex.Exec(ctx, e.rebind(q), args)
	return err
}

func (e *txEnv) insert(ctx context.Context, id, v int) error {
	return e.exec(ctx, "INSERT INTO "+e.table+" (id, v) VALUES (?, ?)", id, v)
}

func (e *txEnv) mustInsert(ctx context.Context, ids ...int) {
	e.t.Helper()
	for _, id := range ids {
		if err := e.insert(ctx, id, id); err != nil {
			e.t.Fatalf("insert %d: %v", id, err)
		}
	}
}

// ids returns the table's ids as seen with ctx (through acquire).
func (e *txEnv) ids(ctx context.Context) []int {
	e.t.Helper()
	ids, err := e.idsErr(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return ids
}

// idsErr is ids for goroutines other than the test's.
func (e *txEnv) idsErr(ctx context.Context) ([]int, error) {
	ex, release, err := orm.AcquireForTxTest(e.db, ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return e.readIDs(ctx, ex)
}

// readIDs reads the ids through ex, the rows to the end.
func (e *txEnv) readIDs(ctx context.Context, ex engine.Queryer) ([]int, error) {
	rows, err := ex.Query(ctx, "SELECT id FROM "+e.table+" ORDER BY id", nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// with returns e for the subtest t.
func (e *txEnv) with(t *testing.T) *txEnv {
	c := *e
	c.t = t
	return &c
}

// committed returns the ids visible outside any transaction.
func (e *txEnv) committed() []int {
	e.t.Helper()
	return e.ids(txSetup)
}

func (e *txEnv) wantIDs(what string, got []int, want ...int) {
	e.t.Helper()
	if !slices.Equal(got, want) {
		e.t.Errorf("%s: ids %v, want %v", what, got, want)
	}
}

// value returns v of row id, read outside any transaction.
func (e *txEnv) value(id int) int {
	e.t.Helper()
	var v int
	if err := e.db.SQLDB().QueryRowContext(txSetup, e.rebind("SELECT v FROM "+e.table+" WHERE id = ?"), id).Scan(&v); err != nil {
		e.t.Fatal(err)
	}
	return v
}

// txWantNoConnInUse waits for the pool to have every connection back:
// database/sql returns some asynchronously (a rollback after a cancelled
// context runs in its own goroutine).
func txWantNoConnInUse(t *testing.T, db *orm.DB) {
	t.Helper()
	var n int
	if !testenv.Poll(5*time.Second, func() bool { n = db.SQLDB().Stats().InUse; return n == 0 }) {
		t.Fatalf("%d connection(s) still in use", n)
	}
}

// txCheckGoroutines fails the test when goroutines it started are still
// running once its cleanups (closing the DBs) are done. The suite's tests
// are not parallel, so no other test starts goroutines meanwhile.
func txCheckGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		if !testenv.Poll(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left (had %d):\n%s", runtime.NumGoroutine(), before, buf)
		}
	})
}

// txRecorder records the transaction events the driver reports.
type txRecorder struct {
	hooks.Base
	mu     sync.Mutex
	events []string
}

func (r *txRecorder) OnTx(_ context.Context, e *hooks.TxEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := e.Kind.String()
	if e.Name != "" {
		s += " " + e.Name
	}
	if e.Err != nil {
		s += " (failed)"
	}
	r.events = append(r.events, s)
}

func (r *txRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// TestTransactions runs the suite against SQLite, PostgreSQL and
// MariaDB/MySQL (the latter two skip unless their DSN is set).
func TestTransactions(t *testing.T) {
	txCheckGoroutines(t)
	cases := []struct {
		name string
		run  func(t *testing.T, b txBackend)
	}{
		{"Commit", testCommit},
		{"ErrorRollsBackUpdate", testErrorRollsBack},
		{"NestedSavepoint", testNestedSavepoint},
		{"NestedTransactionFails", testNestedTransaction},
		{"SavepointNeedsTransaction", testSavepointWithoutTx},
		{"PanicRollsBack", testPanic},
		{"ConcurrentTransactions", testConcurrentTransactions},
		{"SerialisedAioOperations", testSerialised},
		{"SavepointCommandsWaitForConnection", testSavepointWaits},
		{"BeginFailureLeaksNothing", testBeginFails},
		{"CommitFailureLeaksNothing", testCommitFails},
		{"FinishedContext", testFinishedContext},
		{"OtherDBTransaction", testOtherDB},
		{"SyncGuardPanic", testGuardPanic},
		{"Options", testOptions},
		{"BeginContext", testBeginContext},
		{"ormtestTxRollsBack", testOrmtest},
	}
	for _, b := range txBackends() {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, b) })
			}
		})
	}
}

func testCommit(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		e.mustInsert(ctx, 1, 2)
		e.wantIDs("inside", e.ids(ctx), 1, 2)
		e.wantIDs("outside, before commit", e.committed())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after commit", e.committed(), 1, 2)
	_, err = aio.Await(txSetup, e.db.AioTransaction(context.Background(), func(ctx context.Context) error {
		return e.insert(ctx, 3, 3)
	}))
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after AioTransaction", e.committed(), 1, 2, 3)
	txWantNoConnInUse(t, e.db)
}

func testErrorRollsBack(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	if err := e.insert(txSetup, 1, 10); err != nil {
		t.Fatal(err)
	}
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		if err := e.exec(ctx, "UPDATE "+e.table+" SET v = ? WHERE id = ?", 20, 1); err != nil {
			t.Fatal(err)
		}
		e.mustInsert(ctx, 2)
		return fmt.Errorf("step 2: %w", errTxOops)
	})
	if !errors.Is(err, errTxOops) {
		t.Fatalf("Atomic = %v, want fn's error", err)
	}
	if v := e.value(1); v != 10 {
		t.Errorf("v = %d after rollback, want 10", v)
	}
	e.wantIDs("after rollback", e.committed(), 1)
	txWantNoConnInUse(t, e.db)
}

func testNestedSavepoint(t *testing.T, b txBackend) {
	rec := &txRecorder{}
	e := newTxEnv(t, b, orm.WithHooks(rec))
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		e.mustInsert(ctx, 1)
		// A failing statement: PostgreSQL aborts the transaction until
		// the savepoint is rolled back to.
		err := e.db.Atomic(ctx, func(ctx context.Context) error {
			e.mustInsert(ctx, 2)
			return e.insert(ctx, 1, 1)
		})
		if err == nil {
			t.Error("nested Atomic with a duplicate key succeeded")
		}
		e.wantIDs("after nested rollback", e.ids(ctx), 1)
		e.mustInsert(ctx, 3)
		if err := e.db.Savepoint(ctx, func(ctx context.Context) error {
			e.mustInsert(ctx, 4)
			return nil
		}); err != nil {
			t.Errorf("Savepoint: %v", err)
		}
		_, err = aio.Await(ctx, e.db.AioSavepoint(ctx, func(ctx context.Context) error {
			if err := e.insert(ctx, 5, 5); err != nil {
				return err
			}
			return errTxOops
		}))
		if !errors.Is(err, errTxOops) {
			t.Errorf("AioSavepoint = %v, want fn's error", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after commit", e.committed(), 1, 3, 4)
	want := []string{
		"begin",
		"savepoint aiodb_sp_1", "rollback to savepoint aiodb_sp_1", "release savepoint aiodb_sp_1",
		"savepoint aiodb_sp_2", "release savepoint aiodb_sp_2",
		"savepoint aiodb_sp_3", "rollback to savepoint aiodb_sp_3", "release savepoint aiodb_sp_3",
		"commit",
	}
	if got := rec.list(); !slices.Equal(got, want) {
		t.Errorf("transaction events:\n got %q\nwant %q", got, want)
	}
}

func testNestedTransaction(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		e.mustInsert(ctx, 1)
		called := false
		err := e.db.Transaction(ctx, func(context.Context) error { called = true; return nil })
		if !errors.Is(err, orm.ErrTransactionOpen) || called {
			t.Errorf("nested Transaction = %v (fn called: %v), want ErrTransactionOpen", err, called)
		}
		_, err = aio.Await(ctx, e.db.AioTransaction(ctx, func(context.Context) error { called = true; return nil }))
		if !errors.Is(err, orm.ErrTransactionOpen) || called {
			t.Errorf("nested AioTransaction = %v (fn called: %v), want ErrTransactionOpen", err, called)
		}
		if _, _, err := e.db.BeginContext(ctx); !errors.Is(err, orm.ErrTransactionOpen) {
			t.Errorf("nested BeginContext = %v, want ErrTransactionOpen", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after commit", e.committed(), 1)
	txWantNoConnInUse(t, e.db)
}

func testSavepointWithoutTx(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	called := false
	err := e.db.Savepoint(txSetup, func(context.Context) error { called = true; return nil })
	if !errors.Is(err, orm.ErrNoTransaction) || called {
		t.Errorf("Savepoint = %v (fn called: %v), want ErrNoTransaction", err, called)
	}
	_, err = aio.Await(txSetup, e.db.AioSavepoint(txSetup, func(context.Context) error { called = true; return nil }))
	if !errors.Is(err, orm.ErrNoTransaction) || called {
		t.Errorf("AioSavepoint = %v (fn called: %v), want ErrNoTransaction", err, called)
	}
}

type txPanicValue struct{ msg string }

// txRecovered runs f and returns what it panicked with.
func txRecovered(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

func testPanic(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	boom := &txPanicValue{"boom"}
	p := txRecovered(func() {
		_ = e.db.Atomic(txSetup, func(ctx context.Context) error {
			e.mustInsert(ctx, 1)
			panic(boom)
		})
	})
	if p != boom {
		t.Fatalf("recovered %#v, want the original panic value", p)
	}
	e.wantIDs("after panic", e.committed())
	txWantNoConnInUse(t, e.db)

	// A panic in a savepoint undoes only the savepoint's work.
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		e.mustInsert(ctx, 1)
		p := txRecovered(func() {
			_ = e.db.Atomic(ctx, func(ctx context.Context) error {
				e.mustInsert(ctx, 2)
				panic(boom)
			})
		})
		if p != boom {
			t.Errorf("nested: recovered %#v, want the original panic value", p)
		}
		e.mustInsert(ctx, 3)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after nested panic", e.committed(), 1, 3)

	// Under AioAtomic the panic arrives as an *aio.PanicError.
	_, err = aio.Await(txSetup, e.db.AioAtomic(txSetup, func(ctx context.Context) error {
		if err := e.insert(ctx, 4, 4); err != nil {
			return err
		}
		panic(boom)
	}))
	var pe *aio.PanicError
	if !errors.As(err, &pe) || pe.Value != boom {
		t.Errorf("AioAtomic = %v, want *aio.PanicError with the panic value", err)
	}
	e.wantIDs("after AioAtomic panic", e.committed(), 1, 3)
	txWantNoConnInUse(t, e.db)
}

func testConcurrentTransactions(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	var chs []<-chan aio.Result[struct{}]
	var want []int
	for k := range 3 {
		ids := []int{k*10 + 1, k*10 + 2, k*10 + 3}
		want = append(want, ids...)
		chs = append(chs, e.db.AioAtomic(txSetup, func(ctx context.Context) error {
			for _, id := range ids {
				if err := e.insert(ctx, id, k); err != nil {
					return err
				}
			}
			// Each transaction sees its own rows.
			seen, err := e.idsErr(ctx)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if !slices.Contains(seen, id) {
					return fmt.Errorf("transaction %d does not see its row %d", k, id)
				}
			}
			return nil
		}))
	}
	if _, err := aio.Gather(txSetup, chs...); err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after the three commits", e.committed(), want...)
	txWantNoConnInUse(t, e.db)
}

func testSerialised(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	const n = 20
	var inside, overlaps atomic.Int32
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		var chs []<-chan aio.Result[int]
		for i := 1; i <= n; i++ {
			chs = append(chs, aio.Go(ctx, func(ctx context.Context) (int, error) {
				if i%4 == 1 { // savepoints beside plain statements
					return i, e.db.Atomic(ctx, func(ctx context.Context) error { return e.insert(ctx, i, i) })
				}
				ex, release, err := orm.AcquireForTxTest(e.db, ctx)
				if err != nil {
					return 0, err
				}
				defer release()
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				defer inside.Add(-1)
				if i%4 == 0 { // a query whose rows are read before release
					_, err := e.readIDs(ctx, ex)
					return i, err
				}
				_, err = ex.Exec(ctx, e.rebind("INSERT INTO "+e.table+" (id, v) VALUES (?, ?)"), []any{i, i})
				return i, err
			}))
		}
		if _, err := aio.Gather(ctx, chs...); err != nil {
			return err
		}
		// Concurrent savepoints take turns: a rollback to one undoes its
		// own work only.
		var sps []<-chan aio.Result[struct{}]
		for i := 101; i <= 106; i++ {
			sps = append(sps, e.db.AioSavepoint(ctx, func(ctx context.Context) error {
				if err := e.insert(ctx, i, i); err != nil {
					return err
				}
				if i%2 == 0 {
					return errTxOops
				}
				return nil
			}))
		}
		for k, ch := range sps {
			_, err := aio.Await(ctx, ch)
			if wantErr := k%2 == 1; errors.Is(err, errTxOops) != wantErr || (err != nil && !wantErr) {
				t.Errorf("savepoint %d: %v", 101+k, err)
			}
		}
		// Nothing ran outside the transaction.
		e.wantIDs("outside, before commit", e.committed())

		// A statement waiting for the connection gives up with its context.
		_, release, err := orm.AcquireForTxTest(e.db, ctx)
		if err != nil {
			return err
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err = orm.AcquireForTxTest(e.db, cctx)
		release()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("acquire with a cancelled context while the transaction is busy = %v, want context.Canceled", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if o := overlaps.Load(); o != 0 {
		t.Errorf("%d operations used the transaction's connection at the same time as another", o)
	}
	var want []int // the inserts and the released savepoints
	for i := 1; i <= n; i++ {
		if i%4 != 0 {
			want = append(want, i)
		}
	}
	want = append(want, 101, 103, 105)
	e.wantIDs("after commit", e.committed(), want...)
	txWantNoConnInUse(t, e.db)
}

// hasEvent reports whether rec saw event.
func (r *txRecorder) has(event string) bool { return slices.Contains(r.list(), event) }

func testSavepointWaits(t *testing.T, b txBackend) {
	rec := &txRecorder{}
	e := newTxEnv(t, b, orm.WithHooks(rec))
	// quiet is how long a command that does not wait would need at most.
	// The test sleeps it out twice: what it proves is that a statement is
	// NOT sent while the connection is held, and an absence has no event
	// to wait for.
	const quiet = 50 * time.Millisecond
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		// SAVEPOINT waits while another operation holds the connection.
		_, release, err := orm.AcquireForTxTest(e.db, ctx)
		if err != nil {
			return err
		}
		sp := e.db.AioSavepoint(ctx, func(ctx context.Context) error { return e.insert(ctx, 1, 1) })
		time.Sleep(quiet) // the window in which SAVEPOINT must not be sent
		if rec.has("savepoint aiodb_sp_1") {
			t.Error("SAVEPOINT was sent while another operation held the connection")
		}
		release()
		if _, err := aio.Await(ctx, sp); err != nil {
			return err
		}

		// RELEASE waits too.
		held, proceed := make(chan struct{}), make(chan struct{})
		var holder sync.WaitGroup
		sp = e.db.AioSavepoint(ctx, func(ctx context.Context) error {
			holder.Go(func() {
				_, release, err := orm.AcquireForTxTest(e.db, ctx)
				close(held)
				if err == nil {
					<-proceed
					release()
				}
			})
			<-held
			return nil
		})
		<-held
		time.Sleep(quiet) // the window in which RELEASE must not be sent
		if rec.has("release savepoint aiodb_sp_2") {
			t.Error("RELEASE SAVEPOINT was sent while another operation held the connection")
		}
		close(proceed)
		holder.Wait()
		_, err = aio.Await(ctx, sp)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.has("release savepoint aiodb_sp_2") {
		t.Errorf("events %q lack the second savepoint's release", rec.list())
	}
	e.wantIDs("after commit", e.committed(), 1)
}

func testBeginFails(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	called := false
	fn := func(context.Context) error { called = true; return nil }

	cctx, cancel := context.WithCancel(txSetup)
	cancel()
	if err := e.db.Atomic(cctx, fn); !errors.Is(err, context.Canceled) {
		t.Errorf("Atomic with a cancelled context = %v, want context.Canceled", err)
	}
	txWantNoConnInUse(t, e.db)

	if b.badIsolation {
		err := e.db.Atomic(txSetup, fn, orm.Isolation(sql.LevelLinearizable))
		if err == nil {
			t.Error("Atomic with an unsupported isolation level succeeded")
		}
		txWantNoConnInUse(t, e.db)
	}

	guarded := newTxEnv(t, b, orm.SyncMode(driver.SyncError))
	if err := guarded.db.Atomic(context.Background(), fn); !errors.Is(err, driver.ErrSyncCall) {
		t.Errorf("sync Atomic under aio_sync=error = %v, want ErrSyncCall", err)
	}
	if err := guarded.db.Transaction(context.Background(), fn); !errors.Is(err, driver.ErrSyncCall) {
		t.Errorf("sync Transaction under aio_sync=error = %v, want ErrSyncCall", err)
	}
	txWantNoConnInUse(t, guarded.db)
	if called {
		t.Error("fn was called although BEGIN failed")
	}
	// The pool is whole: an async transaction works.
	if _, err := aio.Await(txSetup, guarded.db.AioAtomic(context.Background(), func(ctx context.Context) error {
		return guarded.insert(ctx, 1, 1)
	})); err != nil {
		t.Fatal(err)
	}
	guarded.wantIDs("after the async transaction", guarded.committed(), 1)
}

func testCommitFails(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	t.Run("CancelledContext", func(t *testing.T) {
		e := e.with(t)
		cctx, cancel := context.WithCancel(txSetup)
		defer cancel()
		err := e.db.Atomic(cctx, func(ctx context.Context) error {
			e.mustInsert(ctx, 1)
			cancel()
			return nil
		})
		if err == nil {
			t.Fatal("Atomic committed although its context was cancelled")
		}
		txWantNoConnInUse(t, e.db)
		e.wantIDs("after the failed commit", e.committed())
	})
	if b.deferredTable == nil {
		return
	}
	t.Run("DeferredConstraint", func(t *testing.T) {
		d := &txEnv{t: t, b: b, db: e.db, table: e.table + "_d"}
		ddl, violation := b.deferredTable(d.table)
		d.setupTable(ddl)
		err := d.db.Atomic(txSetup, func(ctx context.Context) error {
			for _, q := range violation {
				if err := d.exec(ctx, q); err != nil {
					t.Fatalf("%s: %v (the constraint should be deferred)", q, err)
				}
			}
			return nil
		})
		if err == nil || !strings.Contains(err.Error(), "commit") {
			t.Fatalf("Atomic = %v, want the commit's error", err)
		}
		txWantNoConnInUse(t, d.db)
		d.wantIDs("after the failed commit", d.committed())
		// The connection went back clean: the next transaction commits.
		if err := d.db.Atomic(txSetup, func(ctx context.Context) error { return d.insert(ctx, 5, 5) }); err != nil {
			t.Fatal(err)
		}
		d.wantIDs("after the next commit", d.committed(), 5)
	})
}

func testFinishedContext(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	var kept context.Context
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		kept = ctx
		e.mustInsert(ctx, 1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.insert(kept, 2, 2); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("statement with a finished transaction's context = %v, want sql.ErrTxDone", err)
	}
	fn := func(context.Context) error { t.Error("fn called with a finished transaction's context"); return nil }
	if err := e.db.Atomic(kept, fn); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Atomic = %v, want sql.ErrTxDone", err)
	}
	if err := e.db.Savepoint(kept, fn); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Savepoint = %v, want sql.ErrTxDone", err)
	}
	if err := e.db.Transaction(kept, fn); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Transaction = %v, want sql.ErrTxDone", err)
	}
	e.wantIDs("after", e.committed(), 1)
}

func testOtherDB(t *testing.T, b txBackend) {
	e1 := newTxEnv(t, b)
	e2 := newTxEnv(t, b)
	err := e1.db.Atomic(txSetup, func(ctx context.Context) error {
		e1.mustInsert(ctx, 1)
		// ctx carries e1's transaction only: e2 runs on its own pool, in
		// autocommit, and may begin its own transaction.
		e2.mustInsert(ctx, 1)
		e2.wantIDs("other DB, outside", e2.committed(), 1)
		return e2.db.Transaction(ctx, func(ctx2 context.Context) error {
			e1.mustInsert(ctx2, 2) // still e1's transaction
			e2.mustInsert(ctx2, 2)
			e2.wantIDs("other DB's transaction, outside", e2.committed(), 1)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	e1.wantIDs("first DB", e1.committed(), 1, 2)
	e2.wantIDs("second DB", e2.committed(), 1, 2)
}

func testGuardPanic(t *testing.T, b txBackend) {
	e := newTxEnv(t, b, orm.SyncMode(driver.SyncPanic))
	fn := func(context.Context) error { t.Error("fn called by a sync call under aio_sync=panic"); return nil }
	// Each call records its own file:line first: the panic's Caller.
	var caller string
	here := func() {
		_, file, line, _ := runtime.Caller(1)
		caller = file + ":" + strconv.Itoa(line+1)
	}
	calls := []struct {
		name string
		call func(ctx context.Context)
	}{
		{"Atomic", func(ctx context.Context) {
			here()
			_ = e.db.Atomic(ctx, fn)
		}},
		{"Transaction", func(ctx context.Context) {
			here()
			_ = e.db.Transaction(ctx, fn)
		}},
		{"BeginContext", func(ctx context.Context) {
			here()
			_, _, _ = e.db.BeginContext(ctx)
		}},
	}
	for _, c := range calls {
		p := txRecovered(func() { c.call(context.Background()) })
		want := &driver.SyncCallError{Op: "begin", Mode: driver.SyncPanic, Caller: caller}
		if sce, ok := p.(*driver.SyncCallError); !ok || !reflect.DeepEqual(sce, want) {
			t.Errorf("%s: recovered %#v, want %#v", c.name, p, want)
		}
	}
	txWantNoConnInUse(t, e.db)
	// Allowed and async contexts pass.
	if err := e.db.Atomic(aio.AllowSync(context.Background()), func(ctx context.Context) error {
		return e.insert(ctx, 1, 1)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(txSetup, e.db.AioAtomic(context.Background(), func(ctx context.Context) error {
		return e.insert(ctx, 2, 2)
	})); err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after the allowed transactions", e.committed(), 1, 2)
}

func testOptions(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	if b.readOnly {
		err := e.db.Atomic(txSetup, func(ctx context.Context) error { return e.insert(ctx, 1, 1) }, orm.ReadOnly())
		if err == nil {
			t.Error("insert in a ReadOnly transaction succeeded")
		}
		e.wantIDs("after the read-only transaction", e.committed())
	}
	if b.isolationQuery != "" {
		err := e.db.Atomic(txSetup, func(ctx context.Context) error {
			ex, release, err := orm.AcquireForTxTest(e.db, ctx)
			if err != nil {
				return err
			}
			defer release()
			var level string
			if err := orm.QueryRowForTest(ctx, ex, b.isolationQuery, &level); err != nil {
				return err
			}
			if level != "serializable" {
				t.Errorf("isolation level %q, want serializable", level)
			}
			return nil
		}, orm.Isolation(sql.LevelSerializable))
		if err != nil {
			t.Fatal(err)
		}
	}
	// Options are for a new transaction; a savepoint ignores them.
	err := e.db.Atomic(txSetup, func(ctx context.Context) error {
		return e.db.Atomic(ctx, func(ctx context.Context) error { return e.insert(ctx, 2, 2) }, orm.ReadOnly())
	})
	if err != nil {
		t.Fatal(err)
	}
	e.wantIDs("after the nested Atomic", e.committed(), 2)
}

func testBeginContext(t *testing.T, b txBackend) {
	e := newTxEnv(t, b)
	ctx, tx, err := e.db.BeginContext(txSetup)
	if err != nil {
		t.Fatal(err)
	}
	e.mustInsert(ctx, 1)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Rollback after Commit = %v, want sql.ErrTxDone", err)
	}
	if err := e.insert(ctx, 9, 9); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("statement after Commit = %v, want sql.ErrTxDone", err)
	}

	ctx, tx, err = e.db.BeginContext(txSetup)
	if err != nil {
		t.Fatal(err)
	}
	e.mustInsert(ctx, 2)
	if err := e.db.Atomic(ctx, func(ctx context.Context) error { return e.insert(ctx, 3, 3) }); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("Commit after Rollback = %v, want sql.ErrTxDone", err)
	}
	e.wantIDs("after", e.committed(), 1)
	txWantNoConnInUse(t, e.db)
}

func testOrmtest(t *testing.T, b txBackend) {
	e := newTxEnv(t, b, orm.SyncMode(driver.SyncPanic))
	t.Run("inner", func(t *testing.T) {
		e := e.with(t)
		ctx := ormtest.Tx(t, e.db)
		e.mustInsert(ctx, 1) // a blocking call: the context allows it
		if err := e.db.Atomic(ctx, func(ctx context.Context) error { return e.insert(ctx, 2, 2) }); err != nil {
			t.Fatal(err)
		}
		e.wantIDs("inside", e.ids(ctx), 1, 2)
		e.wantIDs("outside, during the test", e.committed())
		if err := e.db.Transaction(ctx, func(context.Context) error { return nil }); !errors.Is(err, orm.ErrTransactionOpen) {
			t.Errorf("Transaction in ormtest.Tx's context = %v, want ErrTransactionOpen", err)
		}
	})
	e.wantIDs("after the test", e.committed())
	txWantNoConnInUse(t, e.db)
}
