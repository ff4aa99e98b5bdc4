package orm_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// BenchmarkSQLiteConcurrentWrites: AioCreate from parallel goroutines on a
// pool of 4, on aiosqlite's defaults against the DSN the tests and README
// used before those defaults (busy_timeout and WAL, synchronous FULL,
// BEGIN DEFERRED), against the defaults with synchronous FULL, and
// against SQLite's own settings (what a DSN without pragmas got before
// aiosqlite's defaults). Failed
// calls are counted (failed/op), not hidden.
//
//	go test -run '^$' -bench SQLiteConcurrentWrites -count 6 ./orm
func BenchmarkSQLiteConcurrentWrites(b *testing.B) {
	for _, c := range []struct{ name, query string }{
		{"defaults", ""},
		{"tuned-before", "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=deferred"},
		{"defaults-sync-full", "?_pragma=synchronous(FULL)&_pragma=journal_mode(WAL)"},
		// What a DSN without pragmas got before the defaults.
		{"sqlite-own", "?_pragma=busy_timeout(0)&_pragma=journal_mode(DELETE)&_pragma=foreign_keys(0)&_txlock=deferred"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			dsn := "file:" + filepath.Join(b.TempDir(), "bench.db") + c.query
			db, err := orm.Open("aiosqlite", dsn, orm.MaxConnections(4))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			pages, err := orm.NewModel[sdPage](db)
			if err != nil {
				b.Fatal(err)
			}
			if err := pages.CreateTable(aio.AllowSync(ctx), true); err != nil {
				b.Fatal(err)
			}
			var seq, failed atomic.Int64
			b.SetParallelism(4) // 8 goroutines on 2 cores: more writers than connections
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					p := &sdPage{Key: fmt.Sprint(seq.Add(1)), Text: "x"}
					if _, err := aio.Await(ctx, pages.AioCreate(ctx, p)); err != nil {
						failed.Add(1)
					}
				}
			})
			b.ReportMetric(float64(failed.Load())/float64(b.N), "failed/op")
		})
	}
}
