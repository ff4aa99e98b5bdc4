package orm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm/engine"
)

// OpenEngine opens a DB that runs its statements on an engine, a client
// other than database/sql (see package orm/engine; orm/ormpgx's Open
// calls it for a pgx pool). open is called once, with the guard's mode,
// hooks and logger that opts set (SyncMode, WithHooks, WithLogger) and
// MaxConnections' bound; it returns the engine, which must guard its
// statements and fire the hooks itself. Models, queries, Aio twins,
// transactions and savepoints work as on database/sql. Replicas is not
// supported on an engine (OpenEngine fails saying so), and a Manager's
// Close closes the engine for good.
//
// Close on the DB closes the engine.
func OpenEngine(open func(engine.Config) (engine.Engine, error), opts ...Option) (*DB, error) {
	cfg := configOf(opts)
	if len(cfg.replicas) > 0 {
		return nil, errors.New("orm.OpenEngine: Replicas needs orm.Open: an engine's DB reads from its own pool only")
	}
	var ec engine.Config
	if cfg.sync != nil {
		ec.Driver.Sync = *cfg.sync
	}
	if len(cfg.hooks) > 0 {
		ec.Driver.Hooks = hooks.Chain(cfg.hooks...)
	}
	ec.Driver.Logger = cfg.logger
	ec.MaxConns = cfg.maxConns
	e, err := open(ec)
	if err != nil {
		return nil, err
	}
	d := cfg.dialect
	if d == nil {
		if d = DialectByName(e.Dialect()); d == nil {
			e.Close()
			return nil, fmt.Errorf("orm.OpenEngine: engine %T declares no known dialect (%q); use orm.WithDialect", e, e.Dialect())
		}
	}
	db := &DB{sqlDB: e.DB(), dialect: d, sync: ec.Driver.Sync, hstore: cfg.hstore, errorValues: cfg.errorValues}
	if d.ProbeServer != nil {
		db.server = d.ProbeServer(db.sqlDB)
	}
	db.ownsDB = true
	db.engine = e
	db.pool = e
	db.beginTx = func(ctx context.Context, opts *sql.TxOptions) (engine.Tx, *sql.Tx, error) {
		tx, err := e.Begin(ctx, opts)
		return tx, nil, err
	}
	return db, nil
}
