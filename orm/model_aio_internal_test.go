package orm

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
)

// TestAsyncPool: goAsync marks the context async, delivers results and
// panics once and closes, reuses idle goroutines, and its goroutines (the
// janitor too) end once idle.
func TestAsyncPool(t *testing.T) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch := goAsync(ctx, func(ctx context.Context) (int, error) {
				if !aio.IsAsync(ctx) {
					return 0, errors.New("context not marked async")
				}
				return i * 2, nil
			})
			v, err := aio.Await(ctx, ch)
			if err != nil || v != i*2 {
				t.Errorf("call %d: %v, %v", i, v, err)
			}
			if _, ok := <-ch; ok {
				t.Errorf("call %d: a second Result", i)
			}
		}()
	}
	wg.Wait()

	_, err := aio.Await(ctx, goAsync(ctx, func(context.Context) (int, error) { panic("boom") }))
	var pe *aio.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Fatalf("panic delivered as %v", err)
	}
	// The goroutine that recovered the panic is reused.
	if v, err := aio.Await(ctx, goAsync(ctx, func(context.Context) (int, error) { return 7, nil })); err != nil || v != 7 {
		t.Fatalf("after a panic: %v, %v", v, err)
	}

	deadline := time.Now().Add(10 * asyncIdle)
	for {
		asyncPool.mu.Lock()
		idle, janitor := len(asyncPool.idle), asyncPool.janitor
		asyncPool.mu.Unlock()
		if idle == 0 && !janitor {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %d idle goroutines, janitor running %v", 10*asyncIdle, idle, janitor)
		}
		time.Sleep(asyncIdle / 4)
	}
}
