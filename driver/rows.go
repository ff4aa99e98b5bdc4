package driver

import (
	"context"
	"database/sql/driver"
	"io"
	"reflect"

	"github.com/aiodb/aiodb/hooks"
)

// rows wraps the inner rows when there is something to do at the end: fire
// OnStatementEnd (ev != nil), close a statement the wrapper prepared, or
// tell the statement cache that the rows are closed (tracked).
type rows struct {
	inner   driver.Rows
	stmt    driver.Stmt // closed after the rows, or nil
	c       *conn
	ev      *hooks.StatementEvent
	ctx     context.Context
	cs      *cachedStmt // the cached statement read from, or nil
	n       int64
	err     error // the error that ended Next, if not io.EOF
	closed  bool
	tracked bool // counted in c.openRows
}

var (
	_ driver.RowsNextResultSet              = (*rows)(nil)
	_ driver.RowsColumnTypeScanType         = (*rows)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*rows)(nil)
	_ driver.RowsColumnTypeLength           = (*rows)(nil)
	_ driver.RowsColumnTypeNullable         = (*rows)(nil)
	_ driver.RowsColumnTypePrecisionScale   = (*rows)(nil)
)

// Unwrap returns the inner driver's rows.
func (r *rows) Unwrap() driver.Rows { return r.inner }

func (r *rows) Columns() []string { return r.inner.Columns() }

func (r *rows) Next(dest []driver.Value) (err error) {
	if r.c != nil {
		// database/sql's Rows.Close would release the connection as
		// good after a panic here, for reuse mid-protocol.
		defer r.c.catchPanic("next", &err)
	}
	err = r.inner.Next(dest)
	switch err {
	case nil:
		r.n++
	case io.EOF:
	default:
		r.err = err
	}
	return err
}

// Close closes the inner rows, then the statement the wrapper prepared for
// them (or a cached statement evicted while they were open), and fires
// OnStatementEnd with the number of rows read.
func (r *rows) Close() (err error) {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.c != nil {
		// database/sql's Rows.close would keep the connection on a panic.
		defer r.c.catchPanic("close", &err)
		r.c.endIOIfBroken()
	}
	err = r.inner.Close()
	if r.stmt != nil {
		r.stmt.Close()
	}
	if r.tracked {
		r.c.rowsClosed(r.cs)
	}
	if r.ev != nil {
		evErr := r.err
		if evErr == nil {
			evErr = err
		}
		r.c.end(r.ctx, r.ev, r.n, evErr)
	}
	return err
}

// HasNextResultSet forwards; inner rows without RowsNextResultSet have
// no other result set.
func (r *rows) HasNextResultSet() bool {
	if x, ok := r.inner.(driver.RowsNextResultSet); ok {
		return x.HasNextResultSet()
	}
	return false
}

// NextResultSet forwards; inner rows without RowsNextResultSet report
// io.EOF, which database/sql treats as it treats the missing interface.
func (r *rows) NextResultSet() error {
	if x, ok := r.inner.(driver.RowsNextResultSet); ok {
		return x.NextResultSet()
	}
	return io.EOF
}

var anyType = reflect.TypeFor[any]()

// The ColumnType methods forward, or return what database/sql assumes
// when the inner rows lack the interface.

func (r *rows) ColumnTypeScanType(i int) reflect.Type {
	if x, ok := r.inner.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(i)
	}
	return anyType
}

func (r *rows) ColumnTypeDatabaseTypeName(i int) string {
	if x, ok := r.inner.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *rows) ColumnTypeLength(i int) (int64, bool) {
	if x, ok := r.inner.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *rows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if x, ok := r.inner.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *rows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if x, ok := r.inner.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// panicRows stands for the rows of a query refused under SyncPanic:
// nothing was sent, and the panic comes from Columns or Next, where
// database/sql's Row.Scan and the caller's deferred rows.Close release the
// connection. Close does not panic: that would leak it.
type panicRows struct{ e *SyncCallError }

func (p panicRows) Columns() []string              { panic(p.e) }
func (p panicRows) Next(dest []driver.Value) error { panic(p.e) }
func (p panicRows) Close() error                   { return nil }
