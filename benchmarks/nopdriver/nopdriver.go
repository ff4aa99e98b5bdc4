// Package nopdriver is a database/sql driver that talks to no server: every
// query answers with the rows last given to SetRows and every exec reports
// one row affected. Benchmarks run over it measure what a library costs on
// the client (its SQL building, argument conversion and scanning), with
// nothing left of the network or the server.
//
//	d := nopdriver.New()
//	d.SetRows([]string{"id", "name"}, [][]driver.Value{{int64(1), "a"}})
//	db := sql.OpenDB(d.Connector())
//
// It allocates one Rows value per query and nothing per row: the canned
// values are handed to database/sql as they are, the way a driver that
// decodes into preallocated buffers would.
package nopdriver

import (
	"context"
	"database/sql/driver"
	"io"
	"sync/atomic"
)

// Driver is a do-nothing driver. Its methods are safe for concurrent use.
type Driver struct {
	res atomic.Pointer[resultSet]
}

type resultSet struct {
	cols []string
	rows [][]driver.Value
}

var (
	_ driver.Driver        = (*Driver)(nil)
	_ driver.DriverContext = (*Driver)(nil)
)

// New returns a driver whose queries answer with no columns and no rows
// until SetRows is called.
func New() *Driver {
	d := &Driver{}
	d.SetRows(nil, nil)
	return d
}

// SetRows sets the answer of the queries started after it; rows already
// being read keep the answer they started with. The slices are kept, not
// copied, so the caller must not change them afterwards. Each row must have
// len(cols) values of driver.Value types (int64, float64, bool, []byte,
// string, time.Time or nil).
func (d *Driver) SetRows(cols []string, rows [][]driver.Value) {
	d.res.Store(&resultSet{cols: cols, rows: rows})
}

// Open returns a new connection; name is ignored. database/sql calls it only
// for a driver registered with sql.Register and opened without a connector.
func (d *Driver) Open(name string) (driver.Conn, error) { return &conn{d: d}, nil }

// OpenConnector returns d.Connector(); name is ignored.
func (d *Driver) OpenConnector(name string) (driver.Connector, error) { return d.Connector(), nil }

// Connector returns a connector for sql.OpenDB whose connections answer
// with d's rows.
func (d *Driver) Connector() driver.Connector { return connector{d} }

type connector struct{ d *Driver }

func (c connector) Connect(context.Context) (driver.Conn, error) { return &conn{d: c.d}, nil }
func (c connector) Driver() driver.Driver                        { return c.d }

// conn forwards every optional interface a real driver such as pgx's
// stdlib has, so that database/sql takes its fast paths (no Prepare per
// query, no default argument conversion).
type conn struct {
	d      *Driver
	closed bool
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func (c *conn) Prepare(query string) (driver.Stmt, error) { return &stmt{c: c}, nil }

func (c *conn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	return &stmt{c: c}, nil
}

func (c *conn) Close() error { c.closed = true; return nil }

func (c *conn) Begin() (driver.Tx, error) { return tx{}, nil }

func (c *conn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) { return tx{}, nil }

func (c *conn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return c.d.newRows(), nil
}

func (c *conn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return result{}, nil
}

func (c *conn) Ping(context.Context) error { return nil }

func (c *conn) ResetSession(context.Context) error { return nil }

func (c *conn) IsValid() bool { return !c.closed }

// CheckNamedValue accepts every argument as it is, like pgx's stdlib, which
// encodes Go values itself.
func (c *conn) CheckNamedValue(*driver.NamedValue) error { return nil }

type stmt struct{ c *conn }

var (
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (s *stmt) Close() error                               { return nil }
func (s *stmt) NumInput() int                              { return -1 }
func (s *stmt) Exec([]driver.Value) (driver.Result, error) { return result{}, nil }
func (s *stmt) Query([]driver.Value) (driver.Rows, error)  { return s.c.d.newRows(), nil }
func (s *stmt) CheckNamedValue(*driver.NamedValue) error   { return nil }
func (s *stmt) ExecContext(context.Context, []driver.NamedValue) (driver.Result, error) {
	return result{}, nil
}
func (s *stmt) QueryContext(context.Context, []driver.NamedValue) (driver.Rows, error) {
	return s.c.d.newRows(), nil
}

type tx struct{}

func (tx) Commit() error   { return nil }
func (tx) Rollback() error { return nil }

// result is what every exec reports.
type result struct{}

func (result) LastInsertId() (int64, error) { return 1, nil }
func (result) RowsAffected() (int64, error) { return 1, nil }

type rows struct {
	res *resultSet
	i   int
}

func (d *Driver) newRows() *rows { return &rows{res: d.res.Load()} }

func (r *rows) Columns() []string { return r.res.cols }

func (r *rows) Close() error { r.i = len(r.res.rows); return nil }

func (r *rows) Next(dest []driver.Value) error {
	if r.i >= len(r.res.rows) {
		return io.EOF
	}
	copy(dest, r.res.rows[r.i])
	r.i++
	return nil
}
