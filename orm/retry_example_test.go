package orm_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// A deposit commits between the transaction's read and its write: the
// write fails with a serialization error (SQLITE_BUSY_SNAPSHOT here;
// 40001 on PostgreSQL, 1213 on MariaDB), and Retry runs the whole
// transaction again on fresh data instead of losing the deposit.
//
// aiosqlite begins transactions IMMEDIATE by default, which takes the
// write lock at BEGIN so that SQLite writers never conflict (the deposit
// would wait for the transaction); _txlock=deferred brings the conflict
// back, as PostgreSQL and MariaDB have it.
func ExampleRetry() {
	db, accounts, cleanup := openBank("_txlock=deferred")
	defer cleanup()
	ctx := aio.AllowSync(context.Background())
	// WAL lets the deposit commit while the transaction below reads.
	if _, err := db.SQLDB().ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		log.Fatal(err)
	}

	policy := orm.RetryPolicy{
		MaxAttempts: 3,
		BaseDelay:   time.Millisecond,
		OnRetry: func(attempt int, err error) {
			fmt.Printf("attempt %d lost a conflict; retrying\n", attempt)
		},
	}
	err := db.Atomic(ctx, func(txCtx context.Context) error {
		alice, err := accounts.Get(txCtx, orm.Eq("owner", "alice"))
		if err != nil {
			return err
		}
		if orm.TxAttempt(txCtx) == 1 {
			// Someone else deposits 5 meanwhile, in their own transaction.
			_, err := accounts.Update().Set("balance", orm.SQL("? + 5", orm.Col("balance"))).
				Where(orm.Eq("owner", "alice")).Exec(ctx)
			if err != nil {
				return err
			}
		}
		alice.Balance -= 30 // a withdrawal computed from what was read
		_, err = accounts.Save(txCtx, alice)
		return err
	}, orm.Isolation(sql.LevelSerializable), orm.Retry(policy))
	if err != nil {
		log.Fatal(err)
	}
	printBank(ctx, accounts)
	// Output:
	// attempt 1 lost a conflict; retrying
	// alice: 75
	// bob: 50
}

// Reads go to the replica; writes, transactions and reads pinned with
// UsePrimary go to the primary. Two SQLite files stand in for a
// PostgreSQL or MySQL primary and its streaming replica.
func ExampleReplicas() {
	dir, err := os.MkdirTemp("", "aiodb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := aio.AllowSync(context.Background())
	primaryDSN := "file:" + filepath.Join(dir, "primary.db")
	replicaDSN := "file:" + filepath.Join(dir, "replica.db")
	for dsn, owner := range map[string]string{primaryDSN: "on the primary", replicaDSN: "on the replica"} {
		// A real replica gets its rows from the primary; here each file
		// has its own, to show where each read lands.
		db, err := orm.Open("aiosqlite", dsn)
		if err != nil {
			log.Fatal(err)
		}
		m := orm.MustModel[bankAccount](db)
		if err := m.CreateTable(ctx, false); err != nil {
			log.Fatal(err)
		}
		if _, err := m.Create(ctx, &bankAccount{Owner: owner}); err != nil {
			log.Fatal(err)
		}
		db.Close()
	}

	db, err := orm.Open("aiosqlite", primaryDSN, orm.Replicas(replicaDSN))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	accounts := orm.MustModel[bankAccount](db)

	read := func(ctx context.Context) string {
		a, err := accounts.GetByPK(ctx, int64(1))
		if err != nil {
			log.Fatal(err)
		}
		return a.Owner
	}
	fmt.Println("read:", read(ctx))
	fmt.Println("UsePrimary:", read(orm.UsePrimary(ctx)))
	_ = db.Atomic(ctx, func(ctx context.Context) error {
		fmt.Println("in a transaction:", read(ctx))
		return nil
	})
	if _, err := accounts.Create(ctx, &bankAccount{Owner: "carol"}); err != nil {
		log.Fatal(err)
	}
	n, _ := accounts.Count(orm.UsePrimary(ctx))
	fmt.Println("rows on the primary after Create:", n)
	// Output:
	// read: on the replica
	// UsePrimary: on the primary
	// in a transaction: on the primary
	// rows on the primary after Create: 2
}
