package aio

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/aiodb/aiodb/driver"
)

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

// Go runs fn in a new goroutine with ctx marked async and returns a channel
// that delivers exactly one Result and is then closed. The channel is
// buffered, so a caller that never reads it leaks nothing: the goroutine
// ends when fn returns. A panic in fn is delivered as a *PanicError.
func Go[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) <-chan Result[T] {
	ch := make(chan Result[T], 1)
	actx := Async(ctx)
	go func() {
		defer close(ch)
		defer func() {
			if p := recover(); p != nil {
				ch <- Result[T]{Err: &PanicError{Value: p, Stack: debug.Stack()}}
			}
		}()
		v, err := fn(actx)
		ch <- Result[T]{Value: v, Err: err}
	}()
	return ch
}

// Stream runs fn in a new goroutine with ctx marked async. Each value fn
// passes to yield is delivered as one Result; an error fn returns arrives
// as the last Result; then the channel is closed. yield returns false when
// ctx is cancelled: fn must then return promptly (its error is dropped if
// the reader has gone). A caller that stops reading early must cancel ctx
// so the goroutine ends. buffer is the channel's capacity.
func Stream[T any](ctx context.Context, buffer int, fn func(ctx context.Context, yield func(T) bool) error) <-chan Result[T] {
	ch := make(chan Result[T], buffer)
	actx := Async(ctx)
	done := actx.Done()
	yield := func(v T) bool {
		select {
		case ch <- Result[T]{Value: v}:
			return true
		case <-done:
			return false
		}
	}
	go func() {
		defer close(ch)
		defer func() {
			if p := recover(); p != nil {
				select {
				case ch <- Result[T]{Err: &PanicError{Value: p, Stack: debug.Stack()}}:
				case <-done:
				}
			}
		}()
		if err := fn(actx, yield); err != nil {
			select {
			case ch <- Result[T]{Err: err}:
			case <-done:
			}
		}
	}()
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
	select {
	case r, ok := <-ch:
		if !ok {
			var zero T
			return zero, ErrNoResult
		}
		return r.Value, r.Err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

// Collect reads a stream to its end and returns its values, or the first
// error.
func Collect[T any](ctx context.Context, ch <-chan Result[T]) ([]T, error) {
	var out []T
	for {
		select {
		case r, ok := <-ch:
			if !ok {
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
// the order of chs. It returns at the first error without waiting for the
// rest; their channels are buffered, so nothing leaks. To also stop the
// work still running, use GatherFunc, or start it with a context you cancel.
func Gather[T any](ctx context.Context, chs ...<-chan Result[T]) ([]T, error) {
	out := make([]T, len(chs))
	if len(chs) == 0 {
		return out, nil
	}
	type indexed struct {
		i int
		r Result[T]
		ok bool
	}
	merged := make(chan indexed, len(chs))
	for i, ch := range chs {
		go func() {
			r, ok := <-ch
			merged <- indexed{i, r, ok}
		}()
	}
	for range chs {
		select {
		case x := <-merged:
			if !x.ok {
				return nil, fmt.Errorf("aio: Gather: channel %d: %w", x.i, ErrNoResult)
			}
			if x.r.Err != nil {
				return nil, x.r.Err
			}
			out[x.i] = x.r.Value
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	return out, nil
}

// GatherFunc starts each fn with a shared child of ctx, waits for all of
// them and returns their values in order. The first error cancels the
// others' context and is returned once every goroutine has ended.
func GatherFunc[T any](ctx context.Context, fns ...func(ctx context.Context) <-chan Result[T]) ([]T, error) {
	gctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([]T, len(fns))
	chs := make([]<-chan Result[T], len(fns))
	for i, fn := range fns {
		chs[i] = fn(gctx)
	}
	var first error
	for i, ch := range chs {
		r, ok := <-ch // each operation ends on its own once gctx is cancelled
		switch {
		case !ok:
			r.Err = fmt.Errorf("aio: GatherFunc: operation %d: %w", i, ErrNoResult)
		case r.Err == nil:
			out[i] = r.Value
			continue
		}
		if first == nil {
			first = r.Err
			cancel(r.Err)
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}
