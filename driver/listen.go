package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Notification is one PostgreSQL NOTIFY a Listener received.
type Notification struct {
	PID     uint32 // the process id of the notifying backend
	Channel string
	Payload string
}

// ErrListenerClosed is the error of a Listener's methods after Close.
var ErrListenerClosed = errors.New("aiodb: listener closed")

// Listener receives PostgreSQL notifications (LISTEN/NOTIFY) on a
// connection of its own, taken from a pool of aiopg or aiopgx by
// NewListener and held until Close. Its methods are safe for concurrent
// use: Listen and Unlisten interrupt a wait in progress, which then goes
// on.
//
// The guard applies to Listen, Unlisten and WaitForNotification as to a
// statement: under the error and panic modes their context must be async
// (package aio) or allowed (AllowSync). Hooks see LISTEN "channel" and
// UNLISTEN statements as Execs; waiting sends nothing on aiopgx, and on
// aiopg the empty queries that read the socket are not shown to hooks.
//
// On aiopgx a wait is pgx's WaitForNotification. On aiopg, lib/pq only
// reads notifications while it runs a statement, so the listener waits
// for the socket to become readable (on Unix; elsewhere it polls) and
// then runs an empty query during which lib/pq hands them over; it also
// runs one every second, for a notification lib/pq read ahead with a
// statement's reply, so such a notification arrives up to a second late.
//
// When the connection drops (a server restart, pg_terminate_backend), the
// waits fail with an error matching ErrConnLost, as do later calls, and
// the Notifications channel closes with Err reporting it. The listener
// does not reconnect: notifications sent while no session listened are
// lost anyway, so the application decides what to do about the gap
// (typically re-read the state it follows) and creates a new Listener.
type Listener struct {
	conn *sql.Conn
	kind pgKind

	mu sync.Mutex // the connection: one call at a time

	smu        sync.Mutex
	cancelWait context.CancelFunc // ends the wait in progress, nil when none
	pending    int                // Listen, Unlisten and Close calls waiting for mu
	idle       chan struct{}      // closed when pending drops to 0; nil while it is 0
	closed     bool
	lost       error         // the connection broke
	waitSem    chan struct{} // one WaitForNotification at a time
	stopRecv   context.CancelFunc
	recvDone   chan struct{} // closed when the Notifications goroutine ended
	recvCh     chan *Notification
	recvErr    error

	qmu   sync.Mutex
	queue []*Notification // aiopg: what lib/pq handed over, not yet returned
}

// NewListener takes a connection of db (aiopg or aiopgx) for a new
// Listener; ctx bounds only the wait for the connection. On other drivers
// it fails with an error matching ErrNotPostgres, naming the driver.
func NewListener(ctx context.Context, db *sql.DB) (*Listener, error) {
	if err := checkPoolDialect("Listener", db); err != nil {
		return nil, err
	}
	sc, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	l := &Listener{conn: sc, waitSem: make(chan struct{}, 1)}
	err = sc.Raw(func(dc any) error {
		c, ok := guardedConn(dc)
		if !ok {
			return fmt.Errorf("aiodb: Listener needs a connection of aiodb's guarded drivers (aiopg, aiopgx), not %T", dc)
		}
		l.kind = c.pgKind()
		switch l.kind {
		case pgNone:
			return errNotPG("Listener", c.driverName())
		case pgPQ:
			set := c.be.Postgres.SetNotificationHandler
			if set == nil {
				return fmt.Errorf("aiodb: Listener: driver %s gives no notifications", c.driverName())
			}
			set(c.inner, l.pqNotified)
		}
		return nil
	})
	if err != nil {
		sc.Close()
		return nil, err
	}
	return l, nil
}

func (l *Listener) pqNotified(n *Notification) {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	l.queue = append(l.queue, n)
}

func (l *Listener) popQueued() *Notification {
	l.qmu.Lock()
	defer l.qmu.Unlock()
	if len(l.queue) == 0 {
		return nil
	}
	n := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	return n
}

// enter takes the connection for Listen, Unlisten or Close, interrupting
// a wait in progress; leave gives it back.
func (l *Listener) enter() {
	l.smu.Lock()
	l.pending++
	if l.idle == nil {
		l.idle = make(chan struct{})
	}
	if l.cancelWait != nil {
		l.cancelWait()
	}
	l.smu.Unlock()
	l.mu.Lock()
}

func (l *Listener) leave() {
	l.mu.Unlock()
	l.smu.Lock()
	if l.pending--; l.pending == 0 {
		close(l.idle)
		l.idle = nil
	}
	l.smu.Unlock()
}

// usable returns the error that makes the listener unusable, or nil.
func (l *Listener) usable() error {
	l.smu.Lock()
	defer l.smu.Unlock()
	if l.closed {
		return ErrListenerClosed
	}
	return l.lost
}

// Listen starts listening on channels (LISTEN "channel" for each, as an
// Exec through the guard and hooks). A channel name is an identifier:
// it is quoted, so its case is kept.
func (l *Listener) Listen(ctx context.Context, channels ...string) error {
	return l.command(ctx, "LISTEN ", channels)
}

// Unlisten stops listening on channels, or on every channel when none is
// given (UNLISTEN *).
func (l *Listener) Unlisten(ctx context.Context, channels ...string) error {
	if len(channels) == 0 {
		return l.command(ctx, "UNLISTEN *", nil)
	}
	return l.command(ctx, "UNLISTEN ", channels)
}

func (l *Listener) command(ctx context.Context, verb string, channels []string) error {
	l.enter()
	defer l.leave()
	if err := l.usable(); err != nil {
		return err
	}
	if channels == nil {
		_, err := l.conn.ExecContext(ctx, verb)
		return err
	}
	for _, ch := range channels {
		if _, err := l.conn.ExecContext(ctx, verb+quoteIdent(ch)); err != nil {
			return err
		}
	}
	return nil
}

// WaitForNotification waits for the next notification on the channels
// listened to, or for ctx to end (then it returns ctx's error and the
// listener stays usable). Notifications that arrived while nobody waited
// are kept, in order, for the next call. One call waits at a time; others
// wait for it. Do not use it together with Notifications.
func (l *Listener) WaitForNotification(ctx context.Context) (*Notification, error) {
	n, err := l.wait(ctx)
	if e, ok := err.(*SyncCallError); ok && e.Mode == SyncPanic {
		panic(e)
	}
	return n, err
}

func (l *Listener) wait(ctx context.Context) (*Notification, error) {
	select {
	case l.waitSem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.waitSem }()
	for {
		l.smu.Lock()
		if l.closed || l.lost != nil {
			err := l.lost
			if l.closed {
				err = ErrListenerClosed
			}
			l.smu.Unlock()
			return nil, err
		}
		if idle := l.idle; idle != nil { // a Listen or Close goes first
			l.smu.Unlock()
			select {
			case <-idle:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wctx, cancel := context.WithCancel(ctx)
		l.cancelWait = cancel
		l.smu.Unlock()

		l.mu.Lock()
		n, err := l.waitOnce(ctx, wctx)
		l.mu.Unlock()
		l.smu.Lock()
		l.cancelWait = nil
		l.smu.Unlock()
		interrupted := wctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			return n, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case interrupted: // by Listen, Unlisten or Close
			continue
		}
		return nil, err
	}
}

// waitOnce waits on the connection until a notification, wctx's end or
// an error; a failure that is not wctx's marks the listener lost.
func (l *Listener) waitOnce(ctx, wctx context.Context) (*Notification, error) {
	if n := l.popQueued(); n != nil {
		return n, nil
	}
	var n *Notification
	err := l.conn.Raw(func(dc any) error {
		c, _ := guardedConn(dc)
		if e, _ := c.guard(ctx, "wait", "", ""); e != nil {
			return e // not a loss: the listener stays usable
		}
		var err error
		if l.kind == pgPGX {
			n, err = c.native.WaitForNotification(wctx)
		} else {
			n, err = l.pqWait(wctx, c)
		}
		if err != nil && wctx.Err() == nil {
			err = &listenerLostError{err: err}
			l.smu.Lock()
			l.lost = err
			l.smu.Unlock()
		}
		return err
	})
	return n, err
}

// listenerLostError is the error of a Listener whose connection broke.
type listenerLostError struct{ err error }

func (e *listenerLostError) Error() string {
	return "aiodb: listener: " + ErrConnLost.Error() + ": " + e.err.Error() + " (create a new Listener)"
}
func (e *listenerLostError) Is(target error) bool { return target == ErrConnLost }
func (e *listenerLostError) Unwrap() error        { return e.err }

// pqPollEvery bounds an aiopg wait between two empty queries.
const pqPollEvery = time.Second

// pqWait waits on a lib/pq connection: for the socket to become readable
// (or pqPollEvery), then an empty query, during which lib/pq hands the
// notifications to pqNotified.
func (l *Listener) pqWait(ctx context.Context, c *conn) (*Notification, error) {
	execer, ok := c.inner.(driver.ExecerContext)
	if !ok {
		return nil, fmt.Errorf("aiodb: Listener: %T lacks lib/pq's methods", c.inner)
	}
	for {
		if n := l.popQueued(); n != nil {
			return n, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		waitReadable(ctx, c.netConn, pqPollEvery)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		sock := c.guardSocket(tctx) // a server that does not answer
		_, err := execer.ExecContext(tctx, "", nil)
		sock.disarm()
		cancel()
		if err != nil {
			return nil, err
		}
	}
}

// Notifications returns a channel on which a goroutine of the listener
// delivers the notifications, until Close, the end of ctx, or the loss of
// the connection; the channel is then closed and Err says why. The guard
// applies to ctx (a sync context on a strict pool closes the channel at
// once, Err the *SyncCallError). Later calls return the same channel. Do
// not use it together with WaitForNotification.
func (l *Listener) Notifications(ctx context.Context) <-chan *Notification {
	l.smu.Lock()
	defer l.smu.Unlock()
	if l.recvCh != nil {
		return l.recvCh
	}
	l.recvCh = make(chan *Notification)
	l.recvDone = make(chan struct{})
	if l.closed {
		l.recvErr = ErrListenerClosed
		close(l.recvCh)
		close(l.recvDone)
		return l.recvCh
	}
	rctx, cancel := context.WithCancel(ctx)
	l.stopRecv = cancel
	go l.receive(rctx, l.recvCh)
	return l.recvCh
}

func (l *Listener) receive(ctx context.Context, ch chan<- *Notification) {
	defer close(l.recvDone)
	defer close(ch)
	for {
		n, err := l.wait(ctx)
		if err == nil {
			select {
			case ch <- n:
				continue
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		l.smu.Lock()
		if !l.closed {
			l.recvErr = err
		}
		l.smu.Unlock()
		return
	}
}

// Err returns why the Notifications channel closed: the end of its
// context, the *SyncCallError of the guard, or an error matching
// ErrConnLost; nil while it is open and after Close.
func (l *Listener) Err() error {
	l.smu.Lock()
	defer l.smu.Unlock()
	return l.recvErr
}

// Close ends a wait in progress and the Notifications goroutine (it has
// ended when Close returns) and closes the listener's connection: its
// session, with its LISTENs, ends, and the pool opens a new connection
// when it needs one. Close is idempotent.
func (l *Listener) Close() error {
	l.smu.Lock()
	if l.closed {
		l.smu.Unlock()
		return nil
	}
	l.closed = true
	if l.cancelWait != nil {
		l.cancelWait()
	}
	stop, done := l.stopRecv, l.recvDone
	l.smu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	l.enter()
	defer l.leave()
	// driver.ErrBadConn makes database/sql close the connection rather
	// than put it back in the pool with its LISTENs.
	err := l.conn.Raw(func(dc any) error {
		if c, ok := guardedConn(dc); ok && l.kind == pgPQ {
			c.be.Postgres.SetNotificationHandler(c.inner, nil)
		}
		return driver.ErrBadConn
	})
	// sql.ErrConnDone: database/sql already closed a lost connection.
	if err != nil && !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone) {
		return err
	}
	l.conn.Close()
	return nil
}

// Notify sends a notification on channel with payload through ex (a
// *sql.DB, *sql.Conn or *sql.Tx: in a transaction it is delivered at
// COMMIT), as SELECT pg_notify($1, $2): a statement like any other for
// the guard and hooks.
func Notify(ctx context.Context, ex interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}, channel, payload string) error {
	_, err := ex.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
