package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	"github.com/aiodb/aiodb/driver"
)

// Load rows with COPY on a strict pool: the context must be async or
// allowed, and hooks see one COPY statement with the rows copied.
func ExampleCopyFrom() {
	db, err := sql.Open("aiopgx", "postgres://app@127.0.0.1:5432/shop?sslmode=disable&aio_sync=error")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := driver.AllowSync(context.Background())
	rows := [][]any{{"A-1", 3}, {"A-2", 5}}
	n, err := driver.CopyFrom(ctx, db, "orders", []string{"ref", "qty"}, driver.CopyFromRows(rows))
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println("copied", n)
}

// Receive notifications on a connection of the listener's own, and send
// one through the pool.
func ExampleListener() {
	db, err := sql.Open("aiopg", "postgres://app@127.0.0.1:5432/shop?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := driver.AllowSync(context.Background())
	l, err := driver.NewListener(ctx, db)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close() // ends the Notifications goroutine and the connection
	if err := l.Listen(ctx, "orders"); err != nil {
		log.Fatal(err)
	}
	if err := driver.Notify(ctx, db, "orders", "A-1"); err != nil {
		log.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for n := range l.Notifications(wctx) {
		fmt.Println(n.Channel, n.Payload)
		break
	}
	if err := l.Err(); err != nil {
		log.Print(err) // the deadline, or ErrConnLost: make a new Listener
	}
}

// Send three statements in one round trip (aiopgx).
func ExampleSendBatch() {
	db, err := sql.Open("aiopgx", "postgres://app@127.0.0.1:5432/shop?sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	var b driver.Batch
	b.Queue("INSERT INTO orders (ref, qty) VALUES ($1, $2)", "A-3", 1).
		Queue("UPDATE stock SET n = n - $1 WHERE item = $2", 1, "widget").
		Queue("SELECT ref FROM orders")
	rows, err := driver.SendBatch(driver.AllowSync(context.Background()), db, &b)
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println("rows per statement:", rows)
}
