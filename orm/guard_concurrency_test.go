package orm_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

type fzGuardRow struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,size:40"`
}

func (fzGuardRow) TableName() string { return "fz_guard_orm" }

// ormGuardCall is one model call with a context of kind kind (0 strict,
// 1 AllowSync, 2 aio.Async, 3 an Aio twin given the strict context). It
// reports "ran", "error" (ErrSyncCall) or "panic" (*SyncCallError).
func ormGuardCall(ctx context.Context, m *orm.Model[fzGuardRow], kind, op int, seedID int64, name string) (verdict string, err error) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(*driver.SyncCallError); !ok {
				err = fmt.Errorf("panicked with %T %v", p, p)
				return
			}
			verdict = "panic"
		}
	}()
	switch kind {
	case 1:
		ctx = aio.AllowSync(ctx)
	case 2:
		ctx = aio.Async(ctx)
	}
	switch {
	case kind == 3 && op == 0:
		var r *fzGuardRow
		if r, err = aio.Await(ctx, m.AioGetByPK(ctx, seedID)); err == nil && r.Name != "seed" {
			err = fmt.Errorf("AioGetByPK read %+v", r)
		}
	case kind == 3 && op == 1:
		_, err = aio.Await(ctx, m.AioCount(ctx))
	case kind == 3:
		var r *fzGuardRow
		if r, err = aio.Await(ctx, m.AioCreate(ctx, &fzGuardRow{Name: name})); err == nil && (r.ID == 0 || r.Name != name) {
			err = fmt.Errorf("AioCreate gave %+v", r)
		}
	case op == 0:
		var r *fzGuardRow
		if r, err = m.GetByPK(ctx, seedID); err == nil && r.Name != "seed" {
			err = fmt.Errorf("GetByPK read %+v", r)
		}
	case op == 1:
		_, err = m.Count(ctx)
	default:
		var r *fzGuardRow
		if r, err = m.Create(ctx, &fzGuardRow{Name: name}); err == nil && (r.ID == 0 || r.Name != name) {
			err = fmt.Errorf("Create gave %+v", r)
		}
	}
	if errors.Is(err, driver.ErrSyncCall) {
		return "error", nil
	}
	return "ran", err
}

// TestGuardConcurrentModelCalls mixes blocking model calls with strict and
// lax contexts and Aio twins across 100 goroutines on one pool of 4
// connections: every call gets its own context's verdict (strict: an error
// under aio_sync=error, a *driver.SyncCallError panic under panic; lax:
// the right rows), and afterwards nothing is held and the pool still works.
func TestGuardConcurrentModelCalls(t *testing.T) {
	const goroutines, calls = 100, 20
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, be := range testenv.SelectBackends(testenv.Named("aiosqlite", "aiopgx")) {
		for _, mode := range []string{"error", "panic"} {
			t.Run(be.Name+"/"+mode, func(t *testing.T) {
				db, err := orm.Open(be.Driver, be.DSNWith(t, "aio_sync="+mode), orm.MaxConnections(4))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				m := orm.MustModel[fzGuardRow](db)
				setup := aio.AllowSync(context.Background())
				if err := m.DropTable(setup, true); err != nil {
					t.Fatal(err)
				}
				if err := m.CreateTable(setup, false); err != nil {
					t.Fatal(err)
				}
				defer m.DropTable(setup, true)
				seedRow, err := m.Create(setup, &fzGuardRow{Name: "seed"})
				if err != nil {
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
							kind, op := rng.IntN(4), rng.IntN(3)
							ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
							got, err := ormGuardCall(ctx, m, kind, op, seedRow.ID, fmt.Sprintf("g%d-%d", g, i))
							cancel()
							want := "ran"
							if kind == 0 {
								want = mode
							}
							if err != nil || got != want {
								errs <- fmt.Errorf("goroutine %d call %d: op %d, context kind %d: got %s (%v), want %s", g, i, op, kind, got, err, want)
								return
							}
							local[got]++
							if op == 2 && got == "ran" {
								local["rows"]++
							}
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
				t.Logf("%s %s: %v over %d calls (rows: lax creates)", be.Name, mode, counts, goroutines*calls)
				if counts["ran"] == 0 || counts[mode] == 0 {
					t.Errorf("verdicts %v: the mix did not exercise both outcomes", counts)
				}
				if s := db.SQLDB().Stats(); s.InUse != 0 || s.OpenConnections > 4 {
					t.Fatalf("pool after the storm: %+v", s)
				}
				// Exactly the lax creates wrote: no strict one slipped through.
				n, err := aio.Await(setup, m.AioCount(setup))
				if want := int64(counts["rows"] + 1); err != nil || n != want {
					t.Fatalf("%d rows after the storm (%v), want %d: the seed and each lax Create", n, err, want)
				}
			})
		}
	}
}
