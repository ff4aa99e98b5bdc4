package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/route"
)

// The guard names the caller of a sync call: the first frame outside
// database/sql and aiodb, so not this package's (nor its subpackages').
func init() { driver.SkipCallerPackages("github.com/aiodb/aiodb/orm") }

// DB is a guarded *sql.DB together with its SQL dialect. It is safe for
// concurrent use; create one per database and share it.
type DB struct {
	sqlDB   *sql.DB
	dialect *Dialect
	sync    driver.SyncMode // the guard's mode, for checks done above the driver
	ownsDB  bool            // Close closes sqlDB only when Open created it
	models  sync.Map        // reflect.Type -> *entity, see NewModel
	// gate is Open's connector, through which a Manager closes and
	// reopens the pool (nil for New); shut marks a DB from New whose
	// *sql.DB a Manager closed, and closed one closed by Close.
	gate   *route.GateConnector
	shut   atomic.Bool
	closed atomic.Bool
	idle   int             // idle connections restored when a Manager reopens the pool
	server *dialect.Server // what the dialect's ProbeServer learned (nil: nothing)
	// replicas take reads outside transactions (see Replicas); nil
	// without them.
	replicas *route.Set
	// pool is what statements outside transactions run on: sqlDB, or
	// the engine; replicaExec is replicas as an executor.
	pool        executor
	replicaExec executor
	// engine is the client of OpenEngine (nil on database/sql): pool,
	// and beginTx, which begins transactions on it or on sqlDB.
	engine  engine.Engine
	beginTx func(ctx context.Context, opts *sql.TxOptions) (engine.Tx, *sql.Tx, error)
	// hstore is RegisterHStore: CreateTable creates the extension.
	hstore bool
	// errorValues is ErrorValues: error messages show bound values.
	errorValues bool
}

// Option configures Open and New.
type Option func(*config)

// configOf applies opts to a new config.
func configOf(opts []Option) config {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

type config struct {
	maxConns int
	sync     *driver.SyncMode
	hooks    []hooks.Hook
	logger   *slog.Logger
	dialect  *Dialect
	// replicas are the DSNs of Replicas; replicaCooldown is
	// ReplicaCooldown's.
	replicas        []string
	replicaCooldown time.Duration
	hstore          bool // RegisterHStore
	errorValues     bool // ErrorValues
	// readYourWrites and stickyPrimary are ReadYourWrites' and
	// StickyPrimary's.
	readYourWrites, stickyPrimary time.Duration
}

// ErrorValues puts the bound values of a statement into the messages of
// the errors that carry them (DoesNotExistError). By default a message
// names the statement and counts its arguments but leaves their values
// out, since they often hold personal data and messages end up in logs;
// the values stay in the error's Args either way. Log the values of every
// statement with hooks.WithArgs.
func ErrorValues() Option { return func(c *config) { c.errorValues = true } }

// MaxConnections bounds the pool: at most n open connections (n <= 0 means
// no limit), like peewee-async's pooled databases' max_connections. Up to
// n connections are also kept idle between queries (database/sql keeps 2
// by default, so a busy pool would redial).
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

// WithDialect sets the dialect for a driver that does not declare one,
// and wins over the dialect Open and New pick (on aiomysql: MySQL, or
// MariaDB when the server says it is MariaDB 10.5 or later).
func WithDialect(d *Dialect) Option { return func(c *config) { c.dialect = d } }

// Open opens a guarded database through one of aiodb's registered drivers
// ("aiopg", "aiopgx", "aiomysql", "aiosqlite"), each registered by
// importing its package (driver/pg, driver/pgx, driver/mysql,
// driver/sqlite, or driver/all): on a driver not imported Open fails with
// the import to add. The DSN is the wrapped driver's DSN plus aiodb's
// aio_* options; opts override them.
//
// On aiomysql Open asks the server for its version (one connection, kept
// in the pool; the sync guard lets it through and hooks see it with
// hooks.StatementEvent.Internal set) and picks
// the MariaDB dialect (INSERT ... RETURNING) on MariaDB 10.5 and later.
// When the server cannot be reached within 5s Open still succeeds, with
// the MySQL dialect, which works on both but reads keys back without
// RETURNING (see InsertQuery). Its DSN gets loc=UTC, replacing any loc,
// and parseTime=true unless it says otherwise: see "MySQL and MariaDB" in
// the package documentation.
func Open(driverName, dsn string, opts ...Option) (*DB, error) {
	dsn = openDSN(driverName, dsn)
	cfg := configOf(opts)
	var mode driver.SyncMode
	configure := func(o *driver.Options) {
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
	}
	var cons *route.Consistency
	if len(cfg.replicas) > 0 { // else there is nothing to route around
		cons = route.NewConsistency(cfg.readYourWrites, cfg.stickyPrimary)
	}
	configurePrimary := configure
	if cons != nil {
		configurePrimary = func(o *driver.Options) { configure(o); cons.Install(o) }
	}
	connector, err := driver.OpenConnector(driverName, dsn, configurePrimary)
	if err != nil {
		return nil, err
	}
	primaryMode := mode
	gate := &route.GateConnector{Connector: connector, Refused: ErrManagerClosed}
	sqlDB := sql.OpenDB(gate)
	db, err := newDB(sqlDB, &cfg, driver.DialectOf(connector.Driver()), mode)
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	db.ownsDB = true
	db.gate = gate
	if len(cfg.replicas) > 0 {
		err := db.openReplicas(&cfg, func(dsn string) (*route.GateConnector, error) {
			// The same time options as the primary, so that a time reads
			// the same wherever the read lands.
			c, err := driver.OpenConnector(driverName, openDSN(driverName, dsn), configure)
			if err != nil {
				return nil, err
			}
			if mode != primaryMode {
				// An aio_sync in one DSN only would make a read pass
				// the guard or not depending on where it lands.
				return nil, fmt.Errorf("its sync guard mode %v differs from the primary's %v; set aio_sync alike or use orm.SyncMode", mode, primaryMode)
			}
			return &route.GateConnector{Connector: c, Refused: ErrManagerClosed}, nil
		})
		if err != nil {
			sqlDB.Close()
			return nil, err
		}
		if cons != nil {
			err := db.replicas.Attach(cons, driverName, dsn, cfg.maxConns)
			if err == nil && cons.WaitsForPositions() && db.dialect.Name != driver.DialectPostgres {
				err = fmt.Errorf("orm: ReadYourWrites needs PostgreSQL (it waits for WAL positions); the dialect is %q: use StickyPrimary", db.dialect.Name)
			}
			if err != nil {
				db.Close()
				return nil, err
			}
		}
	}
	return db, nil
}

// New wraps a *sql.DB opened elsewhere. Its dialect comes from its driver
// (any aiodb driver, or driver.Wrap with Options.Dialect), or WithDialect.
// Close on the returned DB does not close sqlDB.
func New(sqlDB *sql.DB, opts ...Option) (*DB, error) {
	if sqlDB == nil {
		return nil, errors.New("orm.New: nil *sql.DB")
	}
	cfg := configOf(opts)
	if len(cfg.replicas) > 0 {
		return nil, errors.New("orm.New: Replicas needs orm.Open, which opens the replicas with the primary's driver")
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
	idle := defaultIdleConns
	if cfg.maxConns > 0 {
		// Keep as many idle as may be open: with database/sql's default
		// of 2 a busy pool closes and redials connections all the time.
		sqlDB.SetMaxOpenConns(cfg.maxConns)
		sqlDB.SetMaxIdleConns(cfg.maxConns)
		idle = cfg.maxConns
	}
	var srv *dialect.Server
	if d.ProbeServer != nil {
		srv = d.ProbeServer(sqlDB)
		if srv != nil && srv.Dialect != nil && cfg.dialect == nil {
			d = srv.Dialect
		}
	}
	db := &DB{sqlDB: sqlDB, dialect: d, sync: mode, idle: idle, server: srv, hstore: cfg.hstore, errorValues: cfg.errorValues}
	db.pool = &stdExec{sqlDB}
	db.beginTx = db.beginStd
	return db, nil
}

// SQLDB returns the underlying guarded *sql.DB.
func (db *DB) SQLDB() *sql.DB { return db.sqlDB }

// Dialect returns the SQL dialect queries are built in.
func (db *DB) Dialect() *Dialect { return db.dialect }

// Close closes the pool if Open created it; a DB from New leaves its
// *sql.DB to its owner. Close is final: unlike Manager.Close, no Connect
// reopens the DB afterwards.
func (db *DB) Close() error {
	db.closed.Store(true)
	var rerr error
	if db.replicas != nil {
		rerr = db.replicas.Close()
	}
	switch {
	case db.engine != nil:
		return errors.Join(db.engine.Close(), rerr)
	case db.ownsDB:
		return errors.Join(db.sqlDB.Close(), rerr)
	}
	return rerr
}

// defaultIdleConns is database/sql's default for SetMaxIdleConns.
const defaultIdleConns = 2

// ErrManagerClosed is matched (errors.Is) by the error of every call made
// through a Manager after its Close, and of any statement of its DB that
// needs a new connection then, until Manager.Connect reopens the pool.
var ErrManagerClosed = errors.New("orm: the database was closed by Manager.Close; call Manager.Connect to reopen it")

// suspended reports whether a Manager has closed the DB.
func (db *DB) suspended() bool {
	if db.gate != nil {
		return db.gate.IsShut()
	}
	return db.shut.Load()
}

// suspend closes the pool for Manager.Close: idle connections now, the
// busy ones when their statements end, and new ones are refused. A DB
// from New has no gate: its *sql.DB is closed for good.
func (db *DB) suspend() error {
	if db.gate == nil {
		if db.shut.Swap(true) {
			return nil
		}
		if db.engine != nil {
			return db.engine.Close()
		}
		return db.sqlDB.Close()
	}
	if db.replicas != nil {
		db.replicas.Suspend()
	}
	if !db.gate.Shut() {
		return nil
	}
	db.sqlDB.SetMaxIdleConns(-1) // closes the idle ones; released ones are closed too
	return nil
}

// resume reopens a pool closed by suspend and pings it.
func (db *DB) resume(ctx context.Context) error {
	switch {
	case db.closed.Load():
		return errors.New("orm: Manager.Connect: the DB was closed by DB.Close, which is final")
	case db.engine != nil && db.shut.Load():
		return errors.New("orm: Manager.Connect: a DB of OpenEngine cannot be reopened after Manager.Close (its engine is closed); open a new one")
	case db.gate == nil && db.shut.Load():
		return errors.New("orm: Manager.Connect: a DB made by orm.New cannot be reopened after Manager.Close (its *sql.DB is closed); use orm.Open, or a new *sql.DB")
	}
	if db.gate != nil && db.gate.Reopen() {
		db.sqlDB.SetMaxIdleConns(db.idle)
	}
	if err := db.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("orm: Manager.Connect: %w", err)
	}
	if db.replicas != nil {
		db.replicas.Resume(ctx, db.idle)
	}
	return nil
}

// Engine returns the engine of a DB from OpenEngine, nil on database/sql.
func (db *DB) Engine() engine.Engine { return db.engine }

// EngineExecutor returns what hand-written SQL run with ctx on a DB from
// OpenEngine must use to join the ORM's work: the engine's transaction
// that ctx carries, or the engine; nil on database/sql (use Executor).
// Like Executor's, its statements do not take turns with ORM statements
// run concurrently in the same transaction.
func (db *DB) EngineExecutor(ctx context.Context) engine.Queryer {
	if db.engine == nil {
		return nil
	}
	if tx := db.txFrom(ctx); tx != nil {
		return tx.core.SQL
	}
	return db.engine
}
