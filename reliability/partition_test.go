package reliability_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// TestSilentPartition puts a silent network between the pool and the
// server (the proxy drops every byte and holds new connections; nothing is
// closed, so no driver sees an error from the network) while 16 callers
// run queries, transactions, streams and connects with deadlines of 300
// to 750 ms on a pool of 4. Every call must return with an error matching
// its context's error within its deadline plus driver.CancelGrace plus
// 1 s: no call may wait for the server's answer for ever. When the
// network heals (the proxy resets the connections that lived through
// it), the pool must recover: no connection stays in use, and of 20 calls
// in a row at most one per pooled connection fails (a connection that is
// found dead only by using it), and the last 10 all succeed.
func TestSilentPartition(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			dsn, p := s.viaProxy(t)
			s := s
			s.dsn = func(testing.TB) string { return dsn }
			db := s.open(t, 4)
			items := orm.MustModel[relCancelItem](db)
			rows := orm.MustModel[relRow](db)
			bg := aio.Async(context.Background())
			if err := items.CreateTable(bg, true); err != nil {
				t.Fatal(err)
			}
			// Fill the pool: four connections open before the partition.
			var warm sync.WaitGroup
			for range 4 {
				warm.Go(func() {
					ctx, cancel := context.WithTimeout(bg, 10*time.Second)
					defer cancel()
					if _, err := rows.Raw(fmt.Sprintf(s.sleep, 0.05) + " AS pad").IgnoreUnknownColumns().All(ctx); err != nil {
						t.Errorf("warming the pool: %v", err)
					}
				})
			}
			warm.Wait()

			p.partition()
			const callers = 16
			var matched, other, late atomic.Int64
			var worst atomic.Int64
			var mu sync.Mutex
			var others []string
			var wg sync.WaitGroup
			for i := range callers {
				wg.Go(func() {
					deadline := time.Duration(300+30*i) * time.Millisecond
					ctx, cancel := context.WithTimeout(bg, deadline)
					defer cancel()
					start := time.Now()
					var err error
					switch i % 4 {
					case 0:
						_, err = aio.Await(ctx, rows.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
					case 1:
						_, err = aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
							for range 2 {
								if _, err := items.Create(ctx, &relCancelItem{Tag: "partition"}); err != nil {
									return err
								}
							}
							return nil
						}))
					case 2:
						for r := range rows.Raw(s.streamSQL()).IgnoreUnknownColumns().AioExecute(ctx) {
							if r.Err != nil {
								err = r.Err
							}
						}
						if err == nil {
							err = errors.New("a stream through a silent network ended without an error")
						}
					case 3:
						_, err = items.Count(ctx)
					}
					took := time.Since(start)
					if over := took - deadline; over > time.Duration(worst.Load()) {
						worst.Store(int64(over)) // racy max: a figure for the log
					}
					if took > deadline+driver.CancelGrace+time.Second {
						late.Add(1)
						t.Errorf("call %d (deadline %v) returned after %v through a silent network", i, deadline, took)
					}
					if isCtxErr(err) {
						matched.Add(1)
						return
					}
					other.Add(1)
					mu.Lock()
					others = append(others, fmt.Sprint(err))
					mu.Unlock()
				})
			}
			wg.Wait()
			t.Logf("%s: silent network: %d calls, %d ended with their context's error, %d other, %d late; worst return %v after the deadline",
				s.name, callers, matched.Load(), other.Load(), late.Load(), time.Duration(worst.Load()).Round(time.Millisecond))
			if other.Load() > 0 {
				t.Errorf("%s: %d call(s) through the silent network did not end with their context's error, e.g. %s", s.name, other.Load(), others[0])
			}

			p.heal()
			waitIdle(t, s.name, db.SQLDB())
			failed, lastFailed := 0, -1
			for i := range 20 {
				ctx, cancel := context.WithTimeout(bg, 5*time.Second)
				_, err := aio.Await(ctx, rows.Raw(s.pid+" AS pid").IgnoreUnknownColumns().AioOne(ctx))
				cancel()
				if err != nil {
					failed++
					lastFailed = i
					t.Logf("%s: call %d after the network healed: %v", s.name, i, err)
				}
			}
			t.Logf("%s: after healing: 20 calls, %d failed (connections found dead by using them)", s.name, failed)
			if failed > 4 || lastFailed >= 10 {
				t.Errorf("%s: the pool did not recover: %d of 20 calls failed after the network healed, the last at call %d", s.name, failed, lastFailed)
			}
			if n, err := items.Count(bg, orm.Eq("tag", "partition")); err != nil || n%2 != 0 {
				t.Errorf("%s: %d row(s) of the two-row transactions (%v): one is torn", s.name, n, err)
			}
			next(t, s, db)
		})
	}
}

// TestHalfClosedMidResult half-closes a connection while a stream reads
// its rows: the proxy forwards part of the next bytes from the server and
// then ends the client's read side (FIN), leaving the other direction
// open. The stream must end promptly with an error (not the context's: it
// did not end) as its last Result, the connection is not reused, and the
// pool serves the next call.
func TestHalfClosedMidResult(t *testing.T) {
	for _, s := range servers {
		t.Run(s.name, func(t *testing.T) {
			dsn, p := s.viaProxy(t)
			s := s
			s.dsn = func(testing.TB) string { return dsn }
			db := s.open(t, 2)
			ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 20*time.Second)
			defer cancel()
			ch := orm.MustModel[relRow](db).Raw(s.streamSQL()).IgnoreUnknownColumns().AioExecute(ctx)
			n := 0
			var last error
			start := time.Now()
			for r := range ch {
				if r.Err != nil {
					last = r.Err
					continue
				}
				if n++; n == 3 {
					p.halfClose.Store(true)
					start = time.Now()
				}
			}
			took := time.Since(start)
			t.Logf("%s: half-closed after row 3: %d rows, then %v after %v", s.name, n, last, took.Round(time.Millisecond))
			if last == nil || isCtxErr(last) {
				t.Errorf("%s: a stream whose connection was half-closed ended with %v; want the driver's error", s.name, last)
			}
			if n >= 2000 {
				t.Errorf("%s: all %d rows arrived through a half-closed connection", s.name, n)
			}
			if took > 5*time.Second {
				t.Errorf("%s: the stream took %v to end after the half-close", s.name, took)
			}
			next(t, s, db)
		})
	}
}
