// Package sqlite registers aiodb's guarded driver "aiosqlite", over
// modernc.org/sqlite (pure Go, no cgo), with database/sql when it is
// imported:
//
//	import _ "github.com/aiodb/aiodb/driver/sqlite"
//
//	db, err := sql.Open("aiosqlite", "file:app.db?aio_sync=panic")
//
// aiosqlite adds what a pool of connections to one SQLite database needs
// to be used concurrently (busy timeout, foreign keys, WAL, immediate
// transactions) unless the DSN sets it, and keeps an in-memory database
// alive while its *sql.DB is open; see "SQLite defaults" in package
// driver's documentation.
package sqlite

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	msqlite "modernc.org/sqlite"

	aiodriver "github.com/aiodb/aiodb/driver"
)

func init() {
	aiodriver.Register(aiodriver.Backend{
		Name:      "aiosqlite",
		Dialect:   aiodriver.DialectSQLite,
		Driver:    sqliteDriver(),
		Connector: openSQLite,
		Cache:     aiodriver.CachePolicy{NoArgs: true},
	})
}

// sqliteDriver returns modernc's package-level driver, the one its
// package-level RegisterFunction and friends add to.
func sqliteDriver() driver.Driver {
	c, err := msqlite.NewConnector(":memory:")
	if err != nil {
		panic("aiodb: modernc.org/sqlite: " + err.Error())
	}
	return c.Driver()
}

// sqliteDefault is one setting aiosqlite adds to a DSN that does not make
// it itself. keys are the DSN keys of modernc.org/sqlite that set it, and
// pragma the PRAGMA name that a _pragma=name(...) option sets it with.
type sqliteDefault struct {
	keys   []string
	pragma string
	add    string // the query option added, already escaped
	file   bool   // only for databases in a file (WAL needs shared memory)
}

// sqliteDefaults are what a pool of connections to one SQLite database
// needs to be used concurrently; see "SQLite defaults" in the package
// documentation.
var sqliteDefaults = []sqliteDefault{
	{keys: []string{"_busy_timeout", "_timeout"}, pragma: "busy_timeout", add: fmt.Sprintf("_pragma=busy_timeout(%d)", aiodriver.SQLiteBusyTimeoutMillis)},
	{keys: []string{"_foreign_keys", "_fk"}, pragma: "foreign_keys", add: "_pragma=foreign_keys(1)"},
	{keys: []string{"_journal_mode", "_journal"}, pragma: "journal_mode", add: "_pragma=journal_mode(WAL)", file: true},
	// NORMAL is safe under WAL only: it is added when WAL is.
	{keys: []string{"_synchronous", "_sync"}, pragma: "synchronous", add: "_pragma=synchronous(NORMAL)", file: true},
	{keys: []string{"_txlock"}, add: "_txlock=immediate"},
}

// openSQLite is aiosqlite's connector: modernc.org/sqlite's, on the DSN
// with the defaults added, and for an in-memory database one that keeps
// the database alive while the *sql.DB is open.
func openSQLite(dsn string) (driver.Connector, error) {
	inner, memory, err := sqliteDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := msqlite.NewConnector(inner)
	if err != nil {
		return nil, err
	}
	if !memory {
		return c, nil
	}
	return &memoryConnector{Connector: c}, nil
}

// memoryDBs numbers the private in-memory databases of this process.
var memoryDBs atomic.Uint64

// sqliteDSN returns dsn with the defaults it does not set itself added,
// and whether it names an in-memory database.
//
// An in-memory database (":memory:", "", "file::memory:", mode=memory)
// is one per connection in SQLite, so a pool of them would see as many
// databases as it has connections. sqliteDSN names it instead in SQLite's
// memdb VFS, where every connection with the same name shares one
// database with ordinary locking: a private database gets a name of its
// own, one shared by name (cache=shared) keeps its name, without the
// shared cache, whose table locks fail at once with SQLITE_LOCKED instead
// of waiting as busy_timeout does.
func sqliteDSN(dsn string) (string, bool, error) {
	path, query := dsn, ""
	if i := strings.IndexByte(dsn, '?'); i >= 0 {
		path, query = dsn[:i], dsn[i+1:]
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", false, fmt.Errorf("aiodb: aiosqlite DSN %q: bad query: %w", dsn, err)
	}
	name := strings.TrimPrefix(path, "file:")
	memory := q.Get("vfs") == "memdb"
	if !memory && (name == "" || name == ":memory:" || q.Get("mode") == "memory") {
		if q.Get("vfs") != "" {
			return "", false, fmt.Errorf("aiodb: aiosqlite DSN %q: an in-memory database cannot use vfs=%s", dsn, q.Get("vfs"))
		}
		memory = true
		shared := strings.EqualFold(q.Get("cache"), "shared")
		if shared {
			name = "/aiodb-shared-" + url.PathEscape(name)
		} else {
			name = fmt.Sprintf("/aiodb-memory-%d", memoryDBs.Add(1))
		}
		// The query is rebuilt without the options memdb replaces; the
		// others keep their order.
		query = dropQueryKeys(query, "mode", "cache")
		path = "file:" + name
		if query != "" {
			query = "vfs=memdb&" + query
		} else {
			query = "vfs=memdb"
		}
	}
	var add []string
	wal := false
	for _, d := range sqliteDefaults {
		switch {
		case d.file && memory, setsSQLite(q, d):
			continue
		case d.pragma == "synchronous" && !wal:
			continue
		}
		wal = wal || d.pragma == "journal_mode"
		add = append(add, d.add)
	}
	if len(add) > 0 {
		if query != "" {
			query += "&"
		}
		query += strings.Join(add, "&")
	}
	if query == "" {
		return path, memory, nil
	}
	return path + "?" + query, memory, nil
}

// setsSQLite reports whether the DSN's options q make the setting d.
func setsSQLite(q url.Values, d sqliteDefault) bool {
	for _, k := range d.keys {
		if _, ok := q[k]; ok {
			return true
		}
	}
	if d.pragma == "" {
		return false
	}
	for _, p := range q["_pragma"] {
		p = strings.ToLower(strings.TrimSpace(p))
		if rest, ok := strings.CutPrefix(p, d.pragma); ok {
			if rest = strings.TrimSpace(rest); rest == "" || rest[0] == '(' || rest[0] == '=' {
				return true
			}
		}
	}
	return false
}

// dropQueryKeys returns the query without the options named keys, the
// others unchanged and in order.
func dropQueryKeys(query string, keys ...string) string {
	if query == "" {
		return ""
	}
	parts := strings.Split(query, "&")
	kept := parts[:0]
	for _, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(k); err == nil {
			drop := false
			for _, key := range keys {
				drop = drop || k == key
			}
			if drop {
				continue
			}
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

// memoryConnector keeps one connection of an in-memory database open
// from the first Connect to Close, so that the database lives as long as
// the *sql.DB: SQLite frees it with its last connection, which database/sql
// may close at any time (idle limits, lifetimes, a bad connection).
type memoryConnector struct {
	driver.Connector
	mu     sync.Mutex
	keeper driver.Conn
	closed bool
}

// Connect opens a connection, the keeper first.
func (m *memoryConnector) Connect(ctx context.Context) (driver.Conn, error) {
	m.mu.Lock()
	if m.keeper == nil && !m.closed {
		k, err := m.Connector.Connect(ctx)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		m.keeper = k
	}
	m.mu.Unlock()
	return m.Connector.Connect(ctx)
}

// Close closes the keeper, which frees the database once the pool's own
// connections are closed too; database/sql calls it from (*sql.DB).Close.
func (m *memoryConnector) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	var err error
	if m.keeper != nil {
		err = m.keeper.Close()
		m.keeper = nil
	}
	if c, ok := m.Connector.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}
