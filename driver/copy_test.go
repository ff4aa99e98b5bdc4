package driver_test

import (
	"context"
	"crypto/md5"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
)

// copyRows returns n rows (id, name, v) and the md5 of the names joined
// in id order, as string_agg(name, ',' ORDER BY id) gives it.
func copyRows(n int) ([][]any, string) {
	rows := make([][]any, n)
	names := make([]string, n)
	for i := range rows {
		names[i] = fmt.Sprintf("row-%d\t\"q\"\\%d", i, i*7) // a tab, quotes and a backslash: COPY's escapes
		rows[i] = []any{i + 1, names[i], int64(i) * 3}
	}
	sum := md5.Sum([]byte(strings.Join(names, ",")))
	return rows, hex.EncodeToString(sum[:])
}

// tableSums returns the count, sum(v) and the md5 of the names of table.
func tableSums(t *testing.T, db *sql.DB, table string) (n, sum int64, digest string) {
	t.Helper()
	err := db.QueryRowContext(allow, "SELECT count(*), coalesce(sum(v), 0), coalesce(md5(string_agg(name, ',' ORDER BY id)), '') FROM "+table).Scan(&n, &sum, &digest)
	if err != nil {
		t.Fatal(err)
	}
	return n, sum, digest
}

func createCopyTable(t *testing.T, db *sql.DB) string {
	t.Helper()
	table := cpTable()
	mustExec(t, db, "CREATE TABLE "+table+" (id int PRIMARY KEY, name text NOT NULL, v bigint)")
	dropLater(t, db, table)
	return table
}

// countingSource counts the rows asked of it.
type countingSource struct {
	aiodriver.CopyFromSource
	next int
}

func (s *countingSource) Next() bool { s.next++; return s.CopyFromSource.Next() }

func TestCopyFrom(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			h := &stmtLog{}
			db := openStrictPG(t, name, h)
			table := createCopyTable(t, db)
			cols := []string{"id", "name", "v"}
			rows, digest := copyRows(10000)
			ctx := aiodriver.MarkAsync(context.Background())

			// A sync context on a strict pool: refused before anything is
			// sent, the source untouched.
			h.reset()
			src := &countingSource{CopyFromSource: aiodriver.CopyFromRows(rows)}
			if _, err := aiodriver.CopyFrom(context.Background(), db, table, cols, src); !errors.Is(err, aiodriver.ErrSyncCall) {
				t.Fatalf("sync CopyFrom: %v, want ErrSyncCall", err)
			}
			if src.next != 0 || len(h.lines()) != 0 || h.violations != 1 {
				t.Fatalf("refused COPY: source read %d times, events %q, violations %d", src.next, h.lines(), h.violations)
			}
			if n, _, _ := tableSums(t, db, table); n != 0 {
				t.Fatalf("%d rows landed after a refused COPY", n)
			}

			h.reset()
			n, err := aiodriver.CopyFrom(ctx, db, table, cols, aiodriver.CopyFromRows(rows))
			if err != nil || n != 10000 {
				t.Fatalf("CopyFrom: %d, %v", n, err)
			}
			gotN, gotSum, gotDigest := tableSums(t, db, table)
			if wantSum := int64(3 * 9999 * 10000 / 2); gotN != 10000 || gotSum != wantSum || gotDigest != digest {
				t.Fatalf("table holds %d rows, sum %d, md5 %s; want 10000, %d, %s", gotN, gotSum, gotDigest, wantSum, digest)
			}
			wantSQL := fmt.Sprintf(`COPY "%s" ("id", "name", "v") FROM STDIN`, table)
			ends := h.endEvents()
			// The count query above is the second event.
			if len(ends) != 2 || ends[0].SQL != wantSQL || ends[0].Rows != 10000 || ends[0].Kind != hooks.StmtExec || ends[0].Err != nil || !ends[0].Async || ends[0].Driver != name {
				t.Fatalf("events %q; want one COPY of 10000 rows first", h.lines())
			}
			if l := h.lines(); l[0] != "start "+wantSQL {
				t.Fatalf("events %q", l)
			}

			// A failing row: an error, no row left behind, the hooks see it.
			h.reset()
			bad := [][]any{{20001, "a", 1}, {20002, nil, 2}} // name is NOT NULL
			if _, err := aiodriver.CopyFrom(ctx, db, table, cols, aiodriver.CopyFromRows(bad)); err == nil {
				t.Fatal("COPY of a NULL into a NOT NULL column succeeded")
			}
			if ends := h.endEvents(); len(ends) != 1 || ends[0].Err == nil || ends[0].Rows != -1 {
				t.Fatalf("failed COPY events %q", h.lines())
			}
			// A failing source: the same.
			i := 0
			failing := aiodriver.CopyFromFunc(func() ([]any, error) {
				if i++; i > 5 {
					return nil, errors.New("source broke")
				}
				return []any{30000 + i, "x", 1}, nil
			})
			if _, err := aiodriver.CopyFrom(ctx, db, table, cols, failing); err == nil || !strings.Contains(err.Error(), "source broke") {
				t.Fatalf("failing source: %v", err)
			}
			if n, _, _ := tableSums(t, db, table); n != 10000 {
				t.Fatalf("%d rows after failed COPYs, want 10000", n)
			}

			// An ended context: its error.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := aiodriver.CopyFrom(cctx, db, table, cols, aiodriver.CopyFromRows(bad[:1])); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled CopyFrom: %v", err)
			}
		})
	}
}

// A COPY on a *sql.Conn joins the transaction begun on it: rolled back,
// nothing lands; committed, the rows do. A failing COPY inside it on
// aiopg leaves the transaction usable (a savepoint).
func TestCopyFromConnTx(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			h := &stmtLog{}
			db := openStrictPG(t, name, h)
			table := createCopyTable(t, db)
			cols := []string{"id", "name", "v"}
			rows, _ := copyRows(100)
			ctx := aiodriver.MarkAsync(context.Background())
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			for _, commit := range []bool{false, true} {
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback() // before conn.Close, which waits for it
				h.reset()
				if n, err := aiodriver.CopyFrom(ctx, conn, table, cols, aiodriver.CopyFromRows(rows)); err != nil || n != 100 {
					t.Fatalf("CopyFrom in tx: %d %v", n, err)
				}
				if e := h.endEvents(); len(e) != 1 || !e[0].InTx {
					t.Fatalf("events %q: want one COPY in a transaction", h.lines())
				}
				var inTx int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&inTx); err != nil || inTx != 100 {
					t.Fatalf("count inside the transaction: %d %v", inTx, err)
				}
				if commit {
					err = tx.Commit()
				} else {
					err = tx.Rollback()
				}
				if err != nil {
					t.Fatal(err)
				}
				want := int64(0)
				if commit {
					want = 100
				}
				if n, _, _ := tableSums(t, db, table); n != want {
					t.Fatalf("commit=%v: %d rows, want %d", commit, n, want)
				}
			}
			if name == "aiopg" {
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				// The ids are taken: the COPY fails, its savepoint is
				// rolled back, and the transaction goes on.
				if _, err := aiodriver.CopyFrom(ctx, conn, table, cols, aiodriver.CopyFromRows(rows[:1])); err == nil {
					t.Fatal("duplicate COPY succeeded")
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" VALUES (500, 'after', 0)"); err != nil {
					t.Fatalf("transaction after a failed COPY: %v", err)
				}
			}
		})
	}
}

// Under SyncPanic a sync CopyFrom panics with the *SyncCallError, and the
// pool keeps its connection.
func TestCopyFromSyncPanic(t *testing.T) {
	for _, name := range pgDrivers {
		t.Run(name, func(t *testing.T) {
			db := openDB(t, name, testenv.PostgresDSN(t), func(o *aiodriver.Options) { o.Sync = aiodriver.SyncPanic })
			db.SetMaxOpenConns(1)
			table := createCopyTable(t, db)
			for range 3 {
				func() {
					defer func() {
						if e, ok := recover().(*aiodriver.SyncCallError); !ok || e.Mode != aiodriver.SyncPanic || !strings.HasPrefix(e.SQL, "COPY ") {
							t.Fatalf("recovered %v", e)
						}
					}()
					aiodriver.CopyFrom(context.Background(), db, table, []string{"id", "name"}, aiodriver.CopyFromRows([][]any{{1, "a"}}))
				}()
			}
			if n, _, _ := tableSums(t, db, table); n != 0 { // the one connection is back in the pool
				t.Fatalf("%d rows", n)
			}
		})
	}
}

// Elsewhere CopyFrom fails at once, naming the driver.
func TestCopyFromNotPostgres(t *testing.T) {
	db := openDB(t, "aiosqlite", testenv.SQLiteDSN(t, ""), nil)
	_, err := aiodriver.CopyFrom(allow, db, "t", []string{"a"}, aiodriver.CopyFromRows(nil))
	if !errors.Is(err, aiodriver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiosqlite") {
		t.Fatalf("aiosqlite: %v", err)
	}
	conn, err := db.Conn(allow)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = aiodriver.CopyFrom(allow, conn, "t", []string{"a"}, aiodriver.CopyFromRows(nil))
	if !errors.Is(err, aiodriver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiosqlite") {
		t.Fatalf("aiosqlite conn: %v", err)
	}
	if _, err := aiodriver.CopyFrom(allow, db, "t", nil, aiodriver.CopyFromRows(nil)); err == nil {
		t.Fatal("no columns: no error")
	}
}

// TestCopyFromWrapped: lib/pq and pgx wrapped by hand (Wrap,
// NewConnector) keep COPY, through the extras of the registered driver
// of the same inner driver; and CopyFromFunc's rows arrive.
func TestCopyFromWrapped(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for name, db := range map[string]*sql.DB{
		"Wrap(pq.Driver{})": sql.OpenDB(mustConnector(t, aiodriver.Wrap(pq.Driver{}, aiodriver.Options{}), dsn)),
		"NewConnector(pgx)": sql.OpenDB(aiodriver.NewConnector(mustConnector(t, stdlib.GetDefaultDriver().(driver.DriverContext), dsn), aiodriver.Options{})),
	} {
		t.Run(name, func(t *testing.T) {
			defer db.Close()
			table := createCopyTable(t, db)
			i := 0
			next := func() ([]any, error) {
				if i++; i > 3 {
					return nil, nil
				}
				return []any{i, fmt.Sprint("r", i), int64(i)}, nil
			}
			n, err := aiodriver.CopyFrom(allow, db, table, []string{"id", "name", "v"}, aiodriver.CopyFromFunc(next))
			if err != nil || n != 3 {
				t.Fatalf("CopyFrom: %d, %v", n, err)
			}
			if got, sum, _ := tableSums(t, db, table); got != 3 || sum != 6 {
				t.Fatalf("table has %d rows, sum %d; want 3, 6", got, sum)
			}
		})
	}
}

func mustConnector(t *testing.T, d driver.DriverContext, dsn string) driver.Connector {
	t.Helper()
	c, err := d.OpenConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCopyFromMySQL(t *testing.T) {
	db := openDB(t, "aiomysql", testenv.MySQLDSN(t), nil)
	_, err := aiodriver.CopyFrom(allow, db, "t", []string{"a"}, aiodriver.CopyFromRows(nil))
	if !errors.Is(err, aiodriver.ErrNotPostgres) || !strings.Contains(err.Error(), "aiomysql") {
		t.Fatalf("aiomysql: %v", err)
	}
}

func TestCopySQL(t *testing.T) {
	if got, want := aiodriver.CopySQL(`s.we"ird`, []string{"a", "B"}), `COPY "s"."we""ird" ("a", "B") FROM STDIN`; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}
