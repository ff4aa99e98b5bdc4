package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// TestConnExpiryUnderLoad runs 16 goroutines × 60 calls (reads and
// two-insert transactions) on a pool of 4 whose connections expire while
// they work: a maximum lifetime of 30 ms in one run, a maximum idle time
// of 5 ms in the other, where 8 callers pause 40 ms between calls
// (database/sql closes connections past their lifetime when it hands them
// out, and idle ones in its cleaner, which runs once a second). No call may fail, every
// transaction's two rows must be there, connections must have been closed
// for their age (the fault happened), and the pool is whole afterwards.
func TestConnExpiryUnderLoad(t *testing.T) {
	for _, s := range servers {
		for _, kind := range []string{"lifetime", "idle"} {
			t.Run(s.name+"/"+kind, func(t *testing.T) {
				db := s.open(t, 4)
				sqlDB := db.SQLDB()
				items := orm.MustModel[relCancelItem](db)
				bg := aio.Async(context.Background())
				if err := items.DropTable(bg, true); err != nil {
					t.Fatal(err)
				}
				if err := items.CreateTable(bg, false); err != nil {
					t.Fatal(err)
				}
				seed, err := items.Create(bg, &relCancelItem{Tag: "seed"})
				if err != nil {
					t.Fatal(err)
				}
				if kind == "lifetime" {
					sqlDB.SetConnMaxLifetime(30 * time.Millisecond)
				} else {
					sqlDB.SetConnMaxIdleTime(5 * time.Millisecond)
				}
				workers, calls := 16, 60
				if kind == "idle" {
					workers = 8 // with the pauses, some connections sit idle
				}
				var failed, txDone atomic.Int64
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						for j := range calls {
							ctx, cancel := context.WithTimeout(bg, 10*time.Second)
							var err error
							if j%2 == 0 {
								_, err = aio.Await(ctx, items.AioGetByPK(ctx, seed.ID))
							} else {
								tag := fmt.Sprintf("expiry-%s-%d-%d", kind, w, j)
								_, err = aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
									for range 2 {
										if _, err := items.Create(ctx, &relCancelItem{Tag: tag}); err != nil {
											return err
										}
									}
									return nil
								}))
								if err == nil {
									txDone.Add(1)
								}
							}
							cancel()
							if err != nil {
								failed.Add(1)
								t.Errorf("%s/%s: call %d.%d while connections expire: %v", s.name, kind, w, j, err)
							}
							if kind == "idle" {
								// Leave connections idle past 5 ms between calls, over more
								// than the 1 s between two runs of database/sql's cleaner.
								time.Sleep(40 * time.Millisecond)
							}
						}
					})
				}
				wg.Wait()
				st := sqlDB.Stats()
				t.Logf("%s/%s: %d calls, %d failed; connections opened %d (max open %d), closed for lifetime %d, for idle time %d",
					s.name, kind, workers*calls, failed.Load(), st.MaxLifetimeClosed+st.MaxIdleTimeClosed+int64(st.OpenConnections), st.MaxOpenConnections, st.MaxLifetimeClosed, st.MaxIdleTimeClosed)
				if kind == "lifetime" && st.MaxLifetimeClosed == 0 || kind == "idle" && st.MaxIdleTimeClosed == 0 {
					t.Errorf("%s/%s: no connection expired under load (stats %+v): the fault did not happen", s.name, kind, st)
				}
				n, err := items.Count(bg)
				if err != nil {
					t.Fatal(err)
				}
				if want := 1 + 2*txDone.Load(); n != want {
					t.Errorf("%s/%s: %d rows; want the seed and 2 per transaction done: %d", s.name, kind, n, want)
				}
				next(t, s, db)
			})
		}
	}
}

// TestPendingOpensAfterConnectErrors makes every connect fail (the proxy
// closes new connections at once) while 20 callers wait for one of 2
// connections with 3 s deadlines: database/sql hands each connect error to
// a waiting request and opens again for the others, so every caller must
// return, with an error, well before its deadline rather than wait on a
// connect that never comes. When connects work again, 20 concurrent calls
// succeed on the same pool and it holds no more than 2 connections.
func TestPendingOpensAfterConnectErrors(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			dsn, p := s.viaProxy(t)
			db, err := orm.Open(s.driver, dsn, orm.MaxConnections(2), orm.WithDialect(dialectOf(s)))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows := orm.MustModel[relRow](db)
			p.refuse.Store(true)
			// Close what aiomysql's Open probed with, so that every call
			// below has to connect.
			db.SQLDB().SetMaxIdleConns(0)
			db.SQLDB().SetMaxIdleConns(2)
			var failed, late atomic.Int64
			var worst atomic.Int64
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
					defer cancel()
					start := time.Now()
					_, err := aio.Await(context.Background(), rows.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
					took := time.Since(start)
					if took > time.Duration(worst.Load()) {
						worst.Store(int64(took))
					}
					if err == nil {
						t.Errorf("%s: a call succeeded while every connect failed", s.name)
						return
					}
					failed.Add(1)
					if took > 2*time.Second {
						late.Add(1)
						t.Errorf("%s: a call waited %v for a connect that had failed (%v)", s.name, took, err)
					}
				})
			}
			wg.Wait()
			t.Logf("%s: connects refused: 20 calls, %d failed, %d waited past 2 s, slowest %v",
				s.name, failed.Load(), late.Load(), time.Duration(worst.Load()).Round(time.Millisecond))

			// database/sql may still be opening for the refused calls (it
			// opens again for waiting requests after each failure). Those
			// connects began in the refused window and fail even when they
			// end after it, so let them drain: the calls below must see
			// only connects that begin once the proxy lets them through.
			testenv.Eventually(t, 5*time.Second, func() bool { return db.SQLDB().Stats().OpenConnections == 0 },
				"%s: connects still pending 5 s after the refused calls returned", s.name)
			p.refuse.Store(false)
			var ok, invalid atomic.Int64
			for range 20 {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if _, err := aio.Await(ctx, rows.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx)); err != nil {
						if s.name == "aiomysql" && errors.Is(err, mysql.ErrInvalidConn) {
							// Known gap (issue 20): seen once in CI, a
							// connection from the refused window broke
							// under its first statement; counted, and
							// more than one fails the test.
							invalid.Add(1)
							return
						}
						t.Errorf("%s: a call once connects work again: %v", s.name, err)
						return
					}
					ok.Add(1)
				})
			}
			wg.Wait()
			if n := invalid.Load(); n > 1 {
				t.Errorf("%s: %d calls failed with invalid connection once connects worked again", s.name, n)
			} else if n == 1 {
				t.Logf("%s: 1 call failed with invalid connection once connects worked again (known gap)", s.name)
			}
			if st := db.SQLDB().Stats(); st.OpenConnections > 2 {
				t.Errorf("%s: %d connections open on a pool of 2", s.name, st.OpenConnections)
			}
			t.Logf("%s: connects work again: %d of 20 calls done", s.name, ok.Load())
			s.dsn = func(testing.TB) string { return dsn }
			next(t, s, db)
		})
	}
}
