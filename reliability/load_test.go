package reliability_test

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/orm"
)

// relLoadItem is the row the load test reads.
type relLoadItem struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,size:64"`
}

func (relLoadItem) TableName() string { return "rel_load_item" }

// TestLoad starts 10,000 AioGet calls at once on a pool of 10 PostgreSQL
// connections and waits for them all: every call must succeed within 60 s,
// and no goroutine may be left once the pool is closed. It logs the
// throughput and the p50/p99/max latency of one call (from the call to its
// result), the figures in RELIABILITY.md.
func TestLoad(t *testing.T) {
	for _, s := range []server{pgServer, pgxServer} {
		t.Run(s.name, func(t *testing.T) {
			leakcheck.Check(t) // registered first, so it runs after db.Close
			db := s.open(t, 10)
			items := orm.MustModel[relLoadItem](db)
			bg := aio.Async(context.Background())
			if err := items.CreateTable(bg, true); err != nil {
				t.Fatal(err)
			}
			const rows = 100
			var ids []int64
			for i := range rows {
				it, err := items.Create(bg, &relLoadItem{Name: "load-" + string(rune('a'+i%26))})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, it.ID)
			}
			t.Cleanup(func() {
				if _, err := items.Delete().Where(orm.In("id", ids)).Exec(bg); err != nil {
					t.Error(err)
				}
			})

			const calls = 10_000
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			lat := make([]time.Duration, calls)
			var failed atomic.Int64
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i := range calls {
				wg.Go(func() {
					<-gate
					start := time.Now()
					it, err := aio.Await(ctx, items.AioGet(ctx, orm.Eq("id", ids[i%rows])))
					lat[i] = time.Since(start)
					if err != nil || it.ID != ids[i%rows] {
						if failed.Add(1) <= 5 {
							t.Errorf("%s: call %d: %v", s.name, i, err)
						}
					}
				})
			}
			peak := runtime.NumGoroutine()
			start := time.Now()
			close(gate)
			wg.Wait()
			wall := time.Since(start)
			slices.Sort(lat)
			t.Logf("%s: %d concurrent AioGet on a pool of 10: %v, %.0f ops/s, p50 %v, p99 %v, max %v, failed %d, goroutines at start %d",
				s.name, calls, wall.Round(time.Millisecond), float64(calls)/wall.Seconds(),
				lat[calls/2].Round(time.Microsecond), lat[calls*99/100].Round(time.Microsecond), lat[calls-1].Round(time.Microsecond),
				failed.Load(), peak)
			if st := db.SQLDB().Stats(); st.OpenConnections > 10 || st.InUse != 0 {
				t.Errorf("%s: after the load: %+v; want at most 10 open, none in use", s.name, st)
			}
		})
	}
}
