package ormpgx_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

type Book struct {
	ID    int64  `db:"id,pk,auto"`
	ISBN  string `db:"isbn,unique,size:20"`
	Title string `db:"title"`
	Stock int    `db:"stock"`
}

// The ORM on a pgx pool: the same models and calls as on orm.Open.
func Example() {
	ctx := context.Background()
	db, err := ormpgx.Open(ctx, "postgres://app@127.0.0.1:5432/shop?pool_max_conns=16&aio_sync=panic")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	books := orm.MustModel[Book](db)
	if err := books.CreateTable(aio.AllowSync(ctx), true); err != nil { // sync by design
		log.Fatal(err)
	}
	created, err := aio.Await(ctx, books.AioCreate(ctx, &Book{ISBN: "978-0", Title: "Go", Stock: 3}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", created.ID)
}

// OpenConfig takes a pool config you built; hooks reach it as its tracer.
func ExampleOpenConfig() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://app@127.0.0.1:5432/shop")
	if err != nil {
		log.Fatal(err)
	}
	cfg.MaxConns = 32
	db, err := ormpgx.OpenConfig(ctx, cfg, orm.SyncMode(driver.SyncError), orm.WithHooks(hooks.NewLogger(slog.Default())))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
}

// A pool made elsewhere gets aiodb's hooks through a Tracer set before
// the pool is made; New leaves the pool open on Close.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig("postgres://app@127.0.0.1:5432/shop")
	if err != nil {
		log.Fatal(err)
	}
	stats := hooks.NewStats()
	tr := ormpgx.NewTracer(stats)
	cfg.ConnConfig.Tracer = tr
	cfg.BeforeClose = tr.BeforeClose
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	db, err := ormpgx.New(pool)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
}

// Hand-written pgx code joins the ORM's transaction through Executor.
func ExampleExecutor() {
	ctx := aio.AllowSync(context.Background())
	db, err := ormpgx.Open(ctx, "postgres://app@127.0.0.1:5432/shop")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	books := orm.MustModel[Book](db)
	err = db.Atomic(ctx, func(ctx context.Context) error {
		b, err := books.Get(ctx, orm.Eq("isbn", "978-0"))
		if err != nil {
			return err
		}
		_, err = ormpgx.Executor(ctx, db).Exec(ctx, "UPDATE book SET stock = stock - 1 WHERE id = $1", b.ID)
		return err // an error rolls back both
	})
	if err != nil {
		log.Fatal(err)
	}
}
