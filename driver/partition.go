package driver

import (
	"context"
	"sync"
	"time"
)

// CancelGrace is how long aiopg waits, once a statement's context has
// ended, for lib/pq's cancel request to stop the statement before it ends
// the socket's I/O itself. lib/pq answers a context's end only by sending
// a cancel request on a new connection and waiting for the server's
// answer on the old one: when the server cannot be reached (a silent
// network partition, a server that stopped answering without closing) the
// call would wait for the answer for ever. COMMIT, which lib/pq runs with
// no context at all, is bounded the same way by the transaction's
// context. pgx and go-sql-driver/mysql end the socket's I/O themselves.
const CancelGrace = time.Second

// socketGuard ends the I/O of the recorded lib/pq socket CancelGrace
// after a context ends, until it is disarmed. After that the connection
// is unusable, which lib/pq already knows: it marks a connection bad when
// a statement's context ends.
type socketGuard struct {
	mu      sync.Mutex
	stopCtx func() bool
	timer   *time.Timer
	done    bool
}

// guardSocket arms a socketGuard for ctx on c's recorded socket, or
// returns nil when there is none (every driver but lib/pq) or ctx cannot
// end.
func (c *conn) guardSocket(ctx context.Context) *socketGuard {
	nc := c.netConn
	if nc == nil || ctx == nil || ctx.Done() == nil {
		return nil
	}
	g := &socketGuard{}
	g.stopCtx = context.AfterFunc(ctx, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if !g.done {
			g.timer = time.AfterFunc(CancelGrace, func() { nc.SetDeadline(time.Unix(1, 0)) })
		}
	})
	return g
}

// disarm stops the guard; called when the statement, the rows or the
// COMMIT it bounds have ended. A nil guard is a no-op.
func (g *socketGuard) disarm() {
	if g == nil {
		return
	}
	g.stopCtx()
	g.mu.Lock()
	g.done = true
	if g.timer != nil {
		g.timer.Stop()
	}
	g.mu.Unlock()
}
