package route

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// writePoint is where the writes of a DB or a Session got to: the highest
// WAL position recorded and the time until which reads go to the primary.
type writePoint struct {
	lsn          atomic.Uint64
	primaryUntil atomic.Int64 // Unix nanoseconds
}

func storeMax(v *atomic.Uint64, x uint64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

func storeMaxInt(v *atomic.Int64, x int64) {
	for {
		old := v.Load()
		if x <= old || v.CompareAndSwap(old, x) {
			return
		}
	}
}

// Consistency is the state of orm's ReadYourWrites and StickyPrimary,
// kept by a Set (SetConsistency).
type Consistency struct {
	maxWait time.Duration // ReadYourWrites; 0 when off
	sticky  time.Duration // StickyPrimary; 0 when off
	// lsnDB is a pool of the primary without hooks or guard, for
	// pg_current_wal_lsn(): the hook that asks runs while the write's own
	// connection is still held.
	lsnDB *sql.DB
	point writePoint // the DB's
	// replayed[i] is the replay position replica i last reported.
	replayed []atomic.Uint64

	writes, lsnErrors, checked, waited, waitNanos, primary atomic.Int64
}

// NewConsistency returns the state of ReadYourWrites (maxWait > 0) and
// StickyPrimary (sticky > 0); nil when both are off.
func NewConsistency(maxWait, sticky time.Duration) *Consistency {
	if maxWait <= 0 && sticky <= 0 {
		return nil
	}
	return &Consistency{maxWait: maxWait, sticky: sticky}
}

// Install adds the hook that records writes to the primary's options.
func (c *Consistency) Install(o *driver.Options) {
	o.Hooks = hooks.Chain(o.Hooks, &writeHook{c: c})
}

// Attach makes s route by c. With ReadYourWrites it opens the pool that
// reads WAL positions: a pool of the primary (driverName, dsn) without
// hooks or guard, of up to maxConns connections (4 when maxConns <= 0).
// The caller checks that the dialect is PostgreSQL first.
func (s *Set) Attach(c *Consistency, driverName, dsn string, maxConns int) error {
	s.cons = c
	c.replayed = make([]atomic.Uint64, len(s.list))
	if c.maxWait <= 0 {
		return nil
	}
	conn, err := driver.OpenConnector(driverName, dsn, func(o *driver.Options) {
		o.Sync = driver.SyncAllow // internal: never the caller's statement
		o.Hooks = nil
	})
	if err != nil {
		return fmt.Errorf("orm: ReadYourWrites: %w", err)
	}
	c.lsnDB = sql.OpenDB(conn)
	n := maxConns
	if n <= 0 {
		n = 4
	}
	c.lsnDB.SetMaxOpenConns(n)
	c.lsnDB.SetMaxIdleConns(n)
	return nil
}

// WaitsForPositions reports whether c is ReadYourWrites, which needs
// PostgreSQL's WAL positions.
func (c *Consistency) WaitsForPositions() bool { return c.maxWait > 0 }

// Stats are the counters of a Consistency; orm's ConsistencyStats
// documents them.
type Stats struct {
	Writes, PositionErrors, Checked, Waited int64
	WaitTime                                time.Duration
	Primary                                 int64
}

// Stats returns s's consistency counters; zero without a Consistency.
func (s *Set) Stats() Stats {
	c := s.cons
	if c == nil {
		return Stats{}
	}
	return Stats{
		Writes: c.writes.Load(), PositionErrors: c.lsnErrors.Load(),
		Checked: c.checked.Load(), Waited: c.waited.Load(),
		WaitTime: time.Duration(c.waitNanos.Load()), Primary: c.primary.Load(),
	}
}

// sessionKey is the context key of WithSession.
type sessionKey struct{}

// WithSession returns ctx carrying a new read-your-writes session (see
// orm.Session).
func WithSession(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionKey{}, new(writePoint))
}

// suspend closes the idle connections of the position pool, for
// Manager.Close; resume lets it keep idle ones again, for Manager.Connect.
// The pool's connector has no gate: a write after Manager.Close fails
// before it could ask for a position.
func (c *Consistency) suspend() {
	if c.lsnDB != nil {
		c.lsnDB.SetMaxIdleConns(-1)
	}
}

func (c *Consistency) resume(idle int) {
	if c.lsnDB != nil {
		c.lsnDB.SetMaxIdleConns(idle)
	}
}

func (c *Consistency) close() error {
	if c.lsnDB == nil {
		return nil
	}
	return c.lsnDB.Close()
}

// writeHook records the writes of the primary: it is the only place that
// sees every one of them, raw SQLDB statements and BeginContext's commits
// included.
type writeHook struct {
	hooks.Base
	c *Consistency
}

// OnStatementEnd records a successful statement outside a transaction
// that is not a read; statements in a transaction count at its COMMIT.
func (h *writeHook) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	if e.Err != nil || e.InTx || e.Kind == hooks.StmtPrepare || IsRead(e.SQL) {
		return
	}
	h.c.recordWrite(ctx)
}

// OnTx records a successful COMMIT.
func (h *writeHook) OnTx(ctx context.Context, e *hooks.TxEvent) {
	if e.Kind == hooks.TxCommit && e.Err == nil {
		h.c.recordWrite(ctx)
	}
}

// lsnQuery reads a WAL position as a number; NULL (not a standby, for the
// replay position) reads as -1.
const (
	currentLSNQuery = "SELECT (pg_current_wal_lsn() - '0/0')::int8"
	replayLSNQuery  = "SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0')::int8, -1)"
)

// recordWrite notes a write made with ctx in the DB and in ctx's session.
func (c *Consistency) recordWrite(ctx context.Context) {
	c.writes.Add(1)
	sess, _ := ctx.Value(sessionKey{}).(*writePoint)
	now := time.Now()
	if c.sticky > 0 {
		until := now.Add(c.sticky).UnixNano()
		storeMaxInt(&c.point.primaryUntil, until)
		if sess != nil {
			storeMaxInt(&sess.primaryUntil, until)
		}
	}
	if c.maxWait <= 0 {
		return
	}
	// The write is done: its position is wanted even if ctx ends now.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.maxWait)
	defer cancel()
	var lsn int64
	if err := c.lsnDB.QueryRowContext(qctx, currentLSNQuery).Scan(&lsn); err != nil || lsn < 0 {
		c.lsnErrors.Add(1)
		until := now.Add(c.maxWait).UnixNano()
		storeMaxInt(&c.point.primaryUntil, until)
		if sess != nil {
			storeMaxInt(&sess.primaryUntil, until)
		}
		return
	}
	storeMax(&c.point.lsn, uint64(lsn))
	if sess != nil {
		storeMax(&sess.lsn, uint64(lsn))
	}
}

// need returns what a read with ctx needs: the primary (a sticky window),
// or a WAL position (0: none).
func (c *Consistency) need(ctx context.Context) (primary bool, lsn uint64) {
	p := &c.point
	if sess, ok := ctx.Value(sessionKey{}).(*writePoint); ok {
		p = sess
	}
	if until := p.primaryUntil.Load(); until != 0 && time.Now().UnixNano() < until {
		return true, 0
	}
	if c.maxWait <= 0 {
		return false, 0
	}
	return false, p.lsn.Load()
}

// consistentQuery runs a read on a replica that has replayed what ctx
// needs, waiting for one as ReadYourWrites says, or on the primary. It
// reports done false, having done nothing, when the read needs nothing:
// QueryContext then goes on as without the modes.
func (s *Set) consistentQuery(ctx context.Context, query string, args []any) (rows *sql.Rows, r *replica, done bool, err error) {
	c := s.cons
	toPrimary, target := c.need(ctx)
	if toPrimary {
		c.primary.Add(1)
		rows, err := s.primary.QueryContext(ctx, query, args...)
		return rows, nil, true, err
	}
	if target == 0 {
		return nil, nil, false, nil
	}
	rows, r, err = s.consistentRead(ctx, c, target, query, args)
	return rows, r, true, err
}

// consistentRead runs a read that needs WAL position target; it returns
// the replica that answered, nil for the primary.
func (s *Set) consistentRead(ctx context.Context, c *Consistency, target uint64, query string, args []any) (*sql.Rows, *replica, error) {
	n := uint32(len(s.list))
	start := s.next.Add(1) - 1
	// A replica already known to be far enough costs nothing more.
	for i := range n {
		k := (start + i) % n
		if c.replayed[k].Load() >= target && s.list[k].available(time.Now().UnixNano(), s.cooldown) {
			return s.queryOn(ctx, s.list[k], query, args)
		}
	}
	c.checked.Add(1)
	begin := time.Now()
	deadline := begin.Add(c.maxWait)
	waited := false
	defer func() {
		if waited {
			c.waited.Add(1)
			c.waitNanos.Add(int64(time.Since(begin)))
		}
	}()
	for i := range n {
		k := (start + i) % n
		r := s.list[k]
		if !r.available(time.Now().UnixNano(), s.cooldown) {
			continue
		}
		ok, w, err := c.waitFor(ctx, r, &c.replayed[k], target, deadline)
		waited = waited || w
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, err
			}
			if s.lost(ctx, err) {
				r.markDown(s.cooldown)
				continue
			}
			break // an error of the query itself: let the primary answer
		}
		if ok {
			return s.queryOn(ctx, r, query, args)
		}
		break // at the bound, or a replica that cannot tell
	}
	c.primary.Add(1)
	rows, err := s.primary.QueryContext(ctx, query, args...)
	return rows, nil, err
}

// waitFor asks r for its replay position until it reaches target or the
// deadline passes. It reports whether r got there, and whether it had to
// wait.
func (c *Consistency) waitFor(ctx context.Context, r *replica, seen *atomic.Uint64, target uint64, deadline time.Time) (ok, waited bool, err error) {
	pause := 250 * time.Microsecond // streaming lag on a LAN is often below 1ms
	for {
		var lsn int64
		if err := r.db.QueryRowContext(ctx, replayLSNQuery).Scan(&lsn); err != nil {
			return false, waited, err
		}
		r.downUntil.Store(0) // it answered: a probe after its cooldown succeeded
		if lsn < 0 {
			return false, waited, nil // not in recovery: cannot tell
		}
		storeMax(seen, uint64(lsn))
		if uint64(lsn) >= target {
			return true, waited, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, waited, nil
		}
		waited = true
		t := time.NewTimer(min(pause, left))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return false, waited, context.Cause(ctx)
		}
		pause = min(2*pause, 10*time.Millisecond)
	}
}

// queryOn runs a read on r; when r's connection fails it is marked down and
// the read goes to the primary, which has every write. It returns the
// replica that answered, nil for the primary.
func (s *Set) queryOn(ctx context.Context, r *replica, query string, args []any) (*sql.Rows, *replica, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err == nil {
		r.downUntil.Store(0)
		return rows, r, nil
	}
	if !s.lost(ctx, err) {
		return nil, nil, err
	}
	r.markDown(s.cooldown)
	rows, err = s.primary.QueryContext(ctx, query, args...)
	return rows, nil, err
}
