// Package fakedb is a database/sql driver that does nothing: every query
// answers with the same configured rows and every exec reports one row
// affected and last insert id 1. It talks to no server and allocates only
// its statements, so benchmarks over it measure the layers above the driver
// (the guarded driver, the ORM) and unit tests get rows without a database.
//
//	d := fakedb.New([]string{"id", "name"}, [][]driver.Value{{int64(1), "a"}})
//	db := sql.OpenDB(d.Connector())
package fakedb

import (
	"context"
	"database/sql/driver"
	"io"
	"sync"
	"sync/atomic"
)

// Driver is a fake driver. Its methods are safe for concurrent use.
type Driver struct {
	res  atomic.Pointer[resultSet]
	opts Options
}

// Options changes how a Driver behaves; the zero value is New's.
type Options struct {
	// AnyArgs makes the connections accept every argument as it is
	// (driver.NamedValueChecker), as pgx's stdlib does since it encodes
	// Go values itself: database/sql then takes its fast path and skips
	// its default conversion (and its errors for other types).
	AnyArgs bool
	// FreshRows allocates the Rows of each query, as a real driver does,
	// instead of reusing pooled ones: allocation counts then compare with
	// those over a real driver.
	FreshRows bool
}

type resultSet struct {
	cols []string
	rows [][]driver.Value
	// fresh: Options.FreshRows, kept here so that Rows stay two words.
	fresh bool
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// New returns a driver whose queries all answer with cols and rows. The
// slices are kept, not copied: do not change them afterwards (use
// SetResult). Each row must have len(cols) values of driver.Value types.
func New(cols []string, rows [][]driver.Value) *Driver {
	return NewWith(cols, rows, Options{})
}

// NewWith is New with options.
func NewWith(cols []string, rows [][]driver.Value, opts Options) *Driver {
	d := &Driver{opts: opts}
	d.SetResult(cols, rows)
	return d
}

// SetResult changes the answer of the queries started after it; rows being
// read keep the answer they started with.
func (d *Driver) SetResult(cols []string, rows [][]driver.Value) {
	d.res.Store(&resultSet{cols: cols, rows: rows, fresh: d.opts.FreshRows})
}

// Open returns a new connection; name is ignored.
func (d *Driver) Open(name string) (driver.Conn, error) { return d.conn(), nil }

func (d *Driver) conn() driver.Conn {
	if d.opts.AnyArgs {
		return &anyArgsConn{Conn{d: d}}
	}
	return &Conn{d: d}
}

// OpenConnector returns d.Connector(); name is ignored.
func (d *Driver) OpenConnector(name string) (driver.Connector, error) { return d.Connector(), nil }

// Connector returns a connector for sql.OpenDB.
func (d *Driver) Connector() driver.Connector { return connector{d} }

type connector struct{ d *Driver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.conn(), nil }
func (c connector) Driver() driver.Driver                        { return c.d }

// Conn is a fake connection.
type Conn struct {
	d      *Driver
	closed bool
}

var (
	_ driver.Conn               = (*Conn)(nil)
	_ driver.QueryerContext     = (*Conn)(nil)
	_ driver.ExecerContext      = (*Conn)(nil)
	_ driver.ConnPrepareContext = (*Conn)(nil)
	_ driver.ConnBeginTx        = (*Conn)(nil)
	_ driver.Pinger             = (*Conn)(nil)
	_ driver.SessionResetter    = (*Conn)(nil)
	_ driver.Validator          = (*Conn)(nil)
)

// Prepare returns a statement that answers like the connection.
func (c *Conn) Prepare(query string) (driver.Stmt, error) { return &Stmt{c: c}, nil }

// PrepareContext returns a statement that answers like the connection.
func (c *Conn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &Stmt{c: c}, nil
}

// Close marks the connection closed; IsValid then reports false.
func (c *Conn) Close() error { c.closed = true; return nil }

// Begin starts a fake transaction.
func (c *Conn) Begin() (driver.Tx, error) { return tx{}, nil }

// BeginTx starts a fake transaction; opts are accepted and ignored.
func (c *Conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return tx{}, nil }

// QueryContext returns the driver's current rows.
func (c *Conn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return c.d.rows(), nil
}

// ExecContext reports one row affected, last insert id 1.
func (c *Conn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return result{}, nil
}

// Ping succeeds.
func (c *Conn) Ping(context.Context) error { return nil }

// ResetSession succeeds.
func (c *Conn) ResetSession(context.Context) error { return nil }

// IsValid reports whether the connection is still open.
func (c *Conn) IsValid() bool { return !c.closed }

// anyArgsConn is a Conn of Options.AnyArgs. database/sql asks the
// connection when the statement has no CheckNamedValue, so prepared
// statements accept every argument too.
type anyArgsConn struct{ Conn }

var _ driver.NamedValueChecker = (*anyArgsConn)(nil)

func (*anyArgsConn) CheckNamedValue(*driver.NamedValue) error { return nil }

// Stmt is a fake prepared statement.
type Stmt struct{ c *Conn }

var (
	_ driver.StmtExecContext  = (*Stmt)(nil)
	_ driver.StmtQueryContext = (*Stmt)(nil)
)

// Close does nothing.
func (s *Stmt) Close() error { return nil }

// NumInput returns -1: any number of arguments is accepted.
func (s *Stmt) NumInput() int { return -1 }

// Exec reports one row affected, last insert id 1.
func (s *Stmt) Exec([]driver.Value) (driver.Result, error) { return result{}, nil }

// Query returns the driver's current rows.
func (s *Stmt) Query([]driver.Value) (driver.Rows, error) { return s.c.d.rows(), nil }

// ExecContext reports one row affected, last insert id 1.
func (s *Stmt) ExecContext(context.Context, []driver.NamedValue) (driver.Result, error) {
	return result{}, nil
}

// QueryContext returns the driver's current rows.
func (s *Stmt) QueryContext(context.Context, []driver.NamedValue) (driver.Rows, error) {
	return s.c.d.rows(), nil
}

type tx struct{}

func (tx) Commit() error   { return nil }
func (tx) Rollback() error { return nil }

type result struct{}

func (result) LastInsertId() (int64, error) { return 1, nil }
func (result) RowsAffected() (int64, error) { return 1, nil }

// Rows are recycled: database/sql never touches driver rows after Close.
var rowsPool = sync.Pool{New: func() any { return new(Rows) }}

func (d *Driver) rows() *Rows {
	if d.opts.FreshRows {
		return &Rows{set: d.res.Load()}
	}
	r := rowsPool.Get().(*Rows)
	r.set = d.res.Load()
	r.i = 0
	return r
}

// Rows iterates over the driver's rows as they were when the query ran.
type Rows struct {
	set *resultSet
	i   int
}

// Columns returns the column names.
func (r *Rows) Columns() []string { return r.set.cols }

// Next copies the next row into dest, or returns io.EOF.
func (r *Rows) Next(dest []driver.Value) error {
	if r.i >= len(r.set.rows) {
		return io.EOF
	}
	copy(dest, r.set.rows[r.i])
	r.i++
	return nil
}

// Close recycles the rows, unless they are Options.FreshRows ones.
func (r *Rows) Close() error {
	if r.set != nil {
		pooled := !r.set.fresh
		r.set = nil
		if pooled {
			rowsPool.Put(r)
		}
	}
	return nil
}
