package hooks

import (
	"context"
	"errors"
	"math"
	"sync/atomic"
	"time"
)

// latencyBounds are the upper bounds (inclusive) of the latency histogram's
// finite buckets; one more bucket counts the slower statements.
var latencyBounds = [...]time.Duration{
	50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	1 * time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, 1 * time.Second,
}

// LatencyBuckets is the number of buckets of the latency histogram: one per
// bound returned by LatencyBounds plus the +Inf bucket.
const LatencyBuckets = len(latencyBounds) + 1

// LatencyBounds returns the inclusive upper bounds of the latency
// histogram's buckets, fastest first: 50us, 100us, 250us, 500us, 1ms,
// 2.5ms, 5ms, 10ms, 25ms, 50ms, 100ms, 250ms, 500ms and 1s. The last bucket
// (+Inf) has no bound.
func LatencyBounds() []time.Duration {
	out := make([]time.Duration, len(latencyBounds))
	copy(out, latencyBounds[:])
	return out
}

// Stats is a Hook that counts events and statement latencies. Create it
// with NewStats and read it with Snapshot. Every method is safe for
// concurrent use and records an event with a few atomic additions, without
// locks or allocations.
type Stats struct {
	Base

	connects, connectErrors, resets, resetErrors, closes, open atomic.Int64

	begins, commits, rollbacks        atomic.Int64
	savepoints, releases, rollbacksTo atomic.Int64
	txErrors                          atomic.Int64
	syncViolations                    atomic.Int64
	stmtByKind                        [4]atomic.Int64 // index StmtKind; 0 = unknown
	stmtErrors, canceled, cacheHits   atomic.Int64
	asyncStmts, syncStmts             atomic.Int64
	latency                           [LatencyBuckets]atomic.Int64
	totalNanos, maxNanos              atomic.Int64
}

// NewStats returns an empty Stats. Pass it to the driver's options (alone
// or in a Chain) and call Snapshot whenever figures are wanted.
func NewStats() *Stats { return new(Stats) }

// OnConnect counts a new connection, or a connect error when e.Err is set.
func (s *Stats) OnConnect(_ context.Context, e *ConnEvent) {
	if e.Err != nil {
		s.connectErrors.Add(1)
		return
	}
	s.connects.Add(1)
	s.open.Add(1)
}

// OnReset counts a connection reused from the pool, and a reset error when
// e.Err is set.
func (s *Stats) OnReset(_ context.Context, e *ConnEvent) {
	s.resets.Add(1)
	if e.Err != nil {
		s.resetErrors.Add(1)
	}
}

// OnClose counts a closed connection and lowers the open gauge.
func (s *Stats) OnClose(*ConnEvent) {
	s.closes.Add(1)
	s.open.Add(-1)
}

// OnTx counts a transaction control statement by kind, and its error.
func (s *Stats) OnTx(_ context.Context, e *TxEvent) {
	switch e.Kind {
	case TxBegin:
		s.begins.Add(1)
	case TxCommit:
		s.commits.Add(1)
	case TxRollback:
		s.rollbacks.Add(1)
	case TxSavepoint:
		s.savepoints.Add(1)
	case TxReleaseSavepoint:
		s.releases.Add(1)
	case TxRollbackToSavepoint:
		s.rollbacksTo.Add(1)
	}
	if e.Err != nil {
		s.txErrors.Add(1)
	}
}

// OnStatementEnd counts a finished statement by kind, sync or async, cached
// or not, failed or not, and adds its duration to the histogram.
func (s *Stats) OnStatementEnd(_ context.Context, e *StatementEvent) {
	k := int(e.Kind)
	if k >= len(s.stmtByKind) {
		k = 0
	}
	s.stmtByKind[k].Add(1)
	if e.Async {
		s.asyncStmts.Add(1)
	} else {
		s.syncStmts.Add(1)
	}
	if e.Cached {
		s.cacheHits.Add(1)
	}
	if e.Err != nil {
		s.stmtErrors.Add(1)
		if errors.Is(e.Err, context.Canceled) {
			s.canceled.Add(1)
		}
	}
	d := e.Duration
	if d < 0 {
		d = 0
	}
	s.latency[bucketOf(d)].Add(1)
	s.totalNanos.Add(int64(d))
	for {
		m := s.maxNanos.Load()
		if int64(d) <= m || s.maxNanos.CompareAndSwap(m, int64(d)) {
			break
		}
	}
}

// OnSyncViolation counts a sync call seen under aio_sync=warn.
func (s *Stats) OnSyncViolation(context.Context, *SyncViolation) {
	s.syncViolations.Add(1)
}

func bucketOf(d time.Duration) int {
	for i, b := range latencyBounds {
		if d <= b {
			return i
		}
	}
	return len(latencyBounds)
}

// Reset sets every counter and the histogram back to zero. The open
// connections gauge is kept, since those connections are still open.
func (s *Stats) Reset() {
	for _, c := range []*atomic.Int64{
		&s.connects, &s.connectErrors, &s.resets, &s.resetErrors, &s.closes,
		&s.begins, &s.commits, &s.rollbacks, &s.savepoints, &s.releases, &s.rollbacksTo, &s.txErrors,
		&s.syncViolations, &s.stmtErrors, &s.canceled, &s.cacheHits, &s.asyncStmts, &s.syncStmts,
		&s.totalNanos, &s.maxNanos,
	} {
		c.Store(0)
	}
	for i := range s.stmtByKind {
		s.stmtByKind[i].Store(0)
	}
	for i := range s.latency {
		s.latency[i].Store(0)
	}
}

// StatsSnapshot is a copy of a Stats' figures. Snapshot reads the counters
// one by one, so a snapshot taken while statements run may be off by the
// events in flight (Statements and the histogram's total, for instance).
type StatsSnapshot struct {
	Connects      int64 // physical connections opened
	ConnectErrors int64 // failed connection attempts
	Resets        int64 // connections reused from the pool
	ResetErrors   int64 // resets that failed (the connection was discarded)
	Closes        int64 // physical connections closed
	Open          int64 // connections open now: Connects - Closes since NewStats

	Begins             int64
	Commits            int64
	Rollbacks          int64
	Savepoints         int64 // SAVEPOINT
	SavepointReleases  int64 // RELEASE SAVEPOINT
	SavepointRollbacks int64 // ROLLBACK TO SAVEPOINT
	TxErrors           int64 // transaction control statements that failed

	Statements      int64 // every finished statement: Queries + Execs + Prepares + unknown kinds
	Queries         int64
	Execs           int64
	Prepares        int64
	StatementErrors int64 // statements that failed, cancelled ones included
	Canceled        int64 // statements that failed with context.Canceled
	CacheHits       int64 // statements run through the prepared-statement cache
	Async           int64 // statements run with an aio (async) context
	Sync            int64 // the others
	SyncViolations  int64 // sync calls reported under aio_sync=warn

	// TotalDuration is the sum of the statements' durations; MaxDuration
	// the longest one.
	TotalDuration time.Duration
	MaxDuration   time.Duration
	// Latency counts the statements per duration bucket: Latency[i] those
	// slower than LatencyBounds()[i-1] and no slower than
	// LatencyBounds()[i]; the last element counts those slower than 1s.
	Latency [LatencyBuckets]int64
}

// Snapshot returns the current figures.
func (s *Stats) Snapshot() StatsSnapshot {
	snap := StatsSnapshot{
		Connects:      s.connects.Load(),
		ConnectErrors: s.connectErrors.Load(),
		Resets:        s.resets.Load(),
		ResetErrors:   s.resetErrors.Load(),
		Closes:        s.closes.Load(),
		Open:          s.open.Load(),

		Begins:             s.begins.Load(),
		Commits:            s.commits.Load(),
		Rollbacks:          s.rollbacks.Load(),
		Savepoints:         s.savepoints.Load(),
		SavepointReleases:  s.releases.Load(),
		SavepointRollbacks: s.rollbacksTo.Load(),
		TxErrors:           s.txErrors.Load(),

		Queries:         s.stmtByKind[StmtQuery].Load(),
		Execs:           s.stmtByKind[StmtExec].Load(),
		Prepares:        s.stmtByKind[StmtPrepare].Load(),
		StatementErrors: s.stmtErrors.Load(),
		Canceled:        s.canceled.Load(),
		CacheHits:       s.cacheHits.Load(),
		Async:           s.asyncStmts.Load(),
		Sync:            s.syncStmts.Load(),
		SyncViolations:  s.syncViolations.Load(),

		TotalDuration: time.Duration(s.totalNanos.Load()),
		MaxDuration:   time.Duration(s.maxNanos.Load()),
	}
	snap.Statements = s.stmtByKind[0].Load() + snap.Queries + snap.Execs + snap.Prepares
	for i := range s.latency {
		snap.Latency[i] = s.latency[i].Load()
	}
	return snap
}

// Mean returns the mean statement duration, or 0 when no statement was
// counted.
func (s StatsSnapshot) Mean() time.Duration {
	n := s.Statements
	if n == 0 {
		return 0
	}
	return s.TotalDuration / time.Duration(n)
}

// Quantile estimates the q-quantile (0 <= q <= 1) of the statement
// durations from the histogram: it finds the bucket holding the rank q*n and
// interpolates linearly inside it, as Prometheus' histogram_quantile does.
// The estimate never exceeds MaxDuration, which also bounds the +Inf bucket.
// It returns 0 when the histogram is empty, and q is clamped to [0, 1].
func (s StatsSnapshot) Quantile(q float64) time.Duration {
	var total int64
	for _, c := range s.Latency {
		total += c
	}
	if total == 0 || math.IsNaN(q) {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(total)
	var cum int64
	for i, c := range s.Latency {
		if c == 0 || float64(cum+c) < rank {
			cum += c
			continue
		}
		var lo, hi time.Duration
		if i > 0 {
			lo = latencyBounds[i-1]
		}
		if i < len(latencyBounds) {
			hi = latencyBounds[i]
		} else {
			hi = max(s.MaxDuration, lo)
		}
		if s.MaxDuration > 0 && hi > s.MaxDuration {
			hi = max(s.MaxDuration, lo)
		}
		frac := (rank - float64(cum)) / float64(c)
		return lo + time.Duration(frac*float64(hi-lo))
	}
	return s.MaxDuration
}
