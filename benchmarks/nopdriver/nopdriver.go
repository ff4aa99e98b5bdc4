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
// It is internal/fakedb set up like a real driver such as pgx's stdlib:
// its connections accept every argument as it is (no default conversion
// by database/sql), and it allocates one Rows value per query and nothing
// per row, handing the canned values to database/sql as they are, the way
// a driver that decodes into preallocated buffers would.
package nopdriver

import (
	"database/sql/driver"

	"github.com/aiodb/aiodb/internal/fakedb"
)

// Driver is a do-nothing driver. Its methods are safe for concurrent use.
type Driver struct{ *fakedb.Driver }

var (
	_ driver.Driver        = Driver{}
	_ driver.DriverContext = Driver{}
)

// New returns a driver whose queries answer with no columns and no rows
// until SetRows is called.
func New() *Driver {
	return &Driver{fakedb.NewWith(nil, nil, fakedb.Options{AnyArgs: true, FreshRows: true})}
}

// SetRows sets the answer of the queries started after it; rows already
// being read keep the answer they started with. The slices are kept, not
// copied, so the caller must not change them afterwards. Each row must have
// len(cols) values of driver.Value types (int64, float64, bool, []byte,
// string, time.Time or nil).
func (d *Driver) SetRows(cols []string, rows [][]driver.Value) { d.SetResult(cols, rows) }
