package driver

import (
	"context"
	"database/sql/driver"
	"fmt"
	"runtime/debug"
	"time"
)

// PanicError is the error of a call into the inner driver that panicked.
// database/sql does not survive a driver's panic: where it does not
// release the connection (QueryContext, PrepareContext, BeginTx, a
// prepared statement's Exec or Query, Commit, Rollback, Ping, Rows.Close,
// ResetSession, IsValid) it keeps it checked out for ever, so that a pool
// of N loses a slot each time; where it does (an Exec on the pool,
// Rows.Next) it puts the connection back as good, to be reused in the
// middle of whatever exchange the driver was in; for Connect it counts a
// connection that never opened. So the wrapper recovers the panic,
// returns this error (with the panic's value and stack), and discards the
// connection: the pool stays whole and nothing runs on a connection whose
// state is unknown. lib/pq, for one, panics with a runtime error when it
// reads a message it cannot frame (a length below 4).
//
// errors.As finds the panic's value when it is an error. The error of a
// statement, COMMIT or row read matches ErrConnLost (OutcomeUnknown): the
// statement may have reached the server and taken effect. When the call's
// context had ended by then, the error also matches the context's error
// and its cause, as a *CanceledError does.
//
// Rows are recovered when the wrapper wraps them: with hooks, the
// statement cache, a context that can end, or a statement the wrapper
// prepared itself.
type PanicError struct {
	Op    string // "connect", "query", "prepare", "begin", "exec", "commit", "rollback", "ping", "next", "close"
	Value any    // what the driver panicked with
	Stack []byte // the stack of the panic
	// OutcomeUnknown: the panic came while a statement or COMMIT ran or
	// its rows were read, so whether it took effect is unknown.
	OutcomeUnknown bool

	ctxErr error // the call's context's error when it had ended, else nil
	cause  error // context.Cause when it differs from ctxErr
}

func (e *PanicError) Error() string {
	msg := "aiodb: " + e.Op + ": the inner driver panicked (the connection was discarded"
	if e.OutcomeUnknown {
		msg += "; whether the statement took effect is unknown: " + ErrConnLost.Error()
	}
	msg += ")"
	if e.ctxErr != nil {
		msg += " after the context ended (" + e.ctxErr.Error()
		if e.cause != nil {
			msg += ": " + e.cause.Error()
		}
		msg += ")"
	}
	return msg + ": " + fmt.Sprint(e.Value)
}

// Is matches ErrConnLost when the outcome is unknown.
func (e *PanicError) Is(target error) bool { return target == ErrConnLost && e.OutcomeUnknown }

// Unwrap returns the panic's value when it is an error, and the context's
// error and its cause when the context had ended.
func (e *PanicError) Unwrap() []error {
	var errs []error
	if err, ok := e.Value.(error); ok {
		errs = append(errs, err)
	}
	if e.ctxErr != nil {
		errs = append(errs, e.ctxErr)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// catchPanic, deferred around a call into the inner driver, turns its
// panic into a *PanicError in *err and marks c broken, so that
// ResetSession and IsValid make database/sql discard it.
func (c *conn) catchPanic(op string, err *error) {
	if r := recover(); r != nil {
		c.broken.Store(true)
		*err = &PanicError{Op: op, Value: r, Stack: debug.Stack(), OutcomeUnknown: outcomeOp(op)}
	}
}

// endIOIfBroken ends the I/O of c's recorded socket (lib/pq's) once the
// inner driver has panicked on c: closing its rows would otherwise read
// on from a stream whose framing is lost, waiting for messages that never
// come. The connection is discarded anyway.
func (c *conn) endIOIfBroken() {
	if c != nil && c.netConn != nil && c.broken.Load() {
		c.netConn.SetDeadline(time.Unix(1, 0))
	}
}

// outcomeOp reports whether a panic in op leaves a statement's outcome
// unknown: it may have been sent (exec, query, commit) or was running
// (next, close: its rows were being read).
func outcomeOp(op string) bool {
	switch op {
	case "exec", "query", "commit", "next", "close":
		return true
	}
	return false
}

// panicCtx records in err, when it is a *PanicError, the error of ctx
// once it has ended, so that the caller sees its context's error whatever
// the driver did; any other err is returned unchanged.
func panicCtx(ctx context.Context, err error) error {
	pe, ok := err.(*PanicError)
	if !ok || ctx == nil || pe.ctxErr != nil {
		return err
	}
	if ctxErr := ended(ctx); ctxErr != nil {
		pe.ctxErr = ctxErr
		if cause := context.Cause(ctx); cause != ctxErr && cause != nil {
			pe.cause = cause
		}
	}
	return err
}

// connectSafely is inner.Connect with its panic turned into a
// *PanicError: database/sql counts the connection as open before it
// calls Connect and would never uncount it.
func connectSafely(ctx context.Context, inner driver.Connector) (ic driver.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			ic, err = nil, &PanicError{Op: "connect", Value: r, Stack: debug.Stack()}
			err = panicCtx(ctx, err)
		}
	}()
	return inner.Connect(ctx)
}
