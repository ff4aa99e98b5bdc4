package driver

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
	"modernc.org/sqlite"

	"github.com/aiodb/aiodb/hooks"
)

// Options configures a guarded driver or connector. The zero value is
// valid: no name, no dialect, SyncAllow, no hooks, slog.Default(), no
// statement cache.
type Options struct {
	// Name is reported in connection events (hooks.ConnEvent.Driver) and
	// in warn-mode log lines, e.g. "aiopg".
	Name string
	// Dialect is one of DialectPostgres, DialectMySQL, DialectSQLite, or
	// "" when unknown; (*Driver).Dialect reports it so that DialectOf
	// works on a *sql.DB's driver.
	Dialect string
	// Sync is the guard's mode for sync calls (see SyncMode). The DSN
	// option aio_sync overrides it.
	Sync SyncMode
	// Hooks receives the connection, transaction and statement events.
	// Nil means no hooks: no event is built and nothing is timed.
	Hooks hooks.Hook
	// Logger receives the SyncWarn log lines; nil means slog.Default()
	// at the time of the warning.
	Logger *slog.Logger
	// StmtCacheSize is the number of prepared statements each connection
	// keeps (least recently used out first): 0 turns the cache off, a
	// negative value asks for the driver's default (see the package
	// documentation). The DSN option aio_stmt_cache overrides it. A
	// connector's Options report the size it uses.
	StmtCacheSize int

	// The optional interfaces of Hooks, asserted once by newConnector so
	// that a hook without them costs nothing on BEGIN and connect.
	txStarter   hooks.TxStarter
	connStarter hooks.ConnectStarter
}

func (o *Options) logger() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// The drivers registered with database/sql by this package's init.
var registered = map[string]*Driver{
	"aiopg": {
		inner:        pq.Driver{},
		opts:         Options{Name: "aiopg", Dialect: DialectPostgres, StmtCacheSize: -1},
		openFn:       openPQ,
		cacheDefault: pqCacheDefault,
		cachePolicy:  cachePolicy{serverStmts: true, noArgs: true, badConnAfterSend: true},
	},
	"aiopgx": {
		inner: stdlib.GetDefaultDriver(),
		opts:  Options{Name: "aiopgx", Dialect: DialectPostgres, StmtCacheSize: -1},
		// pgx keeps its own per-connection cache of prepared statements.
		cacheDefault: func(string) int { return 0 },
		cachePolicy:  cachePolicy{serverStmts: true},
	},
	"aiomysql": {
		inner:        &mysql.MySQLDriver{},
		opts:         Options{Name: "aiomysql", Dialect: DialectMySQL, StmtCacheSize: -1},
		cacheDefault: mysqlCacheDefault,
		// Not noArgs: go-sql-driver/mysql reads a prepared statement's
		// rows in the binary protocol, whose values have other Go types
		// (int64 rather than []byte) than its text protocol's.
		cachePolicy: cachePolicy{serverStmts: true},
	},
	"aiosqlite": {
		inner:       sqliteDriver(),
		opts:        Options{Name: "aiosqlite", Dialect: DialectSQLite, StmtCacheSize: -1},
		openFn:      openSQLite,
		cachePolicy: cachePolicy{noArgs: true},
	},
}

// openPQ is lib/pq's connector with a dialer that records each
// connection's socket, for the liveness check before reuse.
func openPQ(dsn string) (driver.Connector, error) {
	c, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	c.Dialer(recordingDialer{})
	return c, nil
}

// pqCacheDefault turns the cache off by default when the DSN asks lib/pq
// for binary_parameters=yes: lib/pq then sends each statement unnamed in
// one round trip, the setting for poolers that cannot keep prepared
// statements (PgBouncer in transaction mode).
func pqCacheDefault(dsn string) int {
	if cfg, err := pq.NewConfig(dsn); err == nil && cfg.BinaryParameters {
		return 0
	}
	return DefaultStmtCacheSize
}

// mysqlCacheDefault turns the cache off by default when the DSN asks
// go-sql-driver/mysql for interpolateParams=true: the user chose to send
// arguments inside the SQL text rather than prepare statements.
func mysqlCacheDefault(dsn string) int {
	if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.InterpolateParams {
		return 0
	}
	return DefaultStmtCacheSize
}

// sqliteDriver returns modernc's package-level driver, the one its
// package-level RegisterFunction and friends add to.
func sqliteDriver() driver.Driver {
	c, err := sqlite.NewConnector(":memory:")
	if err != nil {
		panic("aiodb: modernc.org/sqlite: " + err.Error())
	}
	return c.Driver()
}

func init() {
	for name, d := range registered {
		sql.Register(name, d)
	}
}

// OpenConnector returns a connector for sql.OpenDB on one of the drivers
// this package registers ("aiopg", "aiopgx", "aiomysql", "aiosqlite").
// The aio_* options are taken out of dsn and applied to the driver's
// Options, then configure (which may be nil) can change them, for example
// to set Hooks, which cannot live in a DSN. It fails, naming the problem,
// when name is not one of the four, when a DSN option is unknown or has a
// bad value, or when the inner driver rejects the rest of the DSN.
func OpenConnector(name, dsn string, configure func(*Options)) (driver.Connector, error) {
	d, ok := registered[name]
	if !ok {
		return nil, fmt.Errorf("aiodb: OpenConnector: unknown driver %q (want aiopg, aiopgx, aiomysql or aiosqlite)", name)
	}
	return d.openConnector(dsn, configure)
}
