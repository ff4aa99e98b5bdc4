package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"

	"testing"

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
