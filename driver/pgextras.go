package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// This file holds what COPY (copy.go), LISTEN/NOTIFY (listen.go) and
// batches (batch.go) share: taking a guarded connection out of a *sql.DB
// or *sql.Conn through (*sql.Conn).Raw, and telling lib/pq's connections
// from pgx's (by their Backend).

// ConnTarget is what CopyFrom and SendBatch run on: a *sql.DB (a
// connection is taken from the pool for the call and given back) or a
// *sql.Conn (its connection, inside the transaction begun on it with
// (*sql.Conn).BeginTx, if any). Among database/sql's types only those two
// have PingContext, so a *sql.Tx, whose connection database/sql does not
// hand out, is refused by the compiler.
type ConnTarget interface {
	PingContext(ctx context.Context) error
}

// ErrNotPostgres is matched (errors.Is) by the error of CopyFrom,
// SendBatch and NewListener on a connection that is not PostgreSQL
// through aiopg or aiopgx; the message names the driver.
var ErrNotPostgres = errors.New("needs PostgreSQL through aiopg or aiopgx")

// pgKind tells which PostgreSQL driver is under a guarded connection.
type pgKind uint8

const (
	pgNone pgKind = iota
	pgPQ          // PostgreSQL without a native connection: lib/pq (aiopg)
	pgPGX         // a native connection: pgx through its stdlib (aiopgx)
)

func (c *conn) pgKind() pgKind {
	switch {
	case c.native != nil:
		return pgPGX
	case c.be.Postgres != nil:
		return pgPQ
	}
	return pgNone
}

// driverName names the driver of c for error messages: its registered
// name, or the inner connection's type when it has none.
func (c *conn) driverName() string {
	if c.opts.Name != "" {
		return c.opts.Name
	}
	return fmt.Sprintf("%T", c.inner)
}

// errNotPG is the error of op on a connection that is not PostgreSQL.
func errNotPG(op, driverName string) error {
	return fmt.Errorf("aiodb: %s %w; driver %s has none", op, ErrNotPostgres, driverName)
}

// checkPoolDialect fails early, before a connection is taken, when db's
// driver declares a dialect other than PostgreSQL.
func checkPoolDialect(op string, db *sql.DB) error {
	d, ok := db.Driver().(*Driver)
	if !ok {
		return fmt.Errorf("aiodb: %s needs a pool of aiodb's guarded drivers (aiopg, aiopgx), not %T", op, db.Driver())
	}
	if d.opts.Dialect != "" && d.opts.Dialect != DialectPostgres {
		return errNotPG(op, nameOr(d.opts.Name, d.opts.Dialect))
	}
	return nil
}

func nameOr(name, other string) string {
	if name != "" {
		return name
	}
	return other
}

// guardedConn returns the guarded connection (*sql.Conn).Raw passed.
func guardedConn(dc any) (*conn, bool) {
	switch c := dc.(type) {
	case *conn:
		return c, true
	case validConn:
		return c.conn, true
	case *validConn:
		return c.conn, true
	}
	return nil, false
}

// withConn runs fn on the guarded connection of target, inside
// (*sql.Conn).Raw. A *SyncCallError of the panic mode that fn returns is
// panicked with after the connection went back (Raw would otherwise
// discard it).
func withConn(ctx context.Context, op string, target ConnTarget, fn func(c *conn) error) error {
	var sc *sql.Conn
	switch t := target.(type) {
	case *sql.Conn:
		sc = t
	case *sql.DB:
		if err := checkPoolDialect(op, t); err != nil {
			return err
		}
		var err error
		if sc, err = t.Conn(ctx); err != nil {
			return err
		}
		defer sc.Close()
	case nil:
		return fmt.Errorf("aiodb: %s: nil target", op)
	default:
		return fmt.Errorf("aiodb: %s runs on a *sql.DB or *sql.Conn, not %T", op, target)
	}
	err := sc.Raw(func(dc any) error {
		c, ok := guardedConn(dc)
		if !ok {
			return fmt.Errorf("aiodb: %s needs a connection of aiodb's guarded drivers (aiopg, aiopgx), not %T", op, dc)
		}
		return fn(c)
	})
	if e, ok := err.(*SyncCallError); ok && e.Mode == SyncPanic {
		panic(e) // the deferred Close gives a pool's connection back first
	}
	return err
}

// quoteIdent quotes a PostgreSQL identifier, as pq.QuoteIdentifier and
// pgx.Identifier do: in double quotes, inner quotes doubled, cut at a NUL.
func quoteIdent(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// tableIdent splits "schema.table" at its first dot; a name without one
// is a table of the search path.
func tableIdent(table string) []string {
	if schema, name, ok := strings.Cut(table, "."); ok {
		return []string{schema, name}
	}
	return []string{table}
}

func quoteIdents(parts []string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = quoteIdent(p)
	}
	return strings.Join(q, ".")
}
