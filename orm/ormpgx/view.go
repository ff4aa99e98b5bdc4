package ormpgx

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/aiodb/aiodb/driver"
	_ "github.com/aiodb/aiodb/driver/pgx" // CopyFrom and the Listener on the view's connections
	"github.com/aiodb/aiodb/hooks"
)

// sqlView returns a guarded *sql.DB on pool's connections (pgx's stdlib
// over the pool), for what the ORM runs through database/sql: orm.DB's
// SQLDB and Executor outside transactions, CopyFrom, migrations. The
// guard checks its statements with opts' mode; its hooks see only sync
// violations, since the pool's tracer reports the statements themselves.
// It keeps no idle connection: they stay the pool's.
func sqlView(pool *pgxpool.Pool, opts driver.Options) *sql.DB {
	if opts.Hooks != nil {
		opts.Hooks = violations{h: opts.Hooks}
	}
	opts.StmtCacheSize = 0 // pgx caches statements
	db := sql.OpenDB(driver.NewConnector(stdlib.GetPoolConnector(pool), opts))
	db.SetMaxIdleConns(0)
	return db
}

// violations passes on only the sync violations of a hook.
type violations struct {
	hooks.Base
	h hooks.Hook
}

func (v violations) OnSyncViolation(ctx context.Context, e *hooks.SyncViolation) {
	v.h.OnSyncViolation(ctx, e)
}
