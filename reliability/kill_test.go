package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// TestKillExecNotRetried kills the session running a statement with a
// side effect that survives the kill (a sequence's nextval is not
// transactional). database/sql runs a statement again on a new connection
// when the driver answers driver.ErrBadConn, so that answer is only right
// when nothing reached the server: the statement must fail once, clearly,
// and the sequence must have moved exactly once.
func TestKillExecNotRetried(t *testing.T) {
	for _, s := range []server{pgServer, pgxServer} {
		t.Run(s.name, func(t *testing.T) {
			admin := s.admin(t)
			seq := "rel_kill_seq_" + s.name
			mustExec(t, admin, "DROP SEQUENCE IF EXISTS "+seq)
			mustExec(t, admin, "CREATE SEQUENCE "+seq)
			t.Cleanup(func() { mustExec(t, admin, "DROP SEQUENCE IF EXISTS "+seq) })

			db := s.open(t, 1) // one connection: the pool's next statement runs on the session we kill
			sqlDB := db.SQLDB()
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 20*time.Second)
			defer cancel()
			id := s.sessionID(ctx, t, sqlDB)

			marker := "rel_kill_exec_" + s.name
			var wg sync.WaitGroup
			wg.Go(func() { s.killWhenRunning(t, admin, id, marker) })
			start := time.Now()
			_, err := sqlDB.ExecContext(ctx, fmt.Sprintf("SELECT nextval('%s'), pg_sleep(3) /* %s */", seq, marker))
			took := time.Since(start)
			wg.Wait()
			var n int64
			if err := admin.QueryRow("SELECT last_value FROM " + seq).Scan(&n); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: error %v after %v; nextval ran %d time(s)", s.name, err, took.Round(time.Millisecond), n)
			if err == nil {
				t.Errorf("%s: the statement whose session was killed succeeded after %v: it was run again on another connection", s.name, took)
			}
			if n != 1 {
				t.Errorf("%s: the killed statement ran %d times; want 1 (database/sql retried it after driver.ErrBadConn)", s.name, n)
			}
			waitIdle(t, s.name, sqlDB)
			// The pool replaces the dead connection.
			if got := s.sessionID(ctx, t, sqlDB); got == id {
				t.Errorf("%s: the pool still uses killed session %d", s.name, id)
			}
		})
	}
}

// relKillItem is a row the transaction tests write.
type relKillItem struct {
	ID  int64  `db:"id,pk,auto"`
	Tag string `db:"tag,size:64"`
}

func (relKillItem) TableName() string { return "rel_kill_item" }

// relRow is what the stream and session-id queries return.
type relRow struct {
	N   int64  `db:"n,pk"`
	Pid int64  `db:"pid"`
	Pad string `db:"pad"`
}

func (relRow) TableName() string { return "rel_row" }

// streamSQL is a query that sends wide rows slowly (about 5 ms each, 2000
// of them), each carrying the session id, so that a stream is certainly
// mid-way when its session is killed or its context cancelled.
func (s server) streamSQL() string {
	if s.driver == "aiomysql" {
		return "SELECT CONNECTION_ID() AS pid, seq AS n, REPEAT('x', 9000) AS pad, SLEEP(0.005) AS z FROM seq_1_to_2000"
	}
	return "SELECT pg_backend_pid() AS pid, g AS n, repeat('x', 9000) AS pad, pg_sleep(0.005)::text AS z FROM generate_series(1, 2000) g"
}

// TestKillMidQuery kills the session of a running query: the query fails
// at once with the driver's error, the connection is not kept, and the
// pool serves the next call.
func TestKillMidQuery(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			admin := s.admin(t)
			sqlDB := db.SQLDB()
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 20*time.Second)
			defer cancel()
			conn, err := sqlDB.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			id := s.sessionID(ctx, t, conn)
			marker := "rel_kill_query_" + s.name
			var wg sync.WaitGroup
			wg.Go(func() { s.killWhenRunning(t, admin, id, marker) })
			start := time.Now()
			var v any
			err = conn.QueryRowContext(ctx, fmt.Sprintf(s.sleep, 10.0)+" /* "+marker+" */").Scan(&v)
			took := time.Since(start)
			wg.Wait()
			conn.Close()
			t.Logf("%s: killed query: %v after %v", s.name, err, took.Round(time.Millisecond))
			if err == nil {
				t.Fatalf("%s: the query of killed session %d succeeded", s.name, id)
			}
			if took > 5*time.Second {
				t.Errorf("%s: the killed query took %v to fail", s.name, took)
			}
			waitIdle(t, s.name, sqlDB)
			if got := s.sessionID(ctx, t, sqlDB); got == id {
				t.Errorf("%s: the pool still uses killed session %d", s.name, id)
			}
		})
	}
}

// TestKillIdleReplaced kills the session of an idle pooled connection: the
// next call through the pool must not see it (aiopg peeks at the socket
// before reuse, pgx pings a connection idle for over a second,
// go-sql-driver/mysql checks the socket) and succeeds on a new session.
func TestKillIdleReplaced(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 1)
			admin := s.admin(t)
			sqlDB := db.SQLDB()
			items := orm.MustModel[relRow](db)
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 20*time.Second)
			defer cancel()
			id := s.sessionID(ctx, t, sqlDB)
			s.killSession(t, admin, id)
			time.Sleep(1100 * time.Millisecond) // the server closes the socket; pgx pings after 1 s idle
			got, err := aio.Await(ctx, items.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
			if err != nil {
				t.Fatalf("%s: first call after the idle session was killed: %v", s.name, err)
			}
			if got.Pid == id {
				t.Errorf("%s: the pool still uses killed session %d", s.name, id)
			}
			waitIdle(t, s.name, sqlDB)
		})
	}
}

// TestKillMidStream kills the session of a stream after its first row:
// the stream ends with an error as its last Result, closes its channel and
// gives its connection back; the pool serves the next call.
func TestKillMidStream(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			admin := s.admin(t)
			rows := orm.MustModel[relRow](db)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			ch := rows.Raw(s.streamSQL()).IgnoreUnknownColumns().AioExecute(ctx)
			first := <-ch
			if first.Err != nil {
				t.Fatalf("%s: first row: %v", s.name, first.Err)
			}
			s.killSession(t, admin, first.Value.Pid)
			n, last := 1, error(nil)
			for r := range ch {
				if r.Err != nil {
					last = r.Err
					continue
				}
				n++
			}
			t.Logf("%s: stream of killed session ended after %d rows with %v", s.name, n, last)
			if last == nil {
				t.Errorf("%s: the stream of killed session %d ended without an error after %d rows", s.name, first.Value.Pid, n)
			}
			if n >= 2000 {
				t.Errorf("%s: the stream read all %d rows though its session was killed", s.name, n)
			}
			waitIdle(t, s.name, db.SQLDB())
			if _, err := aio.Await(ctx, rows.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx)); err != nil {
				t.Errorf("%s: next call after the killed stream: %v", s.name, err)
			}
		})
	}
}

// TestKillMidTransaction kills the session of an open transaction after
// its first insert: Atomic fails, the insert is not in the table, the
// connection is not kept and the next transaction commits.
func TestKillMidTransaction(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			admin := s.admin(t)
			items := orm.MustModel[relKillItem](db)
			ids := orm.MustModel[relRow](db)
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 30*time.Second)
			defer cancel()
			if err := items.CreateTable(ctx, true); err != nil {
				t.Fatal(err)
			}
			tag := fmt.Sprintf("%s-%d", s.name, time.Now().UnixNano())
			err := db.Atomic(ctx, func(ctx context.Context) error {
				if _, err := items.Create(ctx, &relKillItem{Tag: tag}); err != nil {
					return err
				}
				me, err := ids.Raw(s.pid + " AS pid").IgnoreUnknownColumns().One(ctx)
				if err != nil {
					return err
				}
				s.killSession(t, admin, me.Pid)
				_, err = items.Create(ctx, &relKillItem{Tag: tag})
				return err
			})
			t.Logf("%s: transaction of killed session: %v", s.name, err)
			if err == nil {
				t.Fatalf("%s: the transaction whose session was killed committed", s.name)
			}
			if strings.Contains(err.Error(), "driver: bad connection") && !errors.Is(err, driver.ErrConnLost) {
				t.Errorf("%s: the error says only %q: it should say what was lost", s.name, err)
			}
			waitIdle(t, s.name, db.SQLDB())
			n, err := items.Count(ctx, orm.Eq("tag", tag))
			if err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s: %d row(s) of the killed transaction are in the table", s.name, n)
			}
			if err := db.Atomic(ctx, func(ctx context.Context) error {
				_, err := items.Create(ctx, &relKillItem{Tag: tag + "-after"})
				return err
			}); err != nil {
				t.Errorf("%s: next transaction after the kill: %v", s.name, err)
			}
		})
	}
}
