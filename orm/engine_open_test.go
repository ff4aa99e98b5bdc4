package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/engine"
)

// countingEngine is an engine.Engine over a *sql.DB of aiosqlite that
// counts what the ORM asks of it: the contract of package engine, shown
// without pgx.
type countingEngine struct {
	db                     *sql.DB
	dialect                string
	cfg                    engine.Config
	execs, queries, begins atomic.Int64
	commits, rollbacks     atomic.Int64
	closed                 atomic.Bool
}

func (e *countingEngine) Exec(ctx context.Context, q string, args []any) (sql.Result, error) {
	e.execs.Add(1)
	return e.db.ExecContext(ctx, q, args...)
}

func (e *countingEngine) Query(ctx context.Context, q string, args []any) (engine.Rows, error) {
	e.queries.Add(1)
	rows, err := e.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (e *countingEngine) Begin(ctx context.Context, opts *sql.TxOptions) (engine.Tx, error) {
	e.begins.Add(1)
	tx, err := e.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &countingTx{e: e, tx: tx}, nil
}

func (e *countingEngine) DB() *sql.DB     { return e.db }
func (e *countingEngine) Dialect() string { return e.dialect }
func (e *countingEngine) Close() error    { e.closed.Store(true); return e.db.Close() }

type countingTx struct {
	e  *countingEngine
	tx *sql.Tx
}

func (t *countingTx) Exec(ctx context.Context, q string, args []any) (sql.Result, error) {
	t.e.execs.Add(1)
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *countingTx) Query(ctx context.Context, q string, args []any) (engine.Rows, error) {
	t.e.queries.Add(1)
	rows, err := t.tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (t *countingTx) Commit() error   { t.e.commits.Add(1); return t.tx.Commit() }
func (t *countingTx) Rollback() error { t.e.rollbacks.Add(1); return t.tx.Rollback() }

type engNote struct {
	ID   int64  `db:"id,pk,auto"`
	Body string `db:"body"`
}

// openCounting opens a DB on a countingEngine with opts.
func openCounting(t *testing.T, dialect string, opts ...orm.Option) (*orm.DB, *countingEngine, error) {
	t.Helper()
	sqlDB, err := sql.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	e := &countingEngine{db: sqlDB, dialect: dialect}
	db, err := orm.OpenEngine(func(c engine.Config) (engine.Engine, error) {
		e.cfg = c
		return e, nil
	}, opts...)
	if err != nil {
		sqlDB.Close()
	}
	return db, e, err
}

// TestOpenEngineRunsTheORMOnTheEngine: the statements of the model API,
// the builder and transactions (savepoints too) go to the engine and its
// Tx, the options reach its Config, and Close closes it.
func TestOpenEngineRunsTheORMOnTheEngine(t *testing.T) {
	db, e, err := openCounting(t, driver.DialectSQLite, orm.SyncMode(driver.SyncError), orm.MaxConnections(3))
	if err != nil {
		t.Fatal(err)
	}
	if e.cfg.Driver.Sync != driver.SyncError || e.cfg.MaxConns != 3 {
		t.Errorf("engine Config %+v, want Sync error and MaxConns 3", e.cfg)
	}
	if db.Engine() != engine.Engine(e) || db.Dialect().Name != driver.DialectSQLite {
		t.Fatalf("Engine %v, dialect %q", db.Engine(), db.Dialect().Name)
	}
	ctx := aio.AllowSync(context.Background())
	notes := orm.MustModel[engNote](db)
	if err := notes.CreateTable(ctx, false); err != nil {
		t.Fatal(err)
	}
	execs := e.execs.Load()
	n, err := notes.Create(ctx, &engNote{Body: "one"})
	if err != nil || n.ID == 0 {
		t.Fatalf("Create: %+v, %v", n, err)
	}
	got, err := notes.GetByPK(ctx, n.ID)
	if err != nil || got.Body != "one" {
		t.Fatalf("GetByPK: %+v, %v", got, err)
	}
	if e.execs.Load()+e.queries.Load() < execs+2 {
		t.Errorf("Create and GetByPK did not run on the engine: %d execs, %d queries", e.execs.Load(), e.queries.Load())
	}
	boom := errors.New("boom")
	err = db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := notes.Create(ctx, &engNote{Body: "rolled back"}); err != nil {
			return err
		}
		return db.Atomic(ctx, func(ctx context.Context) error { // a savepoint on the engine's Tx
			_, err := notes.Create(ctx, &engNote{Body: "inner"})
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := notes.Create(ctx, &engNote{Body: "gone"}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Atomic: %v, want boom", err)
	}
	if e.begins.Load() != 2 || e.commits.Load() != 1 || e.rollbacks.Load() != 1 {
		t.Errorf("begins %d, commits %d, rollbacks %d; want 2, 1, 1", e.begins.Load(), e.commits.Load(), e.rollbacks.Load())
	}
	if c, err := notes.Select().Count(ctx); err != nil || c != 3 {
		t.Errorf("Count: %d, %v; want 3 (one, rolled back, inner)", c, err)
	}
	// A sync call: the guard is the engine's, not orm's.
	if _, err := notes.GetByPK(context.Background(), n.ID); err != nil {
		t.Errorf("GetByPK with a sync context: %v (this engine has no guard, so it runs)", err)
	}
	if err := db.Close(); err != nil || !e.closed.Load() {
		t.Errorf("Close: %v, engine closed %v", err, e.closed.Load())
	}
}

// TestOpenEngineErrors: Replicas is refused before the engine is opened,
// a dialect the engine does not know is refused (and the engine closed),
// and an open function's error comes back as it is.
func TestOpenEngineErrors(t *testing.T) {
	opened := false
	_, err := orm.OpenEngine(func(engine.Config) (engine.Engine, error) { opened = true; return nil, nil },
		orm.Replicas("file:replica.db"))
	if err == nil || !strings.Contains(err.Error(), "Replicas") || opened {
		t.Errorf("Replicas: %v (engine opened: %v)", err, opened)
	}
	_, e, err := openCounting(t, "nosuchdialect")
	if err == nil || !strings.Contains(err.Error(), "WithDialect") || !e.closed.Load() {
		t.Errorf("unknown dialect: %v (engine closed: %v)", err, e.closed.Load())
	}
	failed := errors.New("no pool")
	if _, err := orm.OpenEngine(func(engine.Config) (engine.Engine, error) { return nil, failed }); !errors.Is(err, failed) {
		t.Errorf("open error: %v, want %v", err, failed)
	}
}

// TestEngineExecutorAndManager: inside a transaction Executor (a *sql.Tx)
// panics naming the engine's executor while EngineExecutor is the
// engine's Tx; Manager.Close closes the engine and refuses statements
// with ErrManagerClosed, and Connect says the DB cannot be reopened.
func TestEngineExecutorAndManager(t *testing.T) {
	db, e, err := openCounting(t, driver.DialectSQLite)
	if err != nil {
		t.Fatal(err)
	}
	ctx := aio.AllowSync(context.Background())
	if db.EngineExecutor(ctx) != engine.Queryer(e) {
		t.Errorf("EngineExecutor outside a transaction is not the engine")
	}
	_ = db.Atomic(ctx, func(ctx context.Context) error {
		if _, ok := db.EngineExecutor(ctx).(*countingTx); !ok {
			t.Errorf("EngineExecutor in a transaction: %T, want the engine's Tx", db.EngineExecutor(ctx))
		}
		defer func() {
			if r := recover(); r == nil || !strings.Contains(panicText(r), "ormpgx.Executor") {
				t.Errorf("Executor in an engine transaction: recovered %v, want a panic naming ormpgx.Executor", r)
			}
		}()
		db.Executor(ctx)
		return nil
	})
	m := orm.NewManager(db)
	if err := m.Close(); err != nil || !e.closed.Load() {
		t.Fatalf("Manager.Close: %v, engine closed %v", err, e.closed.Load())
	}
	notes := orm.MustModel[engNote](db)
	if _, err := notes.GetByPK(ctx, int64(1)); !errors.Is(err, orm.ErrManagerClosed) {
		t.Errorf("after Manager.Close: %v, want ErrManagerClosed", err)
	}
	if _, err := aio.Await(ctx, m.Connect(ctx)); err == nil || !strings.Contains(err.Error(), "cannot be reopened") {
		t.Errorf("Connect: %v, want cannot be reopened", err)
	}
}

// panicText is the text of a recovered panic value.
func panicText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return ""
}
