package orm

import "context"

// AcquireForTxTest exposes acquire to the external tests of tx_test.go,
// which also import ormtest (and so cannot live in package orm).
func AcquireForTxTest(db *DB, ctx context.Context) (executor, func(), error) {
	return db.acquire(ctx)
}

// QueryRowForTest is queryRow for the same tests.
func QueryRowForTest(ctx context.Context, ex executor, query string, dest ...any) error {
	return queryRow(ctx, ex, query, nil, dest...)
}
