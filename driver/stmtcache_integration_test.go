package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// withCacheSize sets aio_stmt_cache in dsn.
func withCacheSize(dsn string, n int) string {
	if i := strings.Index(dsn, "aio_stmt_cache="); i >= 0 {
		return dsn[:i] + fmt.Sprintf("aio_stmt_cache=%d", n) + strings.TrimLeft(dsn[i+len("aio_stmt_cache="):], "0123456789")
	}
	return testenv.WithOptions(dsn, fmt.Sprintf("aio_stmt_cache=%d", n))
}

// forEachCacheTarget runs fn on the targets with the wrapper's statement
// cache on: the registered defaults, and aiopgx with the cache turned on
// (pgx has its own, so the wrapper's is off there by default).
func forEachCacheTarget(t *testing.T, fn func(t *testing.T, tg target, dsn string)) {
	testenv.EachBackend(t, func(t *testing.T, b testenv.Backend) {
		dsn := b.DSN(t)
		if b.Driver == "aiopgx" {
			dsn = testenv.WithOptions(dsn, "aio_stmt_cache=100")
		}
		fn(t, targetOf(b), dsn)
	}, testenv.NoVariants)
}

type stmtEnd struct {
	conn   uint64
	sql    string
	cached bool
	err    error
}

// endRecorder records the end of every statement and the connections
// closed.
type endRecorder struct {
	hooks.Base
	mu     sync.Mutex
	ends   []stmtEnd
	closed []uint64
}

func (r *endRecorder) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	r.mu.Lock()
	r.ends = append(r.ends, stmtEnd{e.ConnID, e.SQL, e.Cached, e.Err})
	r.mu.Unlock()
}

func (r *endRecorder) OnClose(e *hooks.ConnEvent) {
	r.mu.Lock()
	r.closed = append(r.closed, e.ConnID)
	r.mu.Unlock()
}

// of returns the events of query, in order.
func (r *endRecorder) of(query string) []stmtEnd {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []stmtEnd
	for _, e := range r.ends {
		if e.sql == query {
			out = append(out, e)
		}
	}
	return out
}

func cachedFlags(ev []stmtEnd) []bool {
	out := make([]bool, len(ev))
	for i, e := range ev {
		out[i] = e.cached
	}
	return out
}

// pgPrepared lists the statements on table prepared on the connection,
// from pg_prepared_statements (pgx prepares the query reading it too).
func pgPrepared(t *testing.T, c *sql.Conn, table string) []string {
	t.Helper()
	rows, err := c.QueryContext(allow, "TABLE pg_prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(sql.RawBytes)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		st := string(*vals[slices.Index(cols, "statement")].(*sql.RawBytes))
		if strings.Contains(st, table) {
			out = append(out, st)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// mysqlStatus returns a counter of SHOW SESSION STATUS on the connection.
func mysqlStatus(t *testing.T, c *sql.Conn, name string) int {
	t.Helper()
	var n string
	var v int
	if err := c.QueryRowContext(allow, "SHOW SESSION STATUS LIKE '"+name+"'").Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func readTable(t *testing.T, db *sql.DB, dialect string) (table, sel string) {
	t.Helper()
	table = tableName("cache")
	mustExec(t, db, "CREATE TABLE "+table+" (id INTEGER PRIMARY KEY, a INTEGER)")
	dropLater(t, db, table)
	mustExec(t, db, "INSERT INTO "+table+" (id, a) VALUES (1, 10), (2, 20), (3, 30)")
	return table, "SELECT a FROM " + table + " WHERE id = " + ph(dialect, 1)
}

// The first call prepares the statement on the connection, later calls
// run it: hooks say so, and so does the server.
func TestIntegrationStmtCacheHits(t *testing.T) {
	forEachCacheTarget(t, func(t *testing.T, tg target, dsn string) {
		rec := &endRecorder{}
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = rec })
		table, sel := readTable(t, db, tg.dialect)
		c, err := db.Conn(allow)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var prepares, executes int
		if tg.dialect == aiodriver.DialectMySQL {
			prepares, executes = mysqlStatus(t, c, "Com_stmt_prepare"), mysqlStatus(t, c, "Com_stmt_execute")
		}
		for i := 1; i <= 3; i++ {
			var a int
			if err := c.QueryRowContext(allow, sel, i).Scan(&a); err != nil || a != 10*i {
				t.Fatalf("read %d: %d %v", i, a, err)
			}
		}
		if got := cachedFlags(rec.of(sel)); !slices.Equal(got, []bool{false, true, true}) {
			t.Fatalf("Cached of the three reads: %v, want false true true", got)
		}
		switch tg.dialect {
		case aiodriver.DialectPostgres:
			if got := pgPrepared(t, c, table); !slices.Equal(got, []string{sel}) {
				t.Fatalf("pg_prepared_statements: %q, want the one statement", got)
			}
		case aiodriver.DialectMySQL:
			if p, e := mysqlStatus(t, c, "Com_stmt_prepare")-prepares, mysqlStatus(t, c, "Com_stmt_execute")-executes; p != 1 || e != 3 {
				t.Fatalf("Com_stmt_prepare +%d, Com_stmt_execute +%d; want +1 and +3", p, e)
			}
		}
	})
}

// At the bound the least recently used statement is closed on the server.
func TestIntegrationStmtCacheEviction(t *testing.T) {
	forEachCacheTarget(t, func(t *testing.T, tg target, dsn string) {
		rec := &endRecorder{}
		db := openDB(t, tg.name, withCacheSize(dsn, 2), func(o *aiodriver.Options) { o.Hooks = rec })
		table, _ := readTable(t, db, tg.dialect)
		c, err := db.Conn(allow)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		q := func(col string) string {
			return fmt.Sprintf("SELECT %s FROM %s WHERE id = %s", col, table, ph(tg.dialect, 1))
		}
		q1, q2, q3 := q("a"), q("id"), q("a + 1")
		var closes int
		if tg.dialect == aiodriver.DialectMySQL {
			closes = mysqlStatus(t, c, "Com_stmt_close")
		}
		for _, query := range []string{q1, q2, q1, q3} { // q3 pushes out q2
			var n int
			if err := c.QueryRowContext(allow, query, 1).Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		switch tg.dialect {
		case aiodriver.DialectPostgres:
			want := []string{q1, q3}
			slices.Sort(want)
			if got := pgPrepared(t, c, table); !slices.Equal(got, want) {
				t.Fatalf("pg_prepared_statements %q, want %q", got, want)
			}
		case aiodriver.DialectMySQL:
			if n := mysqlStatus(t, c, "Com_stmt_close") - closes; n != 1 {
				t.Fatalf("Com_stmt_close +%d, want +1", n)
			}
		}
		var n int
		if err := c.QueryRowContext(allow, q2, 1).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got := cachedFlags(rec.of(q2)); !slices.Equal(got, []bool{false, false}) {
			t.Fatalf("Cached of q2: %v, want false twice (pushed out in between)", got)
		}
		if got := cachedFlags(rec.of(q1)); !slices.Equal(got, []bool{false, true}) {
			t.Fatalf("Cached of q1: %v, want false true", got)
		}
	})
}

// A schema change between two calls: outside a transaction the second
// call succeeds (PostgreSQL refuses the cached plan, the wrapper prepares
// it again; MariaDB and SQLite re-prepare on their own); inside one
// PostgreSQL's error comes back unchanged.
func TestIntegrationStmtCacheSchemaChange(t *testing.T) {
	forEachCacheTarget(t, func(t *testing.T, tg target, dsn string) {
		rec := &endRecorder{}
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = rec })
		table, _ := readTable(t, db, tg.dialect)
		sel := "SELECT * FROM " + table + " WHERE id = " + ph(tg.dialect, 1)
		c, err := db.Conn(allow)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		columns := func(q interface {
			QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		}) ([]string, error) {
			rows, err := q.QueryContext(allow, sel, 2)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			n := 0
			for rows.Next() {
				n++
			}
			if n != 1 {
				return nil, fmt.Errorf("%d rows", n)
			}
			return cols, rows.Err()
		}
		for i := 0; i < 2; i++ {
			if cols, err := columns(c); err != nil || len(cols) != 2 {
				t.Fatalf("before ALTER: %v %v", cols, err)
			}
		}
		if _, err := c.ExecContext(allow, "ALTER TABLE "+table+" ADD COLUMN b INTEGER"); err != nil {
			t.Fatal(err)
		}
		cols, err := columns(c)
		if err != nil || !slices.Equal(cols, []string{"id", "a", "b"}) {
			t.Fatalf("after ALTER: %v %v", cols, err)
		}
		ev := rec.of(sel)
		if len(ev) != 3 || ev[2].err != nil {
			t.Fatalf("events %+v, want three without error", ev)
		}
		if tg.dialect == aiodriver.DialectPostgres {
			if ev[2].cached {
				t.Fatal("the statement after ALTER reports a cache hit: PostgreSQL should have refused the old plan")
			}
			if got := pgPrepared(t, c, table); !slices.Equal(got, []string{sel}) {
				t.Fatalf("pg_prepared_statements %q, want the re-prepared statement alone", got)
			}
		}
		if tg.dialect != aiodriver.DialectPostgres {
			return // MySQL commits on ALTER; SQLite re-prepares on its own
		}

		// Inside a transaction: no retry, the server's error as it is.
		tx, err := c.BeginTx(allow, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(allow, "ALTER TABLE "+table+" ADD COLUMN c INTEGER"); err != nil {
			t.Fatal(err)
		}
		_, err = columns(tx)
		var code string
		var pqErr *pq.Error
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pqErr):
			code = string(pqErr.Code)
		case errors.As(err, &pgErr):
			code = pgErr.Code
		}
		if code != "0A000" || !strings.Contains(err.Error(), "cached plan must not change result type") {
			t.Fatalf("in a transaction: %v (%T), want the server's 0A000 error", err, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if cols, err := columns(c); err != nil || len(cols) != 3 {
			t.Fatalf("after the rollback: %v %v", cols, err)
		}
		if ev := rec.of(sel); len(ev) != 5 || ev[3].err == nil || ev[4].cached {
			t.Fatalf("events %+v: want the failed one in the transaction, then a fresh prepare", ev)
		}
	})
}

// A connection killed from another session takes its cache with it: the
// next call on the pool works, on a new connection that prepares afresh.
func TestIntegrationStmtCacheKilledConn(t *testing.T) {
	forEachCacheTarget(t, func(t *testing.T, tg target, dsn string) {
		if tg.dialect == aiodriver.DialectSQLite {
			t.Skip("no server session to kill")
		}
		rec := &endRecorder{}
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = rec })
		db.SetMaxOpenConns(1)
		_, sel := readTable(t, db, tg.dialect)
		killer, err := sql.Open(tg.bare, testenvDSN(t, tg))
		if err != nil {
			t.Fatal(err)
		}
		defer killer.Close()
		read := func() error {
			var a int
			err := db.QueryRowContext(allow, sel, 1).Scan(&a)
			if err == nil && a != 10 {
				err = fmt.Errorf("read %d", a)
			}
			return err
		}
		for i := 0; i < 2; i++ {
			if err := read(); err != nil {
				t.Fatal(err)
			}
		}
		var id int64
		var kill, alive string
		if tg.dialect == aiodriver.DialectPostgres {
			kill, alive = "SELECT pg_terminate_backend($1)", "SELECT count(*) FROM pg_stat_activity WHERE pid = $1"
			err = db.QueryRowContext(allow, "SELECT pg_backend_pid()").Scan(&id)
		} else {
			kill, alive = "KILL ?", "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = ?"
			err = db.QueryRowContext(allow, "SELECT CONNECTION_ID()").Scan(&id)
		}
		if err != nil {
			t.Fatal(err)
		}
		if tg.dialect == aiodriver.DialectMySQL {
			kill = fmt.Sprintf("KILL %d", id)
			_, err = killer.Exec(kill)
		} else {
			_, err = killer.Exec(kill, id)
		}
		if err != nil {
			t.Fatal(err)
		}
		// The server drops the session on its own time.
		var qerr error
		gone := testenv.Poll(10*time.Second, func() bool {
			var n int
			qerr = killer.QueryRow(alive, id).Scan(&n)
			return qerr != nil || n == 0
		})
		if qerr != nil {
			t.Fatal(qerr)
		}
		if !gone {
			t.Fatal("the killed session is still there")
		}
		firstErr := read()
		if firstErr != nil {
			t.Logf("first call after the kill: %v", firstErr)
			if err := read(); err != nil {
				t.Fatalf("second call after the kill: %v", err)
			}
		}
		ev := rec.of(sel)
		last := ev[len(ev)-1]
		if last.err != nil || last.cached || last.conn == ev[0].conn {
			t.Fatalf("last read %+v, first %+v: want a fresh prepare on a new connection", last, ev[0])
		}
		rec.mu.Lock()
		closed := slices.Contains(rec.closed, ev[0].conn)
		rec.mu.Unlock()
		if !closed {
			t.Fatalf("the killed connection %d was not closed", ev[0].conn)
		}
		if err := read(); err != nil {
			t.Fatal(err)
		}
		if ev := rec.of(sel); !ev[len(ev)-1].cached {
			t.Fatal("the new connection's cache does not hit")
		}
	})
}

func testenvDSN(t *testing.T, tg target) string {
	if tg.dialect == aiodriver.DialectPostgres {
		return testenv.PostgresDSN(t)
	}
	return testenv.MySQLDSN(t)
}

// 64 goroutines share a pool of 8 connections whose caches hold 3
// statements of the 6 the goroutines use, so statements are pushed out
// and prepared again all the time (run with -race).
func TestIntegrationStmtCacheConcurrent(t *testing.T) {
	forEachCacheTarget(t, func(t *testing.T, tg target, dsn string) {
		rec := &countingHook{}
		db := openDB(t, tg.name, withCacheSize(dsn, 3), func(o *aiodriver.Options) { o.Hooks = rec })
		db.SetMaxOpenConns(8)
		table := tableName("cconc")
		mustExec(t, db, "CREATE TABLE "+table+" (g INTEGER, i INTEGER)")
		dropLater(t, db, table)
		const workers, per = 64, 10
		ctx := aiodriver.MarkAsync(context.Background())
		p1, p2 := ph(tg.dialect, 1), ph(tg.dialect, 2)
		ins := []string{
			fmt.Sprintf("INSERT INTO %s (g, i) VALUES (%s, %s)", table, p1, p2),
			fmt.Sprintf("INSERT INTO %s(g, i) VALUES (%s, %s)", table, p1, p2),
			fmt.Sprintf("insert into %s (g, i) values (%s, %s)", table, p1, p2),
		}
		sel := []string{
			fmt.Sprintf("SELECT count(*) FROM %s WHERE g = %s", table, p1),
			fmt.Sprintf("SELECT count(i) FROM %s WHERE g = %s", table, p1),
			fmt.Sprintf("select count(*) from %s where g = %s", table, p1),
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for g := 0; g < workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					if _, err := db.ExecContext(ctx, ins[(g+i)%3], g, i); err != nil {
						errs <- err
						return
					}
					var n int
					if err := db.QueryRowContext(ctx, sel[(g+2*i)%3], g).Scan(&n); err != nil || n != i+1 {
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

// SQLite can read rows and write on one connection: inside a transaction
// the statements run while rows are open bypass the cache, and the cached
// statement the rows read from stays usable.
func TestIntegrationStmtCacheRowsOpenSQLite(t *testing.T) {
	rec := &endRecorder{}
	db := openDB(t, "aiosqlite", testenv.WithOptions(testenv.SQLiteDSN(t, ""), "aio_stmt_cache=1"), func(o *aiodriver.Options) { o.Hooks = rec })
	table, sel := readTable(t, db, aiodriver.DialectSQLite)
	written := tableName("written")
	mustExec(t, db, "CREATE TABLE "+written+" (id INTEGER PRIMARY KEY, a INTEGER)")
	all := "SELECT id FROM " + table + " WHERE id >= ?"
	ins := "INSERT INTO " + written + " (id, a) VALUES (?, ?)"
	for round := 0; round < 2; round++ {
		tx, err := db.BeginTx(allow, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := tx.QueryContext(allow, all, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			if _, err := tx.ExecContext(allow, ins, 100*(round+1)+id, id); err != nil {
				t.Fatal(err)
			}
			var a int
			if err := tx.QueryRowContext(allow, sel, id).Scan(&a); err != nil || a != 10*id {
				t.Fatalf("read %d while rows are open: %d %v", id, a, err)
			}
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids, []int{1, 2, 3}) {
			t.Fatalf("round %d read %v", round, ids)
		}
	}
	if got := cachedFlags(rec.of(all)); !slices.Equal(got, []bool{false, true}) {
		t.Fatalf("Cached of the outer query: %v, want false true", got)
	}
	for _, e := range rec.of(ins) {
		if e.cached {
			t.Fatal("a write made while rows were open hit the cache")
		}
	}
}
