package aio_test

import (
	"context"
	"testing"

	"github.com/aiodb/aiodb/aio"
)

// Each aio benchmark has a "raw" twin written with bare goroutines and
// channels: state aio's cost as the ratio between the two.

func BenchmarkGoAwait(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, 1)
			go func() { ch <- 1 }()
			<-ch
		}
	})
	b.Run("aio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := aio.Await(ctx, aio.Go(ctx, fn)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStream(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, 16)
			go func() {
				defer close(ch)
				for i := range n {
					ch <- i
				}
			}()
			for range ch {
			}
		}
	})
	b.Run("aio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := aio.Stream(ctx, 16, func(_ context.Context, yield func(int) bool) error {
				for i := range n {
					if !yield(i) {
						return nil
					}
				}
				return nil
			})
			for range ch {
			}
		}
	})
}

func BenchmarkGather8(b *testing.B) {
	const n = 8
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		chs := make([]chan int, n)
		for b.Loop() {
			for i := range chs {
				chs[i] = make(chan int, 1)
				go func() { chs[i] <- 1 }()
			}
			out := make([]int, n)
			for i, ch := range chs {
				out[i] = <-ch
			}
		}
	})
	b.Run("aio", func(b *testing.B) {
		b.ReportAllocs()
		chs := make([]<-chan aio.Result[int], n)
		for b.Loop() {
			for i := range chs {
				chs[i] = aio.Go(ctx, fn)
			}
			if _, err := aio.Gather(ctx, chs...); err != nil {
				b.Fatal(err)
			}
		}
	})
}
