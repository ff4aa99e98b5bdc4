package orm

import (
	"context"
	"fmt"
	"time"

	"github.com/aiodb/aiodb/orm/internal/txn"
)

// RetryPolicy says how Atomic and Transaction run their function again
// when the transaction loses a conflict with another one: a serialization
// failure or deadlock (PostgreSQL and CockroachDB SQLSTATE 40001 and
// 40P01, MySQL/MariaDB errors 1213 and 1205, SQLITE_BUSY), as the
// dialect's IsRetryable decides. Each retry rolls back, waits, and runs
// the whole transaction again from BEGIN, so fn must be safe to run more
// than once: effects outside the database (sending mail, appending to a
// slice declared outside fn) happen once per attempt. Pass it with Retry.
//
// Zero fields take the defaults noted on each.
type RetryPolicy struct {
	// MaxAttempts is how many times the transaction runs at most, the
	// first included: 1 never retries. Zero means 3.
	MaxAttempts int
	// BaseDelay is the wait before the second attempt; it doubles for
	// each further one. Zero means 10ms.
	BaseDelay time.Duration
	// MaxDelay caps the wait. Zero means 1s.
	MaxDelay time.Duration
	// Jitter is the fraction of each wait drawn at random, so that
	// transactions that collided once do not collide again in step: a
	// wait d becomes a random duration in [d*(1-Jitter), d]. Zero means
	// 0.5; a negative value means exact waits; above 1 counts as 1.
	Jitter float64
	// OnRetry, when set, is called after attempt number attempt failed
	// with the retryable err, before the wait: a place to count retries
	// for metrics or log them. It is not called for the last attempt's
	// error, which Atomic returns instead.
	OnRetry func(attempt int, err error)
}

// Retry makes Atomic, Transaction and their Aio and Manager twins run fn
// again, in a new transaction, when it or the COMMIT fails with an error
// the dialect's IsRetryable accepts, following p (see RetryPolicy).
//
// Only the outermost call honours it: a nested Atomic is a savepoint, and
// a serialization failure or deadlock dooms the whole transaction, so the
// nested call returns the error and the outer one, if it has a Retry,
// starts over. BeginContext, which has no function to run again, ignores
// it. Without Retry a conflict's error is returned after one attempt.
//
// When the attempts run out the error is a *RetryError wrapping the last
// attempt's error (errors.Is and errors.As reach the driver's error
// through it). Errors that are not retryable, and panics, end the retries
// at once and are returned as they are. Waits end early when ctx ends.
func Retry(p RetryPolicy) TxOption {
	return func(c *txConfig) { c.retry = &p }
}

// RetryError is Atomic's or Transaction's error when every attempt
// allowed by the Retry policy failed with a retryable error, or when the
// context ended while waiting to retry.
type RetryError struct {
	// Attempts is how many times the transaction ran.
	Attempts int
	// Err is the last attempt's error.
	Err error
	// Stopped is the context's cause when it ended during a wait, nil
	// when the attempts ran out.
	Stopped error
}

func (e *RetryError) Error() string {
	if e.Stopped != nil {
		return fmt.Sprintf("orm: transaction retry stopped after %d attempts (%v): %v", e.Attempts, e.Stopped, e.Err)
	}
	return fmt.Sprintf("orm: transaction failed after %d attempts: %v", e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error and, when the context stopped
// the retries, its cause: errors.Is(err, context.Canceled) then holds.
func (e *RetryError) Unwrap() []error {
	if e.Stopped != nil {
		return []error{e.Err, e.Stopped}
	}
	return []error{e.Err}
}

// attemptKey is the context key of the attempt number of a retried
// transaction.
type attemptKey struct{}

// TxAttempt returns which attempt of a transaction run with Retry the
// context belongs to: 1 for the first run of fn, 2 for the first retry,
// and so on; savepoints nested in fn see the same number. It returns 0
// for any other context, a transaction without Retry included.
func TxAttempt(ctx context.Context) int {
	n, _ := ctx.Value(attemptKey{}).(int)
	return n
}

func (p *RetryPolicy) attempts() int {
	if p.MaxAttempts <= 0 {
		return 3
	}
	return p.MaxAttempts
}

// delay is the wait after attempt number attempt (1-based) failed.
func (p *RetryPolicy) delay(attempt int) time.Duration {
	return txn.Backoff(attempt, p.BaseDelay, p.MaxDelay, p.Jitter)
}

// retryable reports whether err should start the transaction over.
func (db *DB) retryable(err error) bool {
	f := db.dialect.IsRetryable
	return f != nil && f(err)
}

// transactionRetry runs db.transaction under policy p.
func (db *DB) transactionRetry(ctx context.Context, fn func(ctx context.Context) error, cfg *txConfig) error {
	p := cfg.retry
	maxN := p.attempts()
	for attempt := 1; ; attempt++ {
		err := db.transaction(context.WithValue(ctx, attemptKey{}, attempt), fn, cfg)
		if err == nil || !db.retryable(err) {
			return err
		}
		if attempt >= maxN {
			return &RetryError{Attempts: attempt, Err: err}
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, err)
		}
		if stop := txn.Sleep(ctx, p.delay(attempt)); stop != nil {
			return &RetryError{Attempts: attempt, Err: err, Stopped: stop}
		}
	}
}
