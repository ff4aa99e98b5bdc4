package driver_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
	"modernc.org/sqlite"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// target is one real database reached through one registered driver.
type target struct {
	name    string // the aiodb driver
	bare    string // the wrapped driver's own registered name
	dialect string
}

// The wrapped driver of each aiodb driver, and the dialect of each server.
var (
	bareDrivers = map[string]string{"aiopg": "postgres", "aiopgx": "pgx", "aiomysql": "mysql", "aiosqlite": "sqlite"}
	dialects    = map[string]string{testenv.Postgres: aiodriver.DialectPostgres, testenv.MySQL: aiodriver.DialectMySQL, testenv.SQLite: aiodriver.DialectSQLite}
)

func targetOf(b testenv.Backend) target {
	return target{name: b.Driver, bare: bareDrivers[b.Driver], dialect: dialects[b.Server]}
}

// forEachTarget runs fn as a subtest per backend (the orm's dialect
// variants left out: the driver has no dialects to vary); a backend
// whose server is not configured skips (or fails under
// AIODB_REQUIRE_DB=1).
func forEachTarget(t *testing.T, fn func(t *testing.T, tg target, dsn string)) {
	testenv.EachBackend(t, func(t *testing.T, b testenv.Backend) { fn(t, targetOf(b), b.DSN(t)) }, testenv.NoVariants)
}

// ph returns the i-th (1-based) placeholder of the dialect.
func ph(dialect string, i int) string {
	if dialect == aiodriver.DialectPostgres {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

var tableSeq atomic.Int64

// tableName returns a table name no other test (here or in another
// package running at the same time) uses.
func tableName(prefix string) string {
	return fmt.Sprintf("aiodrv_%s_%d_%d", prefix, rand.Uint32(), tableSeq.Add(1))
}

func openDB(t *testing.T, name, dsn string, configure func(*aiodriver.Options)) *sql.DB {
	t.Helper()
	c, err := aiodriver.OpenConnector(name, dsn, configure)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

var allow = aiodriver.AllowSync(context.Background())

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(allow, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func dropLater(t *testing.T, db *sql.DB, table string) {
	t.Cleanup(func() { db.ExecContext(allow, "DROP TABLE IF EXISTS "+table) })
}

func thisLine() int {
	_, _, line, _ := runtime.Caller(1)
	return line
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestIntegrationModes(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		table := tableName("modes")
		setup := openDB(t, tg.name, dsn, nil)
		mustExec(t, setup, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, n INTEGER)")
		dropLater(t, setup, table)
		mustExec(t, setup, "INSERT INTO "+table+" (id, n) VALUES (1, 10)")
		sel := "SELECT n FROM " + table + " WHERE id = " + ph(tg.dialect, 1)
		upd := "UPDATE " + table + " SET n = n + 1 WHERE id = " + ph(tg.dialect, 1)
		current := func() int {
			var n int
			if err := setup.QueryRowContext(allow, "SELECT n FROM "+table+" WHERE id = 1").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		for _, mode := range []string{"allow", "warn", "error", "panic"} {
			t.Run(mode, func(t *testing.T) {
				logs := &syncBuffer{}
				db := openDB(t, tg.name, testenv.WithOptions(dsn, "aio_sync="+mode), func(o *aiodriver.Options) {
					o.Logger = slog.New(slog.NewTextHandler(logs, nil))
				})
				before := current()
				var n int
				var err error
				var p any
				var line int
				func() {
					defer func() { p = recover() }()
					line = thisLine() + 1
					err = db.QueryRow(sel, 1).Scan(&n)
				}()
				var execErr error
				var execPanic any
				func() {
					defer func() { execPanic = recover() }()
					_, execErr = db.Exec(upd, 1)
				}()
				after := current()
				switch mode {
				case "allow", "warn":
					if err != nil || p != nil || n != before || execErr != nil || execPanic != nil || after != before+1 {
						t.Fatalf("query %d/%v/%v, exec %v/%v, n %d->%d", n, err, p, execErr, execPanic, before, after)
					}
					log := logs.String()
					want := fmt.Sprintf("integration_test.go:%d", line)
					if mode == "warn" && (!strings.Contains(log, want) || !strings.Contains(log, sel)) {
						t.Fatalf("warn log %q lacks %s and the SQL", log, want)
					}
					if mode == "allow" && log != "" {
						t.Fatalf("allow logged %q", log)
					}
				case "error":
					if !errors.Is(err, aiodriver.ErrSyncCall) || !errors.Is(execErr, aiodriver.ErrSyncCall) || p != nil || execPanic != nil {
						t.Fatalf("query %v/%v, exec %v/%v", err, p, execErr, execPanic)
					}
				case "panic":
					if _, ok := p.(*aiodriver.SyncCallError); !ok {
						t.Fatalf("QueryRow.Scan panic = %v (err %v)", p, err)
					}
					if _, ok := execPanic.(*aiodriver.SyncCallError); !ok {
						t.Fatalf("Exec panic = %v (err %v)", execPanic, execErr)
					}
				}
				if (mode == "error" || mode == "panic") && after != before {
					t.Fatalf("the refused UPDATE reached the server: n %d -> %d", before, after)
				}
				// A marked context always passes.
				if err := db.QueryRowContext(aiodriver.MarkAsync(context.Background()), sel, 1).Scan(&n); err != nil {
					t.Fatal(err)
				}
			})
		}
	})
}

// A thousand recovered guard panics on a pool of two connections, then a
// normal query gets a connection at once.
func TestIntegrationPanicKeepsPool(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		db := openDB(t, tg.name, testenv.WithOptions(dsn, "aio_sync=panic"), nil)
		db.SetMaxOpenConns(2)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		recovered := 0
		try := func(fn func()) {
			defer func() {
				if _, ok := recover().(*aiodriver.SyncCallError); ok {
					recovered++
				}
			}()
			fn()
		}
		for recovered < 1000 {
			try(func() {
				var n int
				db.QueryRowContext(ctx, "SELECT 1").Scan(&n)
			})
			try(func() {
				rows, err := db.QueryContext(ctx, "SELECT 1")
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				rows.Next()
			})
			try(func() { db.ExecContext(ctx, "DELETE FROM nowhere") })
			try(func() { db.PrepareContext(ctx, "SELECT 1") })
			if _, err := db.BeginTx(ctx, nil); !errors.Is(err, aiodriver.ErrSyncCall) {
				t.Fatalf("BeginTx under aio_sync=panic: %v, want the SyncCallError as an error", err)
			}
		}
		qctx, qcancel := context.WithTimeout(allow, 2*time.Second)
		defer qcancel()
		var n int
		if err := db.QueryRowContext(qctx, "SELECT 7").Scan(&n); err != nil || n != 7 {
			t.Fatalf("after %d panics: %d %v (pool %+v)", recovered, n, err, db.Stats())
		}
		if st := db.Stats(); st.InUse != 0 {
			t.Fatalf("connections in use after the panics: %+v", st)
		}

		// In a transaction begun with an allowed context, a sync
		// statement panics and Rollback still releases the connection.
		tx, err := db.BeginTx(qctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		try(func() { tx.ExecContext(ctx, "DELETE FROM nowhere") })
		try(func() {
			rows, err := tx.QueryContext(ctx, "SELECT 1")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			rows.Next()
		})
		done := make(chan error, 1)
		go func() { done <- tx.Rollback() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("tx.Rollback blocked: a panic leaked the transaction's lock")
		}
		if err := db.QueryRowContext(qctx, "SELECT 8").Scan(&n); err != nil || n != 8 {
			t.Fatalf("after the transaction: %d %v (pool %+v)", n, err, db.Stats())
		}
	})
}

type columnInfo struct {
	Name, DBType          string
	Length                int64
	HasLength             bool
	Nullable, HasNullable bool
	Precision, Scale      int64
	HasDecimal            bool
	ScanType              reflect.Type
}

func columnInfos(t *testing.T, db *sql.DB, query string) []columnInfo {
	t.Helper()
	rows, err := db.QueryContext(allow, query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var out []columnInfo
	for _, ct := range cts {
		ci := columnInfo{Name: ct.Name(), DBType: ct.DatabaseTypeName(), ScanType: ct.ScanType()}
		ci.Length, ci.HasLength = ct.Length()
		ci.Nullable, ci.HasNullable = ct.Nullable()
		ci.Precision, ci.Scale, ci.HasDecimal = ct.DecimalSize()
		out = append(out, ci)
	}
	return out
}

var typedTables = map[string]string{
	aiodriver.DialectPostgres: `(id BIGSERIAL PRIMARY KEY, name VARCHAR(40) NOT NULL, note TEXT NULL, price NUMERIC(10,2),
		flag BOOLEAN, created TIMESTAMPTZ, data BYTEA, f DOUBLE PRECISION, ids INT8[])`,
	aiodriver.DialectMySQL: `(id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL, note TEXT NULL, price DECIMAL(10,2),
		flag TINYINT(1), created DATETIME(6), data BLOB, f DOUBLE)`,
	aiodriver.DialectSQLite: `(id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL, note TEXT, price NUMERIC(10,2),
		flag BOOLEAN, created DATETIME, data BLOB, f REAL)`,
}

// Column types through the wrapper (with and without hooks, which take
// different paths) equal the bare driver's.
func TestIntegrationColumnTypes(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		bare, err := sql.Open(tg.bare, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer bare.Close()
		table := tableName("types")
		if _, err := bare.Exec("CREATE TABLE " + table + " " + typedTables[tg.dialect]); err != nil {
			t.Fatal(err)
		}
		defer bare.Exec("DROP TABLE " + table)
		if _, err := bare.Exec("INSERT INTO " + table + " (name, price, flag, f) VALUES ('a', 1.5, true, 2.5)"); err != nil {
			t.Fatal(err)
		}
		query := "SELECT * FROM " + table
		want := columnInfos(t, bare, query)
		if len(want) < 8 {
			t.Fatalf("bare driver reported %d columns", len(want))
		}
		for _, h := range []hooks.Hook{nil, hooks.Base{}} {
			db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = h })
			if got := columnInfos(t, db, query); !reflect.DeepEqual(got, want) {
				t.Fatalf("hooks %v: column types through the wrapper\n%+v\nbare driver\n%+v", h != nil, got, want)
			}
		}
	})
}

func TestIntegrationPostgresArrays(t *testing.T) {
	db := openDB(t, "aiopg", testenv.PostgresDSN(t), func(o *aiodriver.Options) { o.Hooks = hooks.Base{} })
	// lib/pq's CheckNamedValue turns a Go slice into an array: the
	// wrapper must forward it.
	var got []int64
	if err := db.QueryRowContext(allow, "SELECT $1::int8[]", []int64{3, 1, 2}).Scan(pq.Array(&got)); err != nil {
		t.Fatalf("[]int64 bound through aiopg: %v", err)
	}
	if !reflect.DeepEqual(got, []int64{3, 1, 2}) {
		t.Fatalf("got %v", got)
	}
	var n int
	if err := db.QueryRowContext(allow, "SELECT count(*) FROM unnest($1::text[]) x WHERE x = ANY($2)",
		pq.Array([]string{"a", "b", "c"}), []string{"b", "c", "z"}).Scan(&n); err != nil || n != 2 {
		t.Fatalf("pq.Array and []string: %d %v", n, err)
	}
	// Prepared statements forward the conversion too.
	st, err := db.PrepareContext(allow, "SELECT cardinality($1::int8[])")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.QueryRowContext(allow, []int64{1, 2, 3, 4}).Scan(&n); err != nil || n != 4 {
		t.Fatalf("stmt with []int64: %d %v", n, err)
	}
}

func TestIntegrationPostgresCopyIn(t *testing.T) {
	rec := &countingHook{}
	db := openDB(t, "aiopg", testenv.WithOptions(testenv.PostgresDSN(t), "aio_sync=panic"), func(o *aiodriver.Options) { o.Hooks = rec })
	table := tableName("copy")
	mustExec(t, db, "CREATE TABLE "+table+" (id int, name text)")
	dropLater(t, db, table)
	ctx := aiodriver.MarkAsync(context.Background())
	before := rec.starts.Load()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, pq.CopyIn(table, "id", "name"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := st.ExecContext(ctx, i, fmt.Sprintf("row %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.ExecContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var n, sum int
	if err := db.QueryRowContext(ctx, "SELECT count(*), sum(id) FROM "+table).Scan(&n, &sum); err != nil || n != 100 || sum != 4950 {
		t.Fatalf("copied %d rows (sum %d): %v", n, sum, err)
	}
	if got := rec.starts.Load() - before; got != 1+101+1 { // prepare, 101 execs, the count
		t.Fatalf("statement events %d, want 103", got)
	}
}

// countingHook counts statement events and checks they pair up.
type countingHook struct {
	hooks.Base
	starts, ends, rows atomic.Int64
	kinds              sync.Map // hooks.StmtKind -> *atomic.Int64
}

func (h *countingHook) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	h.starts.Add(1)
	v, _ := h.kinds.LoadOrStore(e.Kind, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
	return ctx
}

func (h *countingHook) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	h.ends.Add(1)
	if e.Rows > 0 {
		h.rows.Add(e.Rows)
	}
}

func (h *countingHook) kind(k hooks.StmtKind) int64 {
	v, ok := h.kinds.Load(k)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

// go-sql-driver/mysql answers a statement with arguments with
// driver.ErrSkip unless interpolateParams is on; the wrapper prepares it
// itself, so hooks see one statement and database/sql does not fall back.
func TestIntegrationMySQLErrSkipOneEvent(t *testing.T) {
	dsn := testenv.MySQLDSN(t)
	if strings.Contains(dsn, "interpolateParams=true") {
		t.Skip("the DSN turns interpolateParams on")
	}
	rec := &countingHook{}
	db := openDB(t, "aiomysql", testenv.WithOptions(dsn, "multiStatements=true"), func(o *aiodriver.Options) { o.Hooks = rec })
	var n int
	if err := db.QueryRowContext(allow, "SELECT ? + 1", 41).Scan(&n); err != nil || n != 42 {
		t.Fatalf("%d %v", n, err)
	}
	if _, err := db.ExecContext(allow, "DO ?", 1); err != nil {
		t.Fatal(err)
	}
	if s, e := rec.starts.Load(), rec.ends.Load(); s != 2 || e != 2 || rec.kind(hooks.StmtQuery) != 1 || rec.kind(hooks.StmtExec) != 1 || rec.kind(hooks.StmtPrepare) != 0 {
		t.Fatalf("events: %d starts, %d ends, query %d, exec %d, prepare %d; want one query and one exec",
			s, e, rec.kind(hooks.StmtQuery), rec.kind(hooks.StmtExec), rec.kind(hooks.StmtPrepare))
	}
	if rec.rows.Load() != 1 {
		t.Fatalf("rows read %d, want 1", rec.rows.Load())
	}

	// Several result sets come through the wrapper's rows.
	rows, err := db.QueryContext(allow, "SELECT 1; SELECT 2 UNION ALL SELECT 3")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for {
		for rows.Next() {
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil || !reflect.DeepEqual(got, []int{1, 2, 3}) {
		t.Fatalf("result sets gave %v, %v", got, err)
	}
}

// Raw reaches the inner connection, and IsValid is offered exactly when
// the inner connection has it, or can tell otherwise: pgx's stdlib
// connection has no IsValid, but its *pgx.Conn knows when it is closed.
func TestIntegrationRawInnerConn(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		db := openDB(t, tg.name, dsn, nil)
		bare, err := sql.Open(tg.bare, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer bare.Close()
		innerType := func(db *sql.DB, unwrap bool) (typ string, valid bool) {
			c, err := db.Conn(allow)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Raw(func(dc any) error {
				_, valid = dc.(interface{ IsValid() bool })
				if unwrap {
					dc = aiodriver.InnerConn(dc)
				}
				typ = fmt.Sprintf("%T", dc)
				return nil
			})
			return typ, valid
		}
		wantType, wantValid := innerType(bare, false)
		wantValid = wantValid || tg.name == "aiopgx"
		gotType, gotValid := innerType(db, true)
		if gotType != wantType || gotValid != wantValid {
			t.Fatalf("through the wrapper: %s (IsValid %v); bare: %s (IsValid %v)", gotType, gotValid, wantType, wantValid)
		}
	})
}

// 32 goroutines share one guarded pool (run with -race).
func TestIntegrationConcurrent(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		rec := &countingHook{}
		db := openDB(t, tg.name, testenv.WithOptions(dsn, "aio_sync=error"), func(o *aiodriver.Options) { o.Hooks = rec })
		db.SetMaxOpenConns(8)
		table := tableName("conc")
		mustExec(t, db, "CREATE TABLE "+table+" (g INTEGER, i INTEGER)")
		dropLater(t, db, table)
		const workers, per = 32, 20
		ctx := aiodriver.MarkAsync(context.Background())
		ins := fmt.Sprintf("INSERT INTO %s (g, i) VALUES (%s, %s)", table, ph(tg.dialect, 1), ph(tg.dialect, 2))
		sel := fmt.Sprintf("SELECT count(*) FROM %s WHERE g = %s", table, ph(tg.dialect, 1))
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for g := 0; g < workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					if _, err := db.ExecContext(ctx, ins, g, i); err != nil {
						errs <- err
						return
					}
					var n int
					if err := db.QueryRowContext(ctx, sel, g).Scan(&n); err != nil || n != i+1 {
						errs <- fmt.Errorf("worker %d read %d rows after %d inserts: %v", g, n, i+1, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if s, e := rec.starts.Load(), rec.ends.Load(); s != e || s != 2*workers*per+1 {
			t.Fatalf("%d starts, %d ends, want %d", s, e, 2*workers*per+1)
		}
	})
}

// Isolation level and read-only flag reach the server, and the inner
// driver's errors come back unchanged.
func TestIntegrationTxOptionsAndErrors(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = hooks.Base{} })
		_, err := db.ExecContext(allow, "SELEKT 1")
		if err == nil {
			t.Fatal("no error for bad SQL")
		}
		var typ string
		switch e := err.(type) {
		case *pq.Error:
			typ = "pq"
		case *mysql.MySQLError:
			typ = "mysql"
		case *sqlite.Error:
			typ = "sqlite"
		case *pgconn.PgError:
			typ = "pgx"
		default:
			t.Fatalf("error %T %v is not the inner driver's own type", e, e)
		}
		if want := map[string]string{"aiopg": "pq", "aiopgx": "pgx", "aiomysql": "mysql", "aiosqlite": "sqlite"}[tg.name]; typ != want {
			t.Fatalf("error type %s, want %s", typ, want)
		}
		if tg.dialect != aiodriver.DialectPostgres {
			return
		}
		tx, err := db.BeginTx(allow, &sql.TxOptions{Isolation: sql.LevelSerializable, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		var iso, ro string
		if err := tx.QueryRowContext(allow, "SELECT current_setting('transaction_isolation'), current_setting('transaction_read_only')").Scan(&iso, &ro); err != nil {
			t.Fatal(err)
		}
		if iso != "serializable" || ro != "on" {
			t.Fatalf("isolation %q read-only %q, want serializable and on", iso, ro)
		}
	})
}
