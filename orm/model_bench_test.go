package orm_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// The model API benchmark: Get by key from 64 goroutines, blocking, and
// the same work through AioGet (each of the 64 goroutines awaiting its
// AioGet's channel), on aiosqlite and on PostgreSQL when its DSN is set.
// The paired sub-benchmark alternates rounds of both in one loop and
// reports the throughput of AioGet over that of Get ("aio/blocking"; 1 is
// parity), so that both see the same machine load.

const (
	maBenchWorkers  = 64
	maBenchPerRound = 8 // gets per worker per round
	maBenchRows     = 1000
)

// maBenchDB opens a backend with the items table filled.
func maBenchDB(b *testing.B, driverName, dsn string) *orm.Model[maItem] {
	b.Helper()
	db, err := orm.Open(driverName, dsn, orm.MaxConnections(16))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() }) // MaxConnections keeps all 16 idle between gets
	items := orm.MustModel[maItem](db)
	ctx := aio.AllowSync(context.Background())
	if err := orm.CreateTables(ctx, db, items); err != nil {
		b.Fatal(err)
	}
	err = db.Atomic(ctx, func(ctx context.Context) error {
		rows := make([]*maItem, 0, maBenchRows)
		for i := range maBenchRows {
			rows = append(rows, &maItem{Text: fmt.Sprintf("item %d", i), Data: "some data"})
		}
		_, err := items.Insert(rows...).Exec(ctx)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return items
}

// maRound runs one round: maBenchWorkers goroutines, each getting
// maBenchPerRound rows with get.
func maRound(b *testing.B, round int, get func(id int64) (*maItem, error)) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := range maBenchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range maBenchPerRound {
				id := int64((round*maBenchWorkers*maBenchPerRound+w*maBenchPerRound+k)%maBenchRows + 1)
				row, err := get(id)
				if err == nil && row.ID != id {
					err = fmt.Errorf("got row %d for id %d", row.ID, id)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}

// BenchmarkModelGet64 compares AioGet and Get from 64 goroutines.
func BenchmarkModelGet64(b *testing.B) {
	backends := []struct{ name, driver, dsn string }{
		{"aiosqlite", "aiosqlite", ""},
	}
	if os.Getenv(testenv.PostgresEnv) != "" {
		backends = append(backends, struct{ name, driver, dsn string }{"aiopg", "aiopg", ""})
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			dsn := testenv.SQLiteDSN(b, "")
			if be.driver == "aiopg" {
				dsn = maPostgres(b)
			}
			items := maBenchDB(b, be.driver, dsn)
			ctx := context.Background()
			blocking := func(id int64) (*maItem, error) { return items.Get(ctx, orm.Eq("id", id)) }
			async := func(id int64) (*maItem, error) { return aio.Await(ctx, items.AioGet(ctx, orm.Eq("id", id))) }
			const perRound = maBenchWorkers * maBenchPerRound
			for _, v := range []struct {
				name string
				get  func(int64) (*maItem, error)
			}{{"Get", blocking}, {"AioGet", async}} {
				b.Run(v.name, func(b *testing.B) {
					b.ReportAllocs()
					round := 0
					for b.Loop() {
						maRound(b, round, v.get)
						round++
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perRound), "ns/get")
				})
			}
			b.Run("paired", func(b *testing.B) {
				var tb, ta time.Duration
				round := 0
				for b.Loop() {
					// Alternate the order so that neither always runs warm.
					first, second := blocking, async
					if round%2 == 1 {
						first, second = async, blocking
					}
					t0 := time.Now()
					maRound(b, round, first)
					t1 := time.Now()
					maRound(b, round, second)
					t2 := time.Now()
					if round%2 == 0 {
						tb, ta = tb+t1.Sub(t0), ta+t2.Sub(t1)
					} else {
						ta, tb = ta+t1.Sub(t0), tb+t2.Sub(t1)
					}
					round++
				}
				n := float64(b.N * perRound)
				b.ReportMetric(float64(tb.Nanoseconds())/n, "get-ns/op")
				b.ReportMetric(float64(ta.Nanoseconds())/n, "aioget-ns/op")
				b.ReportMetric(float64(tb)/float64(ta), "aio/blocking")
			})
		})
	}
}
