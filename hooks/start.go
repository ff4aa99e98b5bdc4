package hooks

import "context"

// TxStarter is an optional interface of a Hook: a hook that implements it
// sees a transaction begin as well as end, so it can bracket BEGIN ..
// COMMIT or ROLLBACK with a tracing span or a timer. The driver checks
// for it once, when the hook is set in its options; a hook without it costs
// nothing more.
//
// OnTxStart is called before BEGIN is sent, on the goroutine of BeginTx,
// with an event whose Kind is TxBegin (ConnID, Driver and Async set). The
// context it returns (ctx itself is always correct) is
//
//   - passed to the inner driver's BeginTx and to OnTx for the BEGIN;
//   - kept with the transaction when BEGIN succeeded, and passed to OnTx
//     for its COMMIT or ROLLBACK, whichever goroutine calls it;
//   - given to every statement of the transaction as
//     StatementEvent.TxContext, so that a statement span can be a child of
//     the transaction's span.
//
// Each OnTxStart is followed by one end event, for which TxEvent.EndsTx
// reports true: OnTx for the BEGIN with Err set when BEGIN failed,
// otherwise OnTx for the COMMIT or ROLLBACK. A transaction that is never
// committed or rolled back ends when database/sql rolls it back: when the
// context given to BeginTx is cancelled or its deadline passes, then the
// ROLLBACK's OnTx fires from database/sql's goroutine (with Err set when
// the server could not be reached in time: the rollback ended anyway). One begun with a
// context that never ends and never finished holds its connection and
// never sends an end event. As for statements, a panic of the inner driver
// (see driver.PanicError) skips the end event.
//
// In a Chain, OnTxStart is called in order, each hook getting the context
// the previous one returned.
type TxStarter interface {
	OnTxStart(ctx context.Context, e *TxEvent) context.Context
}

// ConnectStarter is an optional interface of a Hook: a hook that
// implements it sees a physical connection being opened before it is, so
// connecting can be a span. The driver checks for it once, when the hook is
// set in its options.
//
// OnConnectStart is called before the inner connector's Connect, with an
// event that has Driver set (ConnID is 0: the connection has none yet).
// The context it returns (ctx itself is always correct) is passed to the
// inner connector and to OnConnect, which is called with the same event,
// ConnID, Duration and Err then set. OnConnect follows every
// OnConnectStart, the inner connector's panic included (it is reported as
// a *driver.PanicError in Err). The context is that of the database/sql
// call that needed a connection, or database/sql's own when it opens
// connections in the background, so a connect span may be a root span.
//
// In a Chain, OnConnectStart is called in order, each hook getting the
// context the previous one returned.
type ConnectStarter interface {
	OnConnectStart(ctx context.Context, e *ConnEvent) context.Context
}

// EndsTx reports whether e is the last event of a transaction: a COMMIT or
// ROLLBACK, or a BEGIN that failed. A TxStarter ends what OnTxStart began
// when it sees one.
func (e *TxEvent) EndsTx() bool {
	switch e.Kind {
	case TxCommit, TxRollback:
		return true
	case TxBegin:
		return e.Err != nil
	}
	return false
}

// startChain is a chain with at least one member that implements TxStarter
// or ConnectStarter; Chain returns it only then, so that a driver's check
// for the optional interfaces stays false for a chain of plain hooks.
type startChain struct {
	chain
	tx   []TxStarter
	conn []ConnectStarter
}

func (c *startChain) OnTxStart(ctx context.Context, e *TxEvent) context.Context {
	for _, h := range c.tx {
		ctx = h.OnTxStart(ctx, e)
	}
	return ctx
}

func (c *startChain) OnConnectStart(ctx context.Context, e *ConnEvent) context.Context {
	for _, h := range c.conn {
		ctx = h.OnConnectStart(ctx, e)
	}
	return ctx
}
