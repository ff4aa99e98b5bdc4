package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// The tests of MySQL/MariaDB specifics run on the MariaDB of
// AIODB_MYSQL_DSN. Their tables end in the process id, so that test runs
// sharing the server do not meet.

func myTable(name string) string { return fmt.Sprintf("my_%s_%d", name, os.Getpid()) }

// myOpen opens aiomysql on the test server with extra DSN parameters.
func myOpen(t *testing.T, params string, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := orm.Open("aiomysql", coreMySQLDSN(t, params), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// myServerReturning reports whether the test server is MariaDB 10.5 or
// later, asked without the ORM.
func myServerReturning(t *testing.T) bool {
	t.Helper()
	sqlDB, err := sql.Open("aiomysql", testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	var v string
	if err := sqlDB.QueryRowContext(driver.AllowSync(context.Background()), "SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	var major, minor int
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return strings.Contains(v, "MariaDB") && (major > 10 || major == 10 && minor >= 5)
}

// stmtLog records the SQL of every statement.
type stmtLog struct {
	hooks.Base
	mu   sync.Mutex
	sqls []string
}

func (l *stmtLog) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	l.mu.Lock()
	l.sqls = append(l.sqls, e.SQL)
	l.mu.Unlock()
}

// count returns how many statements started with prefix, and forgets them.
func (l *stmtLog) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.sqls {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	l.sqls = nil
	return n
}

// TestMySQLDialectDetected: Open and New on aiomysql pick MariaDB (with
// RETURNING) on MariaDB 10.5+, WithDialect wins, a strict sync guard does
// not trip on the probe, and a server that is down still opens, as MySQL.
func TestMySQLDialectDetected(t *testing.T) {
	want := orm.MySQL
	if myServerReturning(t) {
		want = orm.MariaDB
	}
	if db := myOpen(t, "aio_sync=panic"); db.Dialect() != want {
		t.Errorf("Open: dialect %s (InsertReturning %v), want %s", db.Dialect().Name, db.Dialect().InsertReturning, want.Name)
	}
	if db := myOpen(t, "", orm.WithDialect(orm.MySQL)); db.Dialect() != orm.MySQL {
		t.Errorf("WithDialect(MySQL) lost to the probe: InsertReturning %v", db.Dialect().InsertReturning)
	}
	sqlDB, err := sql.Open("aiomysql", coreMySQLDSN(t, "aio_sync=error"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	db, err := orm.New(sqlDB)
	if err != nil || db.Dialect() != want {
		t.Errorf("New: %v, %v", db, err)
	}

	start := time.Now()
	down, err := orm.Open("aiomysql", "root@tcp(127.0.0.1:1)/none?timeout=2s")
	if err != nil {
		t.Fatalf("Open with the server down: %v", err)
	}
	defer down.Close()
	if down.Dialect() != orm.MySQL {
		t.Errorf("server down: dialect %v, want the MySQL fallback", down.Dialect().InsertReturning)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open with the server down took %v", d)
	}
}

type myBulk struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,unique,size:40"`
	N    int
}

func (myBulk) TableName() string { return myTable("bulk") }

// TestMySQLBulkInsertIDs inserts 1,000 rows in one Insert and checks that
// every row got the key the server gave it: with RETURNING (MariaDB),
// with LastInsertId and consecutive keys (MySQL dialect, lock mode 1),
// and row by row when the keys would not be consecutive
// (auto_increment_increment=2 in the DSN, a session variable), each with
// interpolateParams on and off.
func TestMySQLBulkInsertIDs(t *testing.T) {
	returning := myServerReturning(t)
	cases := []struct {
		name    string
		params  string
		dialect *orm.Dialect
		inserts int // INSERT statements for the 1,000 rows
		step    int64
	}{
		{name: "auto", inserts: 1, step: 1},
		{name: "mysql", dialect: orm.MySQL, inserts: 1, step: 1},
		{name: "mysql-increment-2", params: "auto_increment_increment=2", dialect: orm.MySQL, inserts: 1000, step: 2},
	}
	for _, c := range cases {
		for _, interp := range []string{"interpolateParams=true", "interpolateParams=false"} {
			t.Run(c.name+"/"+interp, func(t *testing.T) {
				log := &stmtLog{}
				opts := []orm.Option{orm.WithHooks(log)}
				if c.dialect != nil {
					opts = append(opts, orm.WithDialect(c.dialect))
				}
				params := interp
				if c.params != "" {
					params += "&" + c.params
				}
				db := myOpen(t, params, opts...)
				if c.name == "auto" && db.Dialect().InsertReturning != returning {
					t.Fatalf("dialect %s: InsertReturning %v on a server with RETURNING %v", db.Dialect().Name, db.Dialect().InsertReturning, returning)
				}
				m := orm.MustModel[myBulk](db)
				coreCreate(t, db, m)
				ctx := context.Background()
				// A row first, so that keys do not start at 1.
				if _, err := m.Insert(&myBulk{Name: "first"}).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				rows := make([]*myBulk, 1000)
				for i := range rows {
					rows[i] = &myBulk{Name: fmt.Sprintf("row %d", i), N: i}
				}
				log.count("")
				n, err := m.Insert(rows...).Exec(ctx)
				if err != nil || n != 1000 {
					t.Fatalf("Insert: %d, %v", n, err)
				}
				if got := log.count("INSERT"); got != c.inserts {
					t.Errorf("%d INSERT statements, want %d", got, c.inserts)
				}
				got, err := m.Select().Where(orm.Ne("name", "first")).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				byName := map[string]int64{}
				for _, r := range got {
					byName[r.Name] = r.ID
				}
				for i, r := range rows {
					if r.ID == 0 || byName[r.Name] != r.ID {
						t.Fatalf("row %d (%s): key %d, the table says %d", i, r.Name, r.ID, byName[r.Name])
					}
					if i > 0 && r.ID-rows[i-1].ID != c.step {
						t.Fatalf("row %d: key %d after %d, want a step of %d", i, r.ID, rows[i-1].ID, c.step)
					}
				}
				// Row by row is all or nothing: a duplicate in the middle
				// leaves no row and no key behind.
				bad := []*myBulk{{Name: "new 1"}, {Name: "row 5"}, {Name: "new 2"}}
				if _, err := m.Insert(bad...).Exec(ctx); !errors.Is(err, orm.ErrIntegrity) {
					t.Fatalf("duplicate: %v, want ErrIntegrity", err)
				}
				for _, r := range bad {
					if r.ID != 0 {
						t.Errorf("%s kept key %d after the failed insert", r.Name, r.ID)
					}
				}
				if k, err := m.Select().Where(orm.In("name", []string{"new 1", "new 2"})).Count(ctx); err != nil || k != 0 {
					t.Errorf("rows of the failed insert: %d, %v", k, err)
				}
			})
		}
	}
}
