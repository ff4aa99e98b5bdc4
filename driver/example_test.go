package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
)

// Open a guarded SQLite database whose sync calls fail, and run statements
// from an allowed context and an async one (aio.AllowSync and package aio's
// goroutines make such contexts).
func Example() {
	db, err := sql.Open("aiosqlite", "file::memory:?aio_sync=error")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database

	ctx := context.Background()
	_, err = db.ExecContext(aiodriver.AllowSync(ctx), "CREATE TABLE page (id INTEGER PRIMARY KEY, title TEXT)")
	fmt.Println("create:", err)

	_, err = db.ExecContext(ctx, "INSERT INTO page (title) VALUES ('sync')")
	fmt.Println("sync insert refused:", errors.Is(err, aiodriver.ErrSyncCall))

	// Package aio marks the contexts of its goroutines like this.
	actx := aiodriver.MarkAsync(ctx)
	_, err = db.ExecContext(actx, "INSERT INTO page (title) VALUES (?)", "async")
	var title string
	if err == nil {
		err = db.QueryRowContext(actx, "SELECT title FROM page").Scan(&title)
	}
	fmt.Println("async:", title, err)
	// Output:
	// create: <nil>
	// sync insert refused: true
	// async: async <nil>
}

// Under aio_sync=panic a sync call panics with a *SyncCallError; the
// connection goes back to the pool.
func Example_panicMode() {
	db, err := sql.Open("aiosqlite", ":memory:?aio_sync=panic")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	func() {
		defer func() {
			e := recover().(*aiodriver.SyncCallError)
			fmt.Println("panic:", e.Op, e.SQL, e.Mode)
		}()
		var n int
		db.QueryRow("SELECT 1").Scan(&n)
	}()

	var n int
	err = db.QueryRowContext(aiodriver.AllowSync(context.Background()), "SELECT 2").Scan(&n)
	fmt.Println(n, err)
	// Output:
	// panic: query SELECT 1 panic
	// 2 <nil>
}

// OpenConnector sets what a DSN cannot carry, such as hooks.
func ExampleOpenConnector() {
	stats := &printHook{}
	c, err := aiodriver.OpenConnector("aiosqlite", ":memory:", func(o *aiodriver.Options) {
		o.Hooks = stats
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db := sql.OpenDB(c)
	defer db.Close()
	fmt.Println("dialect:", aiodriver.DialectOf(db.Driver()))

	ctx := aiodriver.MarkAsync(context.Background())
	rows, err := db.QueryContext(ctx, "SELECT 1 UNION ALL SELECT 2")
	if err != nil {
		fmt.Println(err)
		return
	}
	for rows.Next() {
	}
	rows.Close()
	// Output:
	// dialect: sqlite
	// start query async=true: SELECT 1 UNION ALL SELECT 2
	// end query: 2 rows, err <nil>
}

type printHook struct{ hooks.Base }

func (printHook) OnStatementStart(ctx context.Context, e *hooks.StatementEvent) context.Context {
	fmt.Printf("start %s async=%v: %s\n", e.Kind, e.Async, e.SQL)
	return ctx
}

func (printHook) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	fmt.Printf("end %s: %d rows, err %v\n", e.Kind, e.Rows, e.Err)
}

// Wrap guards any driver; here modernc's SQLite, registered under a new name.
func ExampleWrap() {
	bare, _ := sql.Open("sqlite", ":memory:")
	inner := bare.Driver()
	bare.Close()

	sql.Register("guarded-sqlite-example", aiodriver.Wrap(inner, aiodriver.Options{
		Name: "guarded-sqlite-example", Dialect: aiodriver.DialectSQLite, Sync: aiodriver.SyncError,
	}))
	db, err := sql.Open("guarded-sqlite-example", ":memory:")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	_, err = db.Exec("SELECT 1")
	var e *aiodriver.SyncCallError
	if errors.As(err, &e) {
		fmt.Println(e.Op, e.SQL, e.Mode, "dialect", aiodriver.DialectOf(db.Driver()))
	}
	// Output:
	// exec SELECT 1 error dialect sqlite
}

type cacheHook struct{ hooks.Base }

func (cacheHook) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	fmt.Printf("%s cached=%v: %s\n", e.Kind, e.Cached, e.SQL)
}

// The statement cache: the first use of a statement on a connection
// prepares it, later uses run the prepared statement; hooks see one event
// per statement, and Cached tells a hit. aio_stmt_cache=0 turns it off.
func ExampleOptions_stmtCache() {
	c, err := aiodriver.OpenConnector("aiosqlite", ":memory:?aio_stmt_cache=10", func(o *aiodriver.Options) {
		o.Hooks = cacheHook{}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db := sql.OpenDB(c)
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	ctx := aiodriver.AllowSync(context.Background())

	db.ExecContext(ctx, "CREATE TABLE page (id INTEGER PRIMARY KEY, title TEXT)")
	for _, title := range []string{"one", "two"} {
		db.ExecContext(ctx, "INSERT INTO page (title) VALUES (?)", title)
	}
	var n int
	db.QueryRowContext(ctx, "SELECT count(*) FROM page WHERE id > ?", 0).Scan(&n)
	fmt.Println("rows:", n, "cache size:", c.(*aiodriver.Connector).Options().StmtCacheSize)
	// Output:
	// exec cached=false: CREATE TABLE page (id INTEGER PRIMARY KEY, title TEXT)
	// exec cached=false: INSERT INTO page (title) VALUES (?)
	// exec cached=true: INSERT INTO page (title) VALUES (?)
	// query cached=false: SELECT count(*) FROM page WHERE id > ?
	// rows: 2 cache size: 10
}

// A migration tool that runs its statements with context.Background()
// shares the strict pool: calls made through its package pass the guard,
// the program's own sync calls are still refused.
func ExampleAllowSyncFrom() {
	aiodriver.AllowSyncFrom("github.com/pressly/goose/v3")
	// goose.Up(db, "migrations") now runs on a pool opened with aio_sync=error.
}
