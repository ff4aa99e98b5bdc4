package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/hooks"
)

// cacheConn is an inner connection that logs what reaches it: statements
// passed through ("query q", "exec q"), prepares ("prepare q #n"), runs of
// prepared statements ("run #n"), closes ("close #n", "close conn").
type cacheConn struct {
	log  *stubLog
	mu   sync.Mutex
	fail map[string]error // the next run of a prepared query fails with it
	next int
	// nextErr makes the first Next of rows fail with it.
	nextErr error
}

func (c *cacheConn) failNext(query string, err error) {
	c.mu.Lock()
	c.fail[query] = err
	c.mu.Unlock()
}

func (c *cacheConn) takeFail(query string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.fail[query]
	delete(c.fail, query)
	return err
}

func (c *cacheConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *cacheConn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	if strings.Contains(q, "bad") {
		c.log.add("prepare %s failed", q)
		return nil, errors.New("syntax error")
	}
	c.next++
	c.log.add("prepare %s #%d", q, c.next)
	return &cacheStmt{c: c, q: q, id: c.next}, nil
}

func (c *cacheConn) Close() error              { c.log.add("close conn"); return nil }
func (c *cacheConn) Begin() (driver.Tx, error) { c.log.add("begin"); return stubTx{c.log}, nil }

func (c *cacheConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	c.log.add("query %s", q)
	return &logRows{log: c.log, name: q, n: 1}, nil
}

func (c *cacheConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	c.log.add("exec %s", q)
	return driver.RowsAffected(1), nil
}

type cacheStmt struct {
	c  *cacheConn
	q  string
	id int
}

func (s *cacheStmt) Close() error  { s.c.log.add("close #%d", s.id); return nil }
func (s *cacheStmt) NumInput() int { return strings.Count(s.q, "?") }
func (s *cacheStmt) Exec([]driver.Value) (driver.Result, error) {
	panic("the wrapper uses ExecContext")
}
func (s *cacheStmt) Query([]driver.Value) (driver.Rows, error) {
	panic("the wrapper uses QueryContext")
}

func (s *cacheStmt) ExecContext(_ context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := s.c.takeFail(s.q); err != nil {
		s.c.log.add("run #%d failed", s.id)
		return nil, err
	}
	s.c.log.add("run #%d", s.id)
	return driver.RowsAffected(len(args)), nil
}

func (s *cacheStmt) QueryContext(_ context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if err := s.c.takeFail(s.q); err != nil {
		s.c.log.add("run #%d failed", s.id)
		return nil, err
	}
	s.c.log.add("run #%d", s.id)
	return &logRows{log: s.c.log, name: fmt.Sprintf("#%d", s.id), n: 2, err: s.c.nextErr}, nil
}

// logRows logs its close; err, when set, ends the first Next.
type logRows struct {
	log  *stubLog
	name string
	i, n int
	err  error
}

func (r *logRows) Columns() []string { return []string{"v"} }
func (r *logRows) Close() error      { r.log.add("rows %s closed", r.name); return nil }
func (r *logRows) Next(dest []driver.Value) error {
	if r.err != nil {
		return r.err
	}
	if r.i >= r.n {
		return io.EOF
	}
	r.i++
	dest[0] = int64(r.i)
	return nil
}

// cachedRecorder records the statement events with their Cached flag.
type cachedRecorder struct {
	hooks.Base
	mu     sync.Mutex
	events []string
}

func (r *cachedRecorder) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := fmt.Sprintf("%s %s cached=%v", e.Kind, e.SQL, e.Cached)
	if e.Err != nil {
		s += " err"
	}
	r.events = append(r.events, s)
}

func (r *cachedRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// openCache opens a one-connection pool over a cacheConn with the given
// cache size and policy, and aiomysql's stale-statement errors (its
// package is registered in this test binary by register_test.go).
func openCache(t *testing.T, size int, policy CachePolicy, h hooks.Hook) (*sql.DB, *cacheConn) {
	t.Helper()
	inner := &cacheConn{log: &stubLog{}, fail: map[string]error{}}
	d := Wrap(stubDriver{func() driver.Conn { return inner }}, Options{StmtCacheSize: size, Hooks: h})
	my, err := registered("aiomysql")
	if err != nil {
		t.Fatal(err)
	}
	d.be = &Backend{Cache: policy, StaleStatement: my.be.StaleStatement}
	c, err := d.OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db, inner
}

func (l *stubLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.Join(l.calls, "; ")
	l.calls = nil
	return s
}

func wantLog(t *testing.T, l *stubLog, want string) {
	t.Helper()
	if got := l.take(); got != want {
		t.Fatalf("inner calls\n%s\nwant\n%s", got, want)
	}
}

func queryAll(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args ...any) {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// The first use of a text prepares it, later uses run the prepared
// statement; the least recently used statement is closed when the cache
// is full; hooks see one event per statement with Cached telling a hit.
func TestStmtCacheHitsAndEviction(t *testing.T) {
	rec := &cachedRecorder{}
	db, inner := openCache(t, 2, CachePolicy{}, rec)
	log := inner.log
	queryAll(t, db, "SELECT a WHERE x = ?", 1)
	queryAll(t, db, "SELECT a WHERE x = ?", 2)
	wantLog(t, log, "prepare SELECT a WHERE x = ? #1; run #1; rows #1 closed; run #1; rows #1 closed")
	if _, err := db.Exec("UPDATE b SET y = ?", 1); err != nil {
		t.Fatal(err)
	}
	queryAll(t, db, "SELECT c WHERE x = ?", 1) // pushes out SELECT a
	wantLog(t, log, "prepare UPDATE b SET y = ? #2; run #2; prepare SELECT c WHERE x = ? #3; close #1; run #3; rows #3 closed")
	if _, err := db.Exec("UPDATE b SET y = ?", 2); err != nil { // a hit: UPDATE b is now the most recent
		t.Fatal(err)
	}
	queryAll(t, db, "SELECT a WHERE x = ?", 3) // prepared again; pushes out SELECT c
	wantLog(t, log, "run #2; prepare SELECT a WHERE x = ? #4; close #3; run #4; rows #4 closed")
	want := []string{
		"query SELECT a WHERE x = ? cached=false", "query SELECT a WHERE x = ? cached=true",
		"exec UPDATE b SET y = ? cached=false", "query SELECT c WHERE x = ? cached=false",
		"exec UPDATE b SET y = ? cached=true", "query SELECT a WHERE x = ? cached=false",
	}
	if got := rec.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("events\n%q\nwant\n%q", got, want)
	}

	// Passed through: no arguments (this policy), DDL and SET with
	// arguments, several statements, a text that fails to prepare is
	// not retried.
	queryAll(t, db, "SELECT d")
	queryAll(t, db, "SELECT d")
	if _, err := db.Exec("SET x = ?", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (x int DEFAULT ?)", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM t WHERE x = ?; DELETE FROM u", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("UPDATE bad SET x = ?", 1); err == nil || err.Error() != "syntax error" {
		t.Fatalf("prepare error: %v", err)
	}
	wantLog(t, log, "query SELECT d; rows SELECT d closed; query SELECT d; rows SELECT d closed; exec SET x = ?; "+
		"exec CREATE TABLE t (x int DEFAULT ?); exec DELETE FROM t WHERE x = ?; DELETE FROM u; prepare UPDATE bad SET x = ? failed")

	// Closing the connection closes the cached statements first (the
	// inner driver is not known to free them with the session).
	db.Close()
	wantLog(t, log, "close #4; close #2; close conn")
}

// With policy.noArgs a statement without arguments is prepared at its
// second use, so that one-off texts do not churn the cache.
func TestStmtCacheNoArgsSecondUse(t *testing.T) {
	db, inner := openCache(t, 4, CachePolicy{NoArgs: true}, nil)
	for range 3 {
		queryAll(t, db, "SELECT 1")
	}
	if _, err := db.Exec("UPDATE t SET n = n + 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("VACUUM"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("VACUUM"); err != nil {
		t.Fatal(err)
	}
	wantLog(t, inner.log, "query SELECT 1; rows SELECT 1 closed; prepare SELECT 1 #1; run #1; rows #1 closed; run #1; rows #1 closed; "+
		"exec UPDATE t SET n = n + 1; exec VACUUM; exec VACUUM")
}

var (
	pqStale    = &pq.Error{Code: "0A000", Message: "cached plan must not change result type"}
	pqGone     = &pq.Error{Code: "26000", Message: `prepared statement "3" does not exist`}
	mysqlStale = &mysql.MySQLError{Number: 1615, Message: "Prepared statement needs to be re-prepared"}
)

// A cached statement the server refuses after a schema change is
// dropped and prepared again once, outside a transaction, with one hook
// event; inside one the error is returned as it is.
func TestStmtCacheStaleRetry(t *testing.T) {
	for _, stale := range []error{pqStale, pqGone, mysqlStale} {
		t.Run(fmt.Sprint(stale), func(t *testing.T) {
			rec := &cachedRecorder{}
			db, inner := openCache(t, 4, CachePolicy{}, rec)
			log := inner.log
			const sel, upd = "SELECT * FROM t WHERE id = ?", "UPDATE t SET x = 1 WHERE id = ?"
			queryAll(t, db, sel, 1)
			if _, err := db.Exec(upd, 1); err != nil {
				t.Fatal(err)
			}
			log.take()
			rec.take()

			inner.failNext(sel, stale)
			queryAll(t, db, sel, 1)
			inner.failNext(upd, stale)
			if _, err := db.Exec(upd, 1); err != nil {
				t.Fatal(err)
			}
			wantLog(t, log, "run #1 failed; close #1; prepare SELECT * FROM t WHERE id = ? #3; run #3; rows #3 closed; "+
				"run #2 failed; close #2; prepare UPDATE t SET x = 1 WHERE id = ? #4; run #4")
			want := []string{"query " + sel + " cached=false", "exec " + upd + " cached=false"}
			if got := rec.take(); !reflect.DeepEqual(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}

			tx, err := db.Begin()
			if err != nil {
				t.Fatal(err)
			}
			inner.failNext(sel, stale)
			if _, err := tx.Query(sel, 1); err != stale {
				t.Fatalf("in a transaction: %v, want the server's error unchanged", err)
			}
			inner.failNext(upd, stale)
			if _, err := tx.Exec(upd, 1); err != stale {
				t.Fatalf("in a transaction: %v, want the server's error unchanged", err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			queryAll(t, db, sel, 1) // dropped: prepared again
			wantLog(t, log, "begin; run #3 failed; close #3; run #4 failed; close #4; rollback; "+
				"prepare SELECT * FROM t WHERE id = ? #5; run #5; rows #5 closed")
			want = []string{"query " + sel + " cached=true err", "exec " + upd + " cached=true err", "query " + sel + " cached=false"}
			if got := rec.take(); !reflect.DeepEqual(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}
		})
	}
}

// Other errors are not retried and keep the statement; nor is an error
// that comes with the rows, after the statement ran.
func TestStmtCacheNoRetry(t *testing.T) {
	db, inner := openCache(t, 4, CachePolicy{}, nil)
	const sel = "SELECT x FROM t WHERE id = ?"
	queryAll(t, db, sel, 1)
	boom := errors.New("boom")
	inner.failNext(sel, boom)
	if _, err := db.Query(sel, 1); err != boom {
		t.Fatalf("error %v, want boom", err)
	}
	inner.nextErr = pqStale
	rows, err := db.Query(sel, 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if rows.Err() != pqStale {
		t.Fatalf("rows.Err() = %v, want the error of Next unchanged", rows.Err())
	}
	rows.Close()
	inner.nextErr = nil
	queryAll(t, db, sel, 1)
	wantLog(t, inner.log, "prepare SELECT x FROM t WHERE id = ? #1; run #1; rows #1 closed; run #1 failed; run #1; rows #1 closed; run #1; rows #1 closed")
}

// While rows are open on the connection, statements bypass the cache (the
// inner driver deals with them as without the wrapper); a cached
// statement whose rows are open when the connection closes is closed
// with its rows, not under them.
func TestStmtCacheOpenRows(t *testing.T) {
	db, inner := openCache(t, 1, CachePolicy{}, nil)
	log := inner.log
	ctx := context.Background()
	sc, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rows, err := sc.QueryContext(ctx, "SELECT a WHERE x = ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	queryAll(t, sc, "SELECT b WHERE x = ?", 1)
	queryAll(t, sc, "SELECT a WHERE x = ?", 1)
	if _, err := sc.ExecContext(ctx, "UPDATE c SET x = ?", 1); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	queryAll(t, sc, "SELECT a WHERE x = ?", 1)
	wantLog(t, log, "prepare SELECT a WHERE x = ? #1; run #1; query SELECT b WHERE x = ?; rows SELECT b WHERE x = ? closed; "+
		"query SELECT a WHERE x = ?; rows SELECT a WHERE x = ? closed; exec UPDATE c SET x = ?; rows #1 closed; run #1; rows #1 closed")

	// The driver connection straight, closed under open rows.
	for _, policy := range []CachePolicy{{}, {ServerStatements: true}} {
		inner := &cacheConn{log: &stubLog{}, fail: map[string]error{}}
		dc, err := NewConnector(dsnConnector{d: stubDriver{func() driver.Conn { return inner }}}, Options{StmtCacheSize: 4}).Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		dc.(*conn).be = &Backend{Cache: policy}
		args := []driver.NamedValue{{Ordinal: 1, Value: int64(1)}}
		if _, err := dc.(driver.ExecerContext).ExecContext(ctx, "UPDATE a SET x = ?", args); err != nil {
			t.Fatal(err)
		}
		r, err := dc.(driver.QueryerContext).QueryContext(ctx, "SELECT b WHERE x = ?", args)
		if err != nil {
			t.Fatal(err)
		}
		dc.Close()
		r.Close()
		want := "prepare UPDATE a SET x = ? #1; run #1; prepare SELECT b WHERE x = ? #2; run #2; close #1; close conn; rows #2 closed; close #2"
		if policy.ServerStatements { // the server frees what the wrapper does not close
			want = "prepare UPDATE a SET x = ? #1; run #1; prepare SELECT b WHERE x = ? #2; run #2; close conn; rows #2 closed; close #2"
		}
		wantLog(t, inner.log, want)
	}
}

// DISCARD ALL and DEALLOCATE ALL, passed through on PostgreSQL, make the
// cache forget its statements, which the server no longer has.
func TestStmtCacheDiscard(t *testing.T) {
	for _, q := range []string{"DISCARD ALL", "deallocate all", "DEALLOCATE PREPARE ALL;"} {
		inner := &cacheConn{log: &stubLog{}, fail: map[string]error{}}
		d := Wrap(stubDriver{func() driver.Conn { return inner }}, Options{StmtCacheSize: 4, Dialect: DialectPostgres})
		c, _ := d.OpenConnector("")
		db := sql.OpenDB(c)
		db.SetMaxOpenConns(1)
		queryAll(t, db, "SELECT a WHERE x = ?", 1)
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
		queryAll(t, db, "SELECT a WHERE x = ?", 1)
		db.Close()
		wantLog(t, inner.log, "prepare SELECT a WHERE x = ? #1; run #1; rows #1 closed; exec "+q+"; prepare SELECT a WHERE x = ? #2; run #2; rows #2 closed; close #2; close conn")
	}
	for _, q := range []string{"DEALLOCATE x", "DISCARD PLANS"} {
		if deallocatesAll(q) {
			t.Errorf("deallocatesAll(%q) = true", q)
		}
	}
}

func TestCacheable(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want bool
	}{
		{"SELECT * FROM t WHERE id = $1", true},
		{"  -- c\n/* d */ select 1", true},
		{"INSERT INTO t VALUES (?)", true},
		{"update t set x = ?", true},
		{"DELETE FROM t WHERE id = ?", true},
		{"WITH a AS (SELECT 1) SELECT * FROM a", true},
		{"VALUES (1), (2)", true},
		{"REPLACE INTO t VALUES (?)", true},
		{"SELECT 1;", true},
		{"SELECT 1 ;  -- end\n ", true},
		{"SELECT 1; /* end */;", true},
		{"SELECT ';' FROM t", true},
		{"SELECT 'it''s;' FROM t", true},
		{`SELECT "a;b" FROM t`, true},
		{"SELECT `a;b` FROM t", true},
		{"SELECT $$;$$, $tag$ ; $x$ $tag$", true},
		{"SELECT a$b, $1 FROM t", true},
		{"SELECT 1 -- ; comment", true},
		{"SELECT /* ; */ 1", true},
		{"SELECT 1; SELECT 2", false},
		{"SELECT 1;SELECT 2;", false},
		{"SELECT 'a\\'; DROP TABLE t; --'", false}, // backslash: ambiguous
		{"SELECT 'unterminated", false},
		{"SELECT $q$ unterminated", false},
		{"SELECT /* unterminated", false},
		{"SELECT /* /* nested */ */ 1", false},
		{"SELECT 1 # x; DELETE FROM t", false},
		{"SELECT 1; -", false},
		{"COPY t FROM STDIN", false},
		{"CREATE TABLE t (x int)", false},
		{"SET x = 1", false},
		{"LISTEN ch", false},
		{"BEGIN", false},
		{"SAVEPOINT s", false},
		{"SHOW TABLES", false},
		{"EXPLAIN SELECT 1", false},
		{"selects", false},
		{"", false},
	} {
		if got := cacheable(tc.sql); got != tc.want {
			t.Errorf("cacheable(%q) = %v, want %v", tc.sql, got, tc.want)
		}
	}
}

// The cache size: aio_stmt_cache in the DSN, else Options.StmtCacheSize,
// a negative value standing for the driver's default.
func TestStmtCacheSizeDefaults(t *testing.T) {
	for _, tc := range []struct {
		driver, dsn string
		configure   func(*Options)
		want        int
	}{
		{"aiopg", "postgres://u@127.0.0.1/db", nil, DefaultStmtCacheSize},
		{"aiopg", "host=127.0.0.1 dbname=db", nil, DefaultStmtCacheSize},
		{"aiopg", "postgres://u@127.0.0.1/db?binary_parameters=yes", nil, 0},
		{"aiopg", "host=127.0.0.1 binary_parameters=yes", nil, 0},
		{"aiopg", "postgres://u@127.0.0.1/db?binary_parameters=yes&aio_stmt_cache=50", nil, 50},
		{"aiopg", "postgres://u@127.0.0.1/db?aio_stmt_cache=0", nil, 0},
		{"aiopg", "postgres://u@127.0.0.1/db", func(o *Options) { o.StmtCacheSize = 7 }, 7},
		{"aiopg", "postgres://u@127.0.0.1/db?aio_stmt_cache=0", func(o *Options) { o.StmtCacheSize = -1 }, DefaultStmtCacheSize},
		{"aiopgx", "postgres://u@127.0.0.1/db", nil, 0},
		{"aiopgx", "postgres://u@127.0.0.1/db?aio_stmt_cache=20", nil, 20},
		{"aiomysql", "root@tcp(127.0.0.1:3306)/db", nil, DefaultStmtCacheSize},
		{"aiomysql", "root@tcp(127.0.0.1:3306)/db?interpolateParams=true", nil, 0},
		{"aiomysql", "root@tcp(127.0.0.1:3306)/db?interpolateParams=true&aio_stmt_cache=3", nil, 3},
		{"aiosqlite", ":memory:", nil, DefaultStmtCacheSize},
		{"aiosqlite", "file:x.db?AIO_STMT_CACHE=9", nil, 9},
	} {
		c, err := OpenConnector(tc.driver, tc.dsn, tc.configure)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.driver, tc.dsn, err)
		}
		if got := c.(*Connector).Options().StmtCacheSize; got != tc.want {
			t.Errorf("%s %s: StmtCacheSize %d, want %d", tc.driver, tc.dsn, got, tc.want)
		}
	}
	stub := stubDriver{func() driver.Conn { return &cacheConn{log: &stubLog{}} }}
	if c, _ := Wrap(stub, Options{}).OpenConnector(""); c.(*Connector).Options().StmtCacheSize != 0 {
		t.Error("Wrap with zero Options: the cache is on")
	}
	if c := NewConnector(dsnConnector{d: stub}, Options{StmtCacheSize: -1}); c.Options().StmtCacheSize != DefaultStmtCacheSize {
		t.Errorf("NewConnector with -1: %d", c.Options().StmtCacheSize)
	}
	for _, v := range []string{"-1", "x", ""} {
		_, err := OpenConnector("aiosqlite", ":memory:?aio_stmt_cache="+v, nil)
		if err == nil || !strings.Contains(err.Error(), "aio_stmt_cache") || !strings.Contains(err.Error(), ">= 0") {
			t.Errorf("aio_stmt_cache=%q: %v", v, err)
		}
	}
}
