package orm_test

import (
	"context"
	"fmt"
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
	maWarmRounds    = 20 // rounds of each before a paired measurement
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
	for _, be := range testenv.SelectBackends(testenv.Named("aiosqlite", "aiopg")) {
		if !be.Configured() {
			continue
		}
		b.Run(be.Name, func(b *testing.B) {
			dsn := testenv.SQLiteDSN(b, "")
			if be.Server == testenv.Postgres {
				dsn = maPostgres(b)
			}
			items := maBenchDB(b, be.Driver, dsn)
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
			// goroutine is what a caller could write by hand without
			// aiodb: Get in a new goroutine, its result on a channel. It
			// measures what one goroutine hand-off each way costs here.
			goroutine := func(id int64) (*maItem, error) {
				ch := make(chan aio.Result[*maItem], 1)
				go func() {
					row, err := items.Get(aio.Async(ctx), orm.Eq("id", id))
					ch <- aio.Result[*maItem]{Value: row, Err: err}
				}()
				r := <-ch
				return r.Value, r.Err
			}
			b.Run("paired", func(b *testing.B) {
				variants := []struct {
					name string
					get  func(int64) (*maItem, error)
					wall time.Duration
					cpu  int64 // ns; negative when not measured
				}{{name: "get", get: blocking}, {name: "aioget", get: async}, {name: "go", get: goroutine}}
				// Warm all up first: the first rounds of a process open
				// and prepare on the pool's connections and grow the heap,
				// and would count against whichever runs first.
				for round := range maWarmRounds {
					for _, v := range variants {
						maRound(b, round, v.get)
					}
				}
				round := 0
				for b.Loop() {
					// Rotate the order so that none always runs first.
					for k := range variants {
						v := &variants[(round+k)%len(variants)]
						t0, c0 := time.Now(), testenv.ProcessCPU()
						maRound(b, round, v.get)
						v.wall += time.Since(t0)
						v.cpu += testenv.ProcessCPU() - c0
					}
					round++
				}
				n := float64(b.N * perRound)
				for _, v := range variants {
					b.ReportMetric(float64(v.wall.Nanoseconds())/n, v.name+"-ns/op")
					if v.cpu > 0 {
						b.ReportMetric(float64(v.cpu)/n, v.name+"-cpu-ns/op")
					}
				}
				get, aioGet, handWritten := variants[0], variants[1], variants[2]
				b.ReportMetric(float64(get.wall)/float64(aioGet.wall), "aio/blocking")
				b.ReportMetric(float64(get.wall)/float64(handWritten.wall), "go/blocking")
			})
		})
	}
}
