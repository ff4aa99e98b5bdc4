package orm_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

type aioItem struct {
	ID   int64   `db:"id,pk,auto"`
	Name string  `db:"name,size:64"`
	N    int64   `db:"n"`
	Note *string `db:"note"`
}

func (aioItem) TableName() string { return "relaio_item" }

// aioItemStrict reads the same table with a note that cannot be NULL, to
// make scanning fail part way through a result.
type aioItemStrict struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,size:64"`
	N    int64  `db:"n"`
	Note string `db:"note"`
}

func (aioItemStrict) TableName() string { return "relaio_item" }

// aioSetup creates relaio_item with n rows: name "item-<i>", n = i, note
// set except on every 100th row.
func aioSetup(t *testing.T, db *orm.DB, n int) *orm.Model[aioItem] {
	t.Helper()
	items, err := orm.NewModel[aioItem](db)
	if err != nil {
		t.Fatal(err)
	}
	relCreate(t, db, items)
	rows := make([]*aioItem, n)
	for i := range rows {
		rows[i] = &aioItem{Name: fmt.Sprintf("item-%d", i+1), N: int64(i + 1)}
		if (i+1)%100 != 0 {
			note := fmt.Sprintf("note %d", i+1)
			rows[i].Note = &note
		}
	}
	relInsert(t, aio.AllowSync(context.Background()), items, rows)
	return items
}

func TestAioExecuteStreams(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 1000)
		ctx := context.Background()
		seen := map[*aioItem]bool{}
		var got []int64
		for r := range items.Select().Where(orm.Gt("n", 500)).OrderBy("-n").AioExecute(ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if seen[r.Value] {
				t.Fatalf("row %d delivered in a value already delivered", r.Value.N)
			}
			seen[r.Value] = true
			if r.Value.Name != fmt.Sprintf("item-%d", r.Value.N) {
				t.Fatalf("row %+v: name does not match n", r.Value)
			}
			if (r.Value.Note == nil) != (r.Value.N%100 == 0) {
				t.Fatalf("row %d: note %v", r.Value.N, r.Value.Note)
			}
			got = append(got, r.Value.N)
		}
		if len(got) != 500 {
			t.Fatalf("got %d rows, want 500", len(got))
		}
		for i, n := range got {
			if n != int64(1000-i) {
				t.Fatalf("row %d has n=%d, want %d (ORDER BY n DESC)", i, n, 1000-i)
			}
		}
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use after the stream closed", inUse)
		}

		// Selected columns only, and a raw query with a column T lacks.
		var names []string
		for r := range items.Select("id", "name").Where(orm.Le("n", 3)).OrderBy("n").AioExecute(ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if r.Value.N != 0 || r.Value.Note != nil {
				t.Fatalf("columns not selected were filled: %+v", r.Value)
			}
			names = append(names, r.Value.Name)
		}
		if strings.Join(names, ",") != "item-1,item-2,item-3" {
			t.Fatalf("names %v", names)
		}
		raw := items.Raw("SELECT id, n, 7 AS extra FROM relaio_item WHERE n <= ? ORDER BY n", 2)
		var ns []int64
		for r := range raw.IgnoreUnknownColumns().AioExecute(ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			ns = append(ns, r.Value.N)
		}
		if len(ns) != 2 || ns[0] != 1 || ns[1] != 2 {
			t.Fatalf("raw stream: %v", ns)
		}
	})
}

func TestAioExecuteCancelReleases(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 3000)
		// Warm the pool so that its connection (and the MySQL driver's
		// per-connection watcher) is part of the baseline.
		if _, err := items.Select().Count(context.Background()); err != nil {
			t.Fatal(err)
		}
		base := runtime.NumGoroutine()
		for _, stopAt := range []int{0, 1, 10, 1000} {
			ctx, cancel := context.WithCancel(context.Background())
			ch := items.Select().OrderBy("id").AioExecute(ctx)
			read := 0
			for read < stopAt {
				r, ok := <-ch
				if !ok || r.Err != nil {
					t.Fatalf("stop at %d: row %d: closed=%v err=%v", stopAt, read, !ok, r.Err)
				}
				if r.Value.N != int64(read+1) {
					t.Fatalf("row %d has n=%d", read, r.Value.N)
				}
				read++
			}
			cancel()
			// Whatever is still buffered may come, then at most an error
			// (the cancellation), then the channel closes.
			rest, errs := 0, 0
			for r := range ch {
				if r.Err != nil {
					errs++
					if !errors.Is(r.Err, context.Canceled) {
						t.Fatalf("stop at %d: unexpected error %v", stopAt, r.Err)
					}
					continue
				}
				if errs > 0 {
					t.Fatalf("stop at %d: a row after the error", stopAt)
				}
				rest++
			}
			if read+rest >= 3000 {
				t.Fatalf("stop at %d: the stream ran to its end (%d rows) after cancel", stopAt, read+rest)
			}
			relSettle(t, db, base)
		}
		// The pool still works.
		if n, err := items.Select().Count(context.Background()); err != nil || n != 3000 {
			t.Fatalf("count after cancels: %d, %v", n, err)
		}
	})
}

func TestAioExecuteReaderGoneCancelled(t *testing.T) {
	// A reader that stops reading and cancels, without draining: the
	// goroutine must still end and the connection come back.
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 2000)
		if _, err := items.Select().Count(context.Background()); err != nil {
			t.Fatal(err)
		}
		base := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		ch := items.Select().AioExecute(ctx)
		if r := <-ch; r.Err != nil {
			t.Fatal(r.Err)
		}
		cancel()
		relSettle(t, db, base)
	})
}

func TestAioExecuteUnderSyncPanic(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 300)
		ctx := context.Background()
		// The guard is on: a blocking query with a plain context panics.
		func() {
			defer func() {
				p := recover()
				if err, ok := p.(error); !ok || !errors.Is(err, driver.ErrSyncCall) {
					t.Fatalf("blocking All under aio_sync=panic: recovered %v, want a sync call panic", p)
				}
			}()
			items.Select().All(ctx)
		}()
		n := 0
		for r := range items.Select().OrderBy("id").AioExecute(ctx) {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			n++
		}
		if n != 300 {
			t.Fatalf("streamed %d rows, want 300", n)
		}
		count, err := aio.Await(ctx, items.Select().AioCount(ctx))
		if err != nil || count != 300 {
			t.Fatalf("AioCount: %d, %v", count, err)
		}
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use", inUse)
		}
	}, orm.SyncMode(driver.SyncPanic))
}

func TestAioExecuteErrorIsLast(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		aioSetup(t, db, 250)
		ctx := context.Background()
		strict := orm.MustModel[aioItemStrict](db)
		// Row 100 has a NULL note, which a string cannot hold: 99 rows,
		// then the scan error, then the end.
		var rows int
		var last error
		for r := range strict.Select().OrderBy("n").AioExecute(ctx) {
			if last != nil {
				t.Fatalf("a Result after the error %v", last)
			}
			if r.Err != nil {
				last = r.Err
				continue
			}
			rows++
		}
		if rows != 99 || last == nil {
			t.Fatalf("got %d rows and error %v; want 99 rows, then the scan error", rows, last)
		}
		if !strings.Contains(last.Error(), "aioItemStrict") {
			t.Fatalf("error does not name the model: %v", last)
		}

		// A statement the server refuses: one Result, the error.
		var results []error
		for r := range strict.Raw("SELECT * FROM relaio_missing_table").AioExecute(ctx) {
			results = append(results, r.Err)
		}
		var qe *orm.QueryError
		if len(results) != 1 || !errors.As(results[0], &qe) {
			t.Fatalf("missing table: results %v, want one *orm.QueryError", results)
		}

		// A build error is delivered without running anything.
		results = results[:0]
		for r := range strict.Select().Where(orm.Eq("no_such_col", 1)).AioExecute(ctx) {
			results = append(results, r.Err)
		}
		if len(results) != 1 || results[0] == nil || !strings.Contains(results[0].Error(), "no_such_col") {
			t.Fatalf("unknown column: results %v", results)
		}
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use", inUse)
		}
	})
}

func TestAioExecuteInsideAtomic(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 200)
		ctx, cancel := context.WithTimeout(aio.AllowSync(context.Background()), 15*time.Second)
		defer cancel()
		err := db.Atomic(ctx, func(ctx context.Context) error {
			// Write in the transaction while iterating over a stream run
			// in it: the stream must not hold the connection.
			n := 0
			for r := range items.Select().OrderBy("id").AioExecute(ctx) {
				if r.Err != nil {
					return r.Err
				}
				copyRow := &aioItem{Name: "copy-" + r.Value.Name, N: r.Value.N + 1000}
				if _, err := items.Insert(copyRow).Exec(ctx); err != nil {
					return err
				}
				n++
			}
			if n != 200 {
				return fmt.Errorf("streamed %d rows in the transaction, want 200 (the copies must not be seen)", n)
			}
			// Concurrent async work in the same transaction takes turns.
			c, err := aio.Await(ctx, items.Select().Where(orm.Like("name", "copy-%")).AioCount(ctx))
			if err != nil {
				return err
			}
			if c != 200 {
				return fmt.Errorf("%d copies inside the transaction", c)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := items.Select().Count(ctx)
		if err != nil || n != 400 {
			t.Fatalf("after commit: %d rows, %v; want 400", n, err)
		}
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use", inUse)
		}

		// A stream cut short inside a transaction releases it too: the
		// rollback afterwards must not wait.
		err = db.Atomic(ctx, func(ctx context.Context) error {
			sctx, stop := context.WithCancel(ctx)
			ch := items.Select().AioExecute(sctx)
			<-ch
			stop()
			for range ch {
			}
			return errors.New("roll back")
		})
		if err == nil || err.Error() != "roll back" {
			t.Fatalf("Atomic: %v", err)
		}
	})
}

func TestAioSingleValues(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		items := aioSetup(t, db, 120)
		ctx := context.Background()
		d := db.Dialect()

		all, err := aio.Await(ctx, items.Select().Where(orm.Le("n", 5)).OrderBy("n").AioAll(ctx))
		if err != nil || len(all) != 5 || all[4].N != 5 {
			t.Fatalf("AioAll: %v, %v", all, err)
		}
		one, err := aio.Await(ctx, items.Select().Where(orm.Eq("n", 7)).AioOne(ctx))
		if err != nil || one.Name != "item-7" {
			t.Fatalf("AioOne: %+v, %v", one, err)
		}
		_, err = aio.Await(ctx, items.Select().Where(orm.Eq("n", -1)).AioOne(ctx))
		if !errors.Is(err, orm.ErrDoesNotExist) {
			t.Fatalf("AioOne of nothing: %v", err)
		}
		count, err := aio.Await(ctx, items.Select().Where(orm.IsNull("note")).AioCount(ctx))
		if err != nil || count != 1 {
			t.Fatalf("AioCount: %d, %v", count, err)
		}
		exists, err := aio.Await(ctx, items.Select().Where(orm.Eq("n", 120)).AioExists(ctx))
		if err != nil || !exists {
			t.Fatalf("AioExists: %v, %v", exists, err)
		}
		exists, err = aio.Await(ctx, items.Select().Where(orm.Eq("n", 121)).AioExists(ctx))
		if err != nil || exists {
			t.Fatalf("AioExists of nothing: %v, %v", exists, err)
		}
		sc, err := aio.Await(ctx, items.Select("name").Where(orm.Eq("n", 3)).AioScalar(ctx))
		if err != nil || sc != "item-3" {
			t.Fatalf("AioScalar: %#v, %v", sc, err)
		}
		mx, err := aio.Await(ctx, orm.AioScalarAs[int64](ctx, items.Select().ColumnExpr(orm.SQL("MAX(n)"), "m")))
		if err != nil || mx != 120 {
			t.Fatalf("AioScalarAs: %d, %v", mx, err)
		}
		maps, err := aio.Await(ctx, items.Select("name").Where(orm.Le("n", 2)).OrderBy("n").AioMaps(ctx))
		if err != nil || len(maps) != 2 || maps[1]["name"] != "item-2" {
			t.Fatalf("AioMaps: %v, %v", maps, err)
		}
		tuples, err := aio.Await(ctx, items.Select("name").Where(orm.Le("n", 2)).OrderBy("n").AioTuples(ctx))
		if err != nil || len(tuples) != 2 || tuples[0][0] != "item-1" {
			t.Fatalf("AioTuples: %v, %v", tuples, err)
		}

		// Raw.
		rawAll, err := aio.Await(ctx, items.Raw("SELECT * FROM relaio_item WHERE n > ? ORDER BY n", 118).AioAll(ctx))
		if err != nil || len(rawAll) != 2 || rawAll[0].N != 119 {
			t.Fatalf("Raw AioAll: %v, %v", rawAll, err)
		}
		rawOne, err := aio.Await(ctx, items.Raw("SELECT * FROM relaio_item WHERE n = ?", 9).AioOne(ctx))
		if err != nil || rawOne.Name != "item-9" {
			t.Fatalf("Raw AioOne: %v, %v", rawOne, err)
		}
		rawSc, err := aio.Await(ctx, items.Raw("SELECT COUNT(*) FROM relaio_item").AioScalar(ctx))
		if err != nil || fmt.Sprint(rawSc) != "120" {
			t.Fatalf("Raw AioScalar: %#v, %v", rawSc, err)
		}
		rawMaps, err := aio.Await(ctx, items.Raw("SELECT n FROM relaio_item WHERE n = 1").AioMaps(ctx))
		if err != nil || len(rawMaps) != 1 || fmt.Sprint(rawMaps[0]["n"]) != "1" {
			t.Fatalf("Raw AioMaps: %v, %v", rawMaps, err)
		}
		rawTuples, err := aio.Await(ctx, items.Raw("SELECT n FROM relaio_item WHERE n <= 3").AioTuples(ctx))
		if err != nil || len(rawTuples) != 3 {
			t.Fatalf("Raw AioTuples: %v, %v", rawTuples, err)
		}
		affected, err := aio.Await(ctx, items.Raw("UPDATE relaio_item SET name = ? WHERE n <= ?", "low", 10).AioExec(ctx))
		if err != nil || affected != 10 {
			t.Fatalf("Raw AioExec: %d, %v", affected, err)
		}

		// Insert fills the generated key, as Exec does.
		row := &aioItem{Name: "new", N: 500}
		inserted, err := aio.Await(ctx, items.Insert(row).AioExec(ctx))
		if err != nil || inserted != 1 || row.ID == 0 {
			t.Fatalf("Insert AioExec: %d, %v, id %d", inserted, err, row.ID)
		}
		back, err := items.Select().Where(orm.Eq("id", row.ID)).One(ctx)
		if err != nil || back.N != 500 {
			t.Fatalf("inserted row: %+v, %v", back, err)
		}
		if d.InsertReturning {
			note := "returned"
			row2 := &aioItem{Name: "ret", N: 501, Note: &note}
			if _, err := aio.Await(ctx, items.Insert(row2).Returning("id", "name").AioExec(ctx)); err != nil || row2.ID == 0 {
				t.Fatalf("Insert Returning AioExec: %v, id %d", err, row2.ID)
			}
		}

		updated, err := aio.Await(ctx, items.Update().Set("name", "mid").Where(orm.Between("n", 11, 20)).AioExec(ctx))
		if err != nil || updated != 10 {
			t.Fatalf("Update AioExec: %d, %v", updated, err)
		}
		upd, err := aio.Await(ctx, items.Update().Set("name", "top").Where(orm.Ge("n", 119), orm.Le("n", 120)).AioAll(ctx))
		if d.UpdateReturning {
			if err != nil || len(upd) != 2 || upd[0].Name != "top" {
				t.Fatalf("Update AioAll: %v, %v", upd, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), "RETURNING") {
			t.Fatalf("Update AioAll on %s: %v, want the no-RETURNING error", d.Name, err)
		}

		deleted, err := aio.Await(ctx, items.Delete().Where(orm.Le("n", 10)).AioExec(ctx))
		if err != nil || deleted != 10 {
			t.Fatalf("Delete AioExec: %d, %v", deleted, err)
		}
		del, err := aio.Await(ctx, items.Delete().Where(orm.Between("n", 11, 12)).AioAll(ctx))
		if d.DeleteReturning {
			if err != nil || len(del) != 2 || del[0].Name != "mid" {
				t.Fatalf("Delete AioAll: %v, %v", del, err)
			}
		} else if err == nil {
			t.Fatalf("Delete AioAll on %s: no error", d.Name)
		}
		left, err := aio.Await(ctx, items.Select().AioCount(ctx))
		want := int64(120 + 1 - 10)
		if d.InsertReturning {
			want++
		}
		if d.DeleteReturning {
			want -= 2
		}
		if err != nil || left != want {
			t.Fatalf("rows left: %d, %v; want %d", left, err, want)
		}
	})
}

func ExampleSelectQuery_AioExecute() {
	_, _, comments, done := blogExample()
	defer done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // a reader that stops early must cancel

	for r := range comments.Select().OrderBy("-id").AioExecute(ctx) {
		if r.Err != nil {
			panic(r.Err)
		}
		fmt.Println(r.Value.ID, r.Value.Text)
	}
	// Output:
	// 3 +1
	// 2 Nice post
	// 1 First!
}
