package reliability_test

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testserver"
	"github.com/aiodb/aiodb/orm"
)

// relCounter is a counter the retry test increments by read-then-write.
type relCounter struct {
	ID int64 `db:"id,pk"`
	N  int64 `db:"n"`
}

func (relCounter) TableName() string { return "rel_counter" }

// TestRetryConflictsAndRestart runs 8 goroutines × 40 SERIALIZABLE
// transactions that read one of 3 counters and write it back plus one,
// with orm.Retry (up to 10 attempts): they conflict for real
// (PostgreSQL's 40001 serialization failures, MariaDB's 1213 deadlocks)
// and are retried. Once a quarter of them are done the server restarts.
// Afterwards the counters must add up: no acknowledged increment lost
// (sum >= acknowledged), and none applied twice by a retry (sum <=
// acknowledged + failed, the failed ones whose COMMIT may have landed).
// Retries must have happened, and every call returns within its 10 s
// deadline plus 2 s.
func TestRetryConflictsAndRestart(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		p := testserver.StartPostgres(t, nil)
		for _, base := range []server{pgServer, pgxServer} {
			s := base
			s.dsn = func(testing.TB) string { return p.DSN() }
			t.Run(s.name, func(t *testing.T) { retryUnderRestart(t, s, bounce(p.Stop, p.Start)) })
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		m := testserver.StartMariaDB(t)
		s := myServer
		s.dsn = func(testing.TB) string { return m.DSN() }
		t.Run(s.name, func(t *testing.T) { retryUnderRestart(t, s, bounce(m.Stop, m.Start)) })
	})
}

func retryUnderRestart(t *testing.T, s server, restart func(t *testing.T)) {
	db := s.open(t, 8)
	counters := orm.MustModel[relCounter](db)
	bg := aio.Async(context.Background())
	if err := counters.DropTable(bg, true); err != nil {
		t.Fatal(err)
	}
	if err := counters.CreateTable(bg, false); err != nil {
		t.Fatal(err)
	}
	const nCounters = 3
	for id := range int64(nCounters) {
		if _, err := counters.Create(bg, &relCounter{ID: id + 1}); err != nil {
			t.Fatal(err)
		}
	}
	var retries, acked, failed, late, tried atomic.Int64
	warm := make(chan struct{}) // closed by the 80th call
	var mu sync.Mutex
	kinds := map[string]int{}
	policy := orm.RetryPolicy{MaxAttempts: 10, BaseDelay: 2 * time.Millisecond, MaxDelay: 50 * time.Millisecond,
		OnRetry: func(int, error) { retries.Add(1) }}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 40 {
				id := int64(1 + rand.IntN(nCounters))
				ctx, cancel := context.WithTimeout(bg, 10*time.Second)
				start := time.Now()
				err := db.Atomic(ctx, func(ctx context.Context) error {
					c, err := counters.GetByPK(ctx, id)
					if err != nil {
						return err
					}
					c.N++
					_, err = counters.Save(ctx, c)
					return err
				}, orm.Isolation(sql.LevelSerializable), orm.Retry(policy))
				cancel()
				if tried.Add(1) == 80 {
					close(warm)
				}
				if time.Since(start) > 12*time.Second {
					late.Add(1)
				}
				if err != nil {
					failed.Add(1)
					var re *orm.RetryError
					kind := failureKind(err)
					if errors.As(err, &re) {
						kind = "retries ran out: " + failureKind(re.Err)
					}
					mu.Lock()
					kinds[kind]++
					mu.Unlock()
					time.Sleep(20 * time.Millisecond) // the server may be away: do not spin
					continue
				}
				acked.Add(1)
			}
		})
	}
	<-warm // 80 calls done: restart while the rest run
	restart(t)
	wg.Wait()

	all, err := counters.Select().All(bg)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, c := range all {
		sum += c.N
	}
	t.Logf("%s: %d transactions, %d acknowledged, %d failed %v, %d retries; counters sum %d (lost %d, applied twice at most %d)",
		s.name, tried.Load(), acked.Load(), failed.Load(), kinds, retries.Load(), sum,
		max(0, acked.Load()-sum), max(0, sum-acked.Load()-failed.Load()))
	if sum < acked.Load() {
		t.Errorf("%s: counters sum to %d but %d increments were acknowledged: %d lost", s.name, sum, acked.Load(), acked.Load()-sum)
	}
	if sum > acked.Load()+failed.Load() {
		t.Errorf("%s: counters sum to %d, more than the %d acknowledged plus %d failed: a retry applied twice", s.name, sum, acked.Load(), failed.Load())
	}
	if retries.Load() == 0 {
		t.Errorf("%s: no transaction was retried: the conflicts did not happen", s.name)
	}
	if late.Load() > 0 {
		t.Errorf("%s: %d transaction(s) outlasted their deadline by 2s", s.name, late.Load())
	}
	waitIdle(t, s.name, db.SQLDB())
}
