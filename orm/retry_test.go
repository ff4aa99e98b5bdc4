package orm_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// errConflict stands for a serialization failure in the SQLite tests:
// their dialect's IsRetryable accepts it.
var errConflict = errors.New("test conflict")

// rrEvent is a row each attempt writes, so a test sees which attempts'
// work survived.
type rrEvent struct {
	ID      int64 `db:"id,pk,auto"`
	Attempt int64
}

func (rrEvent) TableName() string { return "rr_event" }

// openRetrySQLite opens SQLite with a dialect that retries errConflict.
func openRetrySQLite(t *testing.T) (*orm.DB, *orm.Model[rrEvent], context.Context) {
	t.Helper()
	d := *sqlitedialect.New()
	d.IsRetryable = func(err error) bool { return errors.Is(err, errConflict) }
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""), orm.WithDialect(&d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := aio.AllowSync(context.Background())
	events := orm.MustModel[rrEvent](db)
	if err := events.CreateTable(ctx, false); err != nil {
		t.Fatal(err)
	}
	return db, events, ctx
}

func TestRetryRunsAgainUntilSuccess(t *testing.T) {
	db, events, ctx := openRetrySQLite(t)
	var retried []int
	policy := orm.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Millisecond, OnRetry: func(attempt int, err error) {
		if !errors.Is(err, errConflict) {
			t.Errorf("OnRetry got %v, want errConflict", err)
		}
		retried = append(retried, attempt)
	}}
	calls := 0
	err := db.Atomic(ctx, func(ctx context.Context) error {
		calls++
		if got := orm.TxAttempt(ctx); got != calls {
			t.Errorf("TxAttempt = %d on call %d", got, calls)
		}
		if _, err := events.Create(ctx, &rrEvent{Attempt: int64(orm.TxAttempt(ctx))}); err != nil {
			return err
		}
		if calls < 3 {
			return fmt.Errorf("wrapped: %w", errConflict)
		}
		return nil
	}, orm.Retry(policy))
	if err != nil {
		t.Fatalf("Atomic: %v", err)
	}
	if calls != 3 || fmt.Sprint(retried) != "[1 2]" {
		t.Fatalf("calls = %d, OnRetry attempts = %v; want 3 and [1 2]", calls, retried)
	}
	rows, err := events.Select().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Attempt != 3 {
		t.Fatalf("rows = %+v, want only attempt 3's (failed attempts rolled back)", rows)
	}
	if orm.TxAttempt(ctx) != 0 {
		t.Fatal("TxAttempt outside the transaction is not 0")
	}
}

func TestRetryGivesUpWithRetryError(t *testing.T) {
	db, _, ctx := openRetrySQLite(t)
	for _, maxN := range []int{1, 2} {
		calls := 0
		err := db.Transaction(ctx, func(ctx context.Context) error {
			calls++
			return errConflict
		}, orm.Retry(orm.RetryPolicy{MaxAttempts: maxN, BaseDelay: time.Microsecond}))
		var re *orm.RetryError
		if !errors.As(err, &re) || re.Attempts != maxN || re.Stopped != nil || !errors.Is(err, errConflict) {
			t.Fatalf("MaxAttempts %d: err = %#v, want a *RetryError of %d attempts wrapping errConflict", maxN, err, maxN)
		}
		if calls != maxN {
			t.Fatalf("MaxAttempts %d: fn ran %d times", maxN, calls)
		}
	}
}

func TestRetryLeavesOtherErrorsAlone(t *testing.T) {
	db, _, ctx := openRetrySQLite(t)
	other := errors.New("not a conflict")
	calls := 0
	err := db.Atomic(ctx, func(ctx context.Context) error { calls++; return other }, orm.Retry(orm.RetryPolicy{}))
	if err != other || calls != 1 {
		t.Fatalf("err = %v after %d calls; want the error itself after 1", err, calls)
	}
	// Without Retry a conflict is returned after one attempt, unwrapped.
	calls = 0
	err = db.Atomic(ctx, func(ctx context.Context) error { calls++; return errConflict })
	if err != errConflict || calls != 1 {
		t.Fatalf("no policy: err = %v after %d calls", err, calls)
	}
	// A panic is not retried.
	calls = 0
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		_ = db.Atomic(ctx, func(ctx context.Context) error { calls++; panic("boom") }, orm.Retry(orm.RetryPolicy{}))
	}()
	if calls != 1 {
		t.Fatalf("panicking fn ran %d times", calls)
	}
}

func TestRetryStopsWhenContextEndsDuringWait(t *testing.T) {
	db, _, ctx := openRetrySQLite(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	calls := 0
	err := db.Atomic(ctx, func(ctx context.Context) error { calls++; return errConflict },
		orm.Retry(orm.RetryPolicy{MaxAttempts: 5, BaseDelay: time.Hour, OnRetry: func(int, error) { cancel() }}))
	var re *orm.RetryError
	if !errors.As(err, &re) || re.Attempts != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, errConflict) {
		t.Fatalf("err = %v, want a *RetryError after 1 attempt matching context.Canceled and errConflict", err)
	}
	if calls != 1 || time.Since(start) > 10*time.Second {
		t.Fatalf("fn ran %d times in %v", calls, time.Since(start))
	}
}

// TestRetryRestartsTheOutermostTransaction: a nested Atomic is a
// savepoint, so its Retry is ignored and the conflict restarts the outer
// transaction.
func TestRetryRestartsTheOutermostTransaction(t *testing.T) {
	db, events, ctx := openRetrySQLite(t)
	outer, inner := 0, 0
	err := db.Atomic(ctx, func(ctx context.Context) error {
		outer++
		if _, err := events.Create(ctx, &rrEvent{Attempt: int64(orm.TxAttempt(ctx))}); err != nil {
			return err
		}
		return db.Atomic(ctx, func(ctx context.Context) error {
			inner++
			if orm.TxAttempt(ctx) == 1 {
				return errConflict
			}
			return nil
		}, orm.Retry(orm.RetryPolicy{MaxAttempts: 10}))
	}, orm.Retry(orm.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Microsecond}))
	if err != nil || outer != 2 || inner != 2 {
		t.Fatalf("err = %v, outer ran %d, inner %d; want nil, 2, 2", err, outer, inner)
	}
	if n, _ := events.Count(ctx); n != 1 {
		t.Fatalf("%d rows, want 1: the first attempt's insert must be rolled back", n)
	}
}

func TestRetryAioAndManager(t *testing.T) {
	db, _, ctx := openRetrySQLite(t)
	var calls atomic.Int32
	fn := func(ctx context.Context) error {
		if calls.Add(1)%2 == 1 {
			return errConflict
		}
		return nil
	}
	p := orm.Retry(orm.RetryPolicy{BaseDelay: time.Microsecond})
	m := orm.NewManager(db)
	for name, ch := range map[string]func() <-chan aio.Result[struct{}]{
		"AioAtomic":           func() <-chan aio.Result[struct{}] { return db.AioAtomic(ctx, fn, p) },
		"AioTransaction":      func() <-chan aio.Result[struct{}] { return db.AioTransaction(ctx, fn, p) },
		"Manager.Atomic":      func() <-chan aio.Result[struct{}] { return m.Atomic(ctx, fn, p) },
		"Manager.Transaction": func() <-chan aio.Result[struct{}] { return m.Transaction(ctx, fn, p) },
	} {
		calls.Store(0)
		if _, err := aio.Await(ctx, ch()); err != nil || calls.Load() != 2 {
			t.Fatalf("%s: err = %v after %d calls; want nil after 2", name, err, calls.Load())
		}
	}
}

// retryBackend is a real server the conflict tests run on.
type retryBackend struct {
	name   string
	driver string
	dsn    func(t *testing.T) string
	opts   []orm.Option
	// conflictCode extracts the server's conflict code from err ("" when
	// the error is not the server's).
	conflictCode func(err error) string
}

func pgCode(err error) string {
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		return st.SQLState()
	}
	return ""
}

func myCode(err error) string {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprint(me.Number)
	}
	return ""
}

func sqliteCode(err error) string {
	var ce interface{ Code() int }
	if errors.As(err, &ce) {
		return fmt.Sprint(ce.Code() & 0xff)
	}
	return ""
}

// retryBackends are SQLite, PostgreSQL through both drivers, and MariaDB
// with its dialect, under the subtest names the suite has always had.
func retryBackends() []retryBackend {
	var out []retryBackend
	for _, b := range testenv.SelectBackends(func(b testenv.Backend) bool { return b.Name != "aiomysql" }) {
		rb := retryBackend{name: b.Name, driver: b.Driver}
		switch b.Server {
		case testenv.SQLite:
			// SQLite in WAL mode with deferred transactions (aiosqlite's
			// default BEGIN IMMEDIATE serialises writers, so they never
			// conflict): the loser's write fails with SQLITE_BUSY
			// (BUSY_SNAPSHOT: its snapshot is older than the winner's
			// commit).
			rb.name = "sqlite"
			rb.dsn = func(t *testing.T) string { return b.DSNWith(t, "_txlock=deferred") }
			rb.conflictCode = sqliteCode
		case testenv.Postgres:
			rb.dsn = func(t *testing.T) string { return b.DSN(t) }
			rb.conflictCode = pgCode
		case testenv.MySQL:
			rb.name = "mariadb"
			rb.dsn = func(t *testing.T) string { return b.DSN(t) }
			rb.opts = []orm.Option{orm.WithDialect(mysqldialect.MariaDB())}
			rb.conflictCode = myCode
		}
		out = append(out, rb)
	}
	return out
}

// rrCounter is the row the conflicting transactions both change.
type rrCounter struct {
	ID int64 `db:"id,pk"`
	V  int64
}

func (rrCounter) TableName() string { return "rr_counter" }

// setupCounters recreates rr_counter with rows 1..n at 0.
func setupCounters(t *testing.T, b retryBackend, n int) (*orm.DB, *orm.Model[rrCounter], context.Context) {
	t.Helper()
	db, err := orm.Open(b.driver, b.dsn(t), b.opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := aio.AllowSync(context.Background())
	counters := orm.MustModel[rrCounter](db)
	if err := counters.DropTable(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := counters.CreateTable(ctx, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = counters.DropTable(ctx, true) })
	for i := 1; i <= n; i++ {
		if _, err := counters.Create(ctx, &rrCounter{ID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	return db, counters, ctx
}

// signal closes ch once.
type signal struct {
	once sync.Once
	ch   chan struct{}
}

func newSignal() *signal { return &signal{ch: make(chan struct{})} }
func (s *signal) fire()  { s.once.Do(func() { close(s.ch) }) }

// wait waits for s, or fails after a while so a test cannot hang.
func (s *signal) wait(ctx context.Context) error {
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(20 * time.Second):
		return errors.New("test: the other transaction never signalled")
	}
}

// runPair runs two transactions concurrently and returns their errors.
// ended[i], when set, fires once transaction i has committed or given up.
func runPair(ctx context.Context, db *orm.DB, fns [2]func(ctx context.Context) error, ended [2]*signal, opts ...orm.TxOption) [2]error {
	var errs [2]error
	var wg sync.WaitGroup
	for i := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Transaction(ctx, fns[i], opts...)
			if ended[i] != nil {
				ended[i].fire()
			}
		}()
	}
	wg.Wait()
	return errs
}

// lostUpdate returns two transactions that each read the counter, wait
// until both have read, then write what they read plus one: under
// SERIALIZABLE one of them must fail (PostgreSQL 40001 when the other
// commits; MariaDB 1213, both holding shared locks from their reads;
// SQLite SQLITE_BUSY). A retried attempt first waits for the other
// transaction to end (ended, fired by runPair): otherwise SQLite, whose
// reads take no lock, may read before the winner's COMMIT and conflict a
// second time, and the test could not count on exactly one retry.
func lostUpdate(counters *orm.Model[rrCounter]) (fns [2]func(ctx context.Context) error, ended [2]*signal) {
	read := [2]*signal{newSignal(), newSignal()}
	ended = [2]*signal{newSignal(), newSignal()}
	fn := func(me int) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			if orm.TxAttempt(ctx) > 1 {
				if err := ended[1-me].wait(ctx); err != nil {
					return err
				}
			}
			c, err := counters.GetByPK(ctx, int64(1))
			if err != nil {
				return err
			}
			if orm.TxAttempt(ctx) <= 1 {
				read[me].fire()
				if err := read[1-me].wait(ctx); err != nil {
					return err
				}
			}
			c.V++
			_, err = counters.Save(ctx, c)
			return err
		}
	}
	return [2]func(ctx context.Context) error{fn(0), fn(1)}, ended
}

func TestIntegrationRetrySerializableConflict(t *testing.T) {
	for _, b := range retryBackends() {
		t.Run(b.name, func(t *testing.T) {
			db, counters, ctx := setupCounters(t, b, 1)
			var retries atomic.Int32
			var codes sync.Map
			policy := orm.RetryPolicy{MaxAttempts: 4, BaseDelay: 5 * time.Millisecond, OnRetry: func(attempt int, err error) {
				retries.Add(1)
				codes.Store(b.conflictCode(err), attempt)
			}}
			fns, ended := lostUpdate(counters)
			errs := runPair(ctx, db, fns, ended, orm.Isolation(sql.LevelSerializable), orm.Retry(policy))
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("transactions failed: %v / %v", errs[0], errs[1])
			}
			c, err := counters.GetByPK(ctx, int64(1))
			if err != nil {
				t.Fatal(err)
			}
			if c.V != 2 {
				t.Fatalf("counter = %d, want 2: both increments present", c.V)
			}
			if n := retries.Load(); n != 1 {
				t.Fatalf("%d retries reported, want 1", n)
			}
			codes.Range(func(k, v any) bool {
				if k != "40001" && k != "1213" && k != "5" {
					t.Errorf("retried on code %q, want 40001, 1213 or 5 (SQLITE_BUSY)", k)
				}
				return true
			})

			// With MaxAttempts 1 the loser returns the conflict wrapped.
			if _, err := counters.Update().Set("v", 0).Where(orm.Eq("id", 1)).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			fns, ended = lostUpdate(counters)
			errs = runPair(ctx, db, fns, ended, orm.Isolation(sql.LevelSerializable), orm.Retry(orm.RetryPolicy{MaxAttempts: 1}))
			failed := errs[0]
			if failed == nil {
				failed = errs[1]
			}
			var re *orm.RetryError
			if (errs[0] == nil) == (errs[1] == nil) || !errors.As(failed, &re) || re.Attempts != 1 {
				t.Fatalf("errors %v / %v: want exactly one *RetryError of 1 attempt", errs[0], errs[1])
			}
			if code := b.conflictCode(failed); code != "40001" && code != "1213" && code != "5" {
				t.Fatalf("errors.As found code %q in %v", code, failed)
			}
			if c, _ := counters.GetByPK(ctx, int64(1)); c == nil || c.V != 1 {
				t.Fatalf("counter = %+v, want 1 (one transaction committed)", c)
			}
		})
	}
}

func TestIntegrationRetryDeadlock(t *testing.T) {
	for _, b := range retryBackends() {
		if b.name == "aiopgx" || b.name == "sqlite" {
			// aiopgx: same server as aiopg, and one deadlock (1s to
			// detect) is enough; SQLite has no row locks to deadlock on.
			continue
		}
		t.Run(b.name, func(t *testing.T) {
			db, counters, ctx := setupCounters(t, b, 2)
			locked := [2]*signal{newSignal(), newSignal()}
			ended := [2]*signal{newSignal(), newSignal()}
			var attempts [2]atomic.Int32
			fn := func(me int) func(ctx context.Context) error {
				first, second := int64(1+me), int64(2-me) // opposite orders
				return func(ctx context.Context) error {
					attempts[me].Store(int32(orm.TxAttempt(ctx)))
					bump := func(id int64) error {
						_, err := counters.Update().Set("v", orm.SQL("? + 1", orm.Col("v"))).Where(orm.Eq("id", id)).Exec(ctx)
						return err
					}
					if orm.TxAttempt(ctx) > 1 {
						// The survivor must commit first: on a loaded
						// machine it can wake later than the retry's
						// backoff, and the retry would take its row again
						// and deadlock a second time.
						if err := ended[1-me].wait(ctx); err != nil {
							return err
						}
					}
					if err := bump(first); err != nil {
						return err
					}
					if orm.TxAttempt(ctx) == 1 {
						locked[me].fire()
						if err := locked[1-me].wait(ctx); err != nil {
							return err
						}
					}
					return bump(second)
				}
			}
			var codes []string
			var mu sync.Mutex
			policy := orm.RetryPolicy{BaseDelay: 5 * time.Millisecond, OnRetry: func(_ int, err error) {
				mu.Lock()
				codes = append(codes, b.conflictCode(err))
				mu.Unlock()
			}}
			errs := runPair(ctx, db, [2]func(context.Context) error{fn(0), fn(1)}, ended, orm.Retry(policy))
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("transactions failed: %v / %v", errs[0], errs[1])
			}
			rows, err := counters.Select().OrderBy("id").All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].V != 2 || rows[1].V != 2 {
				t.Fatalf("rows = %+v, want both at 2", rows)
			}
			if len(codes) != 1 || (codes[0] != "40P01" && codes[0] != "1213") {
				t.Fatalf("retries on codes %v, want one deadlock (40P01 or 1213)", codes)
			}
			if got := attempts[0].Load() + attempts[1].Load(); got != 3 {
				t.Fatalf("last attempts %d + %d, want 1 + 2", attempts[0].Load(), attempts[1].Load())
			}
		})
	}
}
