package orm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aiodb/aiodb/orm"
)

type exeNote struct {
	ID   int64  `db:"id,pk,auto"`
	Body string `db:"body"`
}

func (exeNote) TableName() string { return "exe_note" }

// exeInsert inserts a note with SQL written by hand on x, as sqlc's
// generated code would.
func exeInsert(ctx context.Context, db *orm.DB, x orm.Executor, body string) error {
	q := "INSERT INTO exe_note (body) VALUES (?)"
	if db.Dialect().Placeholder == orm.PlaceholderDollar {
		q = "INSERT INTO exe_note (body) VALUES ($1)"
	}
	_, err := x.ExecContext(ctx, q, body)
	return err
}

// exeBodies returns the bodies of the committed notes, read outside any
// transaction.
func exeBodies(t *testing.T, db *orm.DB, notes *orm.Model[exeNote]) map[string]bool {
	t.Helper()
	rows, err := notes.Select().All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range rows {
		out[n.Body] = true
	}
	return out
}

// TestExecutorJoinsAtomic: SQL written by hand through DB.Executor inside
// Atomic is part of the ORM's transaction: rolled back with it, committed
// with it, and undone by a rolled-back nested Atomic (a savepoint).
// Before Executor, the hand-written row survived the rollback.
func TestExecutorJoinsAtomic(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		if db.Engine() != nil {
			t.Skip("Executor is database/sql's: an engine's transaction is not a *sql.Tx (ormpgx's tests cover ormpgx.Executor)")
		}
		notes := orm.MustModel[exeNote](db)
		coreCreate(t, db, notes)
		ctx := context.Background()
		boom := errors.New("boom")

		err := db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := notes.Create(ctx, &exeNote{Body: "orm-rolled-back"}); err != nil {
				return err
			}
			if err := exeInsert(ctx, db, db.Executor(ctx), "raw-rolled-back"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Atomic: %v, want boom", err)
		}
		if got := exeBodies(t, db, notes); len(got) != 0 {
			t.Fatalf("after the rollback the table holds %v, want nothing", got)
		}

		err = db.Atomic(ctx, func(ctx context.Context) error {
			if _, err := notes.Create(ctx, &exeNote{Body: "orm-kept"}); err != nil {
				return err
			}
			if err := exeInsert(ctx, db, db.Executor(ctx), "raw-kept"); err != nil {
				return err
			}
			inner := db.Atomic(ctx, func(ctx context.Context) error {
				if err := exeInsert(ctx, db, db.Executor(ctx), "raw-in-savepoint"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(inner, boom) {
				return inner
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Atomic: %v", err)
		}
		got := exeBodies(t, db, notes)
		if !got["orm-kept"] || !got["raw-kept"] || got["raw-in-savepoint"] || len(got) != 2 {
			t.Fatalf("after the commit the table holds %v, want orm-kept and raw-kept only", got)
		}

		// Outside a transaction it is the pool: the row is there at once.
		if x := db.Executor(ctx); x != orm.Executor(db.SQLDB()) {
			t.Fatalf("Executor outside a transaction is %T, want the DB's *sql.DB", x)
		}
		if err := exeInsert(ctx, db, db.Executor(ctx), "raw-alone"); err != nil {
			t.Fatal(err)
		}
		if !exeBodies(t, db, notes)["raw-alone"] {
			t.Fatal("a statement through Executor outside a transaction was not committed")
		}

		// BeginContext's Tx gives the same *sql.Tx; after Commit it is done.
		txCtx, tx, err := db.BeginContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if db.Executor(txCtx) != orm.Executor(tx.SQLTx()) {
			t.Fatal("Executor in a BeginContext context is not the Tx's *sql.Tx")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := exeInsert(txCtx, db, db.Executor(txCtx), "late"); err == nil {
			t.Fatal("a statement through the Executor of a committed transaction succeeded")
		}
	})
}
