package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

// conn is a guarded connection. database/sql serialises the calls on one
// connection, so its fields need no locking.
type conn struct {
	inner driver.Conn
	opts  *Options
	id    uint64
	inTx  bool
	// txCtx is the context the hooks' TxStarter returned for the open
	// transaction, for its statements' events; nil without a TxStarter.
	txCtx context.Context

	// The prepared-statement cache; nil when off. openRows counts the
	// rows open on the connection (only kept with a cache).
	cache    *stmtCache
	openRows int
	// be is the driver's Backend (noBackend for Wrap and NewConnector;
	// its Cache applies with the cache off too: BadConnAfterSend is not
	// about the cache), and native its native connection under inner
	// (pgx's), or nil.
	be     *Backend
	native NativeConn

	// The inner connection's optional interfaces, asserted once.
	queryer   driver.QueryerContext
	execer    driver.ExecerContext
	queryerV  driver.Queryer //nolint:staticcheck // legacy drivers
	execerV   driver.Execer  //nolint:staticcheck // legacy drivers
	preparer  driver.ConnPrepareContext
	beginner  driver.ConnBeginTx
	checker   driver.NamedValueChecker
	pinger    driver.Pinger
	resetter  driver.SessionResetter
	validator driver.Validator

	// netConn is the socket under the inner connection when the
	// connector recorded it (lib/pq), for ResetSession's liveness check.
	netConn net.Conn

	// broken: the inner driver panicked on this connection (see
	// PanicError); database/sql is told to discard it.
	broken atomic.Bool
}

// validConn is the connection used when the inner one can say whether
// it is still open: it implements driver.Validator, or it is pgx's, whose
// stdlib connection does not but whose *pgx.Conn knows (IsClosed).
// database/sql keeps a connection after a rollback caused by a cancelled
// context only when it has both ResetSession and IsValid, so the wrapper
// must not claim IsValid for inner connections that cannot tell. For pgx
// it matters the other way round too: pgx closes a connection whose
// statement a context ended, and without IsValid database/sql put it back
// in the pool, where the next caller met a bare driver.ErrBadConn.
type validConn struct{ *conn }

// IsValid reports whether the inner connection is still open (see
// conn.innerOpen).
func (c validConn) IsValid() (ok bool) {
	if c.broken.Load() {
		return false
	}
	defer func() {
		if r := recover(); r != nil { // database/sql would keep the connection checked out
			c.broken.Store(true)
			ok = false
		}
	}()
	return c.innerOpen()
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
	_ driver.Validator          = validConn{}
)

func newConn(inner driver.Conn, opts *Options, be *Backend) *conn {
	c := &conn{inner: inner, opts: opts, id: lastConnID.Add(1), be: be}
	if pg := be.Postgres; pg != nil && pg.Native != nil {
		c.native, _ = pg.Native(inner)
	}
	if opts.StmtCacheSize > 0 {
		c.cache = newStmtCache(opts.StmtCacheSize)
		uniquePQNames(inner) // no other client's statement of the same name behind a pooler
	}
	c.queryer, _ = inner.(driver.QueryerContext)
	c.execer, _ = inner.(driver.ExecerContext)
	c.queryerV, _ = inner.(driver.Queryer) //nolint:staticcheck
	c.execerV, _ = inner.(driver.Execer)   //nolint:staticcheck
	c.preparer, _ = inner.(driver.ConnPrepareContext)
	c.beginner, _ = inner.(driver.ConnBeginTx)
	c.checker, _ = inner.(driver.NamedValueChecker)
	c.pinger, _ = inner.(driver.Pinger)
	c.resetter, _ = inner.(driver.SessionResetter)
	c.validator, _ = inner.(driver.Validator)
	return c
}

// Unwrap returns the inner driver's connection, for driver-specific
// methods. Reach it with (*sql.Conn).Raw and InnerConn.
func (c *conn) Unwrap() driver.Conn { return c.inner }

// InnerConn returns the inner driver's connection of a guarded connection
// as (*sql.Conn).Raw passes it to its function, and any other connection
// unchanged.
func InnerConn(driverConn any) any {
	if u, ok := driverConn.(interface{ Unwrap() driver.Conn }); ok {
		return u.Unwrap()
	}
	return driverConn
}

// ConnID returns the connection's process-unique id, as hooks report it.
func (c *conn) ConnID() uint64 { return c.id }

// start fires OnStatementStart; only called when there are hooks.
func (c *conn) start(ctx context.Context, kind hooks.StmtKind, query string, args []driver.NamedValue) (context.Context, *hooks.StatementEvent) {
	e := &hooks.StatementEvent{
		ConnID: c.id, Kind: kind, SQL: query, Args: args,
		Start: time.Now(), Async: IsAsync(ctx), InTx: c.inTx, Rows: -1,
		Internal: IsInternal(ctx), Driver: c.opts.Name, TxContext: c.txCtx,
	}
	return c.opts.Hooks.OnStatementStart(ctx, e), e
}

// end fires OnStatementEnd.
func (c *conn) end(ctx context.Context, e *hooks.StatementEvent, rows int64, err error) {
	e.Duration = time.Since(e.Start)
	e.Rows = rows
	e.Err = err
	c.opts.Hooks.OnStatementEnd(ctx, e)
}

// Prepare is PrepareContext with context.Background(), which is a sync
// call.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext prepares query on the inner connection, after the guard.
// Under SyncPanic a sync call panics (database/sql releases the connection
// in prepareDC's defer) unless the call comes from a database/sql path
// that would leak the connection (re-preparing a *sql.Stmt on another
// connection, Tx.Stmt): there it returns the *SyncCallError.
func (c *conn) PrepareContext(ctx context.Context, query string) (_ driver.Stmt, err error) {
	if e, p := c.guard(ctx, opPrepare, query, sqlPrepareDC); e != nil {
		if p {
			panic(e)
		}
		return nil, e
	}
	w, err := c.watchCall(ctx, "prepare")
	if err != nil {
		return nil, err
	}
	if w.on {
		defer func() { err = w.result(err) }()
	}
	defer c.catchPanic("prepare", &err)
	if c.opts.Hooks == nil {
		si, err := c.prepare(ctx, query)
		if err != nil {
			return nil, err
		}
		return c.newStmt(si, query), nil
	}
	hctx, ev := c.start(ctx, hooks.StmtPrepare, query, nil)
	si, err := c.prepare(hctx, query)
	c.end(hctx, ev, -1, err)
	if err != nil {
		return nil, err
	}
	return c.newStmt(si, query), nil
}

// prepare prepares on the inner connection as database/sql would.
func (c *conn) prepare(ctx context.Context, query string) (driver.Stmt, error) {
	if c.preparer != nil {
		return c.preparer.PrepareContext(ctx, query)
	}
	si, err := c.inner.Prepare(query)
	if err == nil {
		select {
		default:
		case <-ctx.Done():
			si.Close()
			return nil, ctx.Err()
		}
	}
	return si, err
}

// ExecContext runs query on the inner connection, after the guard. Under
// SyncPanic a sync call panics: database/sql's execDC releases the
// connection in a defer. With the statement cache on, a cacheable
// statement with arguments runs on a statement prepared on the connection
// by its first use. When the inner connection has no ExecerContext or
// returns driver.ErrSkip, the statement is prepared, run and closed here,
// so that hooks see one statement.
func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (_ driver.Result, err error) {
	if e, p := c.guard(ctx, opExec, query, sqlExecDC); e != nil {
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
	// database/sql's execDC releases the connection on a panic, but as
	// good: it would be reused, mid-protocol. lib/pq panics (a runtime
	// error) on a message it cannot frame.
	defer c.catchPanic("exec", &err)
	if c.cache != nil {
		return c.execWithCache(ctx, query, args)
	}
	h := c.opts.Hooks
	if h == nil {
		return c.exec(ctx, query, args)
	}
	kind, name := classifyTx(query)
	hctx, ev := c.start(ctx, hooks.StmtExec, query, args)
	res, err := c.exec(hctx, query, args)
	n := int64(-1)
	if err == nil {
		if ra, raErr := res.RowsAffected(); raErr == nil {
			n = ra
		}
	}
	c.end(hctx, ev, n, err)
	if kind != 0 {
		h.OnTx(ctx, &hooks.TxEvent{ConnID: c.id, Driver: c.opts.Name, Kind: kind, Name: name, Duration: ev.Duration, Err: err, Async: ev.Async})
	}
	return res, err
}

func (c *conn) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	switch {
	case c.execer != nil:
		res, err := c.execer.ExecContext(ctx, query, args)
		if err != driver.ErrSkip { // database/sql compares, so do we
			return res, err
		}
	case c.execerV != nil:
		dargs, err := namedValueToValue(args)
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := c.execerV.Exec(query, dargs)
		if err != driver.ErrSkip { // database/sql compares, so do we
			return res, err
		}
	}
	si, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	defer si.Close()
	if err := checkNumInput(si, args); err != nil {
		return nil, err
	}
	return stmtExec(ctx, si, args)
}

// QueryContext runs query on the inner connection, after the guard. Under
// SyncPanic a sync call returns rows whose Columns and Next panic, without
// touching the inner connection: database/sql's queryDC would leak the
// connection on a panic here, while Row.Scan and a deferred rows.Close
// release it when Next panics. With the statement cache on, a cacheable
// query with arguments runs on a statement prepared on the connection by
// its first use (see ExecContext).
func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (out driver.Rows, err error) {
	if e, _ := c.guard(ctx, opQuery, query, ""); e != nil {
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
	if c.cache != nil {
		return c.queryWithCache(ctx, query, args)
	}
	if c.opts.Hooks == nil {
		ri, si, err := c.query(ctx, query, args)
		if si == nil || err != nil {
			return ri, err
		}
		return &rows{inner: ri, stmt: si, c: c}, nil
	}
	hctx, ev := c.start(ctx, hooks.StmtQuery, query, args)
	ri, si, err := c.query(hctx, query, args)
	if err != nil {
		c.end(hctx, ev, -1, err)
		return nil, err
	}
	return &rows{inner: ri, stmt: si, c: c, ev: ev, ctx: hctx}, nil
}

// query returns the rows and, when it had to prepare a statement itself,
// the statement to close after them.
func (c *conn) query(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, driver.Stmt, error) {
	switch {
	case c.queryer != nil:
		ri, err := c.queryer.QueryContext(ctx, query, args)
		if err != driver.ErrSkip { // database/sql compares, so do we
			return ri, nil, err
		}
	case c.queryerV != nil:
		dargs, err := namedValueToValue(args)
		if err != nil {
			return nil, nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ri, err := c.queryerV.Query(query, dargs)
		if err != driver.ErrSkip { // database/sql compares, so do we
			return ri, nil, err
		}
	}
	si, err := c.prepare(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	if err := checkNumInput(si, args); err != nil {
		si.Close()
		return nil, nil, err
	}
	ri, err := stmtQuery(ctx, si, args)
	if err != nil {
		si.Close()
		return nil, nil, err
	}
	return ri, si, nil
}

// Begin is BeginTx with context.Background(), which is a sync call.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx starts a transaction on the inner connection, forwarding the
// isolation level and read-only flag, after the guard. It never panics:
// database/sql's beginDC leaks the connection if the driver panics, so a
// sync call under SyncPanic returns the *SyncCallError as an error. When
// the hook is a hooks.TxStarter, OnTxStart runs before the inner BeginTx,
// and the context it returns goes to the inner BeginTx and to OnTx, and is
// kept for the transaction's statements and its COMMIT or ROLLBACK.
func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (_ driver.Tx, err error) {
	if e, _ := c.guard(ctx, opBegin, "", ""); e != nil {
		return nil, e
	}
	w, err := c.watchCall(ctx, "begin")
	if err != nil {
		return nil, err
	}
	if w.on {
		defer func() { err = w.result(err) }()
	}
	defer c.catchPanic("begin", &err)
	h := c.opts.Hooks
	var start time.Time
	var ev *hooks.TxEvent
	if h != nil {
		ev = &hooks.TxEvent{ConnID: c.id, Driver: c.opts.Name, Kind: hooks.TxBegin, Async: IsAsync(ctx)}
		if s := c.opts.txStarter; s != nil {
			ctx = s.OnTxStart(ctx, ev)
		}
		start = time.Now()
	}
	ti, err := c.begin(ctx, opts)
	if h != nil {
		ev.Duration, ev.Err = time.Since(start), err
		h.OnTx(ctx, ev)
	}
	if err != nil {
		return nil, err
	}
	c.inTx = true
	if c.opts.txStarter != nil {
		c.txCtx = ctx
	}
	return &tx{c: c, inner: ti, ctx: ctx}, nil
}

func (c *conn) begin(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.beginner != nil {
		return c.beginner.BeginTx(ctx, opts)
	}
	if opts.Isolation != driver.IsolationLevel(0) {
		return nil, errors.New("sql: driver does not support non-default isolation level")
	}
	if opts.ReadOnly {
		return nil, errors.New("sql: driver does not support read-only transactions")
	}
	ti, err := c.inner.Begin() //nolint:staticcheck // the inner driver has nothing else
	if err == nil {
		select {
		default:
		case <-ctx.Done():
			ti.Rollback()
			return nil, ctx.Err()
		}
	}
	return ti, err
}

// Close empties the statement cache, closes the inner connection and fires
// OnClose. The cached statements of aiosqlite and of drivers given to Wrap
// are closed first; PostgreSQL and MySQL free them with the session. A
// statement whose rows are still open is closed when they close.
func (c *conn) Close() error {
	if c.cache != nil {
		c.closeCache()
	}
	err := c.inner.Close()
	if h := c.opts.Hooks; h != nil {
		h.OnClose(&hooks.ConnEvent{ConnID: c.id, Driver: c.opts.Name, Err: err})
	}
	return err
}

// Ping forwards to the inner connection; one without driver.Pinger is
// taken to be alive, as database/sql does.
func (c *conn) Ping(ctx context.Context) (err error) {
	if c.pinger == nil {
		return nil
	}
	defer func() { err = panicCtx(ctx, err) }()
	defer c.catchPanic("ping", &err) // database/sql's pingDC would keep the connection
	// An ended context sends nothing: lib/pq would answer nil and mark
	// the connection bad, pgx would answer driver.ErrBadConn and close it.
	if err := ctx.Err(); err != nil {
		return err
	}
	sock := c.guardSocket(ctx)
	defer sock.disarm()
	return c.pinger.Ping(ctx)
}

// ResetSession is called by database/sql before a pooled connection is
// reused: it forwards to the inner connection (nothing to do when it has
// no SessionResetter) and fires OnReset. On lib/pq it first peeks at the
// socket and answers driver.ErrBadConn when the server has closed the
// session (a restart, a killed backend): database/sql then takes another
// connection before anything is sent, where lib/pq would only find out
// after sending the statement.
func (c *conn) ResetSession(ctx context.Context) (err error) {
	if c.broken.Load() || c.netConn != nil && !connAlive(c.netConn) {
		return driver.ErrBadConn
	}
	defer func() {
		if r := recover(); r != nil { // database/sql would keep the connection checked out
			c.broken.Store(true)
			err = driver.ErrBadConn
		}
	}()
	h := c.opts.Hooks
	if h == nil {
		if c.resetter == nil {
			return nil
		}
		return c.resetter.ResetSession(ctx)
	}
	start := time.Now()
	if c.resetter != nil {
		err = c.resetter.ResetSession(ctx)
	}
	h.OnReset(ctx, &hooks.ConnEvent{ConnID: c.id, Driver: c.opts.Name, Duration: time.Since(start), Err: err})
	return err
}

// CheckNamedValue forwards to the inner connection; without one it returns
// driver.ErrSkip, which gives database/sql's default conversion.
func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if c.checker == nil {
		return driver.ErrSkip
	}
	return c.checker.CheckNamedValue(nv)
}

// tx is a guarded transaction: it fires OnTx on commit and rollback.
type tx struct {
	c     *conn
	inner driver.Tx
	// ctx is BeginTx's (as the hooks' TxStarter returned it): for the
	// hooks, and the cause of a lost COMMIT.
	ctx context.Context
}

// Commit commits the inner transaction and fires OnTx.
func (t *tx) Commit() error { return t.finish(hooks.TxCommit) }

// Rollback rolls the inner transaction back and fires OnTx.
func (t *tx) Rollback() error { return t.finish(hooks.TxRollback) }

func (t *tx) finish(kind hooks.TxKind) (err error) {
	// A panic here would leave database/sql's Tx done but its connection
	// never released.
	op := "commit"
	if kind == hooks.TxRollback {
		op = "rollback"
	}
	defer func() { err = panicCtx(t.ctx, err) }()
	defer t.c.catchPanic(op, &err)
	h := t.c.opts.Hooks
	var start time.Time
	if h != nil {
		start = time.Now()
	}
	if kind == hooks.TxCommit {
		resend := t.c.mayResend()
		sock := t.c.guardSocket(t.ctx) // lib/pq's COMMIT has no context
		err = t.inner.Commit()
		sock.disarm()
		if resend {
			err = lostAfterSend(t.ctx, err, "commit")
		} else if err != nil {
			err = commitNotSent(t.ctx, err)
		}
	} else {
		sock := t.c.guardSocket(t.ctx) // nor its ROLLBACK
		err = t.inner.Rollback()
		sock.disarm()
	}
	t.c.inTx = false
	t.c.txCtx = nil
	if h == nil {
		return err
	}
	h.OnTx(t.ctx, &hooks.TxEvent{ConnID: t.c.id, Driver: t.c.opts.Name, Kind: kind, Duration: time.Since(start), Err: err, Async: IsAsync(t.ctx)})
	return err
}

func namedValueToValue(named []driver.NamedValue) ([]driver.Value, error) {
	dargs := make([]driver.Value, len(named))
	for n, param := range named {
		if len(param.Name) > 0 {
			return nil, errors.New("sql: driver does not support the use of Named Parameters")
		}
		dargs[n] = param.Value
	}
	return dargs, nil
}
