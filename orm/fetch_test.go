package orm_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
)

func TestFetch(t *testing.T) {
	counter := &relCounter{}
	relEach(t, func(t *testing.T, db *orm.DB) {
		m := relBlog(t, db)
		ctx := aio.AllowSync(context.Background())
		ann := &relAuthor{Name: "ann"}
		relInsert(t, ctx, m.authors, []*relAuthor{ann})
		p1 := &relPost{Title: "first", AuthorID: &ann.ID}
		p2 := &relPost{Title: "second"}
		relInsert(t, ctx, m.posts, []*relPost{p1, p2})
		c := &relComment{PostID: p1.ID, Body: "hello"}
		relInsert(t, ctx, m.comments, []*relComment{c})
		counter.take()

		post, err := orm.Fetch[relPost](ctx, db, c, "Post")
		if err != nil || post == nil || post.ID != p1.ID || post.Title != "first" || *post.AuthorID != ann.ID {
			t.Fatalf("Fetch: %+v, %v", post, err)
		}
		if c.Post != post {
			t.Fatal("Fetch did not store the row in the relation field")
		}
		if n, _ := counter.take(); n["relaio_post"] != 1 {
			t.Fatalf("first Fetch ran %d selects on relaio_post, want 1", n["relaio_post"])
		}
		// Cached: no query, even though the row changed in the database.
		if _, err := m.posts.Update().Set("title", "renamed").Where(orm.Eq("id", p1.ID)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := orm.Fetch[relPost](ctx, db, c, "Post")
		if err != nil || again != post || again.Title != "first" {
			t.Fatalf("second Fetch: %+v, %v; want the cached row", again, err)
		}
		if n, _ := counter.take(); n["relaio_post"] != 0 {
			t.Fatalf("second Fetch ran %d selects, want none", n["relaio_post"])
		}
		// The key changed: the new row is loaded.
		c.PostID = p2.ID
		other, err := orm.Fetch[relPost](ctx, db, c, "Post")
		if err != nil || other.ID != p2.ID || c.Post != other {
			t.Fatalf("Fetch after the key changed: %+v, %v", other, err)
		}
		// Two levels: the post's author; a NULL key gives nil.
		author, err := orm.Fetch[relAuthor](ctx, db, post, "Author")
		if err != nil || author == nil || author.Name != "ann" {
			t.Fatalf("Fetch Author: %+v, %v", author, err)
		}
		p2.Author = author // stale: p2 has no author
		none, err := orm.Fetch[relAuthor](ctx, db, p2, "Author")
		if err != nil || none != nil || p2.Author != nil {
			t.Fatalf("Fetch of a NULL key: %+v, %v, field %v", none, err, p2.Author)
		}
		// A key that matches no row.
		ghost := &relComment{PostID: 987654321}
		_, err = orm.Fetch[relPost](ctx, db, ghost, "Post")
		var dne *orm.DoesNotExistError
		if !errors.Is(err, orm.ErrDoesNotExist) || !errors.As(err, &dne) || !strings.Contains(dne.Model, "relPost") {
			t.Fatalf("Fetch of a dangling key: %v", err)
		}
		if ghost.Post != nil {
			t.Fatal("a failed Fetch stored something")
		}

		// Misuse is reported without a query.
		counter.take()
		if _, err := orm.Fetch[relAuthor](ctx, db, c, "Post"); err == nil || !strings.Contains(err.Error(), "relPost") {
			t.Fatalf("Fetch of the wrong type: %v", err)
		}
		if _, err := orm.Fetch[relComment](ctx, db, post, "Comments"); err == nil || !strings.Contains(err.Error(), "Prefetch") {
			t.Fatalf("Fetch of a slice relation: %v", err)
		}
		if _, err := orm.Fetch[relPost](ctx, db, c, "Poster"); err == nil || !strings.Contains(err.Error(), `no relation "Poster"`) || !strings.Contains(err.Error(), "Post, Likes") {
			t.Fatalf("Fetch of an unknown relation: %v", err)
		}
		if _, err := orm.Fetch[relPost](ctx, db, (*relComment)(nil), "Post"); err == nil {
			t.Fatal("Fetch of a nil child: no error")
		}
		if n, _ := counter.take(); len(n) != 0 {
			t.Fatalf("misuse ran queries: %v", n)
		}
	}, orm.WithHooks(counter))
}

func TestAioFetchUnderSyncPanic(t *testing.T) {
	relEach(t, func(t *testing.T, db *orm.DB) {
		m := relBlog(t, db)
		setup := aio.AllowSync(context.Background())
		p := &relPost{Title: "p"}
		relInsert(t, setup, m.posts, []*relPost{p})
		c := &relComment{PostID: p.ID, Body: "b"}
		relInsert(t, setup, m.comments, []*relComment{c})

		ctx := context.Background()
		got, err := aio.Await(ctx, orm.AioFetch[relPost](ctx, db, c, "Post"))
		if err != nil || got.ID != p.ID || c.Post != got {
			t.Fatalf("AioFetch: %+v, %v", got, err)
		}
		c.Post = nil
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Fatal("blocking Fetch with a plain context did not panic under aio_sync=panic")
				} else if err, ok := r.(error); !ok || !errors.Is(err, driver.ErrSyncCall) {
					t.Fatalf("panic %v", r)
				}
			}()
			orm.Fetch[relPost](ctx, db, c, "Post")
		}()
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use after the guard's panic", inUse)
		}
	}, orm.SyncMode(driver.SyncPanic))
}

func ExampleFetch() {
	db, _, comments, done := blogExample()
	defer done()
	ctx := context.Background()

	c, err := aio.Await(ctx, comments.Select().Where(orm.Eq("text", "Nice post")).AioOne(ctx))
	if err != nil {
		panic(err)
	}
	post, err := aio.Await(ctx, orm.AioFetch[BlogPost](ctx, db, c, "Post"))
	if err != nil {
		panic(err)
	}
	fmt.Println(post.Title, c.Post == post)
	// Output:
	// Hello true
}
