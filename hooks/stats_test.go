package hooks_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/hooks"
)

func TestStatsConcurrentCounts(t *testing.T) {
	const workers, rounds = 64, 500
	s := hooks.NewStats()
	var h hooks.Hook = s
	ctx := context.Background()
	boom := errors.New("boom")
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				conn := &hooks.ConnEvent{ConnID: uint64(w)}
				h.OnConnect(ctx, conn)
				h.OnConnect(ctx, &hooks.ConnEvent{Err: boom})
				h.OnReset(ctx, conn)
				h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxBegin})
				h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxSavepoint, Name: "s"})
				h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxReleaseSavepoint, Name: "s"})
				h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxRollbackToSavepoint, Name: "s"})
				if i%2 == 0 {
					h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxCommit})
				} else {
					h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxRollback, Err: boom})
				}
				for _, e := range []*hooks.StatementEvent{
					{Kind: hooks.StmtQuery, Async: true, Cached: true, Duration: 30 * time.Microsecond},
					{Kind: hooks.StmtExec, Duration: 3 * time.Millisecond},
					{Kind: hooks.StmtExec, Async: true, Duration: 2 * time.Second, Err: boom},
					{Kind: hooks.StmtPrepare, Duration: 70 * time.Microsecond, Err: fmt.Errorf("q: %w", context.Canceled)},
				} {
					h.OnStatementEnd(h.OnStatementStart(ctx, e), e)
				}
				h.OnSyncViolation(ctx, &hooks.SyncViolation{Op: "query"})
				if i%5 == 0 {
					h.OnClose(conn)
				}
			}
		})
	}
	wg.Wait()

	const n = workers * rounds
	got := s.Snapshot()
	want := hooks.StatsSnapshot{
		Connects: n, ConnectErrors: n, Resets: n, Closes: n / 5, Open: n - n/5,
		Begins: n, Commits: n / 2, Rollbacks: n / 2, Savepoints: n, SavepointReleases: n,
		SavepointRollbacks: n, TxErrors: n / 2,
		Statements: 4 * n, Queries: n, Execs: 2 * n, Prepares: n,
		StatementErrors: 2 * n, Canceled: n, CacheHits: n, Async: 2 * n, Sync: 2 * n, SyncViolations: n,
		TotalDuration: n * (30*time.Microsecond + 3*time.Millisecond + 2*time.Second + 70*time.Microsecond),
		MaxDuration:   2 * time.Second,
	}
	want.Latency[0] = n                   // 30us <= 50us
	want.Latency[1] = n                   // 70us <= 100us
	want.Latency[6] = n                   // 3ms <= 5ms
	want.Latency[len(want.Latency)-1] = n // 2s > 1s
	if got != want {
		t.Fatalf("snapshot after %d goroutines x %d rounds:\n got %+v\nwant %+v", workers, rounds, got, want)
	}
}

func TestStatsBuckets(t *testing.T) {
	bounds := hooks.LatencyBounds()
	if len(bounds) != hooks.LatencyBuckets-1 || bounds[0] != 50*time.Microsecond || bounds[len(bounds)-1] != time.Second {
		t.Fatalf("LatencyBounds() = %v", bounds)
	}
	bounds[0] = time.Hour // a copy: must not change the histogram
	for _, tc := range []struct {
		d      time.Duration
		bucket int
	}{
		{0, 0}, {50 * time.Microsecond, 0}, {50*time.Microsecond + 1, 1}, {time.Millisecond, 4},
		{2 * time.Millisecond, 5}, {time.Second, 13}, {time.Second + 1, 14}, {time.Hour, 14}, {-time.Second, 0},
	} {
		s := hooks.NewStats()
		s.OnStatementEnd(context.Background(), &hooks.StatementEvent{Kind: hooks.StmtQuery, Duration: tc.d})
		var want [hooks.LatencyBuckets]int64
		want[tc.bucket] = 1
		if got := s.Snapshot().Latency; got != want {
			t.Errorf("duration %v: histogram %v, want bucket %d", tc.d, got, tc.bucket)
		}
	}
}

func TestStatsQuantile(t *testing.T) {
	end := func(s *hooks.Stats, d time.Duration, times int) {
		for range times {
			s.OnStatementEnd(context.Background(), &hooks.StatementEvent{Kind: hooks.StmtQuery, Duration: d})
		}
	}
	if q := hooks.NewStats().Snapshot().Quantile(0.5); q != 0 {
		t.Errorf("empty histogram: Quantile(0.5) = %v, want 0", q)
	}

	s := hooks.NewStats()
	end(s, 10*time.Microsecond, 50)
	end(s, 2*time.Millisecond, 50) // bucket (1ms, 2.5ms], capped by the max 2ms
	snap := s.Snapshot()
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{-1, 0}, {0, 0}, {0.2, 20 * time.Microsecond}, {0.5, 50 * time.Microsecond},
		{0.75, 1500 * time.Microsecond}, {1, 2 * time.Millisecond}, {2, 2 * time.Millisecond},
	} {
		if got := snap.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got, want := snap.Mean(), (50*10*time.Microsecond+50*2*time.Millisecond)/100; got != want {
		t.Errorf("Mean() = %v, want %v", got, want)
	}

	// The +Inf bucket interpolates between 1s and the slowest statement.
	s = hooks.NewStats()
	end(s, 3*time.Second, 1)
	end(s, 5*time.Second, 1)
	snap = s.Snapshot()
	if got := snap.Quantile(0.5); got != 3*time.Second {
		t.Errorf("+Inf bucket: Quantile(0.5) = %v, want 3s", got)
	}
	if got := snap.Quantile(1); got != 5*time.Second {
		t.Errorf("+Inf bucket: Quantile(1) = %v, want 5s", got)
	}
}

// The estimate must fall inside the bucket that holds the exact quantile.
func TestStatsQuantileWithinBucket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := hooks.NewStats()
	ds := make([]time.Duration, 5000)
	for i := range ds {
		// log-uniform between 1us and 3s, to fill every bucket.
		ds[i] = time.Duration(1e3 * math.Pow(3e6, rng.Float64()))
		s.OnStatementEnd(context.Background(), &hooks.StatementEvent{Kind: hooks.StmtExec, Duration: ds[i]})
	}
	slices.Sort(ds)
	snap := s.Snapshot()
	bounds := append([]time.Duration{0}, hooks.LatencyBounds()...)
	bounds = append(bounds, snap.MaxDuration)
	bucket := func(d time.Duration) (lo, hi time.Duration) {
		for i := 1; i < len(bounds); i++ {
			if d <= bounds[i] {
				return bounds[i-1], bounds[i]
			}
		}
		t.Fatalf("%v beyond the max %v", d, snap.MaxDuration)
		return
	}
	prev := time.Duration(-1)
	for _, q := range []float64{0.01, 0.1, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999} {
		exact := ds[int(q*float64(len(ds)))-1]
		lo, hi := bucket(exact)
		got := snap.Quantile(q)
		if got < lo || got > hi {
			t.Errorf("Quantile(%v) = %v, exact %v lies in (%v, %v]", q, got, exact, lo, hi)
		}
		if got < prev {
			t.Errorf("Quantile(%v) = %v is below a lower quantile's %v", q, got, prev)
		}
		prev = got
	}
}

func TestStatsReset(t *testing.T) {
	s := hooks.NewStats()
	ctx := context.Background()
	s.OnConnect(ctx, &hooks.ConnEvent{})
	s.OnConnect(ctx, &hooks.ConnEvent{})
	s.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxBegin})
	s.OnStatementEnd(ctx, &hooks.StatementEvent{Kind: hooks.StmtExec, Duration: time.Millisecond, Err: errors.New("x")})
	s.OnSyncViolation(ctx, &hooks.SyncViolation{})
	s.Reset()
	if got, want := s.Snapshot(), (hooks.StatsSnapshot{Open: 2}); got != want {
		t.Fatalf("after Reset: %+v, want only the open gauge (2)", got)
	}
	s.OnClose(&hooks.ConnEvent{})
	if got := s.Snapshot(); got.Open != 1 || got.Closes != 1 {
		t.Fatalf("after a close: Open=%d Closes=%d, want 1 and 1", got.Open, got.Closes)
	}
}

func TestStatsZeroAllocs(t *testing.T) {
	var h hooks.Hook = hooks.NewStats()
	ctx := context.Background()
	boom := errors.New("boom")
	conn := &hooks.ConnEvent{ConnID: 1}
	connErr := &hooks.ConnEvent{Err: boom}
	tx := &hooks.TxEvent{Kind: hooks.TxCommit, Err: boom}
	ok := &hooks.StatementEvent{Kind: hooks.StmtQuery, Duration: 300 * time.Microsecond, Async: true, Cached: true,
		Args: []driver.NamedValue{{Ordinal: 1, Value: int64(1)}}}
	failed := &hooks.StatementEvent{Kind: hooks.StmtExec, Duration: 2 * time.Second, Err: fmt.Errorf("w: %w", context.Canceled)}
	sv := &hooks.SyncViolation{Op: "exec"}
	allocs := testing.AllocsPerRun(1000, func() {
		h.OnConnect(ctx, conn)
		h.OnConnect(ctx, connErr)
		h.OnReset(ctx, conn)
		h.OnTx(ctx, tx)
		h.OnStatementEnd(h.OnStatementStart(ctx, ok), ok)
		h.OnStatementEnd(h.OnStatementStart(ctx, failed), failed)
		h.OnSyncViolation(ctx, sv)
		h.OnClose(conn)
	})
	if allocs != 0 {
		t.Fatalf("Stats allocates %.1f times per round of events, want 0", allocs)
	}
}
