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
	"github.com/aiodb/aiodb/orm"
)

// relExhaustItem is the row the exhaustion test reads and writes.
type relExhaustItem struct {
	ID  int64  `db:"id,pk,auto"`
	Tag string `db:"tag,size:64"`
}

func (relExhaustItem) TableName() string { return "rel_exhaust_item" }

// TestPoolExhaustion runs 200 concurrent callers, with deadlines from
// 0.5 s to 3.2 s, on a pool of 2 connections: plain reads, slow reads,
// transactions that read inside themselves, and transactions whose body
// calls the pool again with the outer context (which needs a second
// connection while the transaction holds one: two of them deadlock the
// pool of 2 until one's deadline). Every caller must return by its
// deadline plus a margin, either done or with its context's error, and
// the callers after a deadlock must get through; afterwards no connection
// is in use and the pool serves normally.
//
// The "plain" run leaves those deadlocking transactions out: then most
// callers must get through (at least half), showing that the time-outs of
// the other run come from the deadlock, not from the pool.
func TestPoolExhaustion(t *testing.T) {
	for _, s := range servers {
		for _, outer := range []bool{true, false} {
			name := s.name + "/nested"
			if !outer {
				name = s.name + "/plain"
			}
			t.Run(name, func(t *testing.T) { exhaust(t, s, outer) })
		}
	}
}

func exhaust(t *testing.T, s server, outer bool) {
	db := s.open(t, 2)
	items := orm.MustModel[relExhaustItem](db)
	bg := aio.Async(context.Background())
	if err := items.CreateTable(bg, true); err != nil {
		t.Fatal(err)
	}
	seed, err := items.Create(bg, &relExhaustItem{Tag: "seed"})
	if err != nil {
		t.Fatal(err)
	}

	const callers = 200
	var ok, timedOut atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := range callers {
		wg.Go(func() {
			deadline := 500*time.Millisecond + time.Duration(i%10)*300*time.Millisecond
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			began := time.Now()
			var err error
			switch i % 8 {
			case 0, 1, 4, 5: // a plain read
				_, err = aio.Await(context.Background(), items.AioGetByPK(ctx, seed.ID))
			case 2, 6: // a slow read: holds its connection for 50 ms
				_, err = aio.Await(context.Background(),
					items.Raw(fmt.Sprintf(s.sleep, 0.05)+" AS tag").IgnoreUnknownColumns().AioAll(ctx))
			case 7: // a transaction reading inside itself: no second connection
				_, err = aio.Await(context.Background(), db.AioAtomic(ctx, func(txCtx context.Context) error {
					if _, err := items.Create(txCtx, &relExhaustItem{Tag: fmt.Sprintf("ex-%d", i)}); err != nil {
						return err
					}
					_, err := aio.Await(txCtx, items.AioGetByPK(txCtx, seed.ID))
					return err
				}))
			case 3:
				if !outer { // a plain read instead
					_, err = aio.Await(context.Background(), items.AioGetByPK(ctx, seed.ID))
					break
				}
				// A transaction that also calls the pool from inside.
				_, err = aio.Await(context.Background(), db.AioAtomic(ctx, func(txCtx context.Context) error {
					if _, err := items.Create(txCtx, &relExhaustItem{Tag: fmt.Sprintf("ex-%d", i)}); err != nil {
						return err
					}
					// ctx, not txCtx: this runs outside the transaction,
					// on a second connection.
					_, err := aio.Await(txCtx, items.AioGetByPK(aio.Async(ctx), seed.ID))
					return err
				}))
			}
			took := time.Since(began)
			switch {
			case err == nil:
				ok.Add(1)
			case isCtxErr(err) || errors.Is(err, context.DeadlineExceeded):
				timedOut.Add(1)
			default:
				t.Errorf("%s: caller %d: %v; want success or its deadline", s.name, i, err)
			}
			if took > deadline+3*time.Second {
				t.Errorf("%s: caller %d returned %v after its %v deadline", s.name, i, took-deadline, deadline)
			}
		})
	}
	wg.Wait()
	t.Logf("%s: %d callers on a pool of 2 in %v: %d done, %d timed out cleanly",
		t.Name(), callers, time.Since(start).Round(time.Millisecond), ok.Load(), timedOut.Load())
	if ok.Load() == 0 || !outer && ok.Load() < callers/2 {
		t.Errorf("%s: only %d of %d callers succeeded", t.Name(), ok.Load(), callers)
	}
	waitIdle(t, s.name, db.SQLDB())
	if st := db.SQLDB().Stats(); st.OpenConnections > 2 {
		t.Errorf("%s: %d connections open on a pool of 2", s.name, st.OpenConnections)
	}
	if _, err := aio.Await(bg, items.AioGetByPK(bg, seed.ID)); err != nil {
		t.Errorf("%s: the pool after exhaustion: %v", s.name, err)
	}
}
