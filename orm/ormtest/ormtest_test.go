package ormtest_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormtest"
)

type probe struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,size:40"`
}

// TableName is unique per process: other packages' tests share the servers.
func (probe) TableName() string { return fmt.Sprintf("ormtest_probe_%d", os.Getpid()) }

func open(t *testing.T, driverName, dsn string) (*orm.DB, *orm.Model[probe]) {
	t.Helper()
	// The strictest guard: only ormtest.Tx's AllowSync mark lets the
	// test's blocking calls through.
	db, err := orm.Open(driverName, dsn, orm.SyncMode(driver.SyncPanic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m, err := orm.NewModel[probe](db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := aio.AllowSync(context.Background())
	ddl, err := m.CreateTableSQL(false)
	if err != nil {
		t.Fatal(err)
	}
	drop := m.DropTableSQL(true)
	for _, q := range append([]string{drop}, ddl...) {
		if _, err := db.SQLDB().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		if _, err := db.SQLDB().ExecContext(ctx, drop); err != nil {
			t.Errorf("%s: %v", drop, err)
		}
	})
	return db, m
}

func TestTxRollsBack(t *testing.T) {
	// One driver per server, named after the server.
	for _, b := range testenv.SelectBackends(testenv.Named("aiosqlite", "aiopg", "aiomysql")) {
		t.Run(b.Server, func(t *testing.T) {
			db, m := open(t, b.Driver, b.DSN(t))
			outside := aio.AllowSync(context.Background())
			t.Run("test", func(t *testing.T) {
				ctx := ormtest.Tx(t, db)
				if _, err := m.Insert(&probe{Name: "a"}, &probe{Name: "b"}).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				if n, err := m.Select().Count(ctx); err != nil || n != 2 {
					t.Fatalf("count inside = %d, %v; want 2", n, err)
				}
				if n, err := m.Select().Count(outside); err != nil || n != 0 {
					t.Fatalf("count outside during the test = %d, %v; want 0", n, err)
				}
			})
			if n, err := m.Select().Count(outside); err != nil || n != 0 {
				t.Errorf("count after the test = %d, %v; want 0 (rolled back)", n, err)
			}
			if n := db.SQLDB().Stats().InUse; n != 0 {
				t.Errorf("%d connections in use after the test", n)
			}
		})
	}
}

// fakeTB records what Tx reports instead of failing the real test.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	fatal    []string
	errors   []string
	cleanups []func()
}

type fatalStop struct{}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.fatal = append(f.fatal, fmt.Sprintf(format, args...))
	f.mu.Unlock()
	panic(fatalStop{})
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func TestTxReportsFailures(t *testing.T) {
	db, m := open(t, "aiosqlite", testenv.SQLiteDSN(t, ""))

	// A rollback that works reports nothing.
	f := &fakeTB{}
	ctx := ormtest.Tx(f, db)
	if _, err := m.Insert(&probe{Name: "kept"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Savepoint(ctx, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if len(f.cleanups) != 1 {
		t.Fatalf("Tx registered %d cleanups, want 1", len(f.cleanups))
	}
	f.cleanups[0]()
	if len(f.errors) != 0 || len(f.fatal) != 0 {
		t.Errorf("cleanup reported %q %q", f.errors, f.fatal)
	}
	if n, err := m.Select().Count(aio.AllowSync(context.Background())); err != nil || n != 0 {
		t.Errorf("count after the cleanup = %d, %v; want 0", n, err)
	}

	// A DB that cannot begin fails the test at once.
	closed, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	f = &fakeTB{}
	func() {
		defer func() {
			if p := recover(); p != nil && p != (fatalStop{}) {
				panic(p)
			}
		}()
		ormtest.Tx(f, closed)
		t.Error("Tx returned although BEGIN failed")
	}()
	if len(f.fatal) != 1 || len(f.cleanups) != 0 {
		t.Errorf("Tx on a closed DB: fatal %q, %d cleanups; want one fatal, no cleanup", f.fatal, len(f.cleanups))
	}
}
