package driver

import (
	"database/sql/driver"
	"fmt"
	"log/slog"

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

// OpenConnector returns a connector for sql.OpenDB on one of the
// registered drivers ("aiopg", "aiopgx", "aiomysql", "aiosqlite", each
// registered by importing its package: see Backend). The aio_* options
// are taken out of dsn and applied to the driver's Options, then
// configure (which may be nil) can change them, for example to set
// Hooks, which cannot live in a DSN. It fails, naming the problem, when
// name is not registered (naming the package to import), when a DSN
// option is unknown or has a bad value, or when the inner driver rejects
// the rest of the DSN.
func OpenConnector(name, dsn string, configure func(*Options)) (driver.Connector, error) {
	d, err := registered(name)
	if err != nil {
		return nil, fmt.Errorf("aiodb: OpenConnector: %w", err)
	}
	return d.openConnector(dsn, configure)
}
