package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// DB is a guarded *sql.DB together with its SQL dialect. It is safe for
// concurrent use; create one per database and share it.
type DB struct {
	sqlDB   *sql.DB
	dialect *Dialect
	sync    driver.SyncMode // the guard's mode, for checks done above the driver
	ownsDB  bool            // Close closes sqlDB only when Open created it
	models  sync.Map        // reflect.Type -> *Model[T], see NewModel
}

// Option configures Open and New.
type Option func(*config)

type config struct {
	maxConns int
	sync     *driver.SyncMode
	hooks    []hooks.Hook
	logger   *slog.Logger
	dialect  *Dialect
}

// MaxConnections bounds the pool: at most n open connections (n <= 0 means
// no limit), like peewee-async's pooled databases' max_connections.
func MaxConnections(n int) Option { return func(c *config) { c.maxConns = n } }

// SyncMode sets the sync guard's mode, overriding aio_sync in the DSN.
// Open only: with New the guard is the one the *sql.DB was opened with.
func SyncMode(m driver.SyncMode) Option { return func(c *config) { c.sync = &m } }

// WithHooks adds hooks to the guarded driver (Open only).
func WithHooks(hs ...hooks.Hook) Option {
	return func(c *config) { c.hooks = append(c.hooks, hs...) }
}

// WithLogger sets the logger of the guard's warn mode (Open only).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithDialect sets the dialect for a driver that does not declare one.
func WithDialect(d *Dialect) Option { return func(c *config) { c.dialect = d } }

// Open opens a guarded database through one of aiodb's registered drivers
// ("aiopg", "aiopgx", "aiomysql", "aiosqlite"). The DSN is the wrapped
// driver's DSN plus aiodb's aio_* options; opts override them.
func Open(driverName, dsn string, opts ...Option) (*DB, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var mode driver.SyncMode
	connector, err := driver.OpenConnector(driverName, dsn, func(o *driver.Options) {
		if cfg.sync != nil {
			o.Sync = *cfg.sync
		}
		if len(cfg.hooks) > 0 {
			o.Hooks = hooks.Chain(append([]hooks.Hook{o.Hooks}, cfg.hooks...)...)
		}
		if cfg.logger != nil {
			o.Logger = cfg.logger
		}
		mode = o.Sync
	})
	if err != nil {
		return nil, err
	}
	sqlDB := sql.OpenDB(connector)
	db, err := newDB(sqlDB, &cfg, driver.DialectOf(connector.Driver()), mode)
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	db.ownsDB = true
	return db, nil
}

// New wraps a *sql.DB opened elsewhere. Its dialect comes from its driver
// (any aiodb driver, or driver.Wrap with Options.Dialect), or WithDialect.
// Close on the returned DB does not close sqlDB.
func New(sqlDB *sql.DB, opts ...Option) (*DB, error) {
	if sqlDB == nil {
		return nil, errors.New("orm.New: nil *sql.DB")
	}
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var mode driver.SyncMode
	if d, ok := sqlDB.Driver().(interface{ Options() driver.Options }); ok {
		mode = d.Options().Sync
	}
	return newDB(sqlDB, &cfg, driver.DialectOf(sqlDB.Driver()), mode)
}

func newDB(sqlDB *sql.DB, cfg *config, dialectName string, mode driver.SyncMode) (*DB, error) {
	d := cfg.dialect
	if d == nil {
		d = DialectByName(dialectName)
		if d == nil {
			return nil, fmt.Errorf("orm: driver %T declares no known dialect (%q); use orm.WithDialect", sqlDB.Driver(), dialectName)
		}
	}
	if cfg.maxConns > 0 {
		sqlDB.SetMaxOpenConns(cfg.maxConns)
	}
	return &DB{sqlDB: sqlDB, dialect: d, sync: mode}, nil
}

// SQLDB returns the underlying guarded *sql.DB.
func (db *DB) SQLDB() *sql.DB { return db.sqlDB }

// Dialect returns the SQL dialect queries are built in.
func (db *DB) Dialect() *Dialect { return db.dialect }

// Close closes the pool if Open created it; a DB from New leaves its
// *sql.DB to its owner.
func (db *DB) Close() error {
	if db.ownsDB {
		return db.sqlDB.Close()
	}
	return nil
}

// executor is what statements run on: the pool, or the transaction bound
// to the context.
type executor interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
