package aio

import (
	"sync"
	"time"
)

// Every async call (Go, Stream, and through them every Aio method of
// package orm) runs on a goroutine of this pool. A new goroutine's stack
// starts small and is copied each time it grows, and a database driver's
// call path (modernc.org/sqlite's above all) grows it several times per
// statement; a goroutine that has already run one keeps its stack, which
// made an AioGet on SQLite 2.5 times slower than Get before goroutines
// were reused. Pooled goroutines end after idleTimeout without work, and
// so does the janitor that ends them, once none is left: an idle program
// keeps no goroutine of this package.

// task is what a pooled goroutine runs.
type task interface{ run() }

// pool keeps the goroutines that ran async work, idle, for the next.
var pool struct {
	mu      sync.Mutex
	idle    []*worker // a stack: the most recently idle on top
	janitor bool      // a janitor goroutine is running
	tick    uint64    // the janitor's clock, so workers need not read the time
}

// idleTimeout is how long a pooled goroutine waits for more work before
// it ends.
const idleTimeout = time.Second

type worker struct {
	tasks chan task // a nil task ends the worker
	since uint64    // idle since this tick; guarded by pool.mu
}

// spawn runs t on an idle pooled goroutine, or on a new one when none is
// idle.
func spawn(t task) {
	p := &pool
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.tasks <- t
		return
	}
	p.mu.Unlock()
	w := &worker{tasks: make(chan task, 1)}
	go w.run(t)
}

func (w *worker) run(t task) {
	p := &pool
	for t != nil {
		t.run()
		p.mu.Lock()
		w.since = p.tick
		p.idle = append(p.idle, w)
		if !p.janitor {
			p.janitor = true
			go janitor()
		}
		p.mu.Unlock()
		t = <-w.tasks
	}
}

// janitor ends the workers idle for two of its ticks (idleTimeout),
// oldest first (they are at the bottom of the stack), and ends itself when
// none is idle.
func janitor() {
	p := &pool
	for {
		time.Sleep(idleTimeout / 2)
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

// idleGoroutines reports how many pooled goroutines are waiting for work
// and whether the janitor that ends them is running.
func idleGoroutines() (idle int, janitorRunning bool) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	return len(pool.idle), pool.janitor
}
