package galera_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// galCounter is the one hot row of the counter test.
type galCounter struct {
	ID int64 `db:"id,pk"`
	N  int64 `db:"n"`
}

func (galCounter) TableName() string { return "gal_counter" }

const (
	counterGoroutines = 8
	counterPerG       = 100 // increments per goroutine: 800 in all
)

// TestCounterExactAcrossNodes increments one counter 800 times from 8
// goroutines spread over the 3 nodes (goroutine g on node g%3). Each
// increment is a read-modify-write in Atomic with Retry: SELECT ... FOR
// UPDATE, then UPDATE with the value read plus one. The row lock orders
// the transactions of one node; across nodes nothing is locked, and
// certification makes the later of two overlapping transactions fail with
// 1213, at COMMIT or, when the winner's write-set aborts it first, at its
// next statement. Were a conflict missed or a retry to reuse a stale
// read, increments would be lost: the counter must end at exactly 800 on
// every node, with no Atomic giving up. The log has the retries per 1,000
// increments.
func TestCounterExactAcrossNodes(t *testing.T) {
	c := needCluster(t)
	dbs := c.openAll(t, 4)
	m := createTable[galCounter](t, c, dbs[0])
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 3*time.Minute)
	defer cancel()
	if _, err := m.Create(ctx, &galCounter{ID: 1}); err != nil {
		t.Fatal(err)
	}
	waitRow(t, c, "gal_counter", 1)
	models := make([]*orm.Model[galCounter], len(dbs))
	for i, db := range dbs {
		models[i] = orm.MustModel[galCounter](db)
	}

	var retries, other atomic.Int64
	var mu sync.Mutex
	attempts := map[int]int{} // attempts a committed increment took -> how many
	var errs []error
	policy := orm.RetryPolicy{MaxAttempts: 100, BaseDelay: 2 * time.Millisecond, MaxDelay: 100 * time.Millisecond,
		OnRetry: func(attempt int, err error) {
			retries.Add(1)
			if mysqlErrno(err) != 1213 {
				other.Add(1)
			}
		}}
	start := time.Now()
	var wg sync.WaitGroup
	for g := range counterGoroutines {
		m := models[g%len(models)]
		wg.Go(func() {
			for range counterPerG {
				var tries int
				err := m.DB().Atomic(ctx, func(ctx context.Context) error {
					tries = orm.TxAttempt(ctx)
					row, err := m.Select().Where(orm.Eq("id", 1)).ForUpdate().One(ctx)
					if err != nil {
						return err
					}
					_, err = m.Update().Set("n", row.N+1).Where(orm.Eq("id", 1)).Exec(ctx)
					return err
				}, orm.Retry(policy))
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("goroutine %d: %w", g, err))
				} else {
					attempts[tries]++
				}
				mu.Unlock()
				if err != nil && !isRetryError(err) {
					return // not a conflict: the check below reports it
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	const total = counterGoroutines * counterPerG
	var committed, conflicted int
	var dist []string
	keys := make([]int, 0, len(attempts))
	for k := range attempts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		committed += attempts[k]
		if k > 1 {
			conflicted += attempts[k]
		}
		dist = append(dist, fmt.Sprintf("%d:%d", k, attempts[k]))
	}
	n := retries.Load()
	t.Logf("%d increments by %d goroutines on %d nodes in %v (%.0f/s): %d committed, %d gave up; %d lost at least one conflict; "+
		"%d retries = %.0f per 1,000 increments, %.0f per 1,000 conflicting transactions; attempts:count %v",
		total, counterGoroutines, len(dbs), took.Round(time.Millisecond), float64(committed)/took.Seconds(),
		committed, len(errs), conflicted, n, float64(n)*1000/float64(total), float64(n)*1000/float64(max(conflicted, 1)), dist)
	for _, err := range errs {
		t.Errorf("increment failed: %v", err)
	}
	if o := other.Load(); o > 0 {
		t.Errorf("%d retries were for an error other than 1213", o)
	}
	if n == 0 {
		t.Errorf("no retry at all: the goroutines on different nodes never conflicted, so the test proves nothing")
	}
	checkCounter(t, c, "gal_counter", int64(committed))
	if committed != total {
		t.Errorf("%d of %d increments committed", committed, total)
	}
}

// isRetryError reports whether err is Atomic giving up after its attempts.
func isRetryError(err error) bool {
	var re *orm.RetryError
	return errors.As(err, &re)
}
