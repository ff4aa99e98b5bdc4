// Package ormtest helps tests of code built on package orm. It is a
// separate package so that the library itself never imports "testing".
package ormtest

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// Tx begins a transaction on db and returns a context bound to it, like
// peewee-async's TransactionTestCase: everything the test writes with that
// context (or one derived from it) is rolled back in t.Cleanup, so nothing
// stays in the database. The context is marked aio.AllowSync, so the test
// may use blocking calls under the strictest sync guard; Aio calls and
// nested Atomic/Savepoint work in it as usual, while Transaction fails with
// orm.ErrTransactionOpen.
//
// Tx fails the test at once (t.Fatal) when the transaction cannot begin;
// the cleanup reports a rollback that fails for any other reason than the
// transaction having already ended.
func Tx(t testing.TB, db *orm.DB, opts ...orm.TxOption) context.Context {
	t.Helper()
	ctx, tx, err := db.BeginContext(aio.AllowSync(context.Background()), opts...)
	if err != nil {
		t.Fatalf("ormtest.Tx: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			t.Errorf("ormtest.Tx: %v", err)
		}
	})
	return ctx
}
