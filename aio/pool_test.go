package aio

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/internal/testenv"
)

// TestPool: Go and Stream mark the context async, deliver results and
// panics once and close, reuse idle goroutines, and every goroutine of the
// pool (the janitor too) ends once idle.
func TestPool(t *testing.T) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			ch := Go(ctx, func(ctx context.Context) (int, error) {
				if !IsAsync(ctx) {
					return 0, errors.New("context not marked async")
				}
				return i * 2, nil
			})
			v, err := Await(ctx, ch)
			if err != nil || v != i*2 {
				t.Errorf("call %d: %v, %v", i, v, err)
			}
			if _, ok := <-ch; ok {
				t.Errorf("call %d: a second Result", i)
			}
		})
	}
	wg.Wait()
	if idle, _ := idleGoroutines(); idle == 0 {
		t.Fatal("no goroutine kept idle after 200 calls")
	}

	_, err := Await(ctx, Go(ctx, func(context.Context) (int, error) { panic("boom") }))
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("panic delivered as %v", err)
	}
	// The goroutine that recovered the panic is reused.
	if v, err := Await(ctx, Go(ctx, func(context.Context) (int, error) { return 7, nil })); err != nil || v != 7 {
		t.Fatalf("after a panic: %v, %v", v, err)
	}
	// A stream runs on the pool too.
	got, err := Collect(ctx, Stream(ctx, 0, func(ctx context.Context, yield func(int) bool) error {
		if !IsAsync(ctx) {
			return errors.New("stream context not marked async")
		}
		for i := range 3 {
			yield(i)
		}
		return nil
	}))
	if err != nil || len(got) != 3 {
		t.Fatalf("stream: %v, %v", got, err)
	}

	// The pool empties by its own clock (two janitor ticks); poll it,
	// bounded, since there is no event to wait for.
	var idle int
	var janitor bool
	if !testenv.Poll(10*idleTimeout, func() bool { idle, janitor = idleGoroutines(); return idle == 0 && !janitor }) {
		t.Fatalf("after %v: %d idle goroutines, janitor running %v", 10*idleTimeout, idle, janitor)
	}
}
