package orm_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// relBackend is one database the relation and async-query tests run on.
type relBackend struct {
	name    string
	driver  string
	dsn     func(t *testing.T) string
	dialect *orm.Dialect // nil: the driver's
}

func relBackends() []relBackend {
	mysqlDSN := func(t *testing.T) string {
		dsn := testenv.MySQLDSN(t)
		if strings.Contains(dsn, "?") {
			return dsn + "&parseTime=true"
		}
		return dsn + "?parseTime=true"
	}
	return []relBackend{
		{name: "aiosqlite", driver: "aiosqlite", dsn: func(t *testing.T) string { return testenv.SQLiteDSN(t, "_pragma=foreign_keys(1)") }},
		{name: "aiopg", driver: "aiopg", dsn: func(t *testing.T) string { return testenv.PostgresDSN(t) }},
		{name: "aiopgx", driver: "aiopgx", dsn: func(t *testing.T) string { return testenv.PostgresDSN(t) }},
		{name: "aiomysql", driver: "aiomysql", dsn: mysqlDSN, dialect: orm.MariaDB},
	}
}

// relEach runs fn on every backend with a DB opened with opts.
func relEach(t *testing.T, fn func(t *testing.T, db *orm.DB), opts ...orm.Option) {
	for _, b := range relBackends() {
		t.Run(b.name, func(t *testing.T) {
			o := append([]orm.Option(nil), opts...)
			if b.dialect != nil {
				o = append(o, orm.WithDialect(b.dialect))
			}
			db, err := orm.Open(b.driver, b.dsn(t), o...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

type relDDL interface {
	CreateTableSQL(bool) ([]string, error)
	DropTableSQL(bool) string
}

// relCreate creates the models' tables, parents first (dropping leftovers
// children first), and drops them when the test ends. It runs its
// statements with aio.AllowSync, so it works under every guard mode.
func relCreate(t *testing.T, db *orm.DB, models ...relDDL) {
	t.Helper()
	ctx := aio.AllowSync(context.Background())
	drop := func() {
		for i := len(models) - 1; i >= 0; i-- {
			if _, err := db.SQLDB().ExecContext(ctx, models[i].DropTableSQL(true)); err != nil {
				t.Errorf("drop: %v", err)
			}
		}
	}
	drop()
	t.Cleanup(drop)
	for _, m := range models {
		stmts, err := m.CreateTableSQL(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
}

// relInsert inserts rows in batches small enough for every dialect.
func relInsert[T any](t *testing.T, ctx context.Context, m *orm.Model[T], rows []*T) {
	t.Helper()
	for len(rows) > 0 {
		n := min(len(rows), 500)
		if _, err := m.Insert(rows[:n]...).Exec(ctx); err != nil {
			t.Fatalf("insert into %s: %v", m.Table().Name, err)
		}
		rows = rows[n:]
	}
}

// relSettle waits until the number of goroutines is back to at most base
// and the pool has no connection in use, and fails the test if that does
// not happen within a few seconds (a leak).
func relSettle(t *testing.T, db *orm.DB, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, inUse := runtime.NumGoroutine(), db.SQLDB().Stats().InUse
		if n <= base && inUse == 0 {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("not settled: %d goroutines (want <= %d), %d connections in use\n%s", n, base, inUse, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
