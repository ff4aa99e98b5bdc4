// Command quickstart is peewee-async's PageBlock example in Go.
//
// It runs on the embedded SQLite by default (no server needed). Set
// AIODB_DSN, and AIODB_DRIVER to its driver name, to run it on PostgreSQL
// or MySQL:
//
//	AIODB_DRIVER=aiopg AIODB_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go run ./examples/quickstart
//	AIODB_DRIVER=aiomysql AIODB_DSN='root@tcp(127.0.0.1:3306)/test' go run ./examples/quickstart
//
// The database is opened with the strictest guard (aio_sync=panic, the
// seed's allow_sync=False): every statement must come from an async call,
// except the table creation, which is sync by design and allowed
// explicitly with aio.AllowSync.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	_ "github.com/aiodb/aiodb/driver/all" // aiosqlite, and the servers' drivers for AIODB_DRIVER
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/orm"
)

// PageBlock is the seed's model.
type PageBlock struct {
	ID   int64  `db:"id,pk,auto"`
	Key  string `db:"key,unique,size:40"`
	Text string `db:"text"`
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Getenv("AIODB_DRIVER"), os.Getenv("AIODB_DSN")); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run is the program; out receives what it prints, the statement log
// included.
func run(ctx context.Context, out io.Writer, driverName, dsn string) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "aiodb-quickstart")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		driverName, dsn = "aiosqlite", "file:"+filepath.Join(dir, "demo.db")
	}
	if driverName == "" {
		return errors.New("AIODB_DSN is set: set AIODB_DRIVER to its driver name too (aiopg, aiopgx, aiomysql or aiosqlite)")
	}

	// Hooks see every statement; this logger prints them, without the
	// parts that change from run to run.
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "conn_id", "caller":
				return slog.Attr{}
			}
			return a
		},
	}))
	stats := hooks.NewStats()
	db, err := orm.Open(driverName, dsn,
		orm.SyncMode(driver.SyncPanic),
		orm.MaxConnections(4),
		orm.WithHooks(hooks.NewLogger(logger, hooks.WithoutCaller()), stats),
	)
	if err != nil {
		return err
	}
	defer db.Close()

	pages, err := orm.NewModel[PageBlock](db)
	if err != nil {
		return err
	}
	objects := orm.NewManager(db)

	// Schema changes are sync by design, so they are allowed explicitly.
	setup := objects.AllowSync(ctx)
	if err := pages.CreateTable(setup, true); err != nil {
		return err
	}
	defer pages.DropTable(setup, true)

	// Everything else is async: each call returns a channel.
	created := <-pages.AioCreate(ctx, &PageBlock{Key: "title", Text: "Peewee is AWESOME with async!"})
	if created.Err != nil {
		return created.Err
	}

	title, err := aio.Await(ctx, pages.AioGet(ctx, orm.Eq("key", "title")))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Was:", title.Text)

	title.Text = "Peewee is SUPER awesome with async!"
	if _, err := aio.Await(ctx, objects.Update(ctx, title)); err != nil {
		return err
	}

	// Channels run work concurrently: 20 GetOrCreate calls on one key at
	// once create one row, and none fails (on SQLite too: aiosqlite waits
	// for locks instead of failing with SQLITE_BUSY).
	calls := make([]<-chan aio.Result[orm.GetOrCreateResult[PageBlock]], 20)
	for i := range calls {
		calls[i] = pages.AioGetOrCreate(ctx, &PageBlock{Key: "shared", Text: "made once"}, "key")
	}
	results, err := aio.Gather(ctx, calls...)
	if err != nil {
		return err
	}
	madeBy := 0
	for _, r := range results {
		if r.Created {
			madeBy++
		}
	}
	fmt.Fprintf(out, "Concurrent GetOrCreate: %d calls, %d created the row\n", len(results), madeBy)

	// A blocking call outside an async context is a sync call: under
	// aio_sync=panic the guard panics and nothing reaches the database.
	func() {
		defer func() {
			if p := recover(); p != nil {
				var sce *driver.SyncCallError
				if e, ok := p.(error); ok && errors.As(e, &sce) {
					fmt.Fprintln(out, "Sync call rejected:", sce.Op)
					return
				}
				panic(p)
			}
		}()
		pages.Get(ctx, orm.Eq("key", "title"))
	}()

	now, err := aio.Await(ctx, orm.Get[PageBlock](ctx, objects, orm.Eq("key", "title")))
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "New:", now.Text)

	s := stats.Snapshot()
	fmt.Fprintf(out, "Statements: %d, sync violations: %d\n", s.Statements, s.SyncViolations)
	return nil
}
