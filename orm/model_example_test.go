package orm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

// The seed's program: a strict guard, the table created sync by design,
// then only async calls through the model and the Manager.
func ExampleManager() {
	dir, err := os.MkdirTemp("", "orm-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := orm.Open("aiosqlite", "file:"+filepath.Join(dir, "demo.db"), orm.SyncMode(driver.SyncPanic))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ctx := context.Background()
	pages := orm.MustModel[PageBlock](db)
	objects := orm.NewManager(db)

	if err := pages.CreateTable(objects.AllowSync(ctx), true); err != nil {
		panic(err)
	}
	r := <-orm.CreateOrGet(ctx, objects, &PageBlock{Key: "title", Text: "Peewee is AWESOME with async!"})
	if r.Err != nil {
		panic(r.Err)
	}
	title, err := aio.Await(ctx, orm.Get[PageBlock](ctx, objects, orm.Eq("key", "title")))
	if err != nil {
		panic(err)
	}
	fmt.Println("Was:", title.Text)
	title.Text = "Peewee is SUPER awesome with async!"
	if _, err := aio.Await(ctx, objects.Update(ctx, title)); err != nil {
		panic(err)
	}
	got, _ := aio.Await(ctx, pages.AioGetByPK(ctx, title.ID))
	fmt.Println("New:", got.Text)

	_, err = aio.Await(ctx, pages.AioGet(ctx, orm.Eq("key", "missing")))
	fmt.Println(errors.Is(err, orm.ErrDoesNotExist))

	func() {
		defer func() {
			var sce *driver.SyncCallError
			err, _ := recover().(error)
			fmt.Println("blocking call refused:", errors.As(err, &sce))
		}()
		pages.Get(ctx, orm.Eq("key", "title")) // a sync call under aio_sync=panic
	}()

	objects.Close()
	_, err = aio.Await(ctx, objects.Count(ctx, pages.Select(), false))
	fmt.Println(errors.Is(err, orm.ErrManagerClosed))
	if _, err := aio.Await(ctx, objects.Connect(ctx)); err != nil {
		panic(err)
	}
	n, _ := aio.Await(ctx, objects.Count(ctx, pages.Select(), false))
	fmt.Println("rows:", n)
	// Output:
	// Was: Peewee is AWESOME with async!
	// New: Peewee is SUPER awesome with async!
	// true
	// blocking call refused: true
	// true
	// rows: 1
}
