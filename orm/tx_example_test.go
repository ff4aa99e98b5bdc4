package orm_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// bankAccount is the examples' model.
type bankAccount struct {
	ID      int64  `db:"id,pk,auto"`
	Owner   string `db:"owner,size:40"`
	Balance int64  `db:"balance"`
}

// openBank opens a fresh SQLite database in a temporary directory with
// two accounts; cleanup closes it and removes the directory. query, if
// given, is added to the DSN.
func openBank(query ...string) (db *orm.DB, accounts *orm.Model[bankAccount], cleanup func()) {
	dir, err := os.MkdirTemp("", "aiodb-example")
	if err != nil {
		log.Fatal(err)
	}
	dsn := "file:" + filepath.Join(dir, "bank.db")
	if len(query) > 0 {
		dsn += "?" + strings.Join(query, "&")
	}
	db, err = orm.Open("aiosqlite", dsn)
	if err != nil {
		log.Fatal(err)
	}
	accounts, err = orm.NewModel[bankAccount](db)
	if err != nil {
		log.Fatal(err)
	}
	ctx := aio.AllowSync(context.Background()) // schema creation is sync by design
	ddl, err := accounts.CreateTableSQL(false)
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range ddl {
		if _, err := db.SQLDB().ExecContext(ctx, q); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := accounts.Insert(&bankAccount{Owner: "alice", Balance: 100}, &bankAccount{Owner: "bob", Balance: 50}).Exec(ctx); err != nil {
		log.Fatal(err)
	}
	return db, accounts, func() { db.Close(); os.RemoveAll(dir) }
}

func printBank(ctx context.Context, accounts *orm.Model[bankAccount]) {
	all, err := accounts.Select().OrderBy("id").All(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range all {
		fmt.Printf("%s: %d\n", a.Owner, a.Balance)
	}
}

// bankTransfer moves amount from one owner to another; it is all or nothing
// because it runs in Atomic: a transaction, or a savepoint when the caller
// already has one.
func bankTransfer(ctx context.Context, db *orm.DB, accounts *orm.Model[bankAccount], from, to string, amount int64) error {
	return db.Atomic(ctx, func(ctx context.Context) error {
		for _, step := range []struct {
			owner string
			delta int64
		}{{from, -amount}, {to, amount}} {
			a, err := accounts.Select().Where(orm.Eq("owner", step.owner)).One(ctx)
			if err != nil {
				return err
			}
			if a.Balance+step.delta < 0 {
				return fmt.Errorf("%s cannot pay %d", step.owner, amount)
			}
			if _, err := accounts.Update().Set("balance", a.Balance+step.delta).WherePK(a).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// Atomic commits when fn returns nil; a nested Atomic is a savepoint, so a
// failed inner transfer is undone while the outer work is kept.
func ExampleDB_Atomic() {
	db, accounts, cleanup := openBank()
	defer cleanup()
	ctx := context.Background()

	err := db.Atomic(ctx, func(ctx context.Context) error {
		if err := bankTransfer(ctx, db, accounts, "alice", "bob", 30); err != nil {
			return err
		}
		// bob now has 80: this one fails and is rolled back to its savepoint.
		if err := bankTransfer(ctx, db, accounts, "bob", "alice", 500); err != nil {
			fmt.Println("inner transfer:", err)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	printBank(ctx, accounts)
	// Output:
	// inner transfer: bob cannot pay 500
	// alice: 70
	// bob: 80
}

// An error returned by fn rolls the whole transaction back.
func ExampleDB_Transaction() {
	db, accounts, cleanup := openBank()
	defer cleanup()
	ctx := context.Background()

	errStop := errors.New("changed my mind")
	err := db.Transaction(ctx, func(ctx context.Context) error {
		if err := bankTransfer(ctx, db, accounts, "alice", "bob", 10); err != nil {
			return err
		}
		// Transaction never nests.
		nested := db.Transaction(ctx, func(context.Context) error { return nil })
		fmt.Println("nested:", errors.Is(nested, orm.ErrTransactionOpen))
		return errStop
	})
	fmt.Println("transaction:", err)
	printBank(ctx, accounts)
	// Output:
	// nested: true
	// transaction: changed my mind
	// alice: 100
	// bob: 50
}

// AioAtomic runs the transaction in a goroutine; operations started
// concurrently with its context share its connection and take turns.
func ExampleDB_AioAtomic() {
	db, accounts, cleanup := openBank()
	defer cleanup()
	ctx := context.Background()

	done := db.AioAtomic(ctx, func(ctx context.Context) error {
		var ops []<-chan aio.Result[int64]
		for _, owner := range []string{"carol", "dave", "erin"} {
			ops = append(ops, aio.Go(ctx, func(ctx context.Context) (int64, error) {
				return accounts.Insert(&bankAccount{Owner: owner, Balance: 10}).Exec(ctx)
			}))
		}
		_, err := aio.Gather(ctx, ops...)
		return err
	})
	if _, err := aio.Await(ctx, done); err != nil {
		log.Fatal(err)
	}
	n, err := accounts.Select().Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("accounts:", n)
	// Output:
	// accounts: 5
}

// BeginContext is for code that cannot put its work in a closure: the
// returned context is bound to the transaction until Commit or Rollback.
func ExampleDB_BeginContext() {
	db, accounts, cleanup := openBank()
	defer cleanup()
	ctx := context.Background()

	txCtx, tx, err := db.BeginContext(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback() // does nothing after Commit
	if err := bankTransfer(txCtx, db, accounts, "bob", "alice", 50); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		log.Fatal(err)
	}
	_, err = accounts.Select().Count(txCtx)
	fmt.Println("after commit:", err)
	printBank(ctx, accounts)
	// Output:
	// after commit: orm: statement with the context of a finished transaction: sql: transaction has already been committed or rolled back
	// alice: 150
	// bob: 0
}

// SQL written by hand (sqlc's generated code, sqlx, a raw statement) joins
// the ORM's transaction through Executor: here the raw UPDATE is rolled
// back with the ORM's, so both accounts keep their balances.
func ExampleDB_Executor() {
	db, accounts, cleanup := openBank()
	defer cleanup()
	ctx := context.Background()

	err := db.Atomic(ctx, func(ctx context.Context) error {
		if _, err := accounts.Update().Set("balance", 0).Where(orm.Eq("owner", "alice")).Exec(ctx); err != nil {
			return err
		}
		// sqlc would be: queries := dbgen.New(db.Executor(ctx))
		if _, err := db.Executor(ctx).ExecContext(ctx, "UPDATE bank_account SET balance = 0 WHERE owner = ?", "bob"); err != nil {
			return err
		}
		return errors.New("audit failed")
	})
	fmt.Println("atomic:", err)
	printBank(ctx, accounts)
	// Output:
	// atomic: audit failed
	// alice: 100
	// bob: 50
}
