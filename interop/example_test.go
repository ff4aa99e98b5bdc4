package interop_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
)

// sqlx picks its placeholders by driver name and knows none of aiodb's:
// register them once, then sqlx.Open, Rebind, NamedExec and sqlx.In work
// on every aiodb driver.
func Example_sqlxBindDriver() {
	sqlx.BindDriver("aiopg", sqlx.DOLLAR)
	sqlx.BindDriver("aiopgx", sqlx.DOLLAR)
	sqlx.BindDriver("aiomysql", sqlx.QUESTION)
	sqlx.BindDriver("aiosqlite", sqlx.QUESTION)

	pg, err := sqlx.Open("aiopgx", "postgres://app@127.0.0.1/app?aio_sync=error") // connects lazily
	if err != nil {
		panic(err)
	}
	defer pg.Close()
	fmt.Println(pg.Rebind("SELECT * FROM book WHERE id IN (?, ?)"))

	db := sqlx.MustOpen("aiosqlite", ":memory:?aio_sync=panic")
	defer db.Close()
	ctx := aio.AllowSync(context.Background()) // or an aio goroutine's context
	db.MustExecContext(ctx, "CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT)")
	db.MustExecContext(ctx, "INSERT INTO book VALUES (1, 'Dune'), (2, 'Emma'), (3, 'Ulysses')")
	q, args, err := sqlx.In("SELECT title FROM book WHERE id IN (?) ORDER BY id", []int{1, 3})
	if err != nil {
		panic(err)
	}
	var titles []string
	if err := db.SelectContext(ctx, &titles, db.Rebind(q), args...); err != nil {
		panic(err)
	}
	fmt.Println(titles)
	// Output:
	// SELECT * FROM book WHERE id IN ($1, $2)
	// [Dune Ulysses]
}

// bun on a strict pool: queries given a marked context run, an unmarked
// one is refused and the guard names the line that ran it, not bun's.
func Example_bunStrictPool() {
	sqlDB, err := sql.Open("aiosqlite", ":memory:?aio_sync=error")
	if err != nil {
		panic(err)
	}
	db := bun.NewDB(sqlDB, sqlitedialect.New()) // on MySQL: driver.AllowSyncFrom("github.com/uptrace/bun/dialect/mysqldialect") first
	defer db.Close()

	type Book struct {
		ID    int64 `bun:",pk"`
		Title string
	}
	ctx := aio.AllowSync(context.Background())
	if _, err := db.NewCreateTable().Model((*Book)(nil)).Exec(ctx); err != nil {
		panic(err)
	}
	if _, err := db.NewInsert().Model(&Book{ID: 1, Title: "Dune"}).Exec(ctx); err != nil {
		panic(err)
	}
	var b Book
	if err := db.NewSelect().Model(&b).Where("id = ?", 1).Scan(ctx); err != nil {
		panic(err)
	}
	fmt.Println(b.Title)

	err = db.NewSelect().Model(&b).Where("id = ?", 1).Scan(context.Background())
	var se *driver.SyncCallError
	fmt.Println(errors.Is(err, driver.ErrSyncCall), errors.As(err, &se) && se.Caller != "")
	// Output:
	// Dune
	// true true
}

// gorm on one strict pool: mark each call's context (db.WithContext), and
// on MySQL let gorm's version probe at gorm.Open through by naming its
// dialector; nothing else of gorm is let through by that. (Compiled, not
// run: it needs the servers; TestGormStrictPool runs the same.)
func Example_gormStrictPool() {
	driver.AllowSyncFrom("gorm.io/driver/mysql") // its SELECT VERSION() at gorm.Open

	pgDB, err := sql.Open("aiopgx", "postgres://app@127.0.0.1/app?sslmode=disable&aio_sync=error")
	if err != nil {
		panic(err)
	}
	pg, err := gorm.Open(postgres.New(postgres.Config{Conn: pgDB}), &gorm.Config{})
	if err != nil {
		panic(err)
	}
	myDB, err := sql.Open("aiomysql", "app@tcp(127.0.0.1:3306)/app?parseTime=true&aio_sync=error")
	if err != nil {
		panic(err)
	}
	my, err := gorm.Open(mysql.New(mysql.Config{Conn: myDB}), &gorm.Config{})
	if err != nil {
		panic(err)
	}

	type Book struct {
		ID    int64
		Title string
	}
	ctx := aio.AllowSync(context.Background()) // or an aio goroutine's context
	for _, db := range []*gorm.DB{pg, my} {
		var b Book
		if err := db.WithContext(ctx).First(&b, 1).Error; err != nil { // runs
			fmt.Println(err)
		}
		err := db.First(&b, 1).Error // refused: context.Background() on a strict pool
		fmt.Println(errors.Is(err, driver.ErrSyncCall))
	}
}
