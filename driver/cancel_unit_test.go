package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"
)

// TestServerCanceled: PostgreSQL's "the statement was stopped" answer is
// recognised without a Backend, a driver's own (MySQL's, see package
// driver/mysql) through its Backend.Interrupted, and nothing else is.
func TestServerCanceled(t *testing.T) {
	errKilled := errors.New("1317: query execution was interrupted")
	mine := &Backend{Interrupted: func(err error) bool { return err == errKilled }}
	none := &Backend{}
	for _, c := range []struct {
		be   *Backend
		err  error
		want bool
	}{
		{noBackend, &pq.Error{Code: "57014"}, true},
		{noBackend, &pgconn.PgError{Code: "57014"}, true},
		{mine, errKilled, true},
		{none, errKilled, false},
		{noBackend, &pq.Error{Code: "40001"}, false},
		{mine, &mysql.MySQLError{Number: 1062}, false},
		{mine, driver.ErrBadConn, false},
		{noBackend, context.Canceled, false},
	} {
		if got := serverCanceled(c.be, c.err); got != c.want {
			t.Errorf("serverCanceled(%v) = %v; want %v", c.err, got, c.want)
		}
	}
}

// TestCanceledErrorMatches: a *CanceledError matches the context's error,
// the cause, the driver's error (errors.As finds the *pq.Error), and
// ErrConnLost only when the outcome is unknown.
func TestCanceledErrorMatches(t *testing.T) {
	pqErr := &pq.Error{Code: "57014", Message: "canceling statement due to user request"}
	why := errors.New("shutting down")
	e := &CanceledError{Op: "exec", Err: pqErr, ctxErr: context.DeadlineExceeded, cause: why, Stopped: true}
	var pe *pq.Error
	if !errors.Is(e, context.DeadlineExceeded) || !errors.Is(e, why) || !errors.As(e, &pe) || pe.Code != "57014" {
		t.Errorf("%v: want it to match DeadlineExceeded, its cause and the *pq.Error", e)
	}
	if errors.Is(e, ErrConnLost) || errors.Is(e, context.Canceled) {
		t.Errorf("%v: a stopped statement matches ErrConnLost or the wrong context error", e)
	}
	lost := &CanceledError{Op: "exec", Err: context.Canceled, ctxErr: context.Canceled, OutcomeUnknown: true}
	if !errors.Is(lost, ErrConnLost) || !errors.Is(lost, context.Canceled) {
		t.Errorf("%v: want ErrConnLost and context.Canceled", lost)
	}
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if err := commitNotSent(ended, driver.ErrBadConn); !errors.Is(err, context.Canceled) || errors.Is(err, ErrConnLost) {
		t.Errorf("commit on a connection given up for the context: %v; want context.Canceled, not ErrConnLost", err)
	}
	if err := commitNotSent(context.Background(), driver.ErrBadConn); err != driver.ErrBadConn {
		t.Errorf("commit with a live context: %v changed", err)
	}
}
