package aio_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/aio"
)

// Go starts the work at once; Await collects its Result when it is needed.
func ExampleGo() {
	ctx := context.Background()
	ch := aio.Go(ctx, func(ctx context.Context) (string, error) {
		// Statements run with this ctx pass the driver's sync guard.
		return fmt.Sprint("async context: ", aio.IsAsync(ctx)), nil
	})
	// ... other work runs meanwhile ...
	s, err := aio.Await(ctx, ch)
	fmt.Println(s, err)

	// A panic in the operation arrives as an error.
	_, err = aio.Await(ctx, aio.Go(ctx, func(context.Context) (int, error) {
		panic(errors.New("index out of range"))
	}))
	var pe *aio.PanicError
	fmt.Println(errors.As(err, &pe), err)
	// Output:
	// async context: true <nil>
	// true aio: panic in async operation: index out of range
}

// Stream delivers one Result per value; ranging over the channel reads them
// until it is closed.
func ExampleStream() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // ends the producer if the loop stops early
	words := aio.Stream(ctx, 2, func(ctx context.Context, yield func(string) bool) error {
		for _, w := range strings.Fields("peewee is awesome with async") {
			if !yield(strings.ToUpper(w)) {
				return nil // the reader cancelled
			}
		}
		return errors.New("out of words")
	})
	for r := range words {
		if r.Err != nil {
			fmt.Println("error:", r.Err)
			break
		}
		fmt.Println(r.Value)
	}
	// Output:
	// PEEWEE
	// IS
	// AWESOME
	// WITH
	// ASYNC
	// error: out of words
}

// Gather runs nothing itself: it waits for operations already started and
// returns their values in the order given, whichever finished first.
func ExampleGather() {
	ctx := context.Background()
	square := func(n int) <-chan aio.Result[int] {
		return aio.Go(ctx, func(context.Context) (int, error) { return n * n, nil })
	}
	squares, err := aio.Gather(ctx, square(1), square(2), square(3))
	fmt.Println(squares, err)

	// GatherFunc also cancels the others when one fails.
	_, err = aio.GatherFunc(ctx,
		func(ctx context.Context) <-chan aio.Result[int] {
			return aio.Go(ctx, func(ctx context.Context) (int, error) {
				<-ctx.Done() // a slow query, stopped by the failure below
				return 0, ctx.Err()
			})
		},
		func(ctx context.Context) <-chan aio.Result[int] {
			return aio.Value(0, errors.New("duplicate key"))
		},
	)
	fmt.Println(err)
	// Output:
	// [1 4 9] <nil>
	// duplicate key
}

// AllowSync marks a context in which blocking (sync) calls pass the guard,
// like peewee-async's "with allow_sync():".
func ExampleAllowSync() {
	ctx := aio.AllowSync(context.Background())
	fmt.Println(aio.SyncAllowed(ctx), aio.IsAsync(ctx))
	// Output: true false
}
