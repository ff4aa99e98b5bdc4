package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
)

// guardCtxKind is how a call's context was made.
type guardCtxKind uint8

const (
	ctxStrict               guardCtxKind = iota // plain context: the guard's mode decides
	ctxAllowed                                  // AllowSync
	ctxAsync                                    // MarkAsync, as aio marks its goroutines
	ctxAllowedChildOfStrict                     // AllowSync over a strict context with its own values
)

type guardCallKey struct{}

func guardCtx(parent context.Context, kind guardCtxKind, id int) context.Context {
	ctx := context.WithValue(parent, guardCallKey{}, id)
	switch kind {
	case ctxAllowed:
		return aiodriver.AllowSync(ctx)
	case ctxAsync:
		return aiodriver.MarkAsync(ctx)
	case ctxAllowedChildOfStrict:
		return aiodriver.AllowSync(context.WithValue(ctx, guardCallKey{}, -id))
	}
	return ctx
}

// guardVerdict is what one call did: ran (with its own answer), failed with
// ErrSyncCall, or panicked with a *SyncCallError.
type guardVerdict uint8

const (
	verdictRan guardVerdict = iota
	verdictError
	verdictPanic
)

func (v guardVerdict) String() string { return [...]string{"ran", "error", "panic"}[v] }

// guardCall runs one statement of kind op ("query", "exec", "begin") and
// reports its verdict; any other outcome is an error.
func guardCall(ctx context.Context, db *sql.DB, dialect, op string, want int) (v guardVerdict, err error) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(*aiodriver.SyncCallError); !ok {
				err = fmt.Errorf("panicked with %T %v", p, p)
				return
			}
			v = verdictPanic
		}
	}()
	q := "SELECT ?"
	if dialect == aiodriver.DialectPostgres {
		q = "SELECT $1::int"
	}
	switch op {
	case "query":
		var got int
		err = db.QueryRowContext(ctx, q, want).Scan(&got)
		if err == nil && got != want {
			return verdictRan, fmt.Errorf("query answered %d, want %d: another call's answer", got, want)
		}
	case "exec":
		_, err = db.ExecContext(ctx, q, want)
	case "begin":
		var tx *sql.Tx
		if tx, err = db.BeginTx(ctx, nil); err == nil {
			err = tx.Rollback()
		}
	}
	if errors.Is(err, aiodriver.ErrSyncCall) {
		var se *aiodriver.SyncCallError
		if !errors.As(err, &se) || se.Op != op {
			return verdictError, fmt.Errorf("ErrSyncCall without a *SyncCallError for %s: %v", op, err)
		}
		return verdictError, nil
	}
	return verdictRan, err
}

// wantVerdict is the verdict a call must get: every lax context runs; a
// strict one fails under error, and under panic panics where database/sql
// can unwind without leaking the connection (Row.Scan, Exec) and fails
// otherwise (Begin).
func wantVerdict(mode string, kind guardCtxKind, op string) guardVerdict {
	switch {
	case kind != ctxStrict:
		return verdictRan
	case mode == "error" || op == "begin":
		return verdictError
	default:
		return verdictPanic
	}
}

// TestGuardConcurrentContextsGetTheirOwnVerdict mixes strict and lax
// contexts across 100 goroutines on one pool of 4 connections, under
// aio_sync=error and aio_sync=panic: each call must get its own context's
// verdict (a lax call is never refused because a strict one shares its
// connection, a strict call never slips through after a lax one), and the
// pool must be whole afterwards.
func TestGuardConcurrentContextsGetTheirOwnVerdict(t *testing.T) {
	const goroutines, calls = 100, 30
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	forEachTarget(t, func(t *testing.T, tg target, dsn string) {
		for _, mode := range []string{"error", "panic"} {
			t.Run(mode, func(t *testing.T) {
				db, err := sql.Open(tg.name, testenv.WithOptions(dsn, "aio_sync="+mode))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				db.SetMaxOpenConns(4)
				// One connection first: on a new SQLite file it switches the
				// journal to WAL, which fails with SQLITE_BUSY (no busy
				// wait) while other connections are open; the DSN's pragma
				// is then a no-op for the connections opened concurrently.
				if err := db.PingContext(aiodriver.AllowSync(context.Background())); err != nil {
					t.Fatal(err)
				}

				var mu sync.Mutex
				counts := map[string]int{}
				var wg sync.WaitGroup
				errs := make(chan error, goroutines)
				for g := range goroutines {
					wg.Go(func() {
						rng := rand.New(rand.NewPCG(seed, uint64(g)))
						local := map[string]int{}
						for i := range calls {
							kind := guardCtxKind(rng.IntN(4))
							op := [...]string{"query", "query", "exec", "begin"}[rng.IntN(4)]
							id := g*1000 + i
							ctx, cancel := context.WithTimeout(guardCtx(context.Background(), kind, id), 30*time.Second)
							got, err := guardCall(ctx, db, tg.dialect, op, id)
							cancel()
							want := wantVerdict(mode, kind, op)
							if err != nil || got != want {
								errs <- fmt.Errorf("goroutine %d call %d: %s with context kind %d: got %v (%v), want %v", g, i, op, kind, got, err, want)
								return
							}
							local[got.String()]++
						}
						mu.Lock()
						for k, n := range local {
							counts[k] += n
						}
						mu.Unlock()
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
				t.Logf("%s %s: %v over %d calls", tg.name, mode, counts, goroutines*calls)
				if counts["ran"] == 0 || counts["error"] == 0 || (mode == "panic" && counts["panic"] == 0) {
					t.Errorf("verdicts %v: the mix did not exercise every outcome", counts)
				}
				checkPoolWhole(t, db, tg.dialect)
			})
		}
	})
}

// checkPoolWhole requires every connection back in the pool and all four
// usable at once by lax calls.
func checkPoolWhole(t *testing.T, db *sql.DB, dialect string) {
	t.Helper()
	if s := db.Stats(); s.InUse != 0 || s.OpenConnections > 4 {
		t.Fatalf("pool after the storm: %+v", s)
	}
	ctx, cancel := context.WithTimeout(aiodriver.AllowSync(context.Background()), 10*time.Second)
	defer cancel()
	conns := make([]*sql.Conn, 4)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatalf("connection %d of 4: %v", i, err)
		}
		conns[i] = c
	}
	for i, c := range conns {
		q := "SELECT ?"
		if dialect == aiodriver.DialectPostgres {
			q = "SELECT $1::int"
		}
		var n int
		if err := c.QueryRowContext(ctx, q, i).Scan(&n); err != nil || n != i {
			t.Errorf("connection %d: %d, %v", i, n, err)
		}
		c.Close()
	}
}
