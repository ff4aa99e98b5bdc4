package aio_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
)

// settle waits up to 2s for the number of goroutines to fall to base and
// returns the last count.
func settle(base int) int {
	var n int
	testenv.Poll(2*time.Second, func() bool { n = runtime.NumGoroutine(); return n <= base })
	return n
}

func requireSettled(t *testing.T, base int) {
	t.Helper()
	if n := settle(base); n > base {
		t.Fatalf("%d goroutines still running 2s later, %d before", n, base)
	}
}

// within fails the test unless ch is closed or receives within 2s.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(2 * time.Second):
		t.Fatalf("%s: not within 2s", what)
		panic("unreachable")
	}
}

var errBoom = errors.New("boom")

func TestGoDeliversOneResultThenCloses(t *testing.T) {
	ctx := context.Background()
	ch := aio.Go(ctx, func(context.Context) (int, error) { return 42, nil })
	if cap(ch) != 1 {
		t.Fatalf("channel capacity %d, want 1 so that an unread result does not block", cap(ch))
	}
	r, ok := <-ch
	if !ok || r.Value != 42 || r.Err != nil {
		t.Fatalf("first receive = %+v, %v; want {42 <nil>}, true", r, ok)
	}
	if r, ok := <-ch; ok {
		t.Fatalf("second receive = %+v: the channel was not closed after its one Result", r)
	}

	// Value and error both arrive, as fn returned them.
	r = <-aio.Go(ctx, func(context.Context) (int, error) { return 7, errBoom })
	if r.Value != 7 || r.Err != errBoom {
		t.Fatalf("got %+v, want {7 boom}", r)
	}
}

func TestGoUnreadLeaksNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	release := make(chan struct{})
	var started sync.WaitGroup
	const n = 100
	started.Add(n)
	for i := range n {
		_ = aio.Go(context.Background(), func(context.Context) (int, error) {
			started.Done()
			<-release
			return i, nil
		})
	}
	started.Wait() // all n run at once, each on a goroutine of its own
	close(release) // nobody ever reads the channels
	requireSettled(t, base)
}

type ctxKey struct{}

func TestGoContextIsAsyncAndCarriesCallerValues(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	parent, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, "request-7"), deadline)
	defer cancel()
	if aio.IsAsync(parent) {
		t.Fatal("a plain context is marked async")
	}
	type seen struct {
		async    bool
		value    any
		deadline time.Time
		ok       bool
	}
	got, err := aio.Await(parent, aio.Go(parent, func(ctx context.Context) (seen, error) {
		d, ok := ctx.Deadline()
		return seen{aio.IsAsync(ctx), ctx.Value(ctxKey{}), d, ok}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !got.async {
		t.Error("fn's context is not async")
	}
	if got.value != "request-7" {
		t.Errorf("fn's context value = %v, want the caller's request-7", got.value)
	}
	if !got.ok || !got.deadline.Equal(deadline) {
		t.Errorf("fn's deadline = %v, %v; want the caller's %v", got.deadline, got.ok, deadline)
	}
}

func TestGoSeesCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	started := make(chan struct{})
	ch := aio.Go(ctx, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	<-started
	cancel(errBoom)
	r := within(t, ch, "Result after cancel")
	if r.Err != errBoom {
		t.Fatalf("err = %v, want the cancel cause %v", r.Err, errBoom)
	}
}

func TestGoPanicArrivesAsPanicError(t *testing.T) {
	ctx := context.Background()
	ch := aio.Go(ctx, func(context.Context) (int, error) { panic(errBoom) })
	r := <-ch
	var pe *aio.PanicError
	if !errors.As(r.Err, &pe) {
		t.Fatalf("err = %#v, want a *PanicError", r.Err)
	}
	if !errors.Is(r.Err, errBoom) || pe.Unwrap() != errBoom {
		t.Errorf("PanicError does not unwrap to the panic's error value: %v", pe.Unwrap())
	}
	if !strings.Contains(string(pe.Stack), "aio_test.go") {
		t.Errorf("stack does not show where the panic happened:\n%s", pe.Stack)
	}
	if _, ok := <-ch; ok {
		t.Error("channel not closed after the panic's Result")
	}

	r = <-aio.Go(ctx, func(context.Context) (int, error) { panic("not an error") })
	if !errors.As(r.Err, &pe) || pe.Value != "not an error" || pe.Unwrap() != nil {
		t.Fatalf("err = %#v, want a *PanicError holding the string and unwrapping to nil", r.Err)
	}
	if !strings.Contains(r.Err.Error(), "not an error") {
		t.Errorf("message %q does not show the panic value", r.Err)
	}
}

// count yields 0..n-1 and then returns end.
func count(n int, end error) func(context.Context, func(int) bool) error {
	return func(_ context.Context, yield func(int) bool) error {
		for i := range n {
			if !yield(i) {
				return nil
			}
		}
		return end
	}
}

func TestStreamDeliversInOrderErrorLast(t *testing.T) {
	for _, buffer := range []int{0, 1, 16} {
		for _, end := range []error{nil, errBoom} {
			t.Run(fmt.Sprintf("buffer=%d/err=%v", buffer, end), func(t *testing.T) {
				ch := aio.Stream(context.Background(), buffer, count(100, end))
				var got []int
				var errs []error
				for r := range ch { // ends only when the channel is closed
					if r.Err != nil {
						errs = append(errs, r.Err)
						continue
					}
					if len(errs) > 0 {
						t.Fatalf("value %d after the error", r.Value)
					}
					got = append(got, r.Value)
				}
				if want := seq(100); !slices.Equal(got, want) {
					t.Fatalf("values %v, want 0..99 in order", got)
				}
				if end == nil && len(errs) != 0 || end != nil && !slices.Equal(errs, []error{end}) {
					t.Fatalf("errors %v, want [%v]", errs, end)
				}
			})
		}
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestStreamContextIsAsync(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey{}, 1)
	got, err := aio.Collect(ctx, aio.Stream(ctx, 0, func(ctx context.Context, yield func(bool) bool) error {
		yield(aio.IsAsync(ctx))
		yield(ctx.Value(ctxKey{}) == 1)
		return nil
	}))
	if err != nil || !slices.Equal(got, []bool{true, true}) {
		t.Fatalf("stream saw async, caller value = %v (err %v); want true, true", got, err)
	}
}

// forever yields 0, 1, 2, ... until yield returns false, then returns nil
// (like an iterator told to stop) and closes exited.
func forever(exited chan<- struct{}, stopped *atomic.Bool) func(context.Context, func(int) bool) error {
	return func(_ context.Context, yield func(int) bool) error {
		defer close(exited)
		for i := 0; ; i++ {
			if !yield(i) {
				stopped.Store(true)
				return nil
			}
		}
	}
}

func TestStreamCancelStopsProducer(t *testing.T) {
	t.Run("reader cancels and drains", func(t *testing.T) {
		base := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		exited := make(chan struct{})
		var stopped atomic.Bool
		ch := aio.Stream(ctx, 2, forever(exited, &stopped))
		for i := range 5 {
			if r := <-ch; r.Value != i || r.Err != nil {
				t.Fatalf("result %d = %+v", i, r)
			}
		}
		cancel()
		within(t, exited, "producer exit after cancel")
		if !stopped.Load() {
			t.Fatal("producer ended without yield returning false")
		}
		rest := make(chan []aio.Result[int])
		go func() {
			var rs []aio.Result[int]
			for r := range ch {
				rs = append(rs, r)
			}
			rest <- rs
		}()
		rs := within(t, rest, "channel close after cancel")
		// What was buffered may still arrive, in order; an error, if it
		// arrives (the reader was not waiting), is the cancellation and last.
		for i, r := range rs {
			if r.Err != nil {
				if i != len(rs)-1 || !errors.Is(r.Err, context.Canceled) {
					t.Fatalf("after cancel: result %d of %d is %v, want context.Canceled last", i, len(rs), r.Err)
				}
			} else if r.Value != 5+i {
				t.Fatalf("after cancel: result %d = %d, want %d", i, r.Value, 5+i)
			}
		}
		requireSettled(t, base)
	})
	t.Run("reader walks away", func(t *testing.T) {
		base := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		exited := make(chan struct{})
		var stopped atomic.Bool
		_ = aio.Stream(ctx, 1, forever(exited, &stopped)) // never read
		// The window in which the producer, blocked on the full channel,
		// must not end on its own: an absence has no event to wait for.
		time.Sleep(10 * time.Millisecond)
		select {
		case <-exited:
			t.Fatal("producer ended although nobody cancelled")
		default:
		}
		cancel()
		within(t, exited, "producer exit after cancel")
		requireSettled(t, base)
	})
}

func TestStreamPanic(t *testing.T) {
	ch := aio.Stream(context.Background(), 0, func(_ context.Context, yield func(int) bool) error {
		yield(1)
		panic(errBoom)
	})
	if r := <-ch; r.Value != 1 || r.Err != nil {
		t.Fatalf("first result %+v, want {1 <nil>}", r)
	}
	r := <-ch
	var pe *aio.PanicError
	if !errors.As(r.Err, &pe) || !errors.Is(r.Err, errBoom) {
		t.Fatalf("second result %+v, want a *PanicError wrapping boom", r)
	}
	if _, ok := <-ch; ok {
		t.Fatal("channel not closed after the panic")
	}
}

func TestAwait(t *testing.T) {
	ctx := context.Background()
	if v, err := aio.Await(ctx, aio.Value("x", nil)); v != "x" || err != nil {
		t.Errorf("Await(Value(x)) = %q, %v", v, err)
	}
	if _, err := aio.Await(ctx, aio.Value("", errBoom)); err != errBoom {
		t.Errorf("Await(Value(err)) error = %v, want boom", err)
	}

	closed := make(chan aio.Result[int])
	close(closed)
	if v, err := aio.Await(ctx, closed); !errors.Is(err, aio.ErrNoResult) || v != 0 {
		t.Errorf("Await(closed) = %d, %v; want 0, ErrNoResult", v, err)
	}
}

func TestAwaitReturnsOnCancelWithCause(t *testing.T) {
	never := make(chan aio.Result[int]) // nothing is ever sent

	ctx, cancel := context.WithCancelCause(context.Background())
	timer := time.AfterFunc(10*time.Millisecond, func() { cancel(errBoom) })
	defer timer.Stop()
	done := make(chan error, 1)
	go func() {
		_, err := aio.Await(ctx, never)
		done <- err
	}()
	if err := within(t, done, "Await after cancel"); err != errBoom {
		t.Fatalf("Await error = %v, want the cause %v", err, errBoom)
	}

	tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer tcancel()
	if _, err := aio.Await(tctx, never); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Await error = %v, want DeadlineExceeded", err)
	}
}

func TestValue(t *testing.T) {
	ch := aio.Value(3, errBoom)
	if r, ok := <-ch; !ok || r.Value != 3 || r.Err != errBoom {
		t.Fatalf("Value: got %+v, %v", r, ok)
	}
	if _, ok := <-ch; ok {
		t.Fatal("Value's channel is not closed after its Result")
	}
}

func TestCollect(t *testing.T) {
	ctx := context.Background()
	got, err := aio.Collect(ctx, aio.Stream(ctx, 0, count(5, nil)))
	if err != nil || !slices.Equal(got, seq(5)) {
		t.Errorf("Collect = %v, %v; want 0..4", got, err)
	}
	got, err = aio.Collect(ctx, aio.Stream(ctx, 0, count(3, errBoom)))
	if err != errBoom || !slices.Equal(got, seq(3)) {
		t.Errorf("Collect = %v, %v; want the 3 values read and boom", got, err)
	}
	got, err = aio.Collect(ctx, aio.Stream(ctx, 0, count(0, nil)))
	if err != nil || len(got) != 0 {
		t.Errorf("Collect of an empty stream = %v, %v", got, err)
	}

	cctx, cancel := context.WithCancelCause(ctx)
	exited := make(chan struct{})
	var stopped atomic.Bool
	ch := aio.Stream(cctx, 0, forever(exited, &stopped))
	time.AfterFunc(5*time.Millisecond, func() { cancel(errBoom) })
	got, err = aio.Collect(cctx, ch)
	if err != errBoom || len(got) == 0 || !slices.Equal(got, seq(len(got))) {
		t.Errorf("Collect after cancel = %d values, %v; want values in order and the cause", len(got), err)
	}
	within(t, exited, "producer exit")
}

// gated returns an operation that waits for gate (or ctx) and then returns
// v, err, and a flag set when it has finished.
func gated[T any](ctx context.Context, gate <-chan struct{}, v T, err error) (<-chan aio.Result[T], *atomic.Bool) {
	var done atomic.Bool
	return aio.Go(ctx, func(ctx context.Context) (T, error) {
		defer done.Store(true)
		select {
		case <-gate:
			return v, err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}), &done
}

func TestGatherReturnsValuesInOrder(t *testing.T) {
	ctx := context.Background()
	gates := []chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{})}
	chs := make([]<-chan aio.Result[string], len(gates))
	done := make([]*atomic.Bool, len(gates))
	for i, g := range gates {
		chs[i], done[i] = gated(ctx, g, fmt.Sprint("v", i), nil)
	}
	// Finish in reverse order: each operation has ended before the one
	// before it is let go.
	go func() {
		for i := len(gates) - 1; i >= 0; i-- {
			close(gates[i])
			testenv.Poll(2*time.Second, done[i].Load)
		}
	}()
	got, err := aio.Gather(ctx, chs...)
	if err != nil || !slices.Equal(got, []string{"v0", "v1", "v2"}) {
		t.Fatalf("Gather = %v, %v; want [v0 v1 v2]", got, err)
	}

	got, err = aio.Gather[string](ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("Gather() = %v, %v; want empty", got, err)
	}
}

func TestGatherReturnsOnFirstError(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx := context.Background()
	slowGate := make(chan struct{})
	slow, slowDone := gated(ctx, slowGate, 1, nil)
	failing := aio.Go(ctx, func(context.Context) (int, error) { return 0, errBoom })

	done := make(chan error, 1)
	go func() {
		_, err := aio.Gather(ctx, slow, failing)
		done <- err
	}()
	if err := within(t, done, "Gather with a failed operation"); err != errBoom {
		t.Fatalf("Gather error = %v, want boom", err)
	}
	if slowDone.Load() {
		t.Fatal("the slow operation finished before Gather returned: Gather waited for it")
	}
	close(slowGate)
	requireSettled(t, base) // Gather's own goroutines ended too
}

func TestGatherErrors(t *testing.T) {
	ctx := context.Background()
	closed := make(chan aio.Result[int])
	close(closed)
	_, err := aio.Gather(ctx, aio.Value(1, nil), closed)
	if !errors.Is(err, aio.ErrNoResult) || !strings.Contains(err.Error(), "channel 1") {
		t.Errorf("Gather with a closed channel: %v; want ErrNoResult naming channel 1", err)
	}

	base := runtime.NumGoroutine()
	cctx, cancel := context.WithCancelCause(ctx)
	never := make(chan aio.Result[int])
	time.AfterFunc(5*time.Millisecond, func() { cancel(errBoom) })
	if _, err := aio.Gather(cctx, aio.Value(1, nil), never); err != errBoom {
		t.Errorf("Gather after cancel: %v, want the cause boom", err)
	}
	requireSettled(t, base) // no goroutine left waiting on never
}

func TestGatherFunc(t *testing.T) {
	ctx := context.Background()
	op := func(v int) func(context.Context) <-chan aio.Result[int] {
		return func(ctx context.Context) <-chan aio.Result[int] {
			return aio.Go(ctx, func(context.Context) (int, error) { return v, nil })
		}
	}
	got, err := aio.GatherFunc(ctx, op(1), op(2), op(3))
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("GatherFunc = %v, %v; want [1 2 3]", got, err)
	}
}

func TestGatherFuncCancelsOthersAndWaits(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx := context.Background()
	var ended [2]atomic.Bool
	var causes [2]atomic.Value
	var running sync.WaitGroup // the waiters have started
	running.Add(2)
	waiter := func(i int) func(context.Context) <-chan aio.Result[int] {
		return func(ctx context.Context) <-chan aio.Result[int] {
			return aio.Go(ctx, func(ctx context.Context) (int, error) {
				running.Done()
				<-ctx.Done() // runs until cancelled
				causes[i].Store(context.Cause(ctx))
				// Slow to clean up, on purpose: GatherFunc must wait it out.
				time.Sleep(20 * time.Millisecond)
				ended[i].Store(true)
				return 0, ctx.Err()
			})
		}
	}
	failing := func(ctx context.Context) <-chan aio.Result[int] {
		return aio.Go(ctx, func(context.Context) (int, error) {
			running.Wait() // fail only once the others are running
			return 0, errBoom
		})
	}

	done := make(chan error, 1)
	go func() {
		// The failing operation is not first: its error must still cancel
		// the operation before it.
		_, err := aio.GatherFunc(ctx, waiter(0), failing, waiter(1))
		done <- err
	}()
	if err := within(t, done, "GatherFunc with a failing operation"); err != errBoom {
		t.Fatalf("GatherFunc error = %v, want the first error boom", err)
	}
	for i := range ended {
		if !ended[i].Load() {
			t.Errorf("operation %d still running when GatherFunc returned", i)
		}
		if c, _ := causes[i].Load().(error); c != errBoom {
			t.Errorf("operation %d was cancelled with cause %v, want boom", i, c)
		}
	}
	requireSettled(t, base)
}

func TestSyncMarks(t *testing.T) {
	bg := context.Background()
	if aio.IsAsync(bg) || aio.SyncAllowed(bg) {
		t.Fatal("a plain context is marked")
	}
	a := aio.Async(bg)
	if !aio.IsAsync(a) || aio.SyncAllowed(a) {
		t.Errorf("Async: IsAsync=%v SyncAllowed=%v, want true false", aio.IsAsync(a), aio.SyncAllowed(a))
	}
	s := aio.AllowSync(bg)
	if aio.IsAsync(s) || !aio.SyncAllowed(s) {
		t.Errorf("AllowSync: IsAsync=%v SyncAllowed=%v, want false true", aio.IsAsync(s), aio.SyncAllowed(s))
	}
	both := aio.Async(s)
	if !aio.IsAsync(both) || !aio.SyncAllowed(both) {
		t.Error("Async(AllowSync(ctx)) lost a mark")
	}
	if aio.Async(a) != a || aio.AllowSync(s) != s {
		t.Error("marking a marked context again wrapped it again")
	}

	// An operation started from an AllowSync context keeps the mark.
	allowed, _ := aio.Await(s, aio.Go(s, func(ctx context.Context) (bool, error) {
		return aio.SyncAllowed(ctx) && aio.IsAsync(ctx), nil
	}))
	if !allowed {
		t.Error("aio.Go's context lost the caller's AllowSync mark")
	}
}

func TestStreamCutShortEndsWithCause(t *testing.T) {
	errOwn := errors.New("producer's own error")
	for _, tc := range []struct {
		name string
		ret  error // what fn returns once yield refused
		want error
	}{
		{"fn returns nil", nil, errBoom},
		{"fn returns its error", errOwn, errOwn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			refused := make(chan bool, 1)
			sent := make(chan struct{})
			ch := aio.Stream(ctx, 4, func(ctx context.Context, yield func(int) bool) error {
				yield(0) // into the buffer
				close(sent)
				<-ctx.Done()
				refused <- !yield(1)
				return tc.ret
			})
			<-sent
			cancel(errBoom)
			if !within(t, refused, "yield after cancel") {
				t.Fatal("yield accepted a value after cancel")
			}
			var rs []aio.Result[int]
			for r := range ch {
				rs = append(rs, r)
			}
			want := []aio.Result[int]{{Value: 0}, {Err: tc.want}}
			if !slices.Equal(rs, want) {
				t.Fatalf("stream delivered %v, want %v", rs, want)
			}
		})
	}
}
