package orm_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// relSeed fills the blog: nPosts posts, post i with i%4 comments and,
// unless i%3 == 0, one of two authors; comment j with j%3 likes; plus
// likes with a NULL comment. It returns the posts and comments as
// inserted (with their keys).
func relSeed(t *testing.T, ctx context.Context, m relModels, nPosts int) ([]*relPost, []*relComment) {
	t.Helper()
	authors := []*relAuthor{{Name: "ann"}, {Name: "bob"}}
	relInsert(t, ctx, m.authors, authors)
	posts := make([]*relPost, nPosts)
	for i := range posts {
		posts[i] = &relPost{Title: fmt.Sprintf("post %d", i)}
		if i%3 != 0 {
			posts[i].AuthorID = &authors[i%2].ID
		}
	}
	relInsert(t, ctx, m.posts, posts)
	var comments []*relComment
	for i, p := range posts {
		for k := 0; k < i%4; k++ {
			comments = append(comments, &relComment{PostID: p.ID, Body: fmt.Sprintf("c %d.%d", i, k)})
		}
	}
	relInsert(t, ctx, m.comments, comments)
	var likes []*relLike
	for j, c := range comments {
		for k := 0; k < j%3; k++ {
			likes = append(likes, &relLike{CommentID: sql.NullInt64{Int64: c.ID, Valid: true}, Who: fmt.Sprintf("w %d.%d", j, k)})
		}
	}
	likes = append(likes, &relLike{Who: "orphan"}, &relLike{Who: "orphan 2"})
	relInsert(t, ctx, m.likes, likes)
	return posts, comments
}

// relCheckComments checks each post's Comments (and their Likes, when
// likes is set) against what relSeed inserted.
func relCheckComments(t *testing.T, posts []*relPost, likes bool) {
	t.Helper()
	for i, p := range posts {
		if p.Comments == nil {
			t.Fatalf("post %d: Comments is nil, want a slice (empty when there are none)", i)
		}
		if len(p.Comments) != i%4 {
			t.Fatalf("post %d: %d comments, want %d", i, len(p.Comments), i%4)
		}
		for k, c := range p.Comments {
			if c.PostID != p.ID || c.Body != fmt.Sprintf("c %d.%d", i, k) {
				t.Fatalf("post %d comment %d: %+v (out of order or misplaced)", i, k, c)
			}
			if k > 0 && c.ID <= p.Comments[k-1].ID {
				t.Fatalf("post %d: comments not ordered by id", i)
			}
			if !likes {
				continue
			}
			if c.Likes == nil {
				t.Fatalf("post %d comment %d: Likes is nil", i, k)
			}
			for _, l := range c.Likes {
				if !l.CommentID.Valid || l.CommentID.Int64 != c.ID {
					t.Fatalf("like %+v attached to comment %d", l, c.ID)
				}
			}
		}
	}
}

func TestPrefetchThreeLevels(t *testing.T) {
	counter := &relCounter{}
	relEach(t, func(t *testing.T, db *orm.DB) {
		m := relBlog(t, db)
		ctx := aio.AllowSync(context.Background())
		relSeed(t, ctx, m, 40)
		posts, err := m.posts.Select().OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ptrs := make([]*relPost, len(posts))
		for i := range posts {
			ptrs[i] = &posts[i]
		}
		counter.take()
		if err := orm.Prefetch(ctx, db, ptrs, "Comments.Likes", "Author", "Comments"); err != nil {
			t.Fatal(err)
		}
		n, sqls := counter.take()
		if n["relaio_comment"] != 1 || n["relaio_like"] != 1 || n["relaio_author"] != 1 || len(sqls) != 3 {
			t.Fatalf("Prefetch ran %v, want one select per relation:\n%s", n, strings.Join(sqls, "\n"))
		}
		if db.Dialect().ArrayParams {
			for _, s := range sqls {
				if !strings.Contains(s, "= ANY($1)") {
					t.Fatalf("PostgreSQL prefetch without ANY: %s", s)
				}
			}
		}
		relCheckComments(t, ptrs, true)
		likes := 0
		for i, p := range ptrs {
			likes += func() int {
				n := 0
				for _, c := range p.Comments {
					n += len(c.Likes)
				}
				return n
			}()
			switch {
			case i%3 == 0 && p.Author != nil:
				t.Fatalf("post %d has no author but got %+v", i, p.Author)
			case i%3 != 0 && (p.Author == nil || p.Author.ID != *p.AuthorID || p.Author.Name != []string{"ann", "bob"}[i%2]):
				t.Fatalf("post %d: author %+v, want id %d", i, p.Author, *p.AuthorID)
			}
		}
		total, err := m.likes.Select().Where(orm.IsNotNull("comment_id")).Count(ctx)
		if err != nil || int64(likes) != total {
			t.Fatalf("%d likes attached, %d in the table (%v)", likes, total, err)
		}
		// One author row is shared by its posts.
		if ptrs[1].Author != ptrs[7].Author {
			t.Fatal("posts of one author got different author values")
		}

		// Pointer relations the other way: comments to their posts, and
		// a []T of values.
		comments, err := m.comments.Select().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		counter.take()
		if err := orm.Prefetch(ctx, db, ptrsOf(comments), "Post.Author"); err != nil {
			t.Fatal(err)
		}
		if n, _ := counter.take(); n["relaio_post"] != 1 || n["relaio_author"] != 1 {
			t.Fatalf("Prefetch Post.Author ran %v", n)
		}
		for _, c := range comments {
			if c.Post == nil || c.Post.ID != c.PostID {
				t.Fatalf("comment %d: post %+v", c.ID, c.Post)
			}
			if (c.Post.AuthorID == nil) != (c.Post.Author == nil) {
				t.Fatalf("comment %d: post %d author %v", c.ID, c.Post.ID, c.Post.Author)
			}
		}
		if err := orm.Prefetch(ctx, db, ptrs[:0], "Comments.Likes"); err != nil {
			t.Fatalf("Prefetch of no parents: %v", err)
		}
		if n, _ := counter.take(); len(n) != 0 {
			t.Fatalf("Prefetch of no parents ran %v", n)
		}

		// Bad paths fail before any query.
		err = orm.Prefetch(ctx, db, ptrs, "Comments", "Comments.Lieks")
		if err == nil || !strings.Contains(err.Error(), `no relation "Lieks"`) || !strings.Contains(err.Error(), "relComment") || !strings.Contains(err.Error(), "Post, Likes") {
			t.Fatalf("bad path: %v", err)
		}
		if err := orm.Prefetch(ctx, db, []*relPost{ptrs[0], nil}, "Comments"); err == nil || !strings.Contains(err.Error(), "parents[1]") {
			t.Fatalf("nil parent: %v", err)
		}
		if n, _ := counter.take(); len(n) != 0 {
			t.Fatalf("failed Prefetch ran %v", n)
		}
	}, orm.WithHooks(counter))
}

func ptrsOf[T any](rows []T) []*T {
	out := make([]*T, len(rows))
	for i := range rows {
		out[i] = &rows[i]
	}
	return out
}

func TestPrefetchTenThousandParents(t *testing.T) {
	counter := &relCounter{}
	run := func(t *testing.T, db *orm.DB, wantSelects int) {
		m := relBlog(t, db)
		ctx := aio.AllowSync(context.Background())
		relSeed(t, ctx, m, 10000)
		posts, err := m.posts.Select().OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ptrs := ptrsOf(posts)
		counter.take()
		// Async, under the strictest guard the DB may have.
		if _, err := aio.Await(context.Background(), orm.AioPrefetch(context.Background(), db, ptrs, "Comments.Likes")); err != nil {
			t.Fatal(err)
		}
		n, _ := counter.take()
		if n["relaio_comment"] != wantSelects {
			t.Fatalf("%d selects of comments for 10000 posts, want %d", n["relaio_comment"], wantSelects)
		}
		relCheckComments(t, ptrs, true)
		if inUse := db.SQLDB().Stats().InUse; inUse != 0 {
			t.Fatalf("%d connections in use", inUse)
		}
	}
	relEach(t, func(t *testing.T, db *orm.DB) {
		run(t, db, 1) // ANY($1) on PostgreSQL; one IN list under the limit elsewhere
	}, orm.WithHooks(counter), orm.SyncMode(driver.SyncPanic))

	// A dialect with a small parameter limit splits the IN list.
	t.Run("aiosqlite-chunked", func(t *testing.T) {
		small := *sqlitedialect.New()
		small.MaxParams = 999
		db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, "_pragma=foreign_keys(1)"), orm.WithDialect(&small), orm.WithHooks(counter))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		// 10000 posts have 7500 with comments: 10000 keys, 11 statements.
		run(t, db, 11)
	})
}

func ExamplePrefetch() {
	db, posts, _, done := blogExample()
	defer done()
	ctx := context.Background()

	all, err := aio.Await(ctx, posts.Select().OrderBy("id").AioAll(ctx))
	if err != nil {
		panic(err)
	}
	// One query for the comments of every post.
	if _, err := aio.Await(ctx, orm.AioPrefetch(ctx, db, ptrsOf(all), "Comments")); err != nil {
		panic(err)
	}
	for _, p := range all {
		fmt.Printf("%s: %d comments\n", p.Title, len(p.Comments))
		for _, c := range p.Comments {
			fmt.Println("  -", c.Text)
		}
	}
	// Output:
	// Hello: 3 comments
	//   - First!
	//   - Nice post
	//   - +1
	// Quiet: 0 comments
}
