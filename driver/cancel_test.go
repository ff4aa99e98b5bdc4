package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// slowSQL is, per target, a statement that runs for about 10 s (or far
// longer on SQLite), the same with its length as an argument, and a query
// whose rows stream for much longer than any test reads them.
type slowSQL struct{ sleep, sleepArg, stream string }

func slowFor(tg target) slowSQL {
	switch tg.name {
	case "aiomysql":
		return slowSQL{"SELECT SLEEP(10)", "SELECT SLEEP(?)", "SELECT seq FROM seq_1_to_100000000"}
	case "aiosqlite":
		return slowSQL{
			sleep:    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 4000000000) SELECT count(*) FROM c",
			sleepArg: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ? * 400000000) SELECT count(*) FROM c",
			stream:   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 4000000000) SELECT x FROM c",
		}
	default:
		return slowSQL{"SELECT pg_sleep(10)", "SELECT pg_sleep($1)", "SELECT g FROM generate_series(1, 100000000) g"}
	}
}

// ctxCall is one way of running a statement whose context may end.
type ctxCall struct {
	name string
	run  func(ctx context.Context, db *sql.DB, conn *sql.Conn, s slowSQL) error
}

// duringCalls run a statement that outlasts the 200 ms deadline.
var duringCalls = []ctxCall{
	{"exec", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		_, err := db.ExecContext(ctx, s.sleep)
		return err
	}},
	{"query", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		var v any
		return db.QueryRowContext(ctx, s.sleep).Scan(&v)
	}},
	{"exec-args", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		_, err := db.ExecContext(ctx, s.sleepArg, 10)
		return err
	}},
	{"prepared", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		st, err := db.PrepareContext(allow, s.sleepArg)
		if err != nil {
			return errors.Join(errors.New("prepare with a live context"), err)
		}
		defer st.Close()
		var v any
		return st.QueryRowContext(ctx, 10).Scan(&v)
	}},
	{"conn", func(ctx context.Context, _ *sql.DB, conn *sql.Conn, s slowSQL) error {
		_, err := conn.ExecContext(ctx, s.sleep)
		return err
	}},
	{"in-tx", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return errors.Join(errors.New("begin"), err)
		}
		defer tx.Rollback()
		_, err = tx.ExecContext(ctx, s.sleep)
		return err
	}},
	{"scan", func(ctx context.Context, db *sql.DB, _ *sql.Conn, s slowSQL) error {
		rows, err := db.QueryContext(ctx, s.stream)
		if err != nil {
			return errors.Join(errors.New("the query itself"), err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return errors.Join(errors.New("no row before the deadline"), rows.Err())
		}
		return rows.Err()
	}},
}

// TestCancelErrorMatchesContext ends contexts before, during and after
// statements on all four drivers: every error a context ends matches the
// context's error with errors.Is, whatever the driver answered (lib/pq
// answers the server's 57014; the test accepts no message text), and
// comes promptly; a statement run on a connection the driver closed also
// matches ErrConnLost, since it may have taken effect; a context that ends
// after its statement changes nothing; the pool is whole afterwards.
func TestCancelErrorMatchesContext(t *testing.T) {
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		h := &countingHook{}
		db := openDB(t, tg.name, dsn, func(o *aiodriver.Options) { o.Hooks = h; o.Sync = aiodriver.SyncAllow })
		db.SetMaxOpenConns(4)
		s := slowFor(tg)
		bg := context.Background()

		t.Run("before", func(t *testing.T) {
			conn, err := db.Conn(bg)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ended, cancel := context.WithTimeout(bg, -time.Second)
			defer cancel()
			before := h.starts.Load()
			// Through *sql.Conn the ended context reaches the driver.
			_, errExec := conn.ExecContext(ended, s.sleep)
			_, errQuery := conn.QueryContext(ended, s.sleep)
			_, errPrep := conn.PrepareContext(ended, s.sleep)
			_, errBegin := conn.BeginTx(ended, nil)
			errPing := conn.PingContext(ended)
			for what, err := range map[string]error{"exec": errExec, "query": errQuery, "prepare": errPrep, "begin": errBegin, "ping": errPing} {
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%s with an ended context: %v; want context.DeadlineExceeded", what, err)
				}
			}
			if n := h.starts.Load() - before; n != 0 {
				t.Errorf("%d statement(s) sent with a context that had already ended", n)
			}
			if err := conn.PingContext(bg); err != nil {
				t.Errorf("the connection after calls refused for their context: %v", err)
			}
		})

		t.Run("during", func(t *testing.T) {
			for _, c := range duringCalls {
				t.Run(c.name, func(t *testing.T) {
					conn, err := db.Conn(bg)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close()
					ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
					defer cancel()
					start := time.Now()
					err = c.run(ctx, db, conn, s)
					took := time.Since(start)
					t.Logf("%v after %v", err, took.Round(time.Millisecond))
					if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
						t.Errorf("%s ended by its 200ms deadline: %v; want an error matching context.DeadlineExceeded", c.name, err)
					}
					if took > 3*time.Second {
						t.Errorf("%s returned %v after its 200ms deadline", c.name, took)
					}
					var ce *aiodriver.CanceledError
					if errors.As(err, &ce) && ce.OutcomeUnknown != errors.Is(err, aiodriver.ErrConnLost) {
						t.Errorf("%v: OutcomeUnknown=%v but errors.Is(ErrConnLost)=%v", err, ce.OutcomeUnknown, errors.Is(err, aiodriver.ErrConnLost))
					}
					// pgx and go-sql-driver/mysql close the connection to
					// stop a statement: the server may have run it.
					if (tg.name == "aiopgx" || tg.name == "aiomysql") && c.name != "scan" && !errors.Is(err, aiodriver.ErrConnLost) {
						t.Errorf("%s: %v does not say the outcome is unknown (ErrConnLost) though the driver closed the connection", c.name, err)
					}
					// lib/pq asks the server to stop it; the answer says so.
					if tg.name == "aiopg" && c.name != "scan" && !errors.Is(err, aiodriver.ErrConnLost) && (ce == nil || !ce.Stopped) {
						t.Errorf("%s: %v: want a *CanceledError with Stopped (the server's 57014) or ErrConnLost", c.name, err)
					}
				})
			}
		})

		t.Run("cancel-cause", func(t *testing.T) {
			why := errors.New("the caller gave up")
			ctx, cancel := context.WithCancelCause(bg)
			time.AfterFunc(200*time.Millisecond, func() { cancel(why) })
			var v any
			err := db.QueryRowContext(ctx, s.sleep).Scan(&v)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("query cancelled with a cause: %v; want context.Canceled", err)
			}
			var ce *aiodriver.CanceledError
			if errors.As(err, &ce) && !errors.Is(err, why) {
				t.Errorf("%v: a *CanceledError that does not match the context's cause", err)
			}
		})

		t.Run("after", func(t *testing.T) {
			tbl := tableName("cancel_after")
			mustExec(t, db, "CREATE TABLE "+tbl+" (id INT PRIMARY KEY)")
			dropLater(t, db, tbl)
			ctx, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			if _, err := db.ExecContext(ctx, "INSERT INTO "+tbl+" (id) VALUES (1)"); err != nil {
				t.Fatal(err)
			}
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" (id) VALUES (2)"); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			rows, err := db.QueryContext(ctx, "SELECT id FROM "+tbl+" ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			cancel() // after the statements and the read are done
			if err := rows.Err(); err != nil {
				t.Errorf("rows read to the end before the context ended: Err() = %v", err)
			}
			if err := rows.Close(); err != nil {
				t.Errorf("rows.Close after the context ended: %v", err)
			}
			if len(got) != 2 {
				t.Errorf("read %v; want [1 2]", got)
			}
			var n int
			if err := db.QueryRowContext(bg, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil || n != 2 {
				t.Errorf("after the context ended: %d row(s) (%v); want the 2 written before", n, err)
			}
		})

		waitPoolIdle(t, db)
		var one int
		if err := db.QueryRowContext(bg, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Errorf("the pool after the cancellations: %v", err)
		}
		if h.starts.Load() != h.ends.Load() {
			t.Errorf("hooks: %d statement starts, %d ends", h.starts.Load(), h.ends.Load())
		}
	})
}

// waitPoolIdle fails t unless db has no connection in use within 5 s.
func waitPoolIdle(t *testing.T, db *sql.DB) {
	t.Helper()
	if !testenv.Poll(5*time.Second, func() bool { return db.Stats().InUse == 0 }) {
		t.Errorf("%d connection(s) still in use 5s after the calls ended", db.Stats().InUse)
	}
}

var _ hooks.Hook = (*countingHook)(nil)
