package orm

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/aiodb/aiodb/orm/internal/route"
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
// next one; after the cooldown one read tries it again. A read that
// collects its rows (All, One, Get, Count, Scalar, Maps, ...) is also run
// again, from its first row, when the replica's connection breaks in the
// middle of the result (a replica shut down while sending it); Each and
// AioExecute, whose rows have already reached the caller, return the
// error instead. When no replica is healthy, reads go to the primary. A
// replica's query error that is not a connection error (a missing table,
// say) is returned as it is.
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

// acquireQuery is acquire for a statement that returns rows: a read
// outside a transaction goes to the replicas, when the DB has some.
func (db *DB) acquireQuery(ctx context.Context, query string) (executor, func(), error) {
	if db.replicas != nil && route.IsRead(query) && ctx.Value(primaryKey{}) == nil && db.txFrom(ctx) == nil {
		return db.replicaExec, noRelease, nil
	}
	return db.acquire(ctx)
}

// openReplicas opens the pools of cfg.replicas; open opens one through
// the primary's driver and options.
func (db *DB) openReplicas(cfg *config, open func(dsn string) (*route.GateConnector, error)) error {
	cooldown := cfg.replicaCooldown
	if cooldown <= 0 {
		cooldown = defaultReplicaCooldown
	}
	s := route.New(db.sqlDB, cooldown, db.dialect.IsConnLost)
	for i, dsn := range cfg.replicas {
		gate, err := open(dsn)
		if err != nil {
			s.Close()
			return &replicaError{n: i + 1, err: err}
		}
		rdb := sql.OpenDB(gate)
		if cfg.maxConns > 0 {
			rdb.SetMaxOpenConns(cfg.maxConns)
			rdb.SetMaxIdleConns(cfg.maxConns) // as the primary: see MaxConnections
		}
		s.Add(rdb, gate)
	}
	db.replicas = s
	db.replicaExec = &stdExec{s}
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

// ReplicaDBs returns the replicas' pools in the order of Replicas, for
// their stats and pool settings; nil without replicas. Closing them is
// DB.Close's job.
func (db *DB) ReplicaDBs() []*sql.DB {
	if db.replicas == nil {
		return nil
	}
	return db.replicas.DBs()
}
