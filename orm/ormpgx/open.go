package ormpgx

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/engine"
)

// Open opens a pgx pool on dsn and a DB on it. dsn is pgxpool's (a URL or
// key=value pairs, with pool_max_conns and the rest of pgx's settings)
// plus aiodb's aio_sync, which sets the sync guard's mode (orm.SyncMode
// wins over it); aio_stmt_cache is refused, since pgx caches statements
// itself. opts are orm's: SyncMode, WithHooks (installed as the
// pool's tracer), WithLogger, MaxConnections (the pool's MaxConns),
// WithDialect, ErrorValues, RegisterHStore; Replicas is refused. The pool
// connects lazily, as database/sql does: a bad host shows at the first
// statement. Close on the DB closes the pool.
func Open(ctx context.Context, dsn string, opts ...orm.Option) (*orm.DB, error) {
	const unset = -2
	base := driver.Options{StmtCacheSize: unset}
	inner, err := driver.TakeDSNOptions(dsn, &base)
	if err != nil {
		return nil, fmt.Errorf("ormpgx.Open: %w", err)
	}
	if base.StmtCacheSize != unset {
		return nil, errors.New("ormpgx.Open: DSN option aio_stmt_cache does not apply to a pgx pool, which keeps its own statement cache (pgx's statement_cache_capacity)")
	}
	cfg, err := pgxpool.ParseConfig(inner)
	if err != nil {
		return nil, fmt.Errorf("ormpgx.Open: %w", err)
	}
	return OpenConfig(ctx, cfg, append([]orm.Option{orm.SyncMode(base.Sync)}, opts...)...)
}

// OpenConfig is Open with a pool config made by pgxpool.ParseConfig (and
// changed as you need): it makes the pool from a copy of cfg, with the
// hooks' Tracer beside cfg's own tracer and its BeforeClose after cfg's.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config, opts ...orm.Option) (*orm.DB, error) {
	if cfg == nil {
		return nil, errors.New("ormpgx.OpenConfig: nil *pgxpool.Config")
	}
	return orm.OpenEngine(func(ec engine.Config) (engine.Engine, error) {
		cfg := cfg.Copy()
		if ec.MaxConns > 0 {
			cfg.MaxConns = int32(ec.MaxConns)
		}
		if h := ec.Driver.Hooks; h != nil {
			tr := NewTracer(h)
			cfg.ConnConfig.Tracer = withTracer(cfg.ConnConfig.Tracer, tr)
			before := cfg.BeforeClose
			cfg.BeforeClose = func(c *pgx.Conn) {
				if before != nil {
					before(c)
				}
				tr.BeforeClose(c)
			}
		}
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("ormpgx: %w", err)
		}
		return newEngine(pool, ec.Driver, true), nil
	}, opts...)
}

// withTracer adds tr to a config's tracer.
func withTracer(prev pgx.QueryTracer, tr *Tracer) pgx.QueryTracer {
	if prev == nil {
		return tr
	}
	return multitracer.New(prev, tr)
}

// New opens a DB on a pool made elsewhere; Close on the DB leaves the pool
// open. Hooks are the pool's: build it with a Tracer (NewTracer) in its
// ConnConfig.Tracer to have them; New refuses orm.WithHooks, which it
// could not install, and orm.MaxConnections, which is the pool's
// MaxConns.
func New(pool *pgxpool.Pool, opts ...orm.Option) (*orm.DB, error) {
	if pool == nil {
		return nil, errors.New("ormpgx.New: nil *pgxpool.Pool")
	}
	return orm.OpenEngine(func(ec engine.Config) (engine.Engine, error) {
		if ec.Driver.Hooks != nil {
			return nil, errors.New("ormpgx.New: orm.WithHooks cannot reach a pool made elsewhere: set its ConnConfig.Tracer to ormpgx.NewTracer(hooks) before pgxpool.NewWithConfig, or use ormpgx.OpenConfig")
		}
		if ec.MaxConns > 0 {
			return nil, errors.New("ormpgx.New: orm.MaxConnections cannot resize a pool made elsewhere: set its MaxConns in the pgxpool.Config")
		}
		opts := ec.Driver
		if tr := tracerOf(pool); tr != nil {
			opts.Hooks = tr.hooks // sync violations reach the pool's hooks
		}
		return newEngine(pool, opts, false), nil
	}, opts...)
}

// tracerOf finds the *Tracer among a pool's tracers.
func tracerOf(pool *pgxpool.Pool) *Tracer {
	switch t := pool.Config().ConnConfig.Tracer.(type) {
	case *Tracer:
		return t
	case *multitracer.Tracer:
		for _, q := range t.QueryTracers {
			if tr, ok := q.(*Tracer); ok {
				return tr
			}
		}
	}
	return nil
}

// Pool returns the pgx pool of a DB from Open, OpenConfig or New, or nil
// for any other DB. Statements sent on it directly bypass the sync guard;
// its tracer still fires the hooks.
func Pool(db *orm.DB) *pgxpool.Pool {
	if e, ok := db.Engine().(*pgxEngine); ok {
		return e.pool
	}
	return nil
}
