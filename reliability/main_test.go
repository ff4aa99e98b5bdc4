package reliability_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// TestMain runs the tests, stops the package's own servers, then fails the
// run when a goroutine started by the tests (a pooled connection's reader,
// an unread stream, an *sql.DB never closed) is still running: every
// fault below must leave nothing behind. It is leakcheck.Main with the
// servers stopped in between.
func TestMain(m *testing.M) {
	before := leakcheck.Take()
	code := m.Run()
	if err := closeOwnServers(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability: stopping the test servers:", err)
		code = 1
	}
	if code == 0 {
		if left := leakcheck.Leaked(before, leakcheck.Wait); len(left) > 0 {
			leakcheck.Report(os.Stderr, "the package's tests", left)
			code = 1
		}
	}
	os.Exit(code)
}

// server is one database the fault tests run against, with the SQL that
// differs between PostgreSQL and MariaDB.
type server struct {
	name   string // subtest name
	driver string // aiodb driver
	dsn    func(testing.TB) string
	pid    string // the session's id on the server
	kill   string // ends another session; %d is its id
	sleep  string // a statement that runs for %g seconds
}

var (
	pgServer = server{
		name: "aiopg", driver: "aiopg", dsn: ownPostgresDSN,
		pid:   "SELECT pg_backend_pid()",
		kill:  "SELECT pg_terminate_backend(%d)",
		sleep: "SELECT pg_sleep(%g)",
	}
	pgxServer = server{
		name: "aiopgx", driver: "aiopgx", dsn: ownPostgresDSN,
		pid:   pgServer.pid,
		kill:  pgServer.kill,
		sleep: pgServer.sleep,
	}
	myServer = server{
		name: "aiomysql", driver: "aiomysql", dsn: ownMariaDBDSN,
		pid:   "SELECT CONNECTION_ID()",
		kill:  "KILL %d",
		sleep: "SELECT SLEEP(%g)",
	}
	servers = []server{pgServer, pgxServer, myServer}
)

// open opens an ORM pool of at most n connections on s, closed when the
// test ends.
func (s server) open(t testing.TB, n int) *orm.DB {
	t.Helper()
	db, err := orm.Open(s.driver, s.dsn(t), orm.MaxConnections(n))
	if err != nil {
		t.Fatalf("orm.Open(%s): %v", s.driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// admin opens a second, separate pool on s: the one that kills sessions
// and checks tables, never the pool under test.
func (s server) admin(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open(s.driver, s.dsn(t))
	if err != nil {
		t.Fatalf("sql.Open(%s): %v", s.driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// sessionID returns the server's id of the session behind conn.
func (s server) sessionID(ctx context.Context, t testing.TB, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int64 {
	t.Helper()
	var id int64
	if err := q.QueryRowContext(ctx, s.pid).Scan(&id); err != nil {
		t.Fatalf("%s: %s: %v", s.name, s.pid, err)
	}
	return id
}

// killSession ends the session id from the admin pool.
func (s server) killSession(t testing.TB, admin *sql.DB, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(s.kill, id)); err != nil {
		t.Errorf("%s: killing session %d: %v", s.name, id, err)
	}
}

// killWhenRunning kills session id once the server shows it running a
// statement containing marker, so that the kill lands mid-statement rather
// than before it was sent. It gives up after 10 s.
func (s server) killWhenRunning(t testing.TB, admin *sql.DB, id int64, marker string) {
	t.Helper()
	q := "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND query LIKE '%' || $2 || '%'"
	if s.driver == "aiomysql" {
		q = "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = ? AND INFO LIKE CONCAT('%', ?, '%')"
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := admin.QueryRow(q, id, marker).Scan(&n); err != nil {
			t.Errorf("%s: watching session %d: %v", s.name, id, err)
			return
		}
		if n > 0 {
			s.killSession(t, admin, id)
			return
		}
		time.Sleep(5 * time.Millisecond) // a poll: the server tells no event when a statement starts
	}
	t.Errorf("%s: session %d never ran %q", s.name, id, marker)
}

// waitIdle fails t unless every connection of db is back in the pool
// within 5 s: a fault must not leave one checked out.
func waitIdle(t testing.TB, what string, db *sql.DB) {
	t.Helper()
	var st sql.DBStats
	if !testenv.Poll(5*time.Second, func() bool { st = db.Stats(); return st.InUse == 0 }) {
		t.Errorf("%s: %d connection(s) still in use 5s later (stats %+v)", what, st.InUse, st)
	}
}

// mustExec runs DDL or cleanup on db outside the guard.
func mustExec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(aio.AllowSync(context.Background()), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// isCtxErr reports whether err matches a context's error. No message
// text is accepted: a caller decides whether to retry with errors.Is, so
// every driver must give an error that matches (lib/pq's 57014 "canceling
// statement due to user request" alone once did not).
func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
