package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"slices"

	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/fakedb"
)

// Wrapper against bare driver on the same loopback read. Compare the
// sub-benchmarks of one run, e.g. with benchstat:
//
//	go test -run '^$' -bench 'Postgres' -count 6 ./driver | tee pg.txt
func BenchmarkPostgresRead(b *testing.B) {
	dsn := pgBenchDSN(b)
	setup, err := sql.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer setup.Close()
	table := tableName("bench")
	if _, err := setup.Exec("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)"); err != nil {
		b.Fatal(err)
	}
	defer setup.Exec("DROP TABLE " + table)
	if _, err := setup.Exec("INSERT INTO " + table + " SELECT g, 'name ' || g FROM generate_series(1, 1000) g"); err != nil {
		b.Fatal(err)
	}
	query := "SELECT id, name FROM " + table + " WHERE id = $1"

	for _, d := range []struct{ name, driver string }{
		{"driver=pq", "postgres"},
		{"driver=aiopg", "aiopg"},
		{"driver=pgx", "pgx"},
		{"driver=aiopgx", "aiopgx"},
	} {
		b.Run(d.name, func(b *testing.B) {
			db, err := sql.Open(d.driver, dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			db.SetMaxIdleConns(4)
			benchRead(b, db, query)
		})
	}
}

func pgBenchDSN(b *testing.B) string {
	// Benchmarks never fail for a missing server, even under
	// AIODB_REQUIRE_DB: the integration tests do that.
	b.Helper()
	if dsn := lookupEnv("AIODB_PG_DSN"); dsn != "" {
		return dsn
	}
	b.Skip("PostgreSQL benchmark skipped: set AIODB_PG_DSN to run it")
	return ""
}

func benchRead(b *testing.B, db *sql.DB, query string) {
	ctx := aiodriver.MarkAsync(context.Background())
	var id int
	var name string
	if err := db.QueryRowContext(ctx, query, 1).Scan(&id, &name); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := db.QueryRowContext(ctx, query, i%1000+1).Scan(&id, &name); err != nil {
			b.Fatal(err)
		}
	}
}

// Wrapper against bare fakedb: the wrapper's own cost per statement.
func BenchmarkFake(b *testing.B) {
	cols := []string{"id", "name"}
	rows := [][]driver.Value{{int64(1), "one"}}
	for _, d := range []struct {
		name string
		open func() *sql.DB
	}{
		{"driver=fakedb", func() *sql.DB { return sql.OpenDB(fakedb.New(cols, rows).Connector()) }},
		{"driver=aiodb", func() *sql.DB {
			return sql.OpenDB(aiodriver.NewConnector(fakedb.New(cols, rows).Connector(), aiodriver.Options{}))
		}},
		{"driver=aiodb-panic-mode", func() *sql.DB {
			return sql.OpenDB(aiodriver.NewConnector(fakedb.New(cols, rows).Connector(), aiodriver.Options{Sync: aiodriver.SyncPanic}))
		}},
		{"driver=aiodb-hooks", func() *sql.DB {
			return sql.OpenDB(aiodriver.NewConnector(fakedb.New(cols, rows).Connector(), aiodriver.Options{Hooks: hooks.Base{}}))
		}},
		// The statement cache's own cost: every statement a hit.
		{"driver=aiodb-cache", func() *sql.DB {
			return sql.OpenDB(aiodriver.NewConnector(fakedb.New(cols, rows).Connector(), aiodriver.Options{StmtCacheSize: 100}))
		}},
	} {
		b.Run("op=query/"+d.name, func(b *testing.B) {
			db := d.open()
			defer db.Close()
			benchRead(b, db, "SELECT id, name FROM t WHERE id = ?")
		})
		b.Run("op=exec/"+d.name, func(b *testing.B) {
			db := d.open()
			defer db.Close()
			ctx := aiodriver.MarkAsync(context.Background())
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := db.ExecContext(ctx, "UPDATE t SET n = n + 1 WHERE id = ?", i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func lookupEnv(k string) string { return os.Getenv(k) }

// The wrapper's cost without database/sql around it: one statement
// straight on the driver connection, wrapped and bare.
func BenchmarkConnDirect(b *testing.B) {
	cols := []string{"id", "name"}
	rows := [][]driver.Value{{int64(1), "one"}}
	inner := fakedb.New(cols, rows).Connector()
	for _, d := range []struct {
		name string
		conn func() driver.Conn
	}{
		{"driver=fakedb", func() driver.Conn { c, _ := inner.Connect(context.Background()); return c }},
		{"driver=aiodb", func() driver.Conn {
			c, _ := aiodriver.NewConnector(inner, aiodriver.Options{Sync: aiodriver.SyncPanic}).Connect(context.Background())
			return c
		}},
	} {
		ctx := aiodriver.MarkAsync(context.Background())
		args := []driver.NamedValue{{Ordinal: 1, Value: int64(1)}}
		dest := make([]driver.Value, 2)
		b.Run("op=query/"+d.name, func(b *testing.B) {
			c := d.conn().(driver.QueryerContext)
			b.ReportAllocs()
			for b.Loop() {
				r, err := c.QueryContext(ctx, "SELECT id, name FROM t WHERE id = ?", args)
				if err != nil {
					b.Fatal(err)
				}
				r.Next(dest)
				r.Close()
			}
		})
		b.Run("op=exec/"+d.name, func(b *testing.B) {
			c := d.conn().(driver.ExecerContext)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.ExecContext(ctx, "UPDATE t SET n = 1 WHERE id = ?", args); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The loopback read of BenchmarkPostgresRead with bare and wrapped driver
// alternating query by query, so that load on the machine hits both
// alike. It reports each side's median time per query and the wrapper's
// overhead in percent of the bare driver's median.
func BenchmarkPostgresReadInterleaved(b *testing.B) {
	dsn := pgBenchDSN(b)
	setup, err := sql.Open("postgres", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer setup.Close()
	table := tableName("benchi")
	if _, err := setup.Exec("CREATE TABLE " + table + " (id int PRIMARY KEY, name text)"); err != nil {
		b.Fatal(err)
	}
	defer setup.Exec("DROP TABLE " + table)
	if _, err := setup.Exec("INSERT INTO " + table + " SELECT g, 'name ' || g FROM generate_series(1, 1000) g"); err != nil {
		b.Fatal(err)
	}
	query := "SELECT id, name FROM " + table + " WHERE id = $1"
	for _, pair := range []struct{ name, bare, wrapped string }{
		{"pair=pq-aiopg", "postgres", "aiopg"},
		{"pair=pgx-aiopgx", "pgx", "aiopgx"},
	} {
		b.Run(pair.name, func(b *testing.B) {
			bare, err := sql.Open(pair.bare, dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer bare.Close()
			wrapped, err := sql.Open(pair.wrapped, dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer wrapped.Close()
			ctx := aiodriver.MarkAsync(context.Background())
			var id int
			var name string
			read := func(db *sql.DB, i int) time.Duration {
				start := time.Now()
				if err := db.QueryRowContext(ctx, query, i%1000+1).Scan(&id, &name); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			read(bare, 0)
			read(wrapped, 0)
			var tb, tw []time.Duration
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					tb = append(tb, read(bare, i))
					tw = append(tw, read(wrapped, i))
				} else {
					tw = append(tw, read(wrapped, i))
					tb = append(tb, read(bare, i))
				}
			}
			// Medians: a load spike on the machine moves them little.
			mb, mw := median(tb), median(tw)
			b.ReportMetric(float64(mb.Nanoseconds()), "bare-p50-ns")
			b.ReportMetric(float64(mw.Nanoseconds()), "wrapped-p50-ns")
			b.ReportMetric(100*(float64(mw)-float64(mb))/float64(mb), "overhead-p50-%")
		})
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkFakeInterleaved is BenchmarkFake's query and exec with the bare
// fakedb and the wrapper alternating every 100 statements in one loop, so
// that drift in the machine's speed hits both alike. It reports the
// wrapper's cost per statement in ns (overhead-ns) beside each side's
// time.
func BenchmarkFakeInterleaved(b *testing.B) {
	cols := []string{"id", "name"}
	rows := [][]driver.Value{{int64(1), "one"}}
	bare := sql.OpenDB(fakedb.New(cols, rows).Connector())
	defer bare.Close()
	wrapped := sql.OpenDB(aiodriver.NewConnector(fakedb.New(cols, rows).Connector(), aiodriver.Options{}))
	defer wrapped.Close()
	ctx := aiodriver.MarkAsync(context.Background())
	ops := map[string]func(db *sql.DB, i int) error{
		"query": func(db *sql.DB, i int) error {
			var id int
			var name string
			return db.QueryRowContext(ctx, "SELECT id, name FROM t WHERE id = ?", i%1000+1).Scan(&id, &name)
		},
		"exec": func(db *sql.DB, i int) error {
			_, err := db.ExecContext(ctx, "UPDATE t SET n = n + 1 WHERE id = ?", i)
			return err
		},
	}
	for _, name := range []string{"query", "exec"} {
		op := ops[name]
		b.Run("op="+name, func(b *testing.B) {
			const run = 100
			var tb, tw time.Duration
			for i := 0; b.Loop(); i++ {
				first, second, tf, ts := bare, wrapped, &tb, &tw
				if i%2 == 1 {
					first, second, tf, ts = wrapped, bare, &tw, &tb
				}
				t0 := time.Now()
				for k := range run {
					if err := op(first, k); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				for k := range run {
					if err := op(second, k); err != nil {
						b.Fatal(err)
					}
				}
				*tf += t1.Sub(t0)
				*ts += time.Since(t1)
			}
			n := float64(b.N * run)
			b.ReportMetric(float64(tb.Nanoseconds())/n, "bare-ns")
			b.ReportMetric(float64(tw.Nanoseconds())/n, "wrapped-ns")
			b.ReportMetric(float64((tw-tb).Nanoseconds())/n, "overhead-ns")
		})
	}
}
