package orm

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"github.com/aiodb/aiodb/aio"
)

// The Aio twins below run their blocking method in another goroutine with
// ctx marked async (see goAsync), so the driver's sync guard lets their
// statements through under every mode. Each returned channel delivers
// exactly one Result and is then closed; it is buffered, so a caller that
// never reads it leaks nothing. Errors are those of the blocking method;
// a panic arrives as an *aio.PanicError.

// goAsync is aio.Go run on a reused goroutine (see runPooled): fn runs
// with ctx marked async, its result or panic (as an *aio.PanicError) is
// delivered on a buffered channel that is then closed.
func goAsync[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) <-chan aio.Result[T] {
	c := &asyncCall[T]{ch: make(chan aio.Result[T], 1), fn: fn, ctx: asyncCtx(ctx)}
	runPooled(c)
	return c.ch
}

// asyncCall is one goAsync call: one allocation besides its channel.
type asyncCall[T any] struct {
	ch  chan aio.Result[T]
	fn  func(ctx context.Context) (T, error)
	ctx context.Context
}

func (c *asyncCall[T]) run() {
	defer close(c.ch)
	defer func() {
		if p := recover(); p != nil {
			c.ch <- aio.Result[T]{Err: &aio.PanicError{Value: p, Stack: debug.Stack()}}
		}
	}()
	v, err := c.fn(c.ctx)
	c.ch <- aio.Result[T]{Value: v, Err: err}
}

// asyncBackground is context.Background marked async, made once: the
// context most calls are given.
var asyncBackground = aio.Async(context.Background())

func asyncCtx(ctx context.Context) context.Context {
	if ctx == context.Background() {
		return asyncBackground
	}
	return aio.Async(ctx)
}

// asyncTask is what a pooled goroutine runs.
type asyncTask interface{ run() }

// asyncPool keeps the goroutines that ran async work, idle, for the
// next: see runPooled.
var asyncPool struct {
	mu      sync.Mutex
	idle    []*asyncWorker // a stack: the most recently idle on top
	janitor bool           // a janitor goroutine is running
	tick    uint64         // the janitor's clock, so workers need not read the time
}

// asyncIdle is how long a pooled goroutine waits for more work before it
// ends.
const asyncIdle = time.Second

type asyncWorker struct {
	tasks chan asyncTask // a nil task ends the worker
	since uint64         // idle since this tick; guarded by asyncPool.mu
}

// runPooled runs task on an idle pooled goroutine, or on a new one when
// none is idle. A new goroutine's stack starts small and is copied each
// time it grows, and a database driver's call path (modernc.org/sqlite's
// above all) grows it several times per statement; a goroutine that has
// already run one keeps its stack, which made AioGet on SQLite 2.5 times
// slower than Get before it reused them. Pooled goroutines end after
// asyncIdle without work, and so does the janitor that ends them once
// none is left.
func runPooled(task asyncTask) {
	p := &asyncPool
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.tasks <- task
		return
	}
	p.mu.Unlock()
	w := &asyncWorker{tasks: make(chan asyncTask, 1)}
	go w.run(task)
}

func (w *asyncWorker) run(task asyncTask) {
	p := &asyncPool
	for task != nil {
		task.run()
		p.mu.Lock()
		w.since = p.tick
		p.idle = append(p.idle, w)
		if !p.janitor {
			p.janitor = true
			go asyncJanitor()
		}
		p.mu.Unlock()
		task = <-w.tasks
	}
}

// asyncJanitor ends the workers idle for two of its ticks (asyncIdle),
// oldest first (they are at the bottom of the stack), and ends itself
// when none is idle.
func asyncJanitor() {
	p := &asyncPool
	for {
		time.Sleep(asyncIdle / 2)
		p.mu.Lock()
		p.tick++
		n := 0
		for n < len(p.idle) && p.tick-p.idle[n].since >= 2 {
			p.idle[n].tasks <- nil
			n++
		}
		p.idle = append(p.idle[:0], p.idle[n:]...)
		clear(p.idle[len(p.idle):cap(p.idle)])
		if len(p.idle) == 0 {
			p.janitor = false
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// AioGet is the async twin of Get.
func (m *Model[T]) AioGet(ctx context.Context, conds ...Expr) <-chan aio.Result[*T] {
	return goAsync(ctx, func(ctx context.Context) (*T, error) { return m.Get(ctx, conds...) })
}

// AioGetByPK is the async twin of GetByPK.
func (m *Model[T]) AioGetByPK(ctx context.Context, pk ...any) <-chan aio.Result[*T] {
	return goAsync(ctx, func(ctx context.Context) (*T, error) { return m.GetByPK(ctx, pk...) })
}

// AioGetOrNone is the async twin of GetOrNone: a nil Value with no error
// when no row matches.
func (m *Model[T]) AioGetOrNone(ctx context.Context, conds ...Expr) <-chan aio.Result[*T] {
	return goAsync(ctx, func(ctx context.Context) (*T, error) { return m.GetOrNone(ctx, conds...) })
}

// AioCreate is the async twin of Create; the Value is obj itself, with its
// generated values filled in.
func (m *Model[T]) AioCreate(ctx context.Context, obj *T) <-chan aio.Result[*T] {
	return goAsync(ctx, func(ctx context.Context) (*T, error) { return m.Create(ctx, obj) })
}

// AioSave is the async twin of Save: the Value is the rows written.
func (m *Model[T]) AioSave(ctx context.Context, obj *T, only ...string) <-chan aio.Result[int64] {
	return goAsync(ctx, func(ctx context.Context) (int64, error) { return m.Save(ctx, obj, only...) })
}

// AioDeleteInstance is the async twin of DeleteInstance.
func (m *Model[T]) AioDeleteInstance(ctx context.Context, obj *T, recursive, deleteNullable bool) <-chan aio.Result[int64] {
	return goAsync(ctx, func(ctx context.Context) (int64, error) {
		return m.DeleteInstance(ctx, obj, recursive, deleteNullable)
	})
}

// AioGetOrCreate is the async twin of GetOrCreate.
func (m *Model[T]) AioGetOrCreate(ctx context.Context, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	return goAsync(ctx, func(ctx context.Context) (GetOrCreateResult[T], error) {
		row, created, err := m.GetOrCreate(ctx, obj, lookup...)
		return GetOrCreateResult[T]{row, created}, err
	})
}

// AioCreateOrGet is the async twin of CreateOrGet.
func (m *Model[T]) AioCreateOrGet(ctx context.Context, obj *T, lookup ...string) <-chan aio.Result[GetOrCreateResult[T]] {
	return goAsync(ctx, func(ctx context.Context) (GetOrCreateResult[T], error) {
		row, created, err := m.CreateOrGet(ctx, obj, lookup...)
		return GetOrCreateResult[T]{row, created}, err
	})
}

// AioExists is the async twin of Exists.
func (m *Model[T]) AioExists(ctx context.Context, conds ...Expr) <-chan aio.Result[bool] {
	return goAsync(ctx, func(ctx context.Context) (bool, error) { return m.Exists(ctx, conds...) })
}

// AioCount is the async twin of Count.
func (m *Model[T]) AioCount(ctx context.Context, conds ...Expr) <-chan aio.Result[int64] {
	return goAsync(ctx, func(ctx context.Context) (int64, error) { return m.Count(ctx, conds...) })
}
