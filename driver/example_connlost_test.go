package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"log"

	"github.com/aiodb/aiodb/driver"
)

// A statement whose connection broke after it may have reached the
// server fails with ErrConnLost instead of being run again by
// database/sql: whether it ran is unknown, so the caller checks before
// trying again.
func ExampleErrConnLost() {
	db, err := sql.Open("aiopg", "postgres://app@127.0.0.1:5432/shop?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	_, err = db.ExecContext(ctx, "INSERT INTO orders (ref) VALUES ($1)", "A-1001")
	if errors.Is(err, driver.ErrConnLost) {
		// The pool has already dropped the connection. Look for A-1001
		// before inserting it again.
		var n int
		err = db.QueryRowContext(ctx, "SELECT count(*) FROM orders WHERE ref = $1", "A-1001").Scan(&n)
		if err == nil && n == 0 {
			_, err = db.ExecContext(ctx, "INSERT INTO orders (ref) VALUES ($1)", "A-1001")
		}
	}
	if err != nil {
		log.Print(err)
	}
}
