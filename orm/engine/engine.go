// Package engine is the interface between package orm and a client it runs
// on other than database/sql, such as a pgx pool (package orm/ormpgx).
// Most programs never use it: orm.Open and orm.New run on database/sql,
// and ormpgx.Open on pgx.
//
// # What an engine owns
//
// An engine sends the ORM's statements. It owns what database/sql's
// guarded driver owns on the other path: the sync guard (a statement whose
// context is neither async nor allowed is refused, or warned about, before
// anything is sent) and the hooks' statement, connection and transaction
// events. Package orm owns the rest: SQL building, scanning, transactions
// bound to contexts, savepoints and retries.
//
// # What stays on database/sql
//
// DB returns a *sql.DB over the same server (for orm.DB.SQLDB, migrations,
// CopyFrom and hand-written SQL outside transactions), so that everything
// the ORM does without the engine still works.
package engine

import (
	"context"
	"database/sql"

	"github.com/aiodb/aiodb/driver"
)

// Rows is a query's result, read the way *sql.Rows is read (and *sql.Rows
// implements it): Next before each row, Scan into its columns, Close when
// done (Close after the last row is harmless), Err after Next returns
// false.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() ([]string, error)
	Close() error
	Err() error
}

// Queryer sends statements. args are the builder's bind arguments; the
// engine must not keep them after the call returns (or, for Query, after
// the rows are closed).
type Queryer interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, query string, args []any) (sql.Result, error)
	// Query runs a statement that returns rows. On error the rows are nil.
	Query(ctx context.Context, query string, args []any) (Rows, error)
}

// Tx is a transaction: one connection, taken until Commit or Rollback.
// Package orm serialises its use (one statement at a time, rows read to
// the end or closed before the next), so an engine need not.
type Tx interface {
	Queryer
	// Commit commits. When the context Begin was given has ended, it
	// rolls back instead and returns an error matching sql.ErrTxDone or
	// the context's error, as database/sql does.
	Commit() error
	// Rollback rolls back; the connection goes back to the pool whatever
	// it returns.
	Rollback() error
}

// Engine is a pool of connections to one server.
type Engine interface {
	Queryer
	// Begin starts a transaction with opts (nil: the server's defaults).
	Begin(ctx context.Context, opts *sql.TxOptions) (Tx, error)
	// DB returns a guarded *sql.DB on the same server, with the same
	// guard mode and hooks; it lives until Close.
	DB() *sql.DB
	// Dialect names the SQL dialect, one of driver's Dialect constants.
	Dialect() string
	// Close closes DB's *sql.DB and whatever the engine opened; a pool
	// the caller handed in is left open.
	Close() error
}

// Config is what orm.OpenEngine hands an engine's open function: the
// settings the DB's options resolve to.
type Config struct {
	// Driver holds the guard's mode (Sync), the hooks and the logger of
	// warn mode, as orm.SyncMode, orm.WithHooks and orm.WithLogger set
	// them; Name and Dialect are the engine's to fill.
	Driver driver.Options
	// MaxConns is orm.MaxConnections' bound, 0 when not given (the
	// engine's own default then applies).
	MaxConns int
}
