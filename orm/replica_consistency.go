package orm

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// ReadYourWrites makes a read that follows a write see that write, even on
// a lagging PostgreSQL streaming standby (see Replicas). PostgreSQL only:
// Open fails with it on another dialect (use StickyPrimary there).
//
// After each write on the primary that succeeded outside a transaction (a
// statement that is not a read, see Replicas: INSERT, UPDATE, DELETE, DDL,
// raw statements through SQLDB too) and after each COMMIT (read-only
// transactions included), Open's DB asks the primary for
// pg_current_wal_lsn(), one round trip before the write's call returns,
// and records that position: in the DB, and in the Session the write's
// context carries, if any. It asks on a pool of its own, of up to
// MaxConnections connections (4 without), opened with the primary's DSN
// and no hooks, so count them against the server's max_connections.
//
// A replica read with a context carrying a Session needs the session's
// position; any other replica read needs the DB's, that of the last write
// this DB made. A replica is known to have reached it when the
// pg_last_wal_replay_lsn() it last reported is at or past it; then the read
// runs there at once, with no extra round trip. Otherwise the read asks the
// replica in turn for its replay position, and waits, asking again every
// few milliseconds (250µs doubling to 10ms), until it is reached or maxWait
// has passed since the read began; at that bound it runs on the primary.
// A read never waits longer than maxWait plus one replica round trip, nor
// past its context, whose error it then returns. A replica that is not in
// recovery (pg_last_wal_replay_lsn() is NULL) never counts as caught up.
// When the position of a write cannot be read (the primary failed right
// after it), the reads that need it go to the primary for maxWait.
//
// maxWait <= 0 means 1s. Reads in transactions and with UsePrimary go to
// the primary as always. Without Replicas the option does nothing.
// ConsistencyStats counts what it did.
func ReadYourWrites(maxWait time.Duration) Option {
	return func(c *config) {
		if maxWait <= 0 {
			maxWait = time.Second
		}
		c.readYourWrites = maxWait
	}
}

// StickyPrimary sends the replica reads made within d after a write to
// the primary: after any write of the DB, or, for a context carrying a
// Session, after a write of that session. Writes count as for
// ReadYourWrites, but nothing is asked of any server, so it works on every
// dialect; the price is that every read in the window loads the primary,
// and a replica lagging by more than d is still read stale. With
// ReadYourWrites too, a read inside the window goes to the primary and one
// after it waits as ReadYourWrites says. d <= 0 turns it off. Without
// Replicas it does nothing.
func StickyPrimary(d time.Duration) Option {
	return func(c *config) { c.stickyPrimary = d }
}

// Session returns ctx carrying a new read-your-writes session, for
// ReadYourWrites and StickyPrimary: the writes made with it (or a context
// derived from it, transactions included) are recorded in it, and its
// replica reads wait for those writes only, not for every write of the
// DB. One session per request or per user is the usual scope. Without
// either option a session changes nothing.
func Session(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionKey{}, new(writePoint))
}

type sessionKey struct{}

// ConsistencyStats counts what ReadYourWrites and StickyPrimary did since
// Open. DB.ConsistencyStats returns it.
type ConsistencyStats struct {
	// Writes is the number of writes recorded: statements outside
	// transactions and commits.
	Writes int64
	// PositionErrors counts writes whose pg_current_wal_lsn() could not
	// be read; their reads went to the primary for maxWait.
	PositionErrors int64
	// Checked is the number of replica reads that needed a position the
	// replica was not yet known to have reached.
	Checked int64
	// Waited counts the checked reads that found the replica behind and
	// waited for it; WaitTime is the time they spent waiting, in total.
	Waited   int64
	WaitTime time.Duration
	// Primary counts reads the modes sent to the primary: at the bound,
	// within a sticky window, or with no replica able to tell its replay
	// position.
	Primary int64
}

// ConsistencyStats returns the counters of ReadYourWrites and
// StickyPrimary; zero without them or without Replicas.
func (db *DB) ConsistencyStats() ConsistencyStats {
	if db.replicas == nil || db.replicas.cons == nil {
		return ConsistencyStats{}
	}
	c := db.replicas.cons
	return ConsistencyStats{
		Writes: c.writes.Load(), PositionErrors: c.lsnErrors.Load(),
		Checked: c.checked.Load(), Waited: c.waited.Load(),
		WaitTime: time.Duration(c.waitNanos.Load()), Primary: c.primary.Load(),
	}
}

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

// consistency is the state of ReadYourWrites and StickyPrimary, kept by
// the DB's replicaSet.
type consistency struct {
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

// newConsistency returns the state of cfg's modes, nil when they are off
// or there are no replicas to route around.
func newConsistency(cfg *config) *consistency {
	if len(cfg.replicas) == 0 || cfg.readYourWrites <= 0 && cfg.stickyPrimary <= 0 {
		return nil
	}
	return &consistency{maxWait: cfg.readYourWrites, sticky: cfg.stickyPrimary}
}

// install adds the hook that records writes to the primary's options.
func (c *consistency) install(o *driver.Options) {
	o.Hooks = hooks.Chain(o.Hooks, &writeHook{c: c})
}

// open checks the dialect and opens the pool that reads WAL positions;
// Open calls it once the DB and its replicas are open.
func (c *consistency) open(db *DB, cfg *config, driverName, dsn string) error {
	db.replicas.cons = c
	c.replayed = make([]atomic.Uint64, len(db.replicas.list))
	if c.maxWait <= 0 {
		return nil
	}
	if db.dialect.Name != driver.DialectPostgres {
		return fmt.Errorf("orm: ReadYourWrites needs PostgreSQL (it waits for WAL positions); the dialect is %q: use StickyPrimary", db.dialect.Name)
	}
	conn, err := driver.OpenConnector(driverName, dsn, func(o *driver.Options) {
		o.Sync = driver.SyncAllow // internal: never the caller's statement
		o.Hooks = nil
	})
	if err != nil {
		return fmt.Errorf("orm: ReadYourWrites: %w", err)
	}
	c.lsnDB = sql.OpenDB(conn)
	n := cfg.maxConns
	if n <= 0 {
		n = 4
	}
	c.lsnDB.SetMaxOpenConns(n)
	c.lsnDB.SetMaxIdleConns(n)
	return nil
}

// suspend closes the idle connections of the position pool, for
// Manager.Close; resume lets it keep idle ones again, for Manager.Connect.
// The pool's connector has no gate: a write after Manager.Close fails
// before it could ask for a position.
func (c *consistency) suspend() {
	if c.lsnDB != nil {
		c.lsnDB.SetMaxIdleConns(-1)
	}
}

func (c *consistency) resume(idle int) {
	if c.lsnDB != nil {
		c.lsnDB.SetMaxIdleConns(idle)
	}
}

func (c *consistency) close() error {
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
	c *consistency
}

// OnStatementEnd records a successful statement outside a transaction
// that is not a read; statements in a transaction count at its COMMIT.
func (h *writeHook) OnStatementEnd(ctx context.Context, e *hooks.StatementEvent) {
	if e.Err != nil || e.InTx || e.Kind == hooks.StmtPrepare || isReadQuery(e.SQL) {
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
func (c *consistency) recordWrite(ctx context.Context) {
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
func (c *consistency) need(ctx context.Context) (primary bool, lsn uint64) {
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
func (s *replicaSet) consistentQuery(ctx context.Context, query string, args []any) (rows *sql.Rows, done bool, err error) {
	c := s.cons
	toPrimary, target := c.need(ctx)
	if toPrimary {
		c.primary.Add(1)
		rows, err := s.primary.QueryContext(ctx, query, args...)
		return rows, true, err
	}
	if target == 0 {
		return nil, false, nil
	}
	rows, err = s.consistentRead(ctx, c, target, query, args)
	return rows, true, err
}

// consistentRead runs a read that needs WAL position target.
func (s *replicaSet) consistentRead(ctx context.Context, c *consistency, target uint64, query string, args []any) (*sql.Rows, error) {
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
				return nil, err
			}
			if isConnError(err) {
				r.downUntil.Store(time.Now().Add(s.cooldown).UnixNano())
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
	return s.primary.QueryContext(ctx, query, args...)
}

// waitFor asks r for its replay position until it reaches target or the
// deadline passes. It reports whether r got there, and whether it had to
// wait.
func (c *consistency) waitFor(ctx context.Context, r *replica, seen *atomic.Uint64, target uint64, deadline time.Time) (ok, waited bool, err error) {
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
// the read goes to the primary, which has every write.
func (s *replicaSet) queryOn(ctx context.Context, r *replica, query string, args []any) (*sql.Rows, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err == nil {
		r.downUntil.Store(0)
		return rows, nil
	}
	if ctx.Err() != nil || !isConnError(err) {
		return nil, err
	}
	r.downUntil.Store(time.Now().Add(s.cooldown).UnixNano())
	return s.primary.QueryContext(ctx, query, args...)
}
