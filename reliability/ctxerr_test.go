package reliability_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// sqliteServer is the embedded database, for the tests that need no
// server and run on all four drivers.
var sqliteServer = server{
	name: "aiosqlite", driver: "aiosqlite",
	dsn: func(t testing.TB) string { return testenv.SQLiteDSN(t, "") },
}

// TestCancelStorm runs 400 calls per driver on a pool of 4, each with a
// deadline drawn from 1 to 80 ms, that sleep on the server for 0 to 60 ms:
// many deadlines land before, during and just after a statement. Every
// call must succeed or fail with an error matching its context's error
// (errors.Is; no message text accepted); none may take more than 2 s past
// its deadline; the pool is whole afterwards. Before the fix lib/pq's
// 57014 "canceling statement due to user request" came back bare from
// 42-52 of 2,000 such calls.
func TestCancelStorm(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 4)
			rows := orm.MustModel[relRow](db)
			const calls = 400
			var done, timedOut, other, slow, badConn atomic.Int64
			var mu sync.Mutex
			var others []string
			var wg sync.WaitGroup
			sem := make(chan struct{}, 16)
			for i := range calls {
				sem <- struct{}{}
				wg.Go(func() {
					defer func() { <-sem }()
					deadline := time.Duration(1+rand.IntN(80)) * time.Millisecond
					sleep := float64(rand.IntN(61)) / 1000
					ctx, cancel := context.WithTimeout(context.Background(), deadline)
					defer cancel()
					start := time.Now()
					var err error
					if i%2 == 0 {
						_, err = aio.Await(context.Background(), rows.Raw(fmt.Sprintf(s.sleep, sleep)+" AS pad").IgnoreUnknownColumns().AioOne(ctx))
					} else {
						_, err = aio.Await(context.Background(), db.AioAtomic(ctx, func(ctx context.Context) error {
							_, err := rows.Raw(fmt.Sprintf(s.sleep, sleep) + " AS pad").IgnoreUnknownColumns().All(ctx)
							return err
						}))
					}
					if time.Since(start) > deadline+2*time.Second {
						slow.Add(1)
					}
					switch {
					case err == nil:
						done.Add(1)
					case isCtxErr(err):
						timedOut.Add(1)
					case errors.Is(err, sqldriver.ErrBadConn):
						// Once about 1 in 400 aiopgx calls: pgx closed a
						// connection for an ended context and, lacking
						// IsValid, database/sql pooled it again. The
						// wrapper now offers IsValid for pgx.
						badConn.Add(1)
					default:
						other.Add(1)
						mu.Lock()
						others = append(others, err.Error())
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			t.Logf("%s: %d calls: %d done, %d ended by their deadline (matching it), %d other errors, %d past deadline+2s, %d bare driver.ErrBadConn",
				s.name, calls, done.Load(), timedOut.Load(), other.Load(), slow.Load(), badConn.Load())
			if badConn.Load() > 0 {
				t.Errorf("%s: %d calls ended with a bare driver.ErrBadConn, which matches neither the context's error nor ErrConnLost", s.name, badConn.Load())
			}
			if other.Load() > 0 {
				t.Errorf("%s: %d call(s) ended by a deadline with an error that does not match it, e.g. %q", s.name, other.Load(), others[0])
			}
			if slow.Load() > 0 {
				t.Errorf("%s: %d call(s) returned more than 2s after their deadline", s.name, slow.Load())
			}
			next(t, s, db)
		})
	}
}

// TestCancelBeforeCommit ends a transaction's context after its
// statements and before COMMIT, on all four drivers and through Atomic,
// AioAtomic and Transaction, with a cancel, a deadline and a cancel with a
// cause. database/sql rolls such a transaction back by itself; the call
// must return an error matching the context's error (and its cause), not
// sql.ErrTxDone's "already committed or rolled back", that says nothing
// was committed; no row of it is in the table; the next transaction
// commits.
func TestCancelBeforeCommit(t *testing.T) {
	for _, s := range append(servers, sqliteServer) {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			items := orm.MustModel[relCancelItem](db)
			bg := aio.Async(context.Background())
			if err := items.CreateTable(bg, true); err != nil {
				t.Fatal(err)
			}
			why := errors.New("the request was abandoned")
			type run func(ctx context.Context, fn func(context.Context) error) error
			runs := map[string]run{
				"Atomic":      func(ctx context.Context, fn func(context.Context) error) error { return db.Atomic(ctx, fn) },
				"Transaction": func(ctx context.Context, fn func(context.Context) error) error { return db.Transaction(ctx, fn) },
				"AioAtomic": func(ctx context.Context, fn func(context.Context) error) error {
					_, err := aio.Await(context.Background(), db.AioAtomic(ctx, fn))
					return err
				},
			}
			for rname, runTx := range runs {
				for _, end := range []string{"cancel", "deadline", "cause"} {
					t.Run(rname+"/"+end, func(t *testing.T) {
						tag := fmt.Sprintf("%s-%s-%s-%d", s.name, rname, end, time.Now().UnixNano())
						var ctx context.Context
						var stop func()
						var want error
						switch end {
						case "cancel":
							c, cancel := context.WithCancel(bg)
							ctx, stop, want = c, cancel, context.Canceled
						case "deadline":
							c, cancel := context.WithTimeout(bg, 300*time.Millisecond)
							ctx, stop, want = c, cancel, context.DeadlineExceeded
						case "cause":
							c, cancel := context.WithCancelCause(bg)
							ctx, stop, want = c, func() { cancel(why) }, context.Canceled
						}
						defer stop()
						err := runTx(ctx, func(ctx context.Context) error {
							for range 2 {
								if _, err := items.Create(ctx, &relCancelItem{Tag: tag}); err != nil {
									return err
								}
							}
							if end == "deadline" {
								<-ctx.Done()
							} else {
								stop()
							}
							return nil // the statements are done: only COMMIT is left
						})
						t.Logf("%v", err)
						if !errors.Is(err, want) {
							t.Errorf("context ended before COMMIT: %v; want an error matching %v", err, want)
						}
						if end == "cause" && !errors.Is(err, why) {
							t.Errorf("context cancelled with a cause before COMMIT: %v does not match the cause", err)
						}
						if errors.Is(err, sql.ErrTxDone) {
							t.Errorf("%v matches sql.ErrTxDone (\"already committed or rolled back\"): misleading", err)
						}
						if err != nil && !strings.Contains(err.Error(), "nothing was committed") {
							t.Errorf("%v does not say that nothing was committed", err)
						}
						if errors.Is(err, driver.ErrConnLost) {
							t.Errorf("%v says the outcome is unknown; the COMMIT was never sent", err)
						}
						waitIdle(t, s.name, db.SQLDB())
						if n, err := items.Count(bg, orm.Eq("tag", tag)); err != nil || n != 0 {
							t.Errorf("%d row(s) of the transaction ended before COMMIT in the table (%v)", n, err)
						}
						if err := db.Atomic(bg, func(ctx context.Context) error {
							_, err := items.Create(ctx, &relCancelItem{Tag: tag + "-next"})
							return err
						}); err != nil {
							t.Errorf("the next transaction: %v", err)
						}
					})
				}
			}
		})
	}
}
