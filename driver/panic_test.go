package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// panicky is an inner driver that panics in the one call named by on.
type panicky struct{ on atomic.Value }

func (p *panicky) check(op string) {
	if v, _ := p.on.Load().(string); v == op {
		panic(fmt.Errorf("boom in %s", op))
	}
}

type pDriver struct{ p *panicky }

func (d pDriver) Open(string) (driver.Conn, error) {
	return pConnector(d).Connect(context.Background())
}
func (d pDriver) OpenConnector(string) (driver.Connector, error) { return pConnector(d), nil }
func (c pConnector) Driver() driver.Driver                       { return pDriver(c) }
func (c pConnector) Connect(context.Context) (driver.Conn, error) {
	c.p.check("connect")
	return &pConn{c.p}, nil
}
func (c *pConn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}
func (c *pConn) Close() error { return nil }
func (c *pConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}
func (c *pConn) Ping(context.Context) error         { c.p.check("ping"); return nil }
func (c *pConn) ResetSession(context.Context) error { c.p.check("reset"); return nil }
func (c *pConn) IsValid() bool                      { c.p.check("isvalid"); return true }
func (t pTx) Commit() error                         { t.p.check("commit"); return nil }
func (t pTx) Rollback() error                       { t.p.check("rollback"); return nil }
func (s *pStmt) Close() error                       { return nil }
func (s *pStmt) NumInput() int                      { return -1 }
func (s *pStmt) Exec([]driver.Value) (driver.Result, error) {
	s.p.check("stmt-exec")
	return driver.RowsAffected(1), nil
}
func (s *pStmt) Query([]driver.Value) (driver.Rows, error) {
	s.p.check("stmt-query")
	return &pRows{p: s.p}, nil
}
func (r *pRows) Columns() []string { return []string{"v"} }
func (r *pRows) Close() error      { r.p.check("close"); return nil }
func (c *pConn) PrepareContext(context.Context, string) (driver.Stmt, error) {
	c.p.check("prepare")
	return &pStmt{c.p}, nil
}
func (c *pConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	c.p.check("begin")
	return pTx{c.p}, nil
}
func (c *pConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	c.p.check("query")
	return &pRows{p: c.p}, nil
}
func (c *pConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	c.p.check("exec")
	return driver.RowsAffected(1), nil
}
func (r *pRows) Next(dest []driver.Value) error {
	r.p.check("next")
	if r.n > 0 {
		return io.EOF
	}
	r.n++
	dest[0] = int64(1)
	return nil
}

type (
	pConnector struct{ p *panicky }
	pConn      struct{ p *panicky }
	pTx        struct{ p *panicky }
	pStmt      struct{ p *panicky }
	pRows      struct {
		p *panicky
		n int
	}
)

// TestDriverPanicsKeepPool makes the inner driver panic inside each call
// in turn, on a pool of one connection, with hooks on (Rows.Close is
// covered when the wrapper wraps the rows: with hooks, the statement
// cache or a context that can end). Where database/sql releases the
// connection during a panic (an Exec on the pool, Rows.Next) the panic
// reaches the caller unchanged;
// everywhere else database/sql would keep the connection checked out for
// ever (or, for Connect, count a connection that never opened), so the
// wrapper returns a *PanicError with the panic's value and discards the
// connection. Either way the pool is whole afterwards: nothing in use,
// and the next query runs within 2 s instead of waiting for a slot that
// never comes back.
func TestDriverPanicsKeepPool(t *testing.T) {
	p := &panicky{}
	c, err := aiodriver.Wrap(pDriver{p}, aiodriver.Options{Hooks: &hooks.Base{}}).OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1)
	bg := context.Background()
	one := func(ctx context.Context) error {
		var v int64
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&v)
	}
	cases := []struct {
		op     string
		passes bool // the panic reaches the caller
		run    func() error
	}{
		{"connect", false, func() error { db.SetMaxIdleConns(0); db.SetMaxIdleConns(1); return one(bg) }},
		{"query", false, func() error { return one(bg) }},
		{"exec", true, func() error { _, err := db.ExecContext(bg, "UPDATE"); return err }},
		{"prepare", false, func() error { _, err := db.PrepareContext(bg, "SELECT"); return err }},
		{"stmt-exec", false, func() error {
			st, err := db.PrepareContext(bg, "UPDATE ?")
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = st.ExecContext(bg, 1)
			return err
		}},
		{"stmt-query", false, func() error {
			st, err := db.PrepareContext(bg, "SELECT ?")
			if err != nil {
				return err
			}
			defer st.Close()
			var v int64
			return st.QueryRowContext(bg, 1).Scan(&v)
		}},
		{"begin", false, func() error { _, err := db.BeginTx(bg, nil); return err }},
		{"commit", false, func() error {
			tx, err := db.BeginTx(bg, nil)
			if err != nil {
				return err
			}
			return tx.Commit()
		}},
		{"rollback", false, func() error {
			tx, err := db.BeginTx(bg, nil)
			if err != nil {
				return err
			}
			return tx.Rollback()
		}},
		{"ping", false, func() error { return db.PingContext(bg) }},
		{"reset", false, func() error { return one(bg) }},   // ResetSession answers ErrBadConn: a new connection
		{"isvalid", false, func() error { return one(bg) }}, // IsValid answers false: discarded on return
		{"next", true, func() error { return one(bg) }},
		{"close", false, func() error {
			rows, err := db.QueryContext(bg, "SELECT")
			if err != nil {
				return err
			}
			return rows.Close()
		}},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			if err := one(bg); err != nil { // a pooled connection to reuse (ResetSession)
				t.Fatal(err)
			}
			p.on.Store(c.op)
			var recovered any
			err := func() (err error) {
				defer func() { recovered = recover() }()
				return c.run()
			}()
			p.on.Store("")
			var pe *aiodriver.PanicError
			switch {
			case c.passes:
				if re, ok := recovered.(error); !ok || re.Error() != "boom in "+c.op {
					t.Errorf("a panic in %s: recovered %v (error %v); want the driver's panic to reach the caller", c.op, recovered, err)
				}
			case c.op == "reset" || c.op == "isvalid":
				// Not an error of the call: the connection is replaced.
				if recovered != nil || err != nil {
					t.Errorf("a panic in %s: panic %v, error %v; want the connection replaced and the call done", c.op, recovered, err)
				}
			case recovered != nil:
				t.Errorf("a panic in %s reached the caller (%v): database/sql would have kept the connection", c.op, recovered)
			case !errors.As(err, &pe) || pe.Op == "" || len(pe.Stack) == 0:
				t.Errorf("a panic in %s: error %v; want a *PanicError with its op and stack", c.op, err)
			default:
				if v, ok := pe.Value.(error); !ok || !errors.Is(err, v) {
					t.Errorf("%v does not unwrap to the panic's value", err)
				}
			}
			ctx, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			if err := one(ctx); err != nil {
				t.Errorf("the next query after a panic in %s: %v (the pool of 1 lost its connection)", c.op, err)
			}
			if st := db.Stats(); st.InUse != 0 || st.OpenConnections > 1 {
				t.Errorf("after a panic in %s: %+v", c.op, st)
			}
		})
	}
}
