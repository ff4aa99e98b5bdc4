package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func TestSQLiteDSNDefaults(t *testing.T) {
	const all = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	const memory = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	cases := []struct {
		dsn, want string
		memory    bool
	}{
		{"file:demo.db", "file:demo.db?" + all, false},
		{"demo.db", "demo.db?" + all, false},
		{"/tmp/x/demo.db?_time_format=sqlite", "/tmp/x/demo.db?_time_format=sqlite&" + all, false},
		// What the DSN sets itself is left alone, in either spelling.
		{"file:d.db?_pragma=busy_timeout(100)", "file:d.db?_pragma=busy_timeout(100)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate", false},
		{"file:d.db?_busy_timeout=100&_fk=0", "file:d.db?_busy_timeout=100&_fk=0&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate", false},
		{"file:d.db?_pragma=FOREIGN_KEYS = off", "file:d.db?_pragma=FOREIGN_KEYS = off&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate", false},
		// synchronous=NORMAL comes only with the WAL aiosqlite turns on.
		{"file:d.db?_pragma=journal_mode(DELETE)", "file:d.db?_pragma=journal_mode(DELETE)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate", false},
		{"file:d.db?_txlock=deferred", "file:d.db?_txlock=deferred&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", false},
		// A pragma whose name starts like a default's is not that default.
		{"file:d.db?_pragma=foreign_keys_extra(1)", "file:d.db?_pragma=foreign_keys_extra(1)&" + all, false},
		// In memory: shared by name in memdb, no WAL.
		{":memory:", "file:/aiodb-memory-N?vfs=memdb&" + memory, true},
		{"", "file:/aiodb-memory-N?vfs=memdb&" + memory, true},
		{"file::memory:?_time_format=sqlite", "file:/aiodb-memory-N?vfs=memdb&_time_format=sqlite&" + memory, true},
		{"file:x?mode=memory", "file:/aiodb-memory-N?vfs=memdb&" + memory, true},
		{"file::memory:?cache=shared", "file:/aiodb-shared-:memory:?vfs=memdb&" + memory, true},
		{"file:cache1?mode=memory&cache=shared&_fk=0", "file:/aiodb-shared-cache1?vfs=memdb&_fk=0&_pragma=busy_timeout(5000)&_txlock=immediate", true},
		{"file:/mine?vfs=memdb", "file:/mine?vfs=memdb&" + memory, true},
	}
	for _, c := range cases {
		got, memory, err := sqliteDSN(c.dsn)
		if err != nil {
			t.Errorf("sqliteDSN(%q): %v", c.dsn, err)
			continue
		}
		if i := strings.Index(got, "/aiodb-memory-"); i >= 0 {
			j := i + len("/aiodb-memory-")
			k := strings.IndexByte(got[j:], '?')
			got = got[:j] + "N" + got[j+k:]
		}
		if got != c.want || memory != c.memory {
			t.Errorf("sqliteDSN(%q)\n got %q, memory %v\nwant %q, memory %v", c.dsn, got, memory, c.want, c.memory)
		}
	}
	if _, _, err := sqliteDSN(":memory:?vfs=unix"); err == nil || !strings.Contains(err.Error(), "vfs=unix") {
		t.Errorf("in-memory with another vfs: err = %v, want one naming vfs=unix", err)
	}
	a, _, _ := sqliteDSN(":memory:")
	b, _, _ := sqliteDSN(":memory:")
	if a == b {
		t.Errorf("two :memory: DSNs share one database name %q", a)
	}
}

// TestSQLiteMemorySharedByPool: every connection of a pool on ":memory:"
// sees one database, which lives until the *sql.DB is closed, and two
// *sql.DBs on ":memory:" see two.
func TestSQLiteMemorySharedByPool(t *testing.T) {
	ctx := aiodriver.AllowSync(context.Background())
	db, err := sql.Open("aiosqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(3)
	c1, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	c2, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatalf("second connection of the pool: %v", err)
	}
	c1.Close()
	c2.Close()
	// database/sql may close every connection of the pool; the data stays.
	db.SetMaxIdleConns(-1)
	db.SetMaxIdleConns(2)
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after the pool's connections closed: n = %d, err = %v; want 1 row", n, err)
	}

	other, err := sql.Open("aiosqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ExecContext(ctx, "SELECT count(*) FROM t"); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("a second :memory: DB sees the first's table: err = %v", err)
	}
}

// TestSQLiteDefaultsOnConnection reads back what each connection got.
func TestSQLiteDefaultsOnConnection(t *testing.T) {
	ctx := aiodriver.AllowSync(context.Background())
	file := "file:" + filepath.Join(t.TempDir(), "d.db")
	for _, c := range []struct {
		dsn            string
		busy, fk, sync int
		journal        string
		description    string
	}{
		{dsn: file, busy: aiodriver.SQLiteBusyTimeoutMillis, fk: 1, sync: 1, journal: "wal", description: "file, defaults"},
		{dsn: file + "?_pragma=foreign_keys(0)&_pragma=busy_timeout(7)", busy: 7, fk: 0, sync: 1, journal: "wal", description: "file, own settings"},
		{dsn: ":memory:", busy: aiodriver.SQLiteBusyTimeoutMillis, fk: 1, sync: 2, journal: "memory", description: "memory"},
	} {
		db, err := sql.Open("aiosqlite", c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var busy, fk, sync int
		var journal string
		for pragma, dest := range map[string]any{"busy_timeout": &busy, "foreign_keys": &fk, "synchronous": &sync, "journal_mode": &journal} {
			if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(dest); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", c.description, pragma, err)
			}
		}
		if busy != c.busy || fk != c.fk || sync != c.sync || journal != c.journal {
			t.Errorf("%s: busy_timeout %d, foreign_keys %d, synchronous %d, journal_mode %s; want %d, %d, %d, %s",
				c.description, busy, fk, sync, journal, c.busy, c.fk, c.sync, c.journal)
		}
		db.Close()
	}
}

// TestSQLiteImmediateTransactions: a transaction takes the write lock at
// BEGIN, so a second writer waits at its own BEGIN (bounded by its
// context) instead of failing later on a lock upgrade; a read-only
// transaction takes no lock.
func TestSQLiteImmediateTransactions(t *testing.T) {
	ctx := aiodriver.AllowSync(context.Background())
	db, err := sql.Open("aiosqlite", "file:"+filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)"); err != nil {
		t.Fatal(err)
	}
	first, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	ro, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only BEGIN while a writer holds the lock: %v", err)
	}
	ro.Rollback()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = db.BeginTx(short, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second BEGIN while the first holds the write lock: err = %v, want the context's deadline", err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Fatalf("second BEGIN returned after %v; want about its 50ms deadline", waited)
	}
}
