package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"time"
)

// ErrConnLost is matched (errors.Is) by the error of a statement or COMMIT
// whose connection broke after it may have reached the server. lib/pq
// answers driver.ErrBadConn there (on a FATAL error such as
// pg_terminate_backend's or a server shutdown's, or on EOF), and
// database/sql runs a statement that got driver.ErrBadConn again on
// another connection: an INSERT or a nextval would then run twice. The
// wrapper returns this error instead, so nothing is run again and the
// caller learns that the outcome is unknown. The connection is discarded
// either way. pgx and go-sql-driver/mysql answer driver.ErrBadConn only
// when nothing was sent, so their answers pass through and are retried.
var ErrConnLost = errors.New("connection lost while the statement ran; it may have reached the server, so it was not run again")

// lostAfterSend turns the inner driver's driver.ErrBadConn into an error
// matching ErrConnLost. Called only when the connection was valid before
// the call, so the statement may have been sent. When ctx has ended, the
// connection was given up because of it (lib/pq marks a connection bad
// when a statement's context ends), so the error also matches ctx's
// error: a caller checking for its deadline sees it.
func lostAfterSend(ctx context.Context, err error, op string) error {
	if err == driver.ErrBadConn { // the drivers return it bare
		e := &connLostError{op: op}
		if ctx != nil {
			e.cause = context.Cause(ctx)
		}
		return e
	}
	return err
}

type connLostError struct {
	op    string
	cause error // the context's error when it had ended, else nil
}

func (e *connLostError) Error() string {
	if e.cause != nil {
		return "aiodb: " + e.op + ": " + ErrConnLost.Error() + ": " + e.cause.Error()
	}
	return "aiodb: " + e.op + ": " + ErrConnLost.Error()
}

func (e *connLostError) Is(target error) bool { return target == ErrConnLost }
func (e *connLostError) Unwrap() error        { return e.cause }

// mayResend reports whether c's inner driver answers driver.ErrBadConn
// after sending and the connection is valid now, so that an ErrBadConn
// coming back from the next call must be turned into ErrConnLost.
func (c *conn) mayResend() bool {
	return c.be.Cache.BadConnAfterSend && c.validator != nil && c.validator.IsValid()
}

// netConnSlot receives the socket the inner connector dials during one
// Connect (see Dialer), for the liveness check of ResetSession.
// lib/pq does not watch the context during its startup exchange, so a
// connect to a server that accepts but does not answer would outlive the
// caller's deadline: the slot also ends the socket's I/O when Connect's
// context ends before Connect returns.
type netConnSlot struct {
	ctx  context.Context // Connect's, not the dial's (lib/pq cancels that one after dialing)
	c    net.Conn
	stop func() bool // stops the watch of ctx; false when it already fired
}

// watch records c and arms the deadline on it for when ctx ends.
func (s *netConnSlot) watch(c net.Conn) {
	s.finish() // lib/pq may dial more than once (sslmode=prefer, several hosts)
	s.c = c
	if s.ctx.Done() != nil {
		s.stop = context.AfterFunc(s.ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	}
}

// finish disarms the watch; it reports false when the context ended
// during the connect, which then must not be used.
func (s *netConnSlot) finish() bool {
	if s.stop == nil {
		return true
	}
	ok := s.stop()
	s.stop = nil
	return ok
}

type netConnSlotKey struct{}

// Dialer is a dialer for lib/pq (pq.Connector.Dialer) that records the
// socket of each connection a guarded connector makes, for the check of
// an idle connection's socket before reuse (CachePolicy.BadConnAfterSend).
// Package driver/pg gives it to lib/pq; outside a guarded Connect it is
// a plain net.Dialer.
type Dialer struct{}

// Dial dials address.
func (Dialer) Dial(network, address string) (net.Conn, error) {
	return Dialer{}.DialContext(context.Background(), network, address)
}

// DialTimeout dials address, giving up after timeout.
func (Dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return Dialer{}.DialContext(ctx, network, address)
}

// DialContext dials address and records the socket for the connection
// being made with ctx.
func (Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, address)
	if err == nil {
		if slot, ok := ctx.Value(netConnSlotKey{}).(*netConnSlot); ok {
			slot.watch(c)
		}
	}
	return c, err
}
