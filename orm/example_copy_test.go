package orm_test

import (
	"context"
	"fmt"
	"log"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

type exampleOrder struct {
	ID  int64  `db:"id,pk,auto"`
	Ref string `db:"ref,unique,size:32"`
	Qty int64  `db:"qty"`
}

func (exampleOrder) TableName() string { return "orders" }

// Load a model's rows with COPY (PostgreSQL): one statement, every column
// but the auto key.
func ExampleCopyFrom() {
	db, err := orm.Open("aiopgx", "postgres://app@127.0.0.1:5432/shop?sslmode=disable&aio_sync=error")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	orders := orm.MustModel[exampleOrder](db)
	ctx := context.Background()
	rows := []*exampleOrder{{Ref: "A-1", Qty: 3}, {Ref: "A-2", Qty: 5}}
	n, err := aio.Await(ctx, orm.AioCopyFrom(ctx, orders, rows))
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println("copied", n)
}
