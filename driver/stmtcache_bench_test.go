package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/testenv"
)

// The statement cache against the bare drivers on the same one-row read
// by primary key. Sub-benchmark names carry db= and driver= keys, so that
// benchstat can put the drivers of one database side by side:
//
//	go test -run '^$' -bench 'Read$' -count 6 ./driver | tee read.txt
//	benchstat -row /db -col /driver read.txt
//
// The drivers of one database run one after another in each round, so
// that a load change on the machine hits them alike over the -count
// rounds. Servers come from AIODB_PG_DSN and AIODB_MYSQL_DSN; a database
// whose variable is unset is skipped.
func BenchmarkRead(b *testing.B) {
	type variant struct{ name, driver, option string }
	for _, db := range []struct {
		name     string
		dsn      func(testing.TB) string
		ph       string
		variants []variant
	}{
		{"pg", benchDSN("AIODB_PG_DSN"), "$1", []variant{
			{"pgx", "pgx", ""},
			{"pq", "postgres", ""},
			{"pq-binary", "postgres", "binary_parameters=yes"},
			{"aiopg", "aiopg", ""},
			{"aiopg-nocache", "aiopg", "aio_stmt_cache=0"},
			{"aiopg-binary", "aiopg", "binary_parameters=yes"},
			{"aiopg-binary-cache", "aiopg", "binary_parameters=yes&aio_stmt_cache=100"},
			{"aiopgx", "aiopgx", ""},
			{"aiopgx-cache", "aiopgx", "aio_stmt_cache=100"},
		}},
		{"mysql", benchDSN("AIODB_MYSQL_DSN"), "?", []variant{
			{"mysql-interpolate", "mysql", "interpolateParams=true"},
			{"mysql", "mysql", ""},
			{"aiomysql", "aiomysql", ""},
			{"aiomysql-nocache", "aiomysql", "aio_stmt_cache=0"},
			{"aiomysql-interpolate", "aiomysql", "interpolateParams=true"},
		}},
		{"sqlite", func(t testing.TB) string { return testenv.SQLiteDSN(t, "") }, "?", []variant{
			{"sqlite", "sqlite", ""},
			{"aiosqlite", "aiosqlite", ""},
			{"aiosqlite-nocache", "aiosqlite", "aio_stmt_cache=0"},
		}},
	} {
		b.Run("db="+db.name, func(b *testing.B) {
			dsn := db.dsn(b)
			table := benchTable(b, db.variants[0].driver, dsn)
			query := fmt.Sprintf("SELECT id, name FROM %s WHERE id = %s", table, db.ph)
			for _, v := range db.variants {
				b.Run("driver="+v.name, func(b *testing.B) {
					sdb := benchOpen(b, v.driver, dsn, v.option)
					benchRead(b, sdb, query)
				})
			}
		})
	}
}

// BenchmarkNoArgs checks the claim that a statement without arguments
// gains nothing from being prepared: the bare drivers' one-round-trip
// text query against a statement prepared once and run without
// arguments, on one connection.
func BenchmarkNoArgs(b *testing.B) {
	for _, db := range []struct{ name, driver string }{
		{"pg", "postgres"},
		{"mysql", "mysql"},
	} {
		b.Run("db="+db.name, func(b *testing.B) {
			env := map[string]string{"pg": "AIODB_PG_DSN", "mysql": "AIODB_MYSQL_DSN"}[db.name]
			dsn := benchDSN(env)(b)
			table := benchTable(b, db.driver, dsn)
			query := "SELECT id, name FROM " + table + " WHERE id = 7"
			var id int
			var name string
			b.Run("way=text", func(b *testing.B) {
				sdb := benchOpen(b, db.driver, dsn, "")
				sdb.SetMaxOpenConns(1)
				b.ReportAllocs()
				for b.Loop() {
					if err := sdb.QueryRow(query).Scan(&id, &name); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("way=prepared", func(b *testing.B) {
				sdb := benchOpen(b, db.driver, dsn, "")
				sdb.SetMaxOpenConns(1)
				st, err := sdb.Prepare(query)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				b.ReportAllocs()
				for b.Loop() {
					if err := st.QueryRow().Scan(&id, &name); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

func benchDSN(env string) func(testing.TB) string {
	return func(t testing.TB) string {
		if dsn := lookupEnv(env); dsn != "" {
			return dsn
		}
		t.Skipf("benchmark skipped: set %s to run it", env)
		return ""
	}
}

// benchTable creates a table of 1000 rows (id, name) and drops it when b
// ends.
func benchTable(b *testing.B, driverName, dsn string) string {
	b.Helper()
	setup, err := sql.Open(driverName, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { setup.Close() })
	table := tableName("read")
	if _, err := setup.Exec("CREATE TABLE " + table + " (id INTEGER PRIMARY KEY, name VARCHAR(40))"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { setup.Exec("DROP TABLE " + table) })
	tx, err := setup.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 1000; i++ {
		if _, err := tx.Exec(fmt.Sprintf("INSERT INTO %s (id, name) VALUES (%d, 'name %d')", table, i, i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return table
}

func benchOpen(b *testing.B, driverName, dsn, option string) *sql.DB {
	b.Helper()
	if option != "" {
		dsn = testenv.WithOptions(dsn, option)
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	db.SetMaxIdleConns(4)
	if err := db.PingContext(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkReadInterleaved runs the drivers of BenchmarkRead's databases
// query by query in rotating order, so that load from other processes on
// the machine hits them alike, and reports each driver's median time per
// read (<driver>-us) and its ratio to the first driver's median
// (<driver>/<first>-x). Its ns/op is the time of one round, all drivers.
// The "-again" pools repeat the baseline: their ratio shows the noise.
//
//	go test -run '^$' -bench 'Interleaved$' -benchtime 5000x -count 6 ./driver | tee inter.txt
//	benchstat inter.txt
func BenchmarkReadInterleaved(b *testing.B) {
	for _, db := range []struct {
		name, env, ph string
		variants      [][3]string // name, driver, DSN option
	}{
		{"pg", "AIODB_PG_DSN", "$1", [][3]string{
			{"pgx", "pgx", ""},
			{"pgx-again", "pgx", ""}, // a control: the noise between two equal pools
			{"pq", "postgres", ""},
			{"pq-binary", "postgres", "binary_parameters=yes"},
			{"aiopg", "aiopg", ""},
			{"aiopg-nocache", "aiopg", "aio_stmt_cache=0"},
			{"aiopg-binary", "aiopg", "binary_parameters=yes"},
			{"aiopgx", "aiopgx", ""},
			{"aiopgx-cache", "aiopgx", "aio_stmt_cache=100"},
		}},
		{"mysql", "AIODB_MYSQL_DSN", "?", [][3]string{
			{"mysql-interpolate", "mysql", "interpolateParams=true"},
			{"mysql-interpolate-again", "mysql", "interpolateParams=true"},
			{"mysql", "mysql", ""},
			{"aiomysql", "aiomysql", ""},
			{"aiomysql-nocache", "aiomysql", "aio_stmt_cache=0"},
		}},
		{"sqlite", "", "?", [][3]string{
			{"sqlite", "sqlite", ""},
			{"aiosqlite", "aiosqlite", ""},
			{"aiosqlite-nocache", "aiosqlite", "aio_stmt_cache=0"},
		}},
	} {
		b.Run("db="+db.name, func(b *testing.B) {
			var dsn string
			if db.env == "" {
				dsn = testenv.SQLiteDSN(b, "")
			} else {
				dsn = benchDSN(db.env)(b)
			}
			table := benchTable(b, db.variants[0][1], dsn)
			query := fmt.Sprintf("SELECT id, name FROM %s WHERE id = %s", table, db.ph)
			names := make([]string, len(db.variants))
			reads := make([]func(i int), len(db.variants))
			for k, v := range db.variants {
				sdb := benchOpen(b, v[1], dsn, v[2])
				names[k] = v[0]
				reads[k] = func(i int) {
					var id int
					var name string
					if err := sdb.QueryRowContext(benchCtx, query, i%1000+1).Scan(&id, &name); err != nil {
						b.Fatal(err)
					}
				}
			}
			interleave(b, names, reads)
		})
	}
}

// BenchmarkNoArgsInterleaved is BenchmarkNoArgs with both ways
// interleaved (see BenchmarkReadInterleaved), on the three databases.
func BenchmarkNoArgsInterleaved(b *testing.B) {
	for _, db := range []struct{ name, env, driver string }{
		{"pg", "AIODB_PG_DSN", "postgres"},
		{"mysql", "AIODB_MYSQL_DSN", "mysql"},
		{"sqlite", "", "sqlite"},
	} {
		b.Run("db="+db.name, func(b *testing.B) {
			var dsn string
			if db.env == "" {
				dsn = testenv.SQLiteDSN(b, "")
			} else {
				dsn = benchDSN(db.env)(b)
			}
			table := benchTable(b, db.driver, dsn)
			query := "SELECT id, name FROM " + table + " WHERE id = 7"
			text := benchOpen(b, db.driver, dsn, "")
			text.SetMaxOpenConns(1)
			prep := benchOpen(b, db.driver, dsn, "")
			prep.SetMaxOpenConns(1)
			st, err := prep.Prepare(query)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			var id int
			var name string
			interleave(b, []string{"text", "prepared"}, []func(int){
				func(int) {
					if err := text.QueryRow(query).Scan(&id, &name); err != nil {
						b.Fatal(err)
					}
				},
				func(int) {
					if err := st.QueryRow().Scan(&id, &name); err != nil {
						b.Fatal(err)
					}
				},
			})
		})
	}
}

var benchCtx = context.Background()

// interleave calls each fn once per round, in a new random order each
// round (a fixed order would let the same fn always follow the same
// other, whose server-side work can spill into the next query), and
// reports every fn's median duration in microseconds and its ratio to
// the median of fns[0].
func interleave(b *testing.B, names []string, fns []func(i int)) {
	for _, fn := range fns { // warm up: connect, prepare
		fn(0)
	}
	times := make([][]time.Duration, len(fns))
	rng := rand.New(rand.NewPCG(1, 2))
	order := make([]int, len(fns))
	for k := range order {
		order[k] = k
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rng.Shuffle(len(order), func(x, y int) { order[x], order[y] = order[y], order[x] })
		for _, j := range order {
			start := time.Now()
			fns[j](i)
			times[j] = append(times[j], time.Since(start))
		}
	}
	base := median(times[0])
	for k, name := range names {
		m := median(times[k])
		b.ReportMetric(float64(m.Nanoseconds())/1e3, name+"-us")
		if k > 0 && base > 0 {
			b.ReportMetric(float64(m)/float64(base), name+"/"+names[0]+"-x")
		}
	}
}
