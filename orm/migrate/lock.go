package migrate

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"hash/fnv"
	"time"
)

// The migrators' lock. Two processes migrating one database at once must
// apply each migration once, so a migrator takes a lock before it reads
// what is applied, and holds it until it is done:
//
//   - PostgreSQL: pg_advisory_lock on the migrator's own connection, with
//     a key hashed from the migrations table's name (advisory locks are
//     per database).
//   - MySQL and MariaDB: GET_LOCK on the migrator's own connection, named
//     after the migrations table; the name is the server's, not the
//     database's, so migrators of two databases with one table name take
//     turns.
//   - SQLite: no session lock; each migration's transaction starts with
//     BEGIN IMMEDIATE, which takes the database's write lock, and looks
//     again whether another migrator applied it meanwhile.
//
// A session lock lives as long as its connection: a migrator that cannot
// release it closes the connection instead of returning it to the pool.

// lockKey is the PostgreSQL advisory lock key of a migrations table.
func lockKey(table string) int64 {
	h := fnv.New64a()
	h.Write([]byte("aiodb_migrate:" + table))
	return int64(h.Sum64())
}

// lockName is the MySQL lock name (at most 64 characters).
func lockName(table string) string {
	n := "aiodb_migrate:" + table
	if len(n) > 64 {
		n = fmt.Sprintf("aiodb_migrate:%x", lockKey(table))
	}
	return n
}

func (c *caps) lockArg(table string) any {
	if c.lockWait {
		return lockName(table)
	}
	return lockKey(table)
}

// lock takes the session lock on conn (nothing where the dialect has
// none) and returns what releases it.
func lock(ctx context.Context, conn *sql.Conn, c *caps, table string) (unlock func(), err error) {
	if c.lock == "" {
		return func() {}, nil
	}
	arg := c.lockArg(table)
	for {
		var got sql.NullInt64
		if c.lockWait {
			err = conn.QueryRowContext(ctx, c.lock, arg).Scan(&got)
		} else {
			_, err = conn.ExecContext(ctx, c.lock, arg)
			got = sql.NullInt64{Int64: 1, Valid: true}
		}
		if err != nil {
			return nil, fmt.Errorf("migrate: taking the migration lock: %w", err)
		}
		if !got.Valid {
			return nil, fmt.Errorf("migrate: taking the migration lock: the server returned NULL")
		}
		if got.Int64 == 1 {
			break
		}
		// GET_LOCK timed out (after a second): another migrator holds it.
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("migrate: waiting for the migration lock: %w", err)
		}
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, c.unlock, arg); err != nil {
			// Do not pool a connection that may still hold the lock.
			_ = conn.Raw(func(any) error { return sqldriver.ErrBadConn })
		}
	}, nil
}
