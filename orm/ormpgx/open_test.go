package ormpgx_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// wantErr fails unless err is non-nil and mentions each of words.
func wantErr(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not mention %q", what, err, w)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.PostgresDSN(t)

	_, err := ormpgx.Open(ctx, testenv.WithOptions(dsn, "aio_bogus=1"))
	wantErr(t, "aio_bogus", err, "aio_bogus")
	_, err = ormpgx.Open(ctx, testenv.WithOptions(dsn, "aio_stmt_cache=0"))
	wantErr(t, "aio_stmt_cache", err, "aio_stmt_cache", "statement_cache_capacity")
	_, err = ormpgx.Open(ctx, testenv.WithOptions(dsn, "aio_sync=sometimes"))
	wantErr(t, "aio_sync=sometimes", err, "aio_sync")
	_, err = ormpgx.Open(ctx, "host=127.0.0.1 port=notaport aio_sync=error")
	wantErr(t, "bad port", err, "ormpgx.Open")
	_, err = ormpgx.Open(ctx, testenv.WithOptions(dsn, "pool_max_conns=many"))
	wantErr(t, "bad pool_max_conns", err, "pool_max_conns")

	_, err = ormpgx.OpenConfig(ctx, nil)
	wantErr(t, "OpenConfig(nil)", err, "nil")
	_, err = ormpgx.New(nil)
	wantErr(t, "New(nil)", err, "nil")

	_, err = ormpgx.Open(ctx, dsn, orm.Replicas(dsn))
	wantErr(t, "Open with Replicas", err, "Replicas")
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ormpgx.OpenConfig(ctx, cfg, orm.Replicas(dsn))
	wantErr(t, "OpenConfig with Replicas", err, "Replicas")
}

// TestOpenKeyValueDSN: a key=value DSN with aio_sync works as a URL does.
func TestOpenKeyValueDSN(t *testing.T) {
	cfg, err := pgxpool.ParseConfig(testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	kv := "host=" + cfg.ConnConfig.Host + " port=" + strconv.Itoa(int(cfg.ConnConfig.Port)) +
		" user=" + cfg.ConnConfig.User + " dbname=" + cfg.ConnConfig.Database + " sslmode=disable aio_sync=error"
	db, err := ormpgx.Open(context.Background(), kv)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SELECT 1").Scan(new(int)); !errors.Is(err, driver.ErrSyncCall) {
		t.Errorf("sync call under aio_sync=error in a key=value DSN: %v", err)
	}
	var n int
	if err := ormpgx.Executor(aio.Async(ctx), db).QueryRow(aio.Async(ctx), "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Errorf("async call: %d, %v", n, err)
	}
}

// TestOpenMaxConnections: orm.MaxConnections is the pool's MaxConns, and
// wins over the DSN's pool_max_conns.
func TestOpenMaxConnections(t *testing.T) {
	db := openDB(t, "", orm.MaxConnections(3))
	if got := ormpgx.Pool(db).Config().MaxConns; got != 3 {
		t.Errorf("MaxConns = %d, want 3", got)
	}
	db = openDB(t, "pool_max_conns=5")
	if got := ormpgx.Pool(db).Config().MaxConns; got != 5 {
		t.Errorf("MaxConns = %d from pool_max_conns=5", got)
	}
	db = openDB(t, "pool_max_conns=5", orm.MaxConnections(2))
	if got := ormpgx.Pool(db).Config().MaxConns; got != 2 {
		t.Errorf("MaxConns = %d, want MaxConnections' 2 over pool_max_conns=5", got)
	}
}

// TestOpenDB: what a DB of Open offers besides models: its dialect, its
// *sql.DB view of the pool (guarded, traced once), and Pool.
func TestOpenDB(t *testing.T) {
	rec := new(recorder)
	db := openDB(t, "aio_sync=error", orm.WithHooks(rec))
	if name := db.Dialect().Name; name != "postgres" {
		t.Errorf("Dialect().Name = %q", name)
	}
	if ormpgx.Pool(db) == nil {
		t.Fatal("Pool of an ormpgx DB is nil")
	}
	ctx := context.Background()
	actx := aio.Async(ctx)
	table := newTableName()
	sqlDB := db.SQLDB()
	if _, err := sqlDB.ExecContext(ctx, "CREATE TABLE "+table+" (id int PRIMARY KEY)"); !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("sync DDL on SQLDB under aio_sync=error: %v", err)
	}
	rec.reset()
	if _, err := sqlDB.ExecContext(actx, "CREATE TABLE "+table+" (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := sqlDB.ExecContext(actx, "DROP TABLE "+table); err != nil {
			t.Error(err)
		}
	}()
	if starts := endsMatching(rec.Starts(), "create table", table); len(starts) != 1 {
		t.Errorf("statement events for DDL on SQLDB: %q, want exactly one", sqls(rec.Starts()))
	}
	if _, err := sqlDB.ExecContext(actx, "INSERT INTO "+table+" VALUES ($1), ($2)", 1, 2); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := sqlDB.QueryRowContext(actx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != 2 {
		t.Fatalf("count through SQLDB: %d, %v", n, err)
	}
	if s := sqlDB.Stats(); s.Idle != 0 {
		t.Errorf("SQLDB keeps %d idle connections; they should stay the pool's", s.Idle)
	}
	if v := rec.Violations(); len(v) != 0 {
		t.Errorf("violations for async calls: %+v", v)
	}
}

// TestPoolOfSQLiteDB: Pool and Executor are nil for a DB on database/sql.
func TestPoolOfSQLiteDB(t *testing.T) {
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if p := ormpgx.Pool(db); p != nil {
		t.Errorf("Pool of a SQLite DB = %v, want nil", p)
	}
	if ex := ormpgx.Executor(context.Background(), db); ex != nil {
		t.Errorf("Executor of a SQLite DB = %v, want nil", ex)
	}
}

// TestNew: a DB on a pool made elsewhere, which New refuses to resize or
// trace and leaves open on Close.
func TestNew(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	_, err = ormpgx.New(pool, orm.WithHooks(new(recorder)))
	wantErr(t, "New with WithHooks", err, "WithHooks")
	_, err = ormpgx.New(pool, orm.MaxConnections(2))
	wantErr(t, "New with MaxConnections", err, "MaxConnections")
	_, err = ormpgx.New(pool, orm.Replicas(testenv.PostgresDSN(t)))
	wantErr(t, "New with Replicas", err, "Replicas")

	db, err := ormpgx.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	if ormpgx.Pool(db) != pool {
		t.Error("Pool(db) is not the pool New was given")
	}
	m := createItems(t, db)
	if _, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: "on a pool of mine"})); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("the pool after DB.Close: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+itemTable).Scan(&n); err != nil || n != 1 {
		t.Errorf("count on the pool after DB.Close: %d, %v", n, err)
	}
}

// TestNewWithTracer: a pool built with ormpgx.NewTracer in its
// ConnConfig.Tracer fires the hook's events for a DB of New, sync
// violations included.
func TestNewWithTracer(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	rec := new(recorder)
	tr := ormpgx.NewTracer(rec)
	cfg.ConnConfig.Tracer = tr
	cfg.BeforeClose = tr.BeforeClose
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	poolClosed := false
	defer func() {
		if !poolClosed {
			pool.Close()
		}
	}()
	db, err := ormpgx.New(pool, orm.SyncMode(driver.SyncError))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := createItems(t, db)

	rec.reset()
	if _, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: "traced"})); err != nil {
		t.Fatal(err)
	}
	if len(rec.Connects()) == 0 {
		t.Error("OnConnect did not fire")
	}
	ins := endsMatching(rec.Ends(), "insert", itemTable)
	if len(ins) != 1 || !ins[0].Async || ins[0].Rows != 1 || ins[0].ConnID == 0 {
		t.Errorf("insert events: %+v", ins)
	}
	if _, err := m.Create(ctx, &item{Name: "sync"}); !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("sync Create under SyncError: %v", err)
	}
	if v := rec.Violations(); len(v) != 1 || v[0].Mode != "error" {
		t.Errorf("violations %+v, want the sync Create's", v)
	}
	connects := rec.Connects()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if len(rec.Closes()) != 0 {
		t.Errorf("DB.Close closed the pool's connections: %+v", rec.Closes())
	}
	pool.Close()
	poolClosed = true
	if got := len(rec.Closes()); got != len(connects) {
		t.Errorf("%d close events for %d connections", got, len(connects))
	}

	defer func() {
		if recover() == nil {
			t.Error("NewTracer(nil) did not panic")
		}
	}()
	ormpgx.NewTracer(nil)
}

// countingTracer is a tracer of the user's own.
type countingTracer struct{ starts, ends atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.starts.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {
	c.ends.Add(1)
}

// TestOpenConfig: OpenConfig keeps the config's own tracer and
// BeforeClose beside the hooks', and leaves the config it was given as it
// was.
func TestOpenConfig(t *testing.T) {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	mine := new(countingTracer)
	cfg.ConnConfig.Tracer = mine
	var beforeClose atomic.Int64
	cfg.BeforeClose = func(*pgx.Conn) { beforeClose.Add(1) }
	maxConns := cfg.MaxConns

	rec := new(recorder)
	db, err := ormpgx.OpenConfig(ctx, cfg, orm.WithHooks(rec), orm.MaxConnections(2))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.Tracer != pgx.QueryTracer(mine) || cfg.MaxConns != maxConns {
		t.Error("OpenConfig changed the config it was given")
	}
	if got := ormpgx.Pool(db).Config().MaxConns; got != 2 {
		t.Errorf("MaxConns = %d, want 2", got)
	}
	var n int
	if err := ormpgx.Executor(ctx, db).QueryRow(ctx, "SELECT 41 + 1").Scan(&n); err != nil || n != 42 {
		t.Fatalf("query: %d, %v", n, err)
	}
	if mine.starts.Load() == 0 || mine.ends.Load() == 0 {
		t.Error("the config's own tracer did not fire")
	}
	if got := endsMatching(rec.Ends(), "41 + 1"); len(got) != 1 {
		t.Errorf("hook statement events: %q", sqls(rec.Ends()))
	}
	conns := len(rec.Connects())
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := beforeClose.Load(); got != int64(conns) {
		t.Errorf("the config's BeforeClose ran %d times for %d connections", got, conns)
	}
	if got := len(rec.Closes()); got != conns {
		t.Errorf("%d OnClose for %d connections", got, conns)
	}
}

// TestManagerClose: after Manager.Close the DB's statements fail with
// ErrManagerClosed, and Connect cannot reopen an engine's DB.
func TestManagerClose(t *testing.T) {
	db := openDB(t, "aio_sync=error")
	m := createItems(t, db)
	ctx := context.Background()
	mgr := orm.NewManager(db)
	if _, err := aio.Await(ctx, mgr.Connect(ctx)); err != nil {
		t.Fatalf("Connect before Close: %v", err)
	}
	if _, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: "before"})); err != nil {
		t.Fatal(err)
	}
	if err := mgr.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(ctx, m.AioGet(ctx, orm.Eq("name", "before"))); !errors.Is(err, orm.ErrManagerClosed) {
		t.Errorf("Get after Manager.Close: %v, want ErrManagerClosed", err)
	}
	if _, err := aio.Await(ctx, orm.Get[item](ctx, mgr, orm.Eq("name", "before"))); !errors.Is(err, orm.ErrManagerClosed) {
		t.Errorf("orm.Get through the Manager after Close: %v, want ErrManagerClosed", err)
	}
	if _, err := aio.Await(ctx, mgr.Connect(ctx)); err == nil || !strings.Contains(err.Error(), "cannot be reopened") {
		t.Errorf("Connect after Close: %v, want an error saying it cannot be reopened", err)
	}
	if _, err := aio.Await(ctx, m.AioCount(ctx)); !errors.Is(err, orm.ErrManagerClosed) {
		t.Errorf("Count after the failed Connect: %v, want ErrManagerClosed", err)
	}
	if err := mgr.Close(); err != nil {
		t.Errorf("second Manager.Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("DB.Close after Manager.Close: %v", err)
	}
}
