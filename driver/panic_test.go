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

// panicky is an inner driver that panics in the one call named by on,
// after waiting late when it is set (so that the call's context has ended
// by then). It counts the connections it opens.
type panicky struct {
	on       atomic.Value
	late     atomic.Int64 // time.Duration
	connects atomic.Int64
}

func (p *panicky) check(op string) {
	if v, _ := p.on.Load().(string); v == op {
		time.Sleep(time.Duration(p.late.Load()))
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
	c.p.connects.Add(1)
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
// in turn, on a pool of one connection, with hooks on (so that the wrapper
// wraps the rows). database/sql survives none of these panics: it keeps
// the connection checked out for ever (Query, Prepare, Begin, a prepared
// statement's Exec and Query, Commit, Rollback, Ping, Rows.Close,
// ResetSession, IsValid), counts a connection that never opened
// (Connect), or puts the connection back as good for reuse mid-protocol
// (an Exec on the pool, Rows.Next). So every call must return a
// *PanicError with the panic's value (no panic reaches the caller), one
// that matches ErrConnLost where a statement's outcome is unknown (exec,
// query, commit, a row read), and the connection must be discarded: the
// next query runs on a new connection within 2 s, and nothing is in use.
// A panic in ResetSession or IsValid is no call's error: the connection
// is replaced and the call runs. Run again with the panic coming after
// the call's context ended, every error also matches the context's error.
func TestDriverPanicsKeepPool(t *testing.T) {
	for _, late := range []bool{false, true} {
		name := "at-once"
		if late {
			name = "after-deadline"
		}
		t.Run(name, func(t *testing.T) { testDriverPanics(t, late) })
	}
}

func testDriverPanics(t *testing.T, late bool) {
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
	// ctx is the context of the call that panics: with late, its deadline
	// passes while the driver runs, before the panic. The statements the
	// cases prepare or begin before it use bg.
	ctx := bg
	if late {
		p.late.Store(int64(30 * time.Millisecond))
	}
	cases := []struct {
		op      string
		unknown bool // the statement's outcome is unknown: ErrConnLost
		run     func(ctx context.Context) error
	}{
		{"connect", false, func(ctx context.Context) error { db.SetMaxIdleConns(0); db.SetMaxIdleConns(1); return one(ctx) }},
		{"query", true, one},
		{"exec", true, func(ctx context.Context) error { _, err := db.ExecContext(ctx, "UPDATE"); return err }},
		{"prepare", false, func(ctx context.Context) error { _, err := db.PrepareContext(ctx, "SELECT"); return err }},
		{"stmt-exec", true, func(ctx context.Context) error {
			st, err := db.PrepareContext(bg, "UPDATE ?")
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = st.ExecContext(ctx, 1)
			return err
		}},
		{"stmt-query", true, func(ctx context.Context) error {
			st, err := db.PrepareContext(bg, "SELECT ?")
			if err != nil {
				return err
			}
			defer st.Close()
			var v int64
			return st.QueryRowContext(ctx, 1).Scan(&v)
		}},
		{"begin", false, func(ctx context.Context) error { _, err := db.BeginTx(ctx, nil); return err }},
		{"commit", true, func(ctx context.Context) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Commit()
		}},
		{"rollback", false, func(ctx context.Context) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Rollback()
		}},
		{"ping", false, func(ctx context.Context) error { return db.PingContext(ctx) }},
		{"reset", false, one},   // ResetSession answers ErrBadConn: a new connection
		{"isvalid", false, one}, // IsValid answers false: discarded on return
		{"next", true, one},
		{"close", true, func(ctx context.Context) error {
			rows, err := db.QueryContext(ctx, "SELECT")
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
			connects := p.connects.Load()
			callCtx, cancelCall := ctx, func() {}
			// database/sql checks a transaction's context before COMMIT and
			// ROLLBACK: there the deadline passes only inside the driver.
			if late && c.op != "commit" && c.op != "rollback" && c.op != "reset" && c.op != "isvalid" {
				callCtx, cancelCall = context.WithTimeout(bg, 5*time.Millisecond)
			}
			defer cancelCall()
			p.on.Store(c.op)
			var recovered any
			err := func() (err error) {
				defer func() { recovered = recover() }()
				return c.run(callCtx)
			}()
			p.on.Store("")
			var pe *aiodriver.PanicError
			switch {
			case recovered != nil:
				t.Errorf("a panic in %s reached the caller (%v): database/sql would keep the connection or reuse it", c.op, recovered)
			case c.op == "reset" || c.op == "isvalid":
				// Not an error of the call: the connection is replaced.
				if err != nil {
					t.Errorf("a panic in %s: error %v; want the connection replaced and the call done", c.op, err)
				}
			case callCtx != bg && errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &pe):
				// database/sql saw the ended context first and gave up
				// (Rows.Next, Row.Scan); the panic came after.
			case !errors.As(err, &pe) || pe.Op == "" || len(pe.Stack) == 0:
				t.Errorf("a panic in %s: error %v; want a *PanicError with its op and stack", c.op, err)
			default:
				if v, ok := pe.Value.(error); !ok || !errors.Is(err, v) {
					t.Errorf("%v does not unwrap to the panic's value", err)
				}
				if errors.Is(err, aiodriver.ErrConnLost) != c.unknown || pe.OutcomeUnknown != c.unknown {
					t.Errorf("a panic in %s: %v: matches ErrConnLost %v, OutcomeUnknown %v; want %v", c.op, err,
						errors.Is(err, aiodriver.ErrConnLost), pe.OutcomeUnknown, c.unknown)
				}
				if callCtx != bg && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("a panic in %s after the context's deadline: %v does not match context.DeadlineExceeded", c.op, err)
				}
			}
			next, cancel := context.WithTimeout(bg, 2*time.Second)
			defer cancel()
			if err := one(next); err != nil {
				t.Errorf("the next query after a panic in %s: %v (the pool of 1 lost its connection)", c.op, err)
			}
			if p.connects.Load() == connects {
				t.Errorf("after a panic in %s the next query ran on the same connection: it should have been discarded", c.op)
			}
			if st := db.Stats(); st.InUse != 0 || st.OpenConnections > 1 {
				t.Errorf("after a panic in %s: %+v", c.op, st)
			}
		})
	}
}
