package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"time"
)

// A call whose context ends while the inner driver runs it must fail with
// an error matching the context's error (errors.Is(err, ctx.Err())): that
// is how a caller tells "my deadline" from "the server refused", and so
// whether to retry. The drivers disagree: lib/pq sends a cancel request
// and returns the server's answer (57014 "canceling statement due to user
// request"); pgx and go-sql-driver/mysql close the connection and return
// the context's error; modernc.org/sqlite interrupts the statement and
// returns the context's error, mostly. The wrapper makes every one of them
// match the context's error, keeps the driver's error (also matched by
// errors.Is and errors.As), and says whether the outcome is known.

// callWatch is armed by a statement, prepare or begin whose outcome the
// wrapper may have to restate: when the inner driver answers
// driver.ErrBadConn after sending (lib/pq), or when the call has a context
// that can end. It is a value so that arming it does not allocate.
type callWatch struct {
	c        *conn
	ctx      context.Context
	op       string
	wasValid bool // the inner connection was valid before the call
	on       bool
	sock     *socketGuard // bounds lib/pq's wait for a server that does not answer
}

// watchCall arms a callWatch for op on ctx when there is something to
// watch; the caller defers its result when on is true. When ctx has
// already ended it returns ctx's error instead, and the caller returns it
// without calling the inner driver: nothing is sent (database/sql checks
// too, but not on every path: a *sql.Conn passes the context straight
// on, and lib/pq would send the statement and its cancel at once).
func (c *conn) watchCall(ctx context.Context, op string) (callWatch, error) {
	if ctx.Done() == nil {
		if !c.be.Cache.BadConnAfterSend {
			return callWatch{}, nil
		}
	} else if err := ctx.Err(); err != nil {
		return callWatch{}, err
	}
	return callWatch{c: c, ctx: ctx, op: op, wasValid: c.innerOpen(), on: true, sock: c.guardSocket(ctx)}, nil
}

// innerOpen reports whether the inner connection is known to be open:
// its IsValid (lib/pq, go-sql-driver/mysql) or, for pgx, whose stdlib
// connection has no IsValid, its pgx connection's IsClosed. It is false
// when the driver gives no way to tell.
func (c *conn) innerOpen() bool {
	if c.validator != nil {
		return c.validator.IsValid()
	}
	if c.native != nil {
		return !c.native.IsClosed()
	}
	return false
}

// result restates err, the error of the watched call:
//   - driver.ErrBadConn from lib/pq's exec or query on a connection that
//     was valid: the statement may have reached the server, so it becomes an error
//     matching ErrConnLost (and the context's error when it has ended), and
//     database/sql does not run it again (see lostAfterSend);
//   - any other driver.ErrBadConn is passed on: nothing was sent, and
//     database/sql tries another connection (or returns the context's
//     error when the context has ended);
//   - after the context ended, any other error becomes a *CanceledError,
//     matching the context's error, the driver's error, and ErrConnLost
//     when the connection was closed under the call (its outcome is
//     unknown); an error that already matches the context's error on a
//     connection still valid is passed on unchanged.
func (w *callWatch) result(err error) error {
	w.sock.disarm()
	if err == nil {
		return nil
	}
	if _, ok := err.(*PanicError); ok {
		return panicCtx(w.ctx, err)
	}
	if err == driver.ErrBadConn { // the drivers return it bare
		// A prepare or BEGIN changes nothing on the server, so
		// database/sql may well run it again on another connection.
		if w.c.be.Cache.BadConnAfterSend && w.wasValid && (w.op == "exec" || w.op == "query") {
			return lostAfterSend(w.ctx, err, w.op)
		}
		if ctxErr := ended(w.ctx); ctxErr != nil {
			// pgx answers so on a connection it closed for the
			// context: nothing was sent, and a retry elsewhere with
			// the ended context cannot succeed. ErrBadConn itself is
			// not wrapped, or database/sql would still retry and
			// return it bare.
			return &CanceledError{Op: w.op, Err: errUnusableConn, ctxErr: ctxErr, NotSent: true}
		}
		return err
	}
	ctxErr := ended(w.ctx)
	if ctxErr == nil {
		return err
	}
	return w.c.canceled(w.ctx, ctxErr, err, w.op, w.wasValid)
}

// ended returns ctx's error, or context.DeadlineExceeded once its deadline
// has passed though its timer has not fired yet: pgx puts the deadline on
// the socket itself, so its error can come back a moment before ctx.Err()
// says so.
func ended(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// errUnusableConn stands for a bare driver.ErrBadConn in a CanceledError.
var errUnusableConn = errors.New("the connection was unusable (driver.ErrBadConn)")

// canceled builds the error of op whose context ended (ctxErr) while the
// inner driver ran it and failed with err.
func (c *conn) canceled(ctx context.Context, ctxErr, err error, op string, wasValid bool) error {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, ErrConnLost) {
		return err // already says the connection went (see result)
	}
	// SQLite runs in the process: an interrupted statement is rolled
	// back by the engine, though modernc.org/sqlite then reports the
	// connection invalid (so that the pool drops it).
	stopped := serverCanceled(c.be, err) || c.opts.Dialect == DialectSQLite
	lost := !stopped && wasValid && !c.innerOpen()
	if !lost && errors.Is(err, ctxErr) {
		return err
	}
	e := &CanceledError{Op: op, Err: err, ctxErr: ctxErr, Stopped: stopped, OutcomeUnknown: lost}
	if cause := context.Cause(ctx); cause != ctxErr {
		e.cause = cause
	}
	return e
}

// CanceledError is the error of a statement, prepare, begin or row read
// whose context ended while the inner driver ran it. errors.Is matches it
// with the context's error (context.Canceled or
// context.DeadlineExceeded), with the cause given to
// context.WithCancelCause or WithTimeoutCause, and with the driver's own
// error (Err, also reachable with errors.As, e.g. a *pq.Error). When the
// connection was closed under the call it also matches ErrConnLost: the
// statement may have reached the server and run to its end, so its
// outcome is unknown.
type CanceledError struct {
	Op  string // "exec", "query", "prepare", "begin", "next"
	Err error  // the inner driver's error
	// Stopped: the server reported that it stopped the statement (lib/pq
	// and pgx: SQLSTATE 57014; MySQL/MariaDB: error 1317, SQLite:
	// SQLITE_INTERRUPT), so the statement did not take effect.
	Stopped bool
	// OutcomeUnknown: the driver closed the connection while the
	// statement ran, so whether it took effect is unknown.
	OutcomeUnknown bool
	// NotSent: the driver had given the connection up for the context
	// before the call, so nothing was sent (a COMMIT after lib/pq's
	// watch of the transaction's context fired).
	NotSent bool

	ctxErr error // ctx.Err()
	cause  error // context.Cause(ctx) when it differs from ctxErr
}

func (e *CanceledError) Error() string {
	when := "while the statement ran"
	if e.NotSent {
		when = "before the statement was sent"
	}
	msg := "aiodb: " + e.Op + ": the context ended " + when + " (" + e.ctxErr.Error()
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	msg += ")"
	switch {
	case e.OutcomeUnknown:
		msg += "; the connection was closed, so whether the statement took effect is unknown (" + ErrConnLost.Error() + ")"
	case e.Stopped:
		msg += "; the server stopped it"
	}
	return msg + ": " + e.Err.Error()
}

// Is matches ErrConnLost when the outcome is unknown; the context's error,
// its cause and the driver's error are matched through Unwrap.
func (e *CanceledError) Is(target error) bool { return target == ErrConnLost && e.OutcomeUnknown }

// Unwrap returns the context's error, its cause when it has one, and the
// driver's error.
func (e *CanceledError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.ctxErr, e.cause, e.Err}
	}
	return []error{e.ctxErr, e.Err}
}

// serverCanceled reports whether err is the server's (or the embedded
// engine's) answer that it stopped the statement on request; be adds its
// driver's own answers (MySQL's).
func serverCanceled(be *Backend, err error) bool {
	var st interface{ SQLState() string } // *pq.Error, *pgconn.PgError
	if errors.As(err, &st) {
		return st.SQLState() == "57014" // query_canceled
	}
	var my interface{ Code() int } // *sqlite.Error
	if errors.As(err, &my) {
		return my.Code()&0xff == 9 // SQLITE_INTERRUPT, with or without an extended code
	}
	return be.Interrupted != nil && be.Interrupted(err)
}

// ctxRows restates the error of a row read that fails after the query's
// context ended (lib/pq returns the server's 57014 there too); every other
// method is the wrapped rows'.
type ctxRows struct {
	*rows
	c    *conn
	ctx  context.Context
	sock *socketGuard // armed until Close (lib/pq reads the rest of the rows there)
}

// wrapRowsCtx returns ri restated by ctxRows when ctx can end. panicRows
// pass unchanged: they must panic, not read.
func (c *conn) wrapRowsCtx(ctx context.Context, ri driver.Rows) driver.Rows {
	if ctx.Done() == nil || ri == nil {
		return ri
	}
	switch r := ri.(type) {
	case panicRows:
		return ri
	case *rows:
		return &ctxRows{rows: r, c: c, ctx: ctx, sock: c.guardSocket(ctx)}
	default:
		return &ctxRows{rows: &rows{inner: ri}, c: c, ctx: ctx, sock: c.guardSocket(ctx)}
	}
}

// Close closes the rows, then disarms the socket guard.
func (r *ctxRows) Close() (err error) {
	defer r.sock.disarm()
	defer func() { err = panicCtx(r.ctx, err) }()
	defer r.c.catchPanic("close", &err) // see PanicError
	r.c.endIOIfBroken()
	return r.rows.Close()
}

func (r *ctxRows) Next(dest []driver.Value) (err error) {
	defer func() { err = panicCtx(r.ctx, err) }()
	defer r.c.catchPanic("next", &err) // rows.Next catches it when it has the conn
	err = r.rows.Next(dest)
	if err == nil || err == io.EOF {
		return err
	}
	if _, ok := err.(*PanicError); ok {
		return err
	}
	if ctxErr := r.ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		// A read is never run again, so a bad connection here is only
		// the way the driver gave up the rest of the rows.
		e := &CanceledError{Op: "next", Err: err, ctxErr: ctxErr, Stopped: serverCanceled(r.c.be, err)}
		if cause := context.Cause(r.ctx); cause != ctxErr {
			e.cause = cause
		}
		return e
	}
	return err
}

// commitNotSent restates the error of a COMMIT on a connection the inner
// driver had already given up because the transaction's context ended
// (lib/pq watches BeginTx's context until the end of the transaction and
// marks the connection bad when it ends): nothing was sent, the server
// rolls the transaction back, and the error matches the context's error.
// Any other error passes unchanged.
func commitNotSent(ctx context.Context, err error) error {
	if ctx == nil {
		return err
	}
	ctxErr := ctx.Err()
	if ctxErr == nil || errors.Is(err, ctxErr) {
		return err
	}
	e := &CanceledError{Op: "commit", Err: err, ctxErr: ctxErr, NotSent: true}
	if cause := context.Cause(ctx); cause != ctxErr {
		e.cause = cause
	}
	return e
}
