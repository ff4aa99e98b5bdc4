package driver_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"testing"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
)

// tracer is a driver that wraps the guarded one, as a tracing or metrics
// driver (otelsql) does: its frames sit between database/sql and the
// guard. It is declared in a _test.go file, whose frames always count as
// callers, so nothing but the fix below keeps it from being named.
type tracer struct{ inner sqldriver.Connector }

func (t tracer) Connect(ctx context.Context) (sqldriver.Conn, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return tracerConn{c}, nil
}

func (t tracer) Driver() sqldriver.Driver { return t.inner.Driver() }

type tracerConn struct{ sqldriver.Conn }

func (c tracerConn) QueryContext(ctx context.Context, q string, args []sqldriver.NamedValue) (sqldriver.Rows, error) {
	return c.Conn.(sqldriver.QueryerContext).QueryContext(ctx, q, args)
}

func (c tracerConn) ExecContext(ctx context.Context, q string, args []sqldriver.NamedValue) (sqldriver.Result, error) {
	return c.Conn.(sqldriver.ExecerContext).ExecContext(ctx, q, args)
}

// TestGuardUnderWrappingDriver: with a driver wrapping aiodb's between
// database/sql and the guard, the reported caller is still the line that
// called database/sql, not the wrapper's, and SyncPanic still knows
// database/sql is on the stack: Query does not panic inside queryDC (which
// would leak the connection) but returns rows whose Next panics, so a pool
// of one connection survives many refused queries.
func TestGuardUnderWrappingDriver(t *testing.T) {
	for _, mode := range []driver.SyncMode{driver.SyncError, driver.SyncPanic} {
		t.Run(mode.String(), func(t *testing.T) {
			inner := driver.NewConnector(fakedb.New([]string{"n"}, [][]sqldriver.Value{{int64(1)}}).Connector(), driver.Options{Sync: mode})
			db := sql.OpenDB(tracer{inner})
			defer db.Close()
			db.SetMaxOpenConns(1)
			ctx := context.Background()

			var se *driver.SyncCallError
			where := nextLine(t)
			err := syncExec(func() error { _, err := db.ExecContext(ctx, "DELETE FROM t"); return err })
			if !errors.As(err, &se) || se.Caller != where {
				t.Fatalf("exec: %v (caller %q); want a *SyncCallError naming %s", err, callerOf(se), where)
			}
			for range 20 {
				where = nextLine(t)
				rows, err := db.QueryContext(ctx, "SELECT n FROM t")
				if mode == driver.SyncError {
					if !errors.As(err, &se) || se.Caller != where {
						t.Fatalf("query: %v (caller %q); want a *SyncCallError naming %s", err, callerOf(se), where)
					}
					continue
				}
				if err != nil {
					t.Fatalf("query under panic: %v; want rows whose Next panics", err)
				}
				err = syncExec(func() error { rows.Next(); return nil })
				rows.Close()
				if !errors.As(err, &se) || se.Caller != where {
					t.Fatalf("rows.Next: %v (caller %q); want a *SyncCallError naming %s", err, callerOf(se), where)
				}
			}
			var n int
			if err := db.QueryRowContext(driver.AllowSync(ctx), "SELECT n FROM t").Scan(&n); err != nil || n != 1 {
				t.Fatalf("allowed query after the refusals: %d, %v; want the pool's one connection back", n, err)
			}
		})
	}
}

func callerOf(se *driver.SyncCallError) string {
	if se == nil {
		return ""
	}
	return se.Caller
}
