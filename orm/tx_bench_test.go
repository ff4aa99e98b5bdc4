package orm_test

import (
	"context"
	"testing"

	"github.com/aiodb/aiodb/orm"
)

// txBenchDB opens an in-memory SQLite database (one connection, so one
// database) with one table for the benchmarks: no disk in the figures,
// which compare the cost aiodb adds around the same statements.
func txBenchDB(b *testing.B) *orm.DB {
	b.Helper()
	db, err := orm.Open("aiosqlite", ":memory:", orm.MaxConnections(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	for _, q := range []string{"CREATE TABLE bench (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)", "INSERT INTO bench VALUES (1, 0)"} {
		if _, err := db.SQLDB().ExecContext(txSetup, q); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

const txBenchUpdate = "UPDATE bench SET v = v + 1 WHERE id = 1"

// BenchmarkTransaction compares a transaction of one statement through
// database/sql directly (the baseline) with the same through Atomic and
// acquire, and a savepoint through each.
func BenchmarkTransaction(b *testing.B) {
	ctx := txSetup
	b.Run("sql/begin-exec-commit", func(b *testing.B) {
		db := txBenchDB(b).SQLDB()
		for b.Loop() {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, txBenchUpdate); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("orm/Atomic", func(b *testing.B) {
		db := txBenchDB(b)
		for b.Loop() {
			err := db.Atomic(ctx, func(ctx context.Context) error {
				ex, release, err := orm.AcquireForTxTest(db, ctx)
				if err != nil {
					return err
				}
				defer release()
				_, err = ex.Exec(ctx, txBenchUpdate, nil)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sql/savepoint", func(b *testing.B) {
		tx, err := txBenchDB(b).SQLDB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		for b.Loop() {
			for _, q := range []string{"SAVEPOINT sp", txBenchUpdate, "RELEASE SAVEPOINT sp"} {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("orm/Savepoint", func(b *testing.B) {
		db := txBenchDB(b)
		txCtx, tx, err := db.BeginContext(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		for b.Loop() {
			err := db.Savepoint(txCtx, func(ctx context.Context) error {
				ex, release, err := orm.AcquireForTxTest(db, ctx)
				if err != nil {
					return err
				}
				defer release()
				_, err = ex.Exec(ctx, txBenchUpdate, nil)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAcquire measures what acquire costs a statement: with no
// transaction in the context, and with one (its lock taken and released).
func BenchmarkAcquire(b *testing.B) {
	db := txBenchDB(b)
	b.Run("pool", func(b *testing.B) {
		for b.Loop() {
			_, release, err := orm.AcquireForTxTest(db, txSetup)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
	b.Run("tx", func(b *testing.B) {
		txCtx, tx, err := db.BeginContext(txSetup)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback()
		for b.Loop() {
			_, release, err := orm.AcquireForTxTest(db, txCtx)
			if err != nil {
				b.Fatal(err)
			}
			release()
		}
	})
}
