package orm_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// The tests in this file open SQLite as a new user does: a file DSN with
// no pragmas, as in the quickstart. They hold aiosqlite's defaults to
// what a concurrent program needs.

type sdPage struct {
	ID   int64  `db:"id,pk,auto"`
	Key  string `db:"key,unique,size:40"`
	Text string `db:"text"`
}

func (sdPage) TableName() string { return "sd_page" }

type sdAuthor struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name"`
}

func (sdAuthor) TableName() string { return "sd_author" }

type sdBook struct {
	ID       int64  `db:"id,pk,auto"`
	AuthorID int64  `db:"author_id,fk:sd_author"`
	Title    string `db:"title"`
}

func (sdBook) TableName() string { return "sd_book" }

// defaultSQLite opens a fresh file database with the quickstart's DSN
// (no pragmas) and the quickstart's guard, pool and tables.
func defaultSQLite(t *testing.T, opts ...orm.Option) (*orm.DB, *orm.Model[sdPage]) {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "demo.db") + "?aio_sync=panic"
	db, err := orm.Open("aiosqlite", dsn, append([]orm.Option{orm.MaxConnections(4)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pages, err := orm.NewModel[sdPage](db)
	if err != nil {
		t.Fatal(err)
	}
	if err := pages.CreateTable(aio.AllowSync(context.Background()), true); err != nil {
		t.Fatal(err)
	}
	return db, pages
}

// TestSQLiteDefaultConcurrentGetOrCreate is the program of the issue: 20
// goroutines GetOrCreate one key on the quickstart's DSN.
func TestSQLiteDefaultConcurrentGetOrCreate(t *testing.T) {
	ctx := context.Background()
	db, pages := defaultSQLite(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	created := make(chan bool, 20)
	for range 20 {
		wg.Go(func() {
			r, err := aio.Await(ctx, pages.AioGetOrCreate(ctx, &sdPage{Key: "race", Text: "t"}, "key"))
			if err != nil {
				errs <- err
				return
			}
			created <- r.Created
		})
	}
	wg.Wait()
	close(errs)
	close(created)
	for err := range errs {
		t.Error(err)
	}
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d calls created the row; want 1", n)
	}
	count, err := aio.Await(ctx, pages.AioCount(ctx, orm.Eq("key", "race")))
	if err != nil || count != 1 {
		t.Fatalf("rows with the key: %d, %v; want 1", count, err)
	}
	_ = db
}

// TestSQLiteDefaultMixedLoad: 100 goroutines mix GetOrCreate on one key,
// Create, Save and nested Atomic, through the Aio twins and the Manager,
// on the default DSN: no call fails, one row has the shared key, every
// created row is there with what was saved last.
func TestSQLiteDefaultMixedLoad(t *testing.T) {
	ctx := context.Background()
	db, pages := defaultSQLite(t)
	objects := orm.NewManager(db)

	const workers = 100
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []error
		want     = map[string]string{} // key -> text of every row a worker made
		shared   int
	)
	fail := func(w int, what string, err error) {
		mu.Lock()
		failures = append(failures, fmt.Errorf("worker %d: %s: %w", w, what, err))
		mu.Unlock()
	}
	made := func(key, text string) {
		mu.Lock()
		want[key] = text
		mu.Unlock()
	}
	for w := range workers {
		wg.Go(func() {
			switch w % 5 {
			case 0: // GetOrCreate on the shared key, model twin and Manager in turn
				var created bool
				var err error
				if w%2 == 0 {
					var r orm.GetOrCreateResult[sdPage]
					r, err = aio.Await(ctx, pages.AioGetOrCreate(ctx, &sdPage{Key: "shared", Text: "first"}, "key"))
					created = r.Created
				} else {
					var r orm.GetOrCreateResult[sdPage]
					r, err = aio.Await(ctx, orm.GetOrCreate(ctx, objects, &sdPage{Key: "shared", Text: "first"}, "key"))
					created = r.Created
				}
				if err != nil {
					fail(w, "GetOrCreate", err)
					return
				}
				if created {
					mu.Lock()
					shared++
					mu.Unlock()
				}
			case 1: // Create through the twin
				key := fmt.Sprintf("create-%d", w)
				if _, err := aio.Await(ctx, pages.AioCreate(ctx, &sdPage{Key: key, Text: "c"})); err != nil {
					fail(w, "AioCreate", err)
					return
				}
				made(key, "c")
			case 2: // Create through the Manager, then Save twice
				key := fmt.Sprintf("save-%d", w)
				p := &sdPage{Key: key, Text: "v1"}
				if _, err := aio.Await(ctx, objects.Create(ctx, p)); err != nil {
					fail(w, "Manager.Create", err)
					return
				}
				p.Text = "v2"
				if _, err := aio.Await(ctx, pages.AioSave(ctx, p)); err != nil {
					fail(w, "AioSave", err)
					return
				}
				p.Text = "v3"
				if _, err := aio.Await(ctx, objects.Update(ctx, p)); err != nil {
					fail(w, "Manager.Update", err)
					return
				}
				made(key, "v3")
			case 3: // nested Atomic that reads, then writes, in a savepoint
				key := fmt.Sprintf("atomic-%d", w)
				_, err := aio.Await(ctx, db.AioAtomic(ctx, func(ctx context.Context) error {
					if _, err := pages.Count(ctx, orm.Gt("id", 0)); err != nil {
						return err
					}
					return db.Atomic(ctx, func(ctx context.Context) error {
						if _, err := pages.GetOrNone(ctx, orm.Eq("key", key)); err != nil {
							return err
						}
						_, err := pages.Create(ctx, &sdPage{Key: key, Text: "a"})
						return err
					})
				}))
				if err != nil {
					fail(w, "AioAtomic", err)
					return
				}
				made(key, "a")
			case 4: // Manager.Atomic with GetOrCreate of its own key inside
				key := fmt.Sprintf("manager-atomic-%d", w)
				_, err := aio.Await(ctx, objects.Atomic(ctx, func(ctx context.Context) error {
					_, _, err := pages.GetOrCreate(ctx, &sdPage{Key: key, Text: "m"}, "key")
					return err
				}))
				if err != nil {
					fail(w, "Manager.Atomic", err)
					return
				}
				made(key, "m")
			}
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	if shared != 1 {
		t.Errorf("%d GetOrCreate calls created the shared row; want 1", shared)
	}
	all, err := aio.Await(ctx, pages.Select().OrderBy("id").AioAll(ctx))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range all {
		got[p.Key] = p.Text
	}
	if got["shared"] != "first" {
		t.Errorf("shared row: %q; want one row with text first", got["shared"])
	}
	delete(got, "shared")
	for k, v := range want {
		if got[k] != v {
			t.Errorf("row %s: text %q; want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d rows besides the shared one; want %d", len(got), len(want))
	}
}

// TestSQLiteDefaultLockWaitEndsWithContext: a call that waits for the
// write lock another transaction holds returns its context's error
// promptly when its deadline passes, and a call without a deadline gets
// the lock once the other transaction ends.
func TestSQLiteDefaultLockWaitEndsWithContext(t *testing.T) {
	ctx := context.Background()
	db, pages := defaultSQLite(t)
	holding := make(chan struct{})
	release := make(chan struct{})
	held := db.AioAtomic(ctx, func(ctx context.Context) error {
		if _, err := pages.Create(ctx, &sdPage{Key: "holder"}); err != nil {
			return err
		}
		close(holding)
		<-release
		return nil
	})
	<-holding

	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := aio.Await(short, pages.AioCreate(short, &sdPage{Key: "waiter"}))
	waited := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("create waiting for the lock: err = %v, want one matching context.DeadlineExceeded", err)
	}
	if waited > 2*time.Second {
		t.Errorf("create returned %v after its 100ms deadline", waited)
	}

	patient := pages.AioCreate(ctx, &sdPage{Key: "patient"})
	close(release)
	if _, err := aio.Await(ctx, held); err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(ctx, patient); err != nil {
		t.Errorf("create waiting without a deadline: %v", err)
	}
	for key, want := range map[string]int64{"holder": 1, "waiter": 0, "patient": 1} {
		if n, err := aio.Await(ctx, pages.AioCount(ctx, orm.Eq("key", key))); err != nil || n != want {
			t.Errorf("rows %s: %d, %v; want %d", key, n, err, want)
		}
	}
}

// TestSQLiteDefaultForeignKeys: on the default DSN a referenced row cannot
// be deleted, as on PostgreSQL and MariaDB.
func TestSQLiteDefaultForeignKeys(t *testing.T) {
	ctx := context.Background()
	db, _ := defaultSQLite(t)
	authors, err := orm.NewModel[sdAuthor](db)
	if err != nil {
		t.Fatal(err)
	}
	books, err := orm.NewModel[sdBook](db)
	if err != nil {
		t.Fatal(err)
	}
	sync := aio.AllowSync(ctx)
	if err := authors.CreateTable(sync, true); err != nil {
		t.Fatal(err)
	}
	if err := books.CreateTable(sync, true); err != nil {
		t.Fatal(err)
	}
	author, err := aio.Await(ctx, authors.AioCreate(ctx, &sdAuthor{Name: "a"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(ctx, books.AioCreate(ctx, &sdBook{AuthorID: author.ID, Title: "b"})); err != nil {
		t.Fatal(err)
	}
	if _, err := aio.Await(ctx, books.AioCreate(ctx, &sdBook{AuthorID: author.ID + 100, Title: "orphan"})); !errors.Is(err, orm.ErrIntegrity) {
		t.Errorf("book of a missing author: err = %v, want ErrIntegrity", err)
	}
	objects := orm.NewManager(db)
	if _, err := aio.Await(ctx, objects.Delete(ctx, author, false, false)); !errors.Is(err, orm.ErrIntegrity) {
		t.Errorf("deleting an author with books: err = %v, want ErrIntegrity", err)
	}
	if n, err := aio.Await(ctx, authors.AioCount(ctx)); err != nil || n != 1 {
		t.Errorf("authors after the refused delete: %d, %v; want 1", n, err)
	}
	if _, err := aio.Await(ctx, objects.Delete(ctx, author, true, false)); err != nil {
		t.Errorf("recursive delete: %v", err)
	}
	if n, err := aio.Await(ctx, books.AioCount(ctx)); err != nil || n != 0 {
		t.Errorf("books after the recursive delete: %d, %v; want 0", n, err)
	}
}
