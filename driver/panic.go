package driver

import (
	"context"
	"database/sql/driver"
	"fmt"
	"runtime/debug"
)

// PanicError is the error of a call into the inner driver that panicked
// where database/sql does not survive a panic: it would keep the
// connection checked out for ever (QueryContext, PrepareContext,
// BeginTx, a prepared statement's Exec or Query, Commit, Rollback, Ping,
// Rows.Close when the wrapper wraps the rows, ResetSession, IsValid), or,
// for Connect, count a connection that never
// opened, so that a pool of N would lose a slot each time. There the
// wrapper recovers the panic, returns this error (with the panic's value
// and stack), and discards the connection, so the pool stays whole.
// Panics where database/sql releases the connection itself (an Exec on
// the pool, Rows.Next) go on to the caller unchanged.
// errors.As finds the panic's value when it is an error.
type PanicError struct {
	Op    string // "connect", "query", "prepare", "begin", "exec", "commit", "rollback", "ping", "close"
	Value any    // what the driver panicked with
	Stack []byte // the stack of the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("aiodb: %s: the inner driver panicked (the connection was discarded): %v", e.Op, e.Value)
}

// Unwrap returns the panic's value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// catchPanic, deferred around a call into the inner driver, turns its
// panic into a *PanicError in *err and marks c broken, so that
// ResetSession and IsValid make database/sql discard it.
func (c *conn) catchPanic(op string, err *error) {
	if r := recover(); r != nil {
		c.broken.Store(true)
		*err = &PanicError{Op: op, Value: r, Stack: debug.Stack()}
	}
}

// connectSafely is inner.Connect with its panic turned into a
// *PanicError: database/sql counts the connection as open before it
// calls Connect and would never uncount it.
func connectSafely(ctx context.Context, inner driver.Connector) (ic driver.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			ic, err = nil, &PanicError{Op: "connect", Value: r, Stack: debug.Stack()}
		}
	}()
	return inner.Connect(ctx)
}
