// Command quickstart is peewee-async's PageBlock example in Go.
//
// It runs on the embedded SQLite by default (no server needed). Set
// AIODB_DRIVER and AIODB_DSN to run it on PostgreSQL or MySQL, e.g.
//
//	AIODB_DRIVER=aiopg AIODB_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' go run ./examples/quickstart
//
// The database is opened with the strictest guard (aio_sync=panic): every
// statement must come from an async call, except the table creation, which
// is sync by design and allowed explicitly with aio.AllowSync.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
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
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	driverName, dsn := os.Getenv("AIODB_DRIVER"), os.Getenv("AIODB_DSN")
	if dsn == "" {
		dir, err := os.MkdirTemp("", "aiodb-quickstart")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		driverName, dsn = "aiosqlite", "file:"+filepath.Join(dir, "demo.db")
	}
	if driverName == "" {
		return errors.New("AIODB_DSN is set: set AIODB_DRIVER too (aiopg, aiopgx, aiomysql or aiosqlite)")
	}

	// Hooks see every statement; this logger prints them on stdout.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" || a.Key == "conn_id" || a.Key == "caller" {
				return slog.Attr{}
			}
			return a
		},
	}))
	stats := hooks.NewStats()
	db, err := orm.Open(driverName, dsn,
		orm.SyncMode(driver.SyncPanic), // peewee-async's allow_sync = False
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

	// Schema creation is sync by design, so it is allowed explicitly.
	setup := aio.AllowSync(ctx)
	for _, stmt := range mustDDL(pages) {
		if _, err := db.SQLDB().ExecContext(setup, stmt); err != nil {
			return err
		}
	}
	defer db.SQLDB().ExecContext(setup, "DROP TABLE page_block")

	// Everything else is async: each call returns a channel.
	created := <-aio.Go(ctx, func(ctx context.Context) (*PageBlock, error) {
		p := &PageBlock{Key: "title", Text: "Peewee is AWESOME with async!"}
		_, err := pages.Insert(p).Exec(ctx)
		return p, err
	})
	if created.Err != nil {
		return created.Err
	}

	title, err := aio.Await(ctx, aio.Go(ctx, func(ctx context.Context) (*PageBlock, error) {
		return pages.Select().Where(orm.Eq("key", "title")).One(ctx)
	}))
	if err != nil {
		return err
	}
	fmt.Println("Was:", title.Text)

	title.Text = "Peewee is SUPER awesome with async!"
	if _, err := aio.Await(ctx, aio.Go(ctx, func(ctx context.Context) (int64, error) {
		return pages.Update().SetFrom(title, "text").WherePK(title).Exec(ctx)
	})); err != nil {
		return err
	}

	// A blocking call outside an async context is a sync call: under
	// aio_sync=panic the guard panics and nothing reaches the database.
	func() {
		defer func() {
			if p := recover(); p != nil {
				var sce *driver.SyncCallError
				if e, ok := p.(error); ok && errors.As(e, &sce) {
					fmt.Println("Sync call rejected:", sce.Op)
					return
				}
				panic(p)
			}
		}()
		pages.Select().Where(orm.Eq("key", "title")).One(ctx)
	}()

	now, err := aio.Await(ctx, aio.Go(ctx, func(ctx context.Context) (*PageBlock, error) {
		return pages.Select().Where(orm.Eq("key", "title")).One(ctx)
	}))
	if err != nil {
		return err
	}
	fmt.Println("New:", now.Text)

	s := stats.Snapshot()
	fmt.Printf("Statements: %d, sync violations: %d\n", s.Statements, s.SyncViolations)
	return nil
}

func mustDDL(m *orm.Model[PageBlock]) []string {
	stmts, err := m.CreateTableSQL(true)
	if err != nil {
		panic(err)
	}
	return stmts
}
