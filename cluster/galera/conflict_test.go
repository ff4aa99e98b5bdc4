package galera_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// galConflict is the row two nodes fight over.
type galConflict struct {
	ID int64 `db:"id,pk"`
	N  int64 `db:"n"`
}

func (galConflict) TableName() string { return "gal_conflict" }

// conflictRounds is how many times the two nodes collide in each test.
const conflictRounds = 20

// incrementRow is the write both sides make: n = n + 1 on row 1.
func incrementRow(ctx context.Context, m *orm.Model[galConflict]) error {
	_, err := m.Update().Set("n", orm.SQL("? + 1", orm.Col("n"))).Where(orm.Eq("id", 1)).Exec(ctx)
	return err
}

// setupConflict creates the table with row 1 at 0 and returns a model on
// node 1 and one on node 2.
func setupConflict(t *testing.T, c *cluster) [2]*orm.Model[galConflict] {
	t.Helper()
	dbs := c.openAll(t, 2)
	m := createTable[galConflict](t, c, dbs[0])
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 30*time.Second)
	defer cancel()
	if _, err := m.Create(ctx, &galConflict{ID: 1}); err != nil {
		t.Fatal(err)
	}
	waitRow(t, c, "gal_conflict", 1)
	return [2]*orm.Model[galConflict]{m, orm.MustModel[galConflict](dbs[1])}
}

// checkCounter fails t unless row 1 reads want on every node.
func checkCounter(t *testing.T, c *cluster, table string, want int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range c.addrs {
		var n int64
		if err := c.admin(t, i).QueryRowContext(ctx, "SELECT n FROM "+table+" WHERE id = 1").Scan(&n); err != nil {
			t.Fatalf("node%d: %v", i+1, err)
		}
		if n != want {
			t.Errorf("node%d: %s.n = %d, want %d", i+1, table, n, want)
		}
	}
}

// TestCertificationConflictAtCommit runs, 20 times, a transaction on node
// 1 and one on node 2 that update the same row: each takes its local row
// lock (Galera locks are per node), both wait at a barrier, then both
// COMMIT at once. Galera certifies the write-sets in one total order, so
// exactly one commits and the other's COMMIT fails with 1213
// (ER_LOCK_DEADLOCK), which is what the MySQL dialect's IsRetryable
// retries. The row ends at one increment per round on every node.
func TestCertificationConflictAtCommit(t *testing.T) {
	c := needCluster(t)
	models := setupConflict(t, c)
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 2*time.Minute)
	defer cancel()

	lost := [2]int{}
	for round := range conflictRounds {
		var ready, done sync.WaitGroup
		ready.Add(2)
		barrier := make(chan struct{})
		var updateErr, commitErr [2]error
		for side := range 2 {
			done.Go(func() {
				readied := false
				defer func() {
					if !readied {
						ready.Done()
					}
				}()
				txCtx, tx, err := models[side].DB().BeginContext(ctx)
				if err != nil {
					updateErr[side] = err
					return
				}
				if err := incrementRow(txCtx, models[side]); err != nil {
					updateErr[side] = err
					tx.Rollback()
					return
				}
				readied = true
				ready.Done()
				<-barrier
				commitErr[side] = tx.Commit()
			})
		}
		ready.Wait()
		close(barrier)
		done.Wait()
		for side := range 2 {
			if updateErr[side] != nil {
				t.Fatalf("round %d: node%d: UPDATE before the barrier failed: %v", round, side+1, updateErr[side])
			}
		}
		switch {
		case commitErr[0] == nil && commitErr[1] == nil:
			t.Fatalf("round %d: both conflicting transactions committed", round)
		case commitErr[0] != nil && commitErr[1] != nil:
			t.Fatalf("round %d: both COMMITs failed: node1 %v; node2 %v", round, commitErr[0], commitErr[1])
		}
		for side, err := range commitErr {
			if err == nil {
				continue
			}
			lost[side]++
			if n := mysqlErrno(err); n != 1213 {
				t.Fatalf("round %d: node%d's COMMIT failed with %v (error %d), want 1213 (certification failure)", round, side+1, err, n)
			}
			if !models[side].DB().Dialect().IsRetryable(err) {
				t.Fatalf("round %d: the dialect does not retry the certification failure %v", round, err)
			}
			if round == 0 {
				t.Logf("loser's COMMIT error: %v", err)
			}
		}
	}
	t.Logf("%d rounds: node1 lost %d, node2 lost %d; every loser failed at COMMIT with 1213", conflictRounds, lost[0], lost[1])
	checkCounter(t, c, "gal_conflict", conflictRounds)
}

// TestCertificationConflictRetried runs the same collisions through
// Atomic with Retry: the first attempt of both sides waits at the barrier,
// the loser's attempt fails with 1213 and runs again from BEGIN, alone.
// Every Atomic succeeds, every round has a retry, and the row ends at two
// increments per round on every node. A round may take two retries: the
// loser's second attempt can start on its node before the winner's
// write-set is applied there, and is then aborted by it (1213 again).
func TestCertificationConflictRetried(t *testing.T) {
	c := needCluster(t)
	models := setupConflict(t, c)
	ctx, cancel := context.WithTimeout(aio.Async(context.Background()), 2*time.Minute)
	defer cancel()

	var retries, roundRetries atomic.Int64
	policy := orm.RetryPolicy{MaxAttempts: 10, BaseDelay: time.Millisecond, OnRetry: func(attempt int, err error) {
		retries.Add(1)
		roundRetries.Add(1)
		if n := mysqlErrno(err); n != 1213 {
			t.Errorf("retried error %v (error %d), want 1213", err, n)
		}
	}}
	start := time.Now()
	for round := range conflictRounds {
		roundRetries.Store(0)
		ready := make(chan struct{}, 2)
		barrier := make(chan struct{})
		results := make([]<-chan aio.Result[struct{}], 2)
		for side := range 2 {
			m := models[side]
			results[side] = m.DB().AioAtomic(ctx, func(ctx context.Context) error {
				first := orm.TxAttempt(ctx) == 1
				err := incrementRow(ctx, m)
				if first {
					ready <- struct{}{}
					<-barrier
				}
				return err
			}, orm.Retry(policy))
		}
		for range 2 {
			select {
			case <-ready:
			case <-ctx.Done():
				close(barrier)
				t.Fatalf("round %d: the first attempts did not reach the barrier: %v", round, ctx.Err())
			}
		}
		close(barrier)
		for side, ch := range results {
			if _, err := aio.Await(ctx, ch); err != nil {
				t.Fatalf("round %d: node%d: Atomic with Retry failed: %v", round, side+1, err)
			}
		}
		if roundRetries.Load() == 0 {
			t.Errorf("round %d: both first attempts committed: no conflict", round)
		}
	}
	took := time.Since(start)
	n := retries.Load()
	t.Logf("%d rounds, %d conflicting transactions: %d retries (%.0f per 1,000 conflicting transactions), all succeeded, %v",
		conflictRounds, 2*conflictRounds, n, float64(n)*1000/float64(2*conflictRounds), took.Round(time.Millisecond))
	checkCounter(t, c, "gal_conflict", 2*conflictRounds)
}
