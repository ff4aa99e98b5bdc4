package driver

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/aiodb/aiodb/hooks"
)

// stmt is a guarded prepared statement.
type stmt struct {
	c       *conn
	inner   driver.Stmt
	query   string
	checker driver.NamedValueChecker // the inner statement's, else the inner conn's
}

// stmtCC is the statement used when the inner one implements the
// deprecated driver.ColumnConverter: database/sql behaves differently with
// it, so the wrapper offers it exactly when the inner statement does.
type stmtCC struct{ *stmt }

// ColumnConverter forwards to the inner statement.
func (s stmtCC) ColumnConverter(idx int) driver.ValueConverter { //nolint:staticcheck
	return s.inner.(driver.ColumnConverter).ColumnConverter(idx) //nolint:staticcheck
}

var (
	_ driver.Stmt              = (*stmt)(nil)
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (c *conn) newStmt(si driver.Stmt, query string) driver.Stmt {
	s := &stmt{c: c, inner: si, query: query}
	if nvc, ok := si.(driver.NamedValueChecker); ok {
		s.checker = nvc
	} else {
		s.checker = c.checker
	}
	if _, ok := si.(driver.ColumnConverter); ok { //nolint:staticcheck
		return stmtCC{s}
	}
	return s
}

// Unwrap returns the inner driver's statement.
func (s *stmt) Unwrap() driver.Stmt { return s.inner }

// Close closes the inner statement.
func (s *stmt) Close() error { return s.inner.Close() }

// NumInput forwards to the inner statement.
func (s *stmt) NumInput() int { return s.inner.NumInput() }

// CheckNamedValue forwards to the inner statement's NamedValueChecker, or
// else to the inner connection's (database/sql uses the connection's when
// the statement has none); without either it returns driver.ErrSkip.
func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	if s.checker == nil {
		return driver.ErrSkip
	}
	return s.checker.CheckNamedValue(nv)
}

// Exec is ExecContext with context.Background(), which is a sync call.
func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), valueToNamedValue(args))
}

// Query is QueryContext with context.Background(), which is a sync call.
func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), valueToNamedValue(args))
}

// ExecContext runs the statement after the guard. Under SyncPanic a sync
// call made through database/sql returns the *SyncCallError instead of
// panicking, because (*sql.Stmt).ExecContext does not release its
// connection on a panic.
func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (_ driver.Result, err error) {
	c := s.c
	if e, p := c.guard(ctx, opExec, s.query, ""); e != nil {
		if p {
			panic(e)
		}
		return nil, e
	}
	w, err := c.watchCall(ctx, "exec")
	if err != nil {
		return nil, err
	}
	if w.on {
		defer func() { err = w.result(err) }()
	}
	// (*sql.Stmt).ExecContext does not release its connection on a panic.
	defer c.catchPanic("exec", &err)
	if c.opts.Hooks == nil {
		return stmtExec(ctx, s.inner, args)
	}
	hctx, ev := c.start(ctx, hooks.StmtExec, s.query, args)
	res, err := stmtExec(hctx, s.inner, args)
	n := int64(-1)
	if err == nil {
		if ra, raErr := res.RowsAffected(); raErr == nil {
			n = ra
		}
	}
	c.end(hctx, ev, n, err)
	return res, err
}

// QueryContext runs the statement after the guard; under SyncPanic a sync
// call returns rows whose Columns and Next panic (see conn.QueryContext).
func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (out driver.Rows, err error) {
	c := s.c
	if e, _ := c.guard(ctx, opQuery, s.query, ""); e != nil {
		if e.Mode == SyncPanic {
			return panicRows{e}, nil
		}
		return nil, e
	}
	w, err := c.watchCall(ctx, "query")
	if err != nil {
		return nil, err
	}
	if w.on {
		defer func() {
			if err = w.result(err); err == nil {
				out = c.wrapRowsCtx(ctx, out)
			}
		}()
	}
	defer c.catchPanic("query", &err)
	if c.opts.Hooks == nil {
		ri, err := stmtQuery(ctx, s.inner, args)
		if c.cache == nil || err != nil {
			return ri, err
		}
		return c.trackRows(&rows{inner: ri}, nil), nil
	}
	hctx, ev := c.start(ctx, hooks.StmtQuery, s.query, args)
	ri, err := stmtQuery(hctx, s.inner, args)
	if err != nil {
		c.end(hctx, ev, -1, err)
		return nil, err
	}
	r := &rows{inner: ri, c: c, ev: ev, ctx: hctx}
	if c.cache != nil {
		c.trackRows(r, nil)
	}
	return r, nil
}

func stmtExec(ctx context.Context, si driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	if s, ok := si.(driver.StmtExecContext); ok {
		return s.ExecContext(ctx, args)
	}
	dargs, err := namedValueToValue(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return si.Exec(dargs) //nolint:staticcheck // the inner statement has nothing else
}

func stmtQuery(ctx context.Context, si driver.Stmt, args []driver.NamedValue) (driver.Rows, error) {
	if s, ok := si.(driver.StmtQueryContext); ok {
		return s.QueryContext(ctx, args)
	}
	dargs, err := namedValueToValue(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return si.Query(dargs) //nolint:staticcheck // the inner statement has nothing else
}

// checkNumInput is database/sql's argument count check, for statements
// the wrapper prepares itself.
func checkNumInput(si driver.Stmt, args []driver.NamedValue) error {
	if want := si.NumInput(); want != -1 && len(args) != want {
		return fmt.Errorf("sql: expected %d arguments, got %d", want, len(args))
	}
	return nil
}

func valueToNamedValue(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}
