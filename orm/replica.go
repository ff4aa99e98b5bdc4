package orm

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/sqltext"
)

// Replicas makes Open open a pool for each DSN, with the same driver and
// options as the primary, and send reads to them: queries that begin with
// SELECT and take no lock (no FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE
// or INTO), run outside a transaction with a context not pinned by
// UsePrimary. That covers the query builder's selects, Get, GetByPK,
// GetOrNone, Exists, Count, Scalar, All, First, AioExecute, Prefetch and
// Fetch, and Raw queries beginning with SELECT; a raw SELECT that writes
// (nextval, a function with side effects) must be run with UsePrimary.
// Writes, DDL, and everything inside a transaction go to the primary.
//
// Replicas take reads in turn (round robin). A replica whose connection
// fails (connection refused, reset, timed out) is skipped for the
// cooldown (ReplicaCooldown, 5s by default) and the read is tried on the
// next one; after the cooldown one read tries it again. When no replica
// is healthy, reads go to the primary. A replica's query error that is
// not a connection error (a missing table, say) is returned as it is.
// The sync guard and hooks apply to replicas as to the primary;
// MaxConnections bounds each pool and keeps as many idle; an aiomysql
// replica's DSN gets the primary's time options (loc=UTC, parseTime), so
// a time reads the same on either. Open only: New fails with it.
//
// A replica lags behind the primary: ReadYourWrites and StickyPrimary
// make the reads that follow a write see it.
//
// Without Replicas every statement goes to the one pool.
func Replicas(dsns ...string) Option {
	return func(c *config) { c.replicas = append(c.replicas, dsns...) }
}

// ReplicaCooldown sets how long a replica whose connection failed is
// skipped before a read tries it again; zero or less keeps the default,
// 5s. It matters only with Replicas.
func ReplicaCooldown(d time.Duration) Option {
	return func(c *config) { c.replicaCooldown = d }
}

const defaultReplicaCooldown = 5 * time.Second

// primaryKey is the context key of UsePrimary.
type primaryKey struct{}

// UsePrimary returns ctx marked so that reads run with it, or a context
// derived from it, go to the primary instead of a replica: for reading
// one's own writes right after making them, before the replicas have
// caught up, or for a raw SELECT that writes. It is harmless for a DB
// without replicas.
func UsePrimary(ctx context.Context) context.Context {
	return context.WithValue(ctx, primaryKey{}, true)
}

// replica is one replica's pool and health.
type replica struct {
	db   *sql.DB
	gate *gateConnector
	// downUntil is when a replica whose connection failed may be tried
	// again (Unix nanoseconds); 0 while it is healthy.
	downUntil atomic.Int64
}

// replicaSet routes reads among the replicas; it is the executor that
// acquireQuery returns for a read.
type replicaSet struct {
	primary  *sql.DB
	list     []*replica
	next     atomic.Uint32
	cooldown time.Duration
	connLost func(error) bool // the dialect's IsConnLost, or nil
	cons     *consistency     // ReadYourWrites, StickyPrimary; nil without
}

// QueryContext runs a read on the next healthy replica, on the following
// one when that one's connection fails, and on the primary when none is
// left.
func (s *replicaSet) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s.cons != nil { // ReadYourWrites, StickyPrimary
		if rows, done, err := s.consistentQuery(ctx, query, args); done {
			return rows, err
		}
	}
	n := uint32(len(s.list))
	start := s.next.Add(1) - 1
	now := time.Now().UnixNano()
	for i := range n {
		r := s.list[(start+i)%n]
		if !r.available(now, s.cooldown) {
			continue
		}
		rows, err := r.db.QueryContext(ctx, query, args...)
		if err == nil {
			r.downUntil.Store(0)
			return rows, nil
		}
		if ctx.Err() != nil || !isConnError(err) && (s.connLost == nil || !s.connLost(err)) {
			return nil, err
		}
		r.downUntil.Store(time.Now().Add(s.cooldown).UnixNano())
	}
	return s.primary.QueryContext(ctx, query, args...)
}

// available reports whether r may take a read now. Once the cooldown of a
// failed replica is over, only the first caller gets it, as a probe; the
// others keep skipping it until the probe succeeds.
func (r *replica) available(now int64, cooldown time.Duration) bool {
	d := r.downUntil.Load()
	if d == 0 {
		return true
	}
	return now >= d && r.downUntil.CompareAndSwap(d, now+int64(cooldown))
}

// ExecContext runs on the primary: replicas take reads only.
func (s *replicaSet) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.primary.ExecContext(ctx, query, args...)
}

// QueryRowContext runs on the primary: its error shows only at Scan, too
// late to try another replica.
func (s *replicaSet) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.primary.QueryRowContext(ctx, query, args...)
}

// isConnError reports whether err means the server could not be reached
// or the connection broke, as opposed to an error of the statement. A
// read is safe to run again elsewhere even when it reached the server
// (driver.ErrConnLost).
func isConnError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, sqldriver.ErrBadConn) || errors.Is(err, driver.ErrConnLost) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// acquireQuery is acquire for a statement that returns rows: a read
// outside a transaction goes to the replicas, when the DB has some.
func (db *DB) acquireQuery(ctx context.Context, query string) (executor, func(), error) {
	if db.replicas != nil && isReadQuery(query) && ctx.Value(primaryKey{}) == nil && db.txFrom(ctx) == nil {
		return db.replicas, noRelease, nil
	}
	return db.acquire(ctx)
}

// isReadQuery reports whether query is a SELECT that neither locks rows
// nor writes into a table or file. Quoted text and comments are skipped,
// so a column named "into" does not count; text the lexer cannot vouch
// for (an unterminated quote, a backslash in quotes) goes to the primary.
func isReadQuery(query string) bool {
	// A statement that starts with a comment, or holds one of MySQL's
	// executable comments (/*! ... */, run as SQL), goes to the primary.
	if t := strings.TrimLeft(query, " \t\r\n("); t == "" || !sqltext.IsWordByte(t[0]) || strings.Contains(query, "/*!") {
		return false
	}
	l := sqltext.New(query)
	first := l.Next()
	for first.Text == "(" {
		first = l.Next()
	}
	if first.Kind != sqltext.Word || !sqltext.EqualFold(first.Text, "SELECT") {
		return false
	}
	prev := ""
	for {
		t := l.Next()
		switch t.Kind {
		case sqltext.EOF:
			return true
		case sqltext.Invalid:
			return false
		case sqltext.Semicolon:
			// Only trailing ones: a second statement could write.
			for t = l.Next(); t.Kind == sqltext.Semicolon; t = l.Next() {
			}
			return t.Kind == sqltext.EOF
		case sqltext.Word:
			w := t.Text
			switch {
			case sqltext.EqualFold(w, "INTO"):
				return false
			case sqltext.EqualFold(prev, "FOR") && (sqltext.EqualFold(w, "UPDATE") || sqltext.EqualFold(w, "SHARE") || sqltext.EqualFold(w, "NO") || sqltext.EqualFold(w, "KEY")):
				return false
			case sqltext.EqualFold(prev, "LOCK") && sqltext.EqualFold(w, "IN"):
				return false
			}
			prev = w
		default:
			prev = ""
		}
	}
}

// openReplicas opens the pools of cfg.replicas; open opens one through
// the primary's driver and options.
func (db *DB) openReplicas(cfg *config, open func(dsn string) (*gateConnector, error)) error {
	s := &replicaSet{primary: db.sqlDB, cooldown: cfg.replicaCooldown, connLost: db.dialect.IsConnLost}
	if s.cooldown <= 0 {
		s.cooldown = defaultReplicaCooldown
	}
	for i, dsn := range cfg.replicas {
		gate, err := open(dsn)
		if err != nil {
			s.close()
			return &replicaError{n: i + 1, err: err}
		}
		r := &replica{db: sql.OpenDB(gate), gate: gate}
		if cfg.maxConns > 0 {
			r.db.SetMaxOpenConns(cfg.maxConns)
			r.db.SetMaxIdleConns(cfg.maxConns) // as the primary: see MaxConnections
		}
		s.list = append(s.list, r)
	}
	db.replicas = s
	return nil
}

// replicaError names which replica DSN failed (counting from 1) without
// repeating the DSN, which may hold a password.
type replicaError struct {
	n   int
	err error
}

func (e *replicaError) Error() string {
	return "orm: Replicas DSN #" + strconv.Itoa(e.n) + ": " + e.err.Error()
}

func (e *replicaError) Unwrap() error { return e.err }

// close closes every replica pool.
func (s *replicaSet) close() error {
	var errs []error
	for _, r := range s.list {
		errs = append(errs, r.db.Close())
	}
	if s.cons != nil {
		errs = append(errs, s.cons.close())
	}
	return errors.Join(errs...)
}

// suspend closes the replicas' gates and idle connections, for
// Manager.Close.
func (s *replicaSet) suspend() {
	for _, r := range s.list {
		if !r.gate.closed.Swap(true) {
			r.db.SetMaxIdleConns(-1)
		}
	}
	if s.cons != nil {
		s.cons.suspend()
	}
}

// resume reopens the replicas' gates and pings them, for Manager.Connect.
// A replica that does not answer is marked down rather than failing
// Connect: reads go elsewhere meanwhile.
func (s *replicaSet) resume(ctx context.Context, idle int) {
	if s.cons != nil {
		s.cons.resume(idle)
	}
	for _, r := range s.list {
		if r.gate.closed.Swap(false) {
			r.db.SetMaxIdleConns(idle)
		}
		if err := r.db.PingContext(ctx); err != nil && ctx.Err() == nil {
			r.downUntil.Store(time.Now().Add(s.cooldown).UnixNano())
		} else if err == nil {
			r.downUntil.Store(0)
		}
	}
}

// ReplicaDBs returns the replicas' pools in the order of Replicas, for
// their stats and pool settings; nil without replicas. Closing them is
// DB.Close's job.
func (db *DB) ReplicaDBs() []*sql.DB {
	if db.replicas == nil {
		return nil
	}
	out := make([]*sql.DB, len(db.replicas.list))
	for i, r := range db.replicas.list {
		out[i] = r.db
	}
	return out
}
