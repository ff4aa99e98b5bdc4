package orm

import "context"

// AcquireForTxTest exposes acquire to the external tests of tx_test.go,
// which also import ormtest (and so cannot live in package orm).
func AcquireForTxTest(db *DB, ctx context.Context) (executor, func(), error) {
	return db.acquire(ctx)
}
