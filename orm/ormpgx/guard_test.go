package ormpgx_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// guardOp is one call a user makes on the ORM, sync (run) or async
// (runAsync).
type guardOp struct {
	name     string
	writes   bool // adds a row when it runs
	run      func(ctx context.Context, db *orm.DB, m *orm.Model[item]) error
	runAsync func(ctx context.Context, db *orm.DB, m *orm.Model[item]) error
}

var nameSeq atomic.Int64

// newName is a unique item name.
func newName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, nameSeq.Add(1)) }

var guardOps = []guardOp{
	{
		name: "Get",
		run: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			it, err := m.Get(ctx, orm.Eq("name", "seed"))
			if err == nil && it.Name != "seed" {
				return fmt.Errorf("Get returned %+v", it)
			}
			return err
		},
		runAsync: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			it, err := aio.Await(ctx, m.AioGet(ctx, orm.Eq("name", "seed")))
			if err == nil && it.Name != "seed" {
				return fmt.Errorf("AioGet returned %+v", it)
			}
			return err
		},
	},
	{
		name:   "Create",
		writes: true,
		run: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			_, err := m.Create(ctx, &item{Name: newName("create")})
			return err
		},
		runAsync: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			_, err := aio.Await(ctx, m.AioCreate(ctx, &item{Name: newName("aiocreate")}))
			return err
		},
	},
	{
		name: "Select.All",
		run: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			rows, err := m.Select().All(ctx)
			if err == nil && len(rows) == 0 {
				return errors.New("All returned no rows")
			}
			return err
		},
		runAsync: func(ctx context.Context, _ *orm.DB, m *orm.Model[item]) error {
			rows, err := aio.Await(ctx, m.Select().AioAll(ctx))
			if err == nil && len(rows) == 0 {
				return errors.New("AioAll returned no rows")
			}
			return err
		},
	},
	{
		name:   "Atomic",
		writes: true,
		run: func(ctx context.Context, db *orm.DB, m *orm.Model[item]) error {
			return db.Atomic(ctx, func(ctx context.Context) error {
				_, err := m.Create(ctx, &item{Name: newName("atomic")})
				return err
			})
		},
		runAsync: func(ctx context.Context, db *orm.DB, m *orm.Model[item]) error {
			_, err := aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
				_, err := m.Create(ctx, &item{Name: newName("aioatomic")})
				return err
			}))
			return err
		},
	},
}

// callerIsTest reports whether a guard's caller names this file.
func callerIsTest(caller string) bool { return strings.Contains(caller, "guard_test.go:") }

// TestGuardModes runs each sync call under each mode of the guard, set by
// the DSN's aio_sync and by orm.SyncMode: refused before anything is sent
// under error and panic, run with a warning under warn, run under allow;
// the same calls made async, or with aio.AllowSync, always run.
func TestGuardModes(t *testing.T) {
	modes := []struct {
		name string
		mode driver.SyncMode
	}{
		{"error", driver.SyncError},
		{"panic", driver.SyncPanic},
		{"warn", driver.SyncWarn},
		{"allow", driver.SyncAllow},
	}
	for _, source := range []string{"dsn", "option"} {
		for _, md := range modes {
			t.Run(source+"/"+md.name, func(t *testing.T) {
				rec := new(recorder)
				logger, logBuf := bufLogger()
				opts := []orm.Option{orm.WithHooks(rec), orm.WithLogger(logger)}
				dsnOpts := ""
				if source == "dsn" {
					dsnOpts = "aio_sync=" + md.name
				} else {
					opts = append(opts, orm.SyncMode(md.mode))
				}
				db := openDB(t, dsnOpts, opts...)
				m := createItems(t, db)
				if _, err := m.Create(allowed(), &item{Name: "seed"}); err != nil {
					t.Fatal(err)
				}
				for _, op := range guardOps {
					t.Run(op.name, func(t *testing.T) {
						checkSyncCall(t, md.mode, db, m, rec, logBuf, op)
					})
				}
				for _, op := range guardOps {
					t.Run(op.name+"/async", func(t *testing.T) {
						before := countRows(t, db, itemTable)
						rec.reset()
						if err := op.runAsync(context.Background(), db, m); err != nil {
							t.Fatalf("async %s: %v", op.name, err)
						}
						if err := op.run(aio.AllowSync(context.Background()), db, m); err != nil {
							t.Fatalf("%s with aio.AllowSync: %v", op.name, err)
						}
						if v := rec.Violations(); len(v) != 0 {
							t.Errorf("sync violations for async and allowed calls: %+v", v)
						}
						if len(rec.Starts()) == 0 {
							t.Error("no statement was sent")
						}
						if op.writes {
							if got := countRows(t, db, itemTable); got != before+2 {
								t.Errorf("rows = %d, want %d", got, before+2)
							}
						}
					})
				}
			})
		}
	}
}

// checkSyncCall runs op with a plain context under mode.
func checkSyncCall(t *testing.T, mode driver.SyncMode, db *orm.DB, m *orm.Model[item], rec *recorder, logBuf *syncBuffer, op guardOp) {
	t.Helper()
	before := countRows(t, db, itemTable) // before reset: the count is a statement too
	rec.reset()
	logBefore := logBuf.String()
	var err error
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		err = op.run(context.Background(), db, m)
	}()
	starts := rec.Starts()
	violations := rec.Violations()
	logged := strings.TrimPrefix(logBuf.String(), logBefore)
	after := countRows(t, db, itemTable)

	refused := mode == driver.SyncError || mode == driver.SyncPanic
	switch mode {
	case driver.SyncError:
		if panicked != nil {
			t.Fatalf("panicked under error: %v", panicked)
		}
		if !errors.Is(err, driver.ErrSyncCall) {
			t.Fatalf("err = %v, want one matching driver.ErrSyncCall", err)
		}
		var sce *driver.SyncCallError
		if !errors.As(err, &sce) || !callerIsTest(sce.Caller) {
			t.Errorf("SyncCallError %+v does not name this file as the caller", sce)
		}
	case driver.SyncPanic:
		sce, ok := panicked.(*driver.SyncCallError)
		if !ok {
			t.Fatalf("recovered %#v (err %v), want a *driver.SyncCallError", panicked, err)
		}
		if !errors.Is(sce, driver.ErrSyncCall) || !callerIsTest(sce.Caller) {
			t.Errorf("panic value %+v: want ErrSyncCall naming this file", sce)
		}
	default:
		if panicked != nil || err != nil {
			t.Fatalf("%s under %v: err %v, panic %v", op.name, mode, err, panicked)
		}
	}

	if refused {
		if len(starts) != 0 {
			t.Errorf("statements sent for a refused call: %q", sqls(starts))
		}
		if after != before {
			t.Errorf("rows %d -> %d: a refused call wrote", before, after)
		}
	} else {
		if len(starts) == 0 {
			t.Error("no statement was sent")
		}
		if op.writes && after != before+1 {
			t.Errorf("rows %d -> %d, want one more", before, after)
		}
	}

	if mode == driver.SyncAllow {
		if len(violations) != 0 {
			t.Errorf("sync violations under allow: %+v", violations)
		}
		if logged != "" {
			t.Errorf("logged under allow: %s", logged)
		}
		return
	}
	if len(violations) == 0 {
		if mode == driver.SyncPanic && op.name == "Atomic" {
			// Package orm panics for a sync BEGIN under panic mode
			// (DB.guardBegin, driver.Check) before the engine sees it,
			// and Check fires no hook: the same on database/sql.
			return
		}
		t.Fatal("OnSyncViolation did not fire")
	}
	for _, v := range violations {
		if v.Mode != mode.String() || !callerIsTest(v.Caller) {
			t.Errorf("violation %+v: want mode %v and this file as the caller", v, mode)
		}
	}
	if op.name == "Atomic" && violations[0].Op != "begin" {
		t.Errorf("first violation of Atomic: op %q, want begin", violations[0].Op)
	}
	if mode == driver.SyncWarn {
		if !strings.Contains(logged, "aiodb: sync call") || !strings.Contains(logged, "guard_test.go:") {
			t.Errorf("warn log does not name the sync call and this file:\n%s", logged)
		}
	} else if logged != "" {
		t.Errorf("logged under %v: %s", mode, logged)
	}
}

// TestGuardOptionWinsOverDSN: orm.SyncMode overrides the DSN's aio_sync.
func TestGuardOptionWinsOverDSN(t *testing.T) {
	db := openDB(t, "aio_sync=allow", orm.SyncMode(driver.SyncError))
	m := createItems(t, db)
	if _, err := m.Select().All(context.Background()); !errors.Is(err, driver.ErrSyncCall) {
		t.Fatalf("err = %v, want driver.ErrSyncCall", err)
	}
	db2 := openDB(t, "aio_sync=error", orm.SyncMode(driver.SyncAllow))
	m2, err := orm.NewModel[item](db2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Select().All(context.Background()); err != nil {
		t.Fatalf("SyncMode(allow) over aio_sync=error: %v", err)
	}
}

// TestGuardPanicLeaksNothing: a thousand recovered panics of the guard on
// a pool of two connections leave the pool whole, so that a normal query
// still gets a connection at once.
func TestGuardPanicLeaksNothing(t *testing.T) {
	db := openDB(t, "aio_sync=panic", orm.MaxConnections(2))
	m := createItems(t, db)
	if _, err := m.Create(allowed(), &item{Name: "seed"}); err != nil {
		t.Fatal(err)
	}
	panics := 0
	for i := range 1000 {
		op := guardOps[i%len(guardOps)]
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(*driver.SyncCallError); !ok {
						t.Fatalf("panic %v, want a *driver.SyncCallError", r)
					}
					panics++
				}
			}()
			_ = op.run(context.Background(), db, m)
		}()
	}
	if panics != 1000 {
		t.Fatalf("%d panics of 1000 sync calls", panics)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 5 { // more than the pool's connections
		it, err := aio.Await(ctx, m.AioGet(ctx, orm.Eq("name", "seed")))
		if err != nil || it.Name != "seed" {
			t.Fatalf("async Get after the panics: %+v, %v", it, err)
		}
	}
	if _, err := aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
		_, err := m.Create(ctx, &item{Name: "after"})
		return err
	})); err != nil {
		t.Fatalf("async Atomic after the panics: %v", err)
	}
	if n := countRows(t, db, itemTable); n != 2 {
		t.Errorf("rows = %d, want 2: a refused call wrote", n)
	}
}
