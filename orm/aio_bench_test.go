package orm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime"
	"slices"
	"syscall"
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

func (aioBenchRow) TableName() string { return "stream16_bench" }

const aioBenchRows = 100_000

// aioBenchDB opens a backend and fills stream16_bench with aioBenchRows
// rows (dropped when the benchmark ends).
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

// aioFakeDB is the guarded driver over fakedb (the do-nothing driver),
// answering every query with aioBenchRows rows: it measures what the
// layers above the driver cost per row, without a database's noise. Its
// connections take arguments as they are, as pgx's stdlib does. The rows
// repeat 1,024 distinct ones, so that the canned values are a small live
// heap: with 100,000 distinct ones (600,000 objects) every GC cycle would
// mark them, a cost of the fixture that real streaming does not have.
func aioFakeDB(b *testing.B) (*orm.DB, *orm.Model[aioBenchRow]) {
	b.Helper()
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	distinct := make([][]driver.Value, 1024)
	for i := range distinct {
		distinct[i] = []driver.Value{int64(i + 1), fmt.Sprintf("user %d", i+1), fmt.Sprintf("user%d@example.com", i+1), float64(i+1) / 7, i%2 == 1, created}
	}
	rows := make([][]driver.Value, aioBenchRows)
	for i := range rows {
		rows[i] = distinct[i%len(distinct)]
	}
	cols := []string{"id", "name", "email", "score", "active", "created"}
	fake := fakedb.NewWith(cols, rows, fakedb.Options{AnyArgs: true})
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
	return db, orm.MustModel[aioBenchRow](db)
}

// aioBenchBackends are fakedb, and PostgreSQL over aiopgx when its DSN is
// set.
func aioBenchBackends() []testenv.Backend {
	backends := []testenv.Backend{{Name: "fakedb"}}
	for _, be := range testenv.SelectBackends(testenv.Named("aiopgx")) {
		if be.Configured() {
			backends = append(backends, be)
		}
	}
	return backends
}

// liveProbe measures the most heap that survives a GC while a loop reads
// its rows, above what was live before it: what the loop holds on to, not
// its garbage. A loop calls row after each row; every 8,192nd forces a GC.
// A nil *liveProbe does nothing, for the timed runs.
type liveProbe struct {
	n          int
	base, peak uint64
	ms         runtime.MemStats
}

func (p *liveProbe) start() {
	runtime.GC()
	runtime.ReadMemStats(&p.ms)
	p.base = p.ms.HeapAlloc
}

func (p *liveProbe) row() {
	if p == nil {
		return
	}
	if p.n++; p.n&8191 == 0 {
		runtime.GC()
		runtime.ReadMemStats(&p.ms)
		if p.ms.HeapAlloc > p.base {
			p.peak = max(p.peak, p.ms.HeapAlloc-p.base)
		}
	}
}

var aioBenchSink int64

// cpuTime is the CPU time the process has used (user and system): the
// paired benchmark reports it beside wall time, being less disturbed by
// other jobs on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// streamLoop reads one query's rows to their end and returns how many.
type streamLoop func(ctx context.Context, p *liveProbe) (int, error)

// handReuseLoop is the fastest hand-written loop: database/sql's rows.Next
// scanning every row into one reused struct (a reader that keeps nothing).
func handReuseLoop(db *orm.DB, query string, args []any) streamLoop {
	return func(ctx context.Context, p *liveProbe) (int, error) {
		rows, err := db.SQLDB().QueryContext(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		var r aioBenchRow
		for rows.Next() {
			if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Score, &r.Active, &r.Created); err != nil {
				return n, err
			}
			aioBenchSink += r.ID
			n++
			p.row()
		}
		return n, rows.Err()
	}
}

// handNewLoop is the main baseline: rows.Next scanning into a new struct
// per row, as a reader that keeps the rows must, and as AioExecute
// delivers them.
func handNewLoop(db *orm.DB, query string, args []any) streamLoop {
	return func(ctx context.Context, p *liveProbe) (int, error) {
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
			p.row()
		}
		return n, rows.Err()
	}
}

// aioLoop ranges over AioExecute's channel for the same query.
func aioLoop(q *orm.SelectQuery[aioBenchRow]) streamLoop {
	return func(ctx context.Context, p *liveProbe) (int, error) {
		n := 0
		for r := range q.AioExecute(ctx) {
			if r.Err != nil {
				return n, r.Err
			}
			aioBenchSink += r.Value.ID
			n++
			p.row()
		}
		return n, ctx.Err()
	}
}

// BenchmarkAioExecute streams 100,000 rows of 6 columns with AioExecute
// and with two hand-written rows.Next loops over the same statement and
// connection pool, on the do-nothing driver (fakedb, under the guarded
// driver) and on PostgreSQL over aiopgx (when AIODB_PG_DSN is set):
//
//   - hand-new: a new struct per row, what a reader that keeps its rows
//     must do and what AioExecute delivers: the main baseline;
//   - hand-reuse: one struct for every row, a reader that keeps nothing;
//   - aio: ranging over AioExecute's channel, a fresh *T per row.
//
// Each reports live-MiB, the most heap that survived a GC during one
// extra read of the rows (forced every 8,192 rows): what it holds on to.
// "paired" runs the three loops in each iteration, in rotating order,
// and reports the median over the iterations of aio's time as a ratio of
// each baseline's in the same iteration ("aio/hand-new", "aio/hand-reuse";
// lower is better; run it with -benchtime=20x or more), so that load
// from other jobs on the machine hits both sides of a ratio.
//
//	go test -run '^$' -bench 'AioExecute' -benchtime 20x -benchmem -count 6 ./orm
func BenchmarkAioExecute(b *testing.B) {
	for _, be := range aioBenchBackends() {
		b.Run(be.Name, func(b *testing.B) {
			var (
				db *orm.DB
				m  *orm.Model[aioBenchRow]
			)
			if be.DSN == nil {
				db, m = aioFakeDB(b)
			} else {
				db, m = aioBenchDB(b, be.Driver, be.DSN(b))
			}
			// Every loop gets a context that can be cancelled, as a
			// request's is: drivers watch such contexts.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := aioBenchRows
			q := m.Select().Where(orm.Le("id", n)).OrderBy("id")
			query, args, err := q.SQL()
			if err != nil {
				b.Fatal(err)
			}
			loops := []struct {
				name string
				run  streamLoop
			}{
				{"hand-new", handNewLoop(db, query, args)},
				{"hand-reuse", handReuseLoop(db, query, args)},
				{"aio", aioLoop(q)},
			}
			run := func(b *testing.B, loop streamLoop, p *liveProbe) {
				got, err := loop(ctx, p)
				if err != nil || got != n {
					b.Fatalf("read %d rows, want %d: %v", got, n, err)
				}
			}
			for _, l := range loops {
				b.Run(fmt.Sprintf("rows=%d/%s", n, l.name), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						run(b, l.run, nil)
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
					b.StopTimer()
					var p liveProbe
					p.start()
					run(b, l.run, &p)
					b.ReportMetric(float64(p.peak)/(1<<20), "live-MiB")
				})
			}
			b.Run(fmt.Sprintf("rows=%d/paired", n), func(b *testing.B) {
				var perNew, perReuse, cpuNew, cpuReuse []float64
				var took, cpu [3]time.Duration
				i := 0
				for b.Loop() {
					for k := range loops {
						j := (i + k) % len(loops)
						t0, c0 := time.Now(), cpuTime()
						run(b, loops[j].run, nil)
						took[j], cpu[j] = time.Since(t0), cpuTime()-c0
					}
					i++
					perNew = append(perNew, float64(took[2])/float64(took[0]))
					perReuse = append(perReuse, float64(took[2])/float64(took[1]))
					cpuNew = append(cpuNew, float64(cpu[2])/float64(cpu[0]))
					cpuReuse = append(cpuReuse, float64(cpu[2])/float64(cpu[1]))
				}
				// The median iteration: a burst of load on the machine
				// skews a few iterations, not the result.
				median := func(v []float64) float64 {
					slices.Sort(v)
					return v[len(v)/2]
				}
				b.ReportMetric(median(perNew), "aio/hand-new")
				b.ReportMetric(median(perReuse), "aio/hand-reuse")
				b.ReportMetric(median(cpuNew), "cpu-aio/hand-new")
				b.ReportMetric(median(cpuReuse), "cpu-aio/hand-reuse")
			})
		})
	}
}
