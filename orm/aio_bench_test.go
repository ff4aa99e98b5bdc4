package orm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// aioBenchRow is the 6-column row of the streaming benchmarks.
type aioBenchRow struct {
	ID      int64     `db:"id,pk"`
	Name    string    `db:"name,size:64"`
	Email   string    `db:"email,size:64"`
	Score   float64   `db:"score"`
	Active  bool      `db:"active"`
	Created time.Time `db:"created"`
}

func (aioBenchRow) TableName() string { return "relaio_bench" }

const aioBenchRows = 100_000

// aioBenchDB opens a backend and fills relaio_bench with aioBenchRows rows
// (dropped when the benchmark ends).
func aioBenchDB(b *testing.B, driverName, dsn string) (*orm.DB, *orm.Model[aioBenchRow]) {
	b.Helper()
	db, err := orm.Open(driverName, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	m := orm.MustModel[aioBenchRow](db)
	ctx := aio.AllowSync(context.Background())
	drop := m.DropTableSQL(true)
	if _, err := db.SQLDB().ExecContext(ctx, drop); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.SQLDB().ExecContext(ctx, drop) })
	stmts, err := m.CreateTableSQL(false)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	err = db.Atomic(ctx, func(ctx context.Context) error {
		batch := make([]*aioBenchRow, 0, 2000)
		for i := 1; i <= aioBenchRows; i++ {
			batch = append(batch, &aioBenchRow{ID: int64(i), Name: fmt.Sprintf("user %d", i), Email: fmt.Sprintf("user%d@example.com", i), Score: float64(i) / 7, Active: i%2 == 0, Created: created})
			if len(batch) == cap(batch) || i == aioBenchRows {
				if _, err := m.Insert(batch...).Exec(ctx); err != nil {
					return err
				}
				batch = batch[:0]
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return db, m
}

// aioFakeDB is the guarded driver over fakedb, answering every query with
// the first n of aioBenchRows rows (see its result func): it measures what
// the layers above the driver cost per row, without a database's noise.
func aioFakeDB(b *testing.B) (*orm.DB, *orm.Model[aioBenchRow], func(n int)) {
	b.Helper()
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	rows := make([][]driver.Value, aioBenchRows)
	for i := range rows {
		rows[i] = []driver.Value{int64(i + 1), fmt.Sprintf("user %d", i+1), fmt.Sprintf("user%d@example.com", i+1), float64(i+1) / 7, i%2 == 1, created}
	}
	cols := []string{"id", "name", "email", "score", "active", "created"}
	fake := fakedb.New(cols, rows)
	c, err := aiodriver.Wrap(fake, aiodriver.Options{Dialect: aiodriver.DialectPostgres}).OpenConnector("")
	if err != nil {
		b.Fatal(err)
	}
	sqlDB := sql.OpenDB(c)
	b.Cleanup(func() { sqlDB.Close() })
	db, err := orm.New(sqlDB)
	if err != nil {
		b.Fatal(err)
	}
	return db, orm.MustModel[aioBenchRow](db), func(n int) { fake.SetResult(cols, rows[:n]) }
}

// aioBenchBackends are fakedb, aiosqlite, and PostgreSQL (pgx and lib/pq)
// when its DSN is set.
func aioBenchBackends(b *testing.B) [][2]string {
	backends := [][2]string{{"fakedb", ""}}
	for _, be := range testenv.SelectBackends(testenv.OnServer(testenv.SQLite, testenv.Postgres)) {
		if be.Configured() {
			backends = append(backends, [2]string{be.Driver, be.DSN(b)})
		}
	}
	return backends
}

// heapSampler records the largest live heap seen, sampled every 16384
// rows, to show that streaming memory does not grow with the result.
type heapSampler struct {
	n    int
	peak uint64
	ms   runtime.MemStats
}

func (h *heapSampler) row() {
	h.n++
	if h.n&16383 == 0 {
		runtime.ReadMemStats(&h.ms)
		h.peak = max(h.peak, h.ms.HeapAlloc)
	}
}

var aioBenchSink int64

// handLoop is the baseline: database/sql's rows.Next with a hand-written
// Scan into a fresh row per result row, as a stream delivers them.
func handLoop(ctx context.Context, db *orm.DB, query string, args []any, h *heapSampler) (int, error) {
	rows, err := db.SQLDB().QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r := new(aioBenchRow)
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Score, &r.Active, &r.Created); err != nil {
			return n, err
		}
		aioBenchSink += r.ID
		n++
		h.row()
	}
	return n, rows.Err()
}

// aioLoop consumes the ORM's stream of the same query.
func aioLoop(ctx context.Context, q *orm.SelectQuery[aioBenchRow], h *heapSampler) (int, error) {
	n := 0
	for r := range q.AioExecute(ctx) {
		if r.Err != nil {
			return n, r.Err
		}
		aioBenchSink += r.Value.ID
		n++
		h.row()
	}
	return n, nil
}

// BenchmarkAioExecute streams 10,000 and 100,000 rows with AioExecute and
// with a hand-written rows.Next loop over the same statement. The paired
// sub-benchmark alternates the two and reports aio's throughput as a
// ratio of the loop's, the median over the pairs ("ratio", higher is
// better; run it with -benchtime=20x or more); heap-peak-MB is the largest
// heap sampled while reading.
func BenchmarkAioExecute(b *testing.B) {
	for _, be := range aioBenchBackends(b) {
		b.Run(be[0], func(b *testing.B) {
			var (
				db     *orm.DB
				m      *orm.Model[aioBenchRow]
				result = func(int) {}
			)
			if be[0] == "fakedb" {
				db, m, result = aioFakeDB(b)
			} else {
				db, m = aioBenchDB(b, be[0], be[1])
			}
			// Both loops get a context that can be cancelled, as a
			// request's is: drivers watch such contexts.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			for _, n := range []int{10_000, aioBenchRows} {
				result(n)
				q := m.Select().Where(orm.Le("id", n)).OrderBy("id")
				query, args, err := q.SQL()
				if err != nil {
					b.Fatal(err)
				}
				check := func(b *testing.B, got int, err error) {
					if err != nil || got != n {
						b.Fatalf("read %d rows, want %d: %v", got, n, err)
					}
				}
				report := func(b *testing.B, h *heapSampler) {
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
					b.ReportMetric(float64(h.peak)/(1<<20), "heap-peak-MB")
				}
				b.Run(fmt.Sprintf("rows=%d/hand", n), func(b *testing.B) {
					b.ReportAllocs()
					var h heapSampler
					for b.Loop() {
						got, err := handLoop(ctx, db, query, args, &h)
						check(b, got, err)
					}
					report(b, &h)
				})
				b.Run(fmt.Sprintf("rows=%d/aio", n), func(b *testing.B) {
					b.ReportAllocs()
					var h heapSampler
					for b.Loop() {
						got, err := aioLoop(ctx, q, &h)
						check(b, got, err)
					}
					report(b, &h)
				})
				b.Run(fmt.Sprintf("rows=%d/paired", n), func(b *testing.B) {
					var h heapSampler
					var ratios []float64
					for b.Loop() {
						t0 := time.Now()
						got, err := handLoop(ctx, db, query, args, &h)
						check(b, got, err)
						t1 := time.Now()
						got, err = aioLoop(ctx, q, &h)
						check(b, got, err)
						ratios = append(ratios, float64(t1.Sub(t0))/float64(time.Since(t1)))
					}
					// The median pair: a burst of load on the machine
					// skews a few pairs, not the result.
					slices.Sort(ratios)
					b.ReportMetric(ratios[len(ratios)/2], "ratio")
				})
			}
		})
	}
}
