package orm

import (
	"context"
	"time"

	"github.com/aiodb/aiodb/orm/internal/route"
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
func Session(ctx context.Context) context.Context { return route.WithSession(ctx) }

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
	if db.replicas == nil {
		return ConsistencyStats{}
	}
	return ConsistencyStats(db.replicas.Stats())
}
