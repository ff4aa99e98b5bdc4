package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Backend is one database driver as this package wraps it: the inner
// driver and what only that driver knows. The packages driver/pg
// ("aiopg", lib/pq), driver/pgx ("aiopgx", pgx), driver/mysql
// ("aiomysql", go-sql-driver/mysql) and driver/sqlite ("aiosqlite",
// modernc.org/sqlite) each register one with Register when they are
// imported, so that a program links only the drivers it imports;
// driver/all imports the four.
//
// Every field but Name and Driver may be left zero: the wrapper then does
// without what it would give.
type Backend struct {
	// Name is the name the guarded driver is registered under with
	// database/sql, and its Options.Name.
	Name string
	// Dialect is one of DialectPostgres, DialectMySQL, DialectSQLite.
	Dialect string
	// Driver is the inner driver.
	Driver driver.Driver
	// Connector makes the inner connector from a DSN without its aio_*
	// options. Nil uses Driver's OpenConnector, or Open.
	Connector func(dsn string) (driver.Connector, error)
	// CacheSize gives the statement cache size that StmtCacheSize < 0
	// stands for, from the DSN. Nil means DefaultStmtCacheSize.
	CacheSize func(dsn string) int
	// Cache is what the statement cache knows of the driver.
	Cache CachePolicy
	// StaleStatement reports whether err says that the server no longer
	// accepts a prepared statement, though preparing it again would work
	// (the cache then prepares it again). PostgreSQL's SQLSTATEs are
	// known without it.
	StaleStatement func(err error) bool
	// Interrupted reports whether err is the server's answer that it
	// stopped a statement on request, beyond SQLSTATE 57014 and SQLite's
	// SQLITE_INTERRUPT, which are known without it.
	Interrupted func(err error) bool
	// ConnLost reports whether err, beyond driver.ErrBadConn, means the
	// connection broke in the middle of a statement (go-sql-driver/mysql's
	// ErrInvalidConn). IsConnLost asks it.
	ConnLost func(err error) bool
	// ErrorNumber returns the server's number of an error (MySQL's 1062),
	// false when err carries none. ErrorNumber asks it.
	ErrorNumber func(err error) (int, bool)
	// Postgres is set by the PostgreSQL drivers, for CopyFrom, SendBatch
	// and Listener.
	Postgres *PostgresBackend
}

// CachePolicy is what the statement cache knows of an inner driver.
type CachePolicy struct {
	// ServerStatements: the driver's statements live on a server that
	// frees them with the session, so closing a connection need not
	// close its cached statements one by one.
	ServerStatements bool
	// NoArgs: statements without arguments are cached too (from their
	// second use), because a prepared statement returns the same values
	// as the driver's own path and runs faster.
	NoArgs bool
	// BadConnAfterSend: the driver answers driver.ErrBadConn also when a
	// statement may have reached the server (lib/pq), so the wrapper turns
	// that answer into ErrConnLost and checks idle sockets before reuse
	// instead (see connlost.go).
	BadConnAfterSend bool
}

// PostgresBackend is how a PostgreSQL driver runs COPY, batches and
// LISTEN, which database/sql has no calls for.
type PostgresBackend struct {
	// Native returns the driver's own connection under an inner
	// connection (pgx's *pgx.Conn), false when it has none. With one,
	// CopyFrom, SendBatch and the Listener's waits use it; without,
	// CopyFrom runs COPY FROM STDIN through the driver's statements (as
	// lib/pq's CopyIn does), SendBatch fails with ErrNoBatch and the
	// Listener needs SetNotificationHandler.
	Native func(inner driver.Conn) (NativeConn, bool)
	// SetNotificationHandler makes the inner connection pass each
	// notification it reads to fn (nil: stop), for the Listener of a
	// driver without Native (lib/pq).
	SetNotificationHandler func(inner driver.Conn, fn func(*Notification))
}

// NativeConn is a PostgreSQL driver's own connection (pgx's), as
// PostgresBackend.Native gives it.
type NativeConn interface {
	// CopyFrom copies rows into table (its name split at a dot, each
	// part unquoted) with COPY FROM STDIN and returns how many it copied.
	CopyFrom(ctx context.Context, table []string, columns []string, rows CopyFromSource) (int64, error)
	// SendBatch sends the statements in one round trip; the results are
	// read in order.
	SendBatch(ctx context.Context, stmts []BatchStatement) BatchResults
	// WaitForNotification waits for a notification of a LISTEN the
	// connection ran.
	WaitForNotification(ctx context.Context) (*Notification, error)
	// IsClosed reports whether the connection is closed (for a driver
	// whose connections lack driver.Validator).
	IsClosed() bool
}

// BatchStatement is one statement of a batch, as NativeConn.SendBatch
// gets it.
type BatchStatement struct {
	SQL  string
	Args []any
}

// BatchResults reads the results of NativeConn.SendBatch in order.
type BatchResults interface {
	// Exec reads the next statement's result: the rows it affected.
	Exec() (int64, error)
	// Close reads what is left and ends the batch.
	Close() error
}

var backends struct {
	sync.RWMutex
	m map[string]*Driver
}

// Register registers b's guarded driver with database/sql under b.Name
// and makes OpenConnector know it. The driver packages call it from
// their init. It panics, as sql.Register does, when b has no Name or
// Driver or when the name is registered twice.
func Register(b Backend) {
	if b.Name == "" || b.Driver == nil {
		panic("aiodb: driver.Register: a Backend needs a Name and a Driver")
	}
	d := &Driver{inner: b.Driver, opts: Options{Name: b.Name, Dialect: b.Dialect, StmtCacheSize: -1}, be: &b}
	backends.Lock()
	if backends.m == nil {
		backends.m = map[string]*Driver{}
	}
	if _, dup := backends.m[b.Name]; dup {
		backends.Unlock()
		panic("aiodb: driver.Register called twice for " + b.Name)
	}
	backends.m[b.Name] = d
	backends.Unlock()
	sql.Register(b.Name, d)
}

// The driver packages and the names they register.
var driverPackages = map[string]string{
	"aiopg":     "github.com/aiodb/aiodb/driver/pg",
	"aiopgx":    "github.com/aiodb/aiodb/driver/pgx",
	"aiomysql":  "github.com/aiodb/aiodb/driver/mysql",
	"aiosqlite": "github.com/aiodb/aiodb/driver/sqlite",
}

// registered returns the guarded driver registered under name, or an
// error that says which package to import.
func registered(name string) (*Driver, error) {
	backends.RLock()
	d := backends.m[name]
	backends.RUnlock()
	if d != nil {
		return d, nil
	}
	if pkg, ok := driverPackages[name]; ok {
		return nil, fmt.Errorf("driver %q is not registered: import _ %q (or github.com/aiodb/aiodb/driver/all)", name, pkg)
	}
	return nil, fmt.Errorf("unknown driver %q (want one of %s)", name, knownNames())
}

func knownNames() string {
	names := make([]string, 0, len(driverPackages))
	for n := range driverPackages {
		names = append(names, n)
	}
	backends.RLock()
	for n := range backends.m {
		if _, ok := driverPackages[n]; !ok {
			names = append(names, n)
		}
	}
	backends.RUnlock()
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// eachBackend calls fn for the registered backends until it returns true.
func eachBackend(fn func(b *Backend) bool) bool {
	backends.RLock()
	defer backends.RUnlock()
	for _, d := range backends.m {
		if fn(d.be) {
			return true
		}
	}
	return false
}

// ErrorNumber returns the server's error number that err carries (a
// MySQL error's, such as 1062 for a duplicate key), asking each
// registered driver; false when none knows one.
func ErrorNumber(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	var n int
	ok := eachBackend(func(b *Backend) bool {
		if b.ErrorNumber == nil {
			return false
		}
		var ok bool
		n, ok = b.ErrorNumber(err)
		return ok
	})
	return n, ok
}

// IsConnLost reports whether err means that a connection broke in the
// middle of a statement: it matches ErrConnLost, or a registered driver's
// Backend.ConnLost says so.
func IsConnLost(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrConnLost) {
		return true
	}
	return eachBackend(func(b *Backend) bool { return b.ConnLost != nil && b.ConnLost(err) })
}

// wrappedBackend is the Backend of a driver made with Wrap or
// NewConnector around inner: noBackend, with the PostgreSQL extras
// (COPY, batches, LISTEN) of the registered driver whose inner driver
// has inner's type (lib/pq wrapped by hand keeps its CopyFrom and
// Listener). The rest of that Backend (its connector, cache policy and
// DSN defaults) is aiopg's own and is left out: Wrap adds the guard and
// hooks only.
func wrappedBackend(inner driver.Driver) *Backend {
	var pg *PostgresBackend
	eachBackend(func(b *Backend) bool {
		if b.Postgres != nil && reflect.TypeOf(b.Driver) == reflect.TypeOf(inner) {
			pg = b.Postgres
			return true
		}
		return false
	})
	if pg == nil {
		return noBackend
	}
	be := *noBackend
	be.Postgres = pg
	return &be
}

// SQLiteBusyTimeoutMillis is the busy timeout aiosqlite sets on every
// connection unless the DSN sets one: how long a statement waits for a
// lock another connection holds before failing with SQLITE_BUSY. The wait
// also ends when the statement's context does.
const SQLiteBusyTimeoutMillis = 5000

// noBackend is the Backend of a driver made with Wrap or NewConnector,
// whose inner driver may be any (go-sqlmock's standing in for MySQL, say):
// it knows the errors every registered driver knows.
var noBackend = &Backend{
	StaleStatement: func(err error) bool {
		return eachBackend(func(b *Backend) bool { return b.StaleStatement != nil && b.StaleStatement(err) })
	},
	Interrupted: func(err error) bool {
		return eachBackend(func(b *Backend) bool { return b.Interrupted != nil && b.Interrupted(err) })
	},
}
