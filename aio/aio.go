package aio

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/aiodb/aiodb/driver"
)

// The guard names the caller of a sync call: the first frame outside
// database/sql and aiodb, so not this package's.
func init() { driver.SkipCallerPackages("github.com/aiodb/aiodb/aio") }

// Result is what an async operation delivers: a value or an error.
type Result[T any] struct {
	Value T
	Err   error
}

// ErrNoResult is returned by Await when the channel was closed without
// delivering a Result.
var ErrNoResult = errors.New("aio: channel closed without a result")

// PanicError carries a panic raised inside an async operation to the
// goroutine that awaits it, with the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("aio: panic in async operation: %v", e.Value) }

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Async returns ctx marked async: statements run with it pass the sync guard
// of package driver. Go and Stream mark their contexts with it.
func Async(ctx context.Context) context.Context { return driver.MarkAsync(ctx) }

// IsAsync reports whether ctx is marked async.
func IsAsync(ctx context.Context) bool { return driver.IsAsync(ctx) }

// AllowSync returns a context in which sync calls pass the guard whatever its
// mode, like peewee-async's "with allow_sync():". Schema creation is sync by
// design and is usually run with it.
func AllowSync(ctx context.Context) context.Context { return driver.AllowSync(ctx) }

// SyncAllowed reports whether ctx was marked by AllowSync.
func SyncAllowed(ctx context.Context) bool { return driver.SyncAllowed(ctx) }

// Go runs fn in another goroutine with ctx marked async and returns a
// channel that delivers exactly one Result and is then closed. The channel
// is buffered, so a caller that never reads it leaks nothing: the
// goroutine is free again when fn returns. A panic in fn is delivered as a
// *PanicError. The goroutine comes from a pool shared by every async call
// (see pool.go), so its stack has already grown to what a driver needs.
func Go[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) <-chan Result[T] {
	c := &call[T]{ch: make(chan Result[T], 1), fn: fn, ctx: asyncCtx(ctx)}
	spawn(c)
	return c.ch
}

// call is one Go call: one allocation besides its channel.
type call[T any] struct {
	ch  chan Result[T]
	fn  func(ctx context.Context) (T, error)
	ctx context.Context
}

func (c *call[T]) run() {
	defer close(c.ch)
	defer func() {
		if p := recover(); p != nil {
			c.ch <- Result[T]{Err: &PanicError{Value: p, Stack: debug.Stack()}}
		}
	}()
	v, err := c.fn(c.ctx)
	c.ch <- Result[T]{Value: v, Err: err}
}

// taskFunc runs a function as a pooled task.
type taskFunc func()

func (f taskFunc) run() { f() }

// asyncBackground is context.Background marked async, made once: the
// context most calls are given, so Go and Stream need not wrap it again.
var asyncBackground = Async(context.Background())

func asyncCtx(ctx context.Context) context.Context {
	if ctx == context.Background() {
		return asyncBackground
	}
	return Async(ctx)
}

// Stream runs fn in another goroutine (of Go's pool) with ctx marked async. Each value fn
// passes to yield is delivered as one Result; an error fn returns arrives
// as the last Result; then the channel is closed. buffer is the channel's
// capacity.
//
// Once ctx is cancelled yield returns false and fn must return promptly. A
// stream cut short that way ends with a Result carrying context.Cause(ctx)
// (or fn's own error), so it never reads as complete; since the reader may
// be gone by then, that last Result is dropped when the reader is not
// receiving and the channel is full, and a reader that ranges over the
// channel should check ctx.Err() after the loop (Collect does). A caller
// that stops reading early must cancel ctx so the goroutine ends. A panic
// in fn is delivered the same way as a *PanicError. yield may be called
// from several goroutines, but never after fn has returned.
func Stream[T any](ctx context.Context, buffer int, fn func(ctx context.Context, yield func(T) bool) error) <-chan Result[T] {
	ch := make(chan Result[T], buffer)
	actx := asyncCtx(ctx)
	done := actx.Done()
	var refused atomic.Bool // fn may yield from goroutines of its own
	yield := func(v T) bool {
		if done == nil { // ctx can never be cancelled
			ch <- Result[T]{Value: v}
			return true
		}
		// Check done first: select picks at random among ready cases, and
		// a cancelled stream must not go on sending into a free buffer.
		select {
		case <-done:
			refused.Store(true)
			return false
		default:
		}
		// Room in the buffer is the common case: a plain non-blocking
		// send is cheaper than the two-way select below.
		select {
		case ch <- Result[T]{Value: v}:
			return true
		default:
		}
		select {
		case ch <- Result[T]{Value: v}:
			return true
		case <-done:
			refused.Store(true)
			return false
		}
	}
	last := func(err error) {
		r := Result[T]{Err: err}
		select {
		case ch <- r: // room in the buffer, or a reader waiting
			return
		default:
		}
		select {
		case ch <- r:
		case <-done: // the reader may be gone: do not block
		}
	}
	spawn(taskFunc(func() {
		defer close(ch)
		defer func() {
			if p := recover(); p != nil {
				last(&PanicError{Value: p, Stack: debug.Stack()})
			}
		}()
		err := fn(actx, yield)
		if err == nil && refused.Load() {
			err = context.Cause(actx)
		}
		if err != nil {
			last(err)
		}
	}))
	return ch
}

// Value returns a channel that already holds one Result: for async methods
// that fail before starting any work.
func Value[T any](v T, err error) <-chan Result[T] {
	ch := make(chan Result[T], 1)
	ch <- Result[T]{Value: v, Err: err}
	close(ch)
	return ch
}

// Await waits for the first Result on ch, or for ctx to end.
func Await[T any](ctx context.Context, ch <-chan Result[T]) (T, error) {
	done := ctx.Done()
	if done == nil { // ctx never ends: a plain receive is cheaper than select
		r, ok := <-ch
		if !ok {
			var zero T
			return zero, ErrNoResult
		}
		return r.Value, r.Err
	}
	select {
	case r, ok := <-ch:
		if !ok {
			var zero T
			return zero, ErrNoResult
		}
		return r.Value, r.Err
	case <-done:
		var zero T
		return zero, context.Cause(ctx)
	}
}

// Collect reads a stream to its end and returns its values with the first
// error, if any. It stops when ctx ends, with context.Cause(ctx); a stream
// that closes after ctx ended counts as cut short, since its last Result
// may have been dropped (see Stream).
func Collect[T any](ctx context.Context, ch <-chan Result[T]) ([]T, error) {
	var out []T
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				if ctx.Err() != nil {
					return out, context.Cause(ctx)
				}
				return out, nil
			}
			if r.Err != nil {
				return out, r.Err
			}
			out = append(out, r.Value)
		case <-ctx.Done():
			return out, context.Cause(ctx)
		}
	}
}

// Gather waits for one Result from each channel and returns the values in
// the order of chs. It returns at the first error, or when ctx ends with its
// cause, without waiting for the rest; their channels are buffered, so
// nothing leaks, and Gather's own goroutines end when it returns. To also
// stop the work still running, use GatherFunc, or start it with a context
// you cancel. A channel closed without a Result fails with ErrNoResult.
func Gather[T any](ctx context.Context, chs ...<-chan Result[T]) ([]T, error) {
	out := make([]T, len(chs))
	take := func(x indexed[T]) error {
		if !x.ok {
			return fmt.Errorf("aio: Gather: channel %d: %w", x.i, ErrNoResult)
		}
		out[x.i] = x.r.Value
		return x.r.Err
	}
	// Take what is ready without a goroutine; wait for the rest through
	// helpers, since the first error may come from any of them.
	var (
		stop    chan struct{} // closed when Gather returns: releases the helpers
		merged  chan indexed[T]
		pending int
	)
	for i, ch := range chs {
		select {
		case r, ok := <-ch:
			if err := take(indexed[T]{i, r, ok}); err != nil {
				return nil, err // the deferred close(stop) releases any helper
			}
			continue
		default:
		}
		if stop == nil {
			stop = make(chan struct{})
			defer close(stop)
			merged = make(chan indexed[T], len(chs)-i)
		}
		go forward(i, ch, merged, stop)
		pending++
	}
	for range pending {
		select {
		case x := <-merged:
			if err := take(x); err != nil {
				return nil, err
			}
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	return out, nil
}

// GatherFunc starts each fn with a shared child of ctx, waits for all of
// them and returns their values in order. The first error, whichever
// operation it comes from, cancels the others' context (with that error as
// the cause) and is returned once every operation has delivered its Result
// or closed its channel; an operation must therefore end when its context
// is cancelled. A channel closed without a Result counts as an
// ErrNoResult error.
func GatherFunc[T any](ctx context.Context, fns ...func(ctx context.Context) <-chan Result[T]) ([]T, error) {
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]T, len(fns))
	merged := make(chan indexed[T], len(fns))
	for i, fn := range fns {
		// A nil stop channel: every helper ends when its operation does,
		// which GatherFunc waits for anyway.
		go forward(i, fn(gctx), merged, nil)
	}
	var first error
	for range fns {
		x := <-merged
		switch {
		case !x.ok:
			x.r.Err = fmt.Errorf("aio: GatherFunc: operation %d: %w", x.i, ErrNoResult)
		case x.r.Err == nil:
			out[x.i] = x.r.Value
			continue
		}
		if first == nil {
			first = x.r.Err
			cancel(first)
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}

// indexed is one Result of Gather or GatherFunc with the index of its
// channel; ok is false when the channel was closed without a Result.
type indexed[T any] struct {
	i  int
	r  Result[T]
	ok bool
}

// forward sends the first Result of ch, tagged with i, to merged (which has
// room for every helper), unless stop is closed first.
func forward[T any](i int, ch <-chan Result[T], merged chan<- indexed[T], stop <-chan struct{}) {
	select {
	case r, ok := <-ch:
		merged <- indexed[T]{i, r, ok}
	case <-stop:
	}
}
