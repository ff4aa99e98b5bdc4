package orm_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
)

// relEach runs fn on every backend with a DB opened with opts: SQLite
// with foreign keys on, and MySQL with parseTime and the MariaDB dialect
// (the suite needs RETURNING), under the name "aiomysql" it has always
// had in CI logs.
func relEach(t *testing.T, fn func(t *testing.T, db *orm.DB), opts ...orm.Option) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		o := append([]orm.Option(nil), opts...)
		var dsnOpts string
		switch b.Server {
		case testenv.SQLite:
			dsnOpts = "_pragma=foreign_keys(1)"
		case testenv.MySQL:
			dsnOpts = "parseTime=true"
			o = append(o, orm.WithDialect(mysqldialect.MariaDB()))
		}
		db, err := openDriver(b.Driver, b.DSNWith(t, dsnOpts), o...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	}, testenv.NoVariants)
}

type relDDL interface {
	CreateTableSQL(bool) ([]string, error)
	DropTableSQL(bool) string
}

// relCreate creates the models' tables, parents first (dropping leftovers
// children first), and drops them when the test ends. It runs its
// statements with aio.AllowSync, so it works under every guard mode.
func relCreate(t *testing.T, db *orm.DB, models ...relDDL) {
	t.Helper()
	ctx := aio.AllowSync(context.Background())
	drop := func() {
		for i := len(models) - 1; i >= 0; i-- {
			if _, err := db.SQLDB().ExecContext(ctx, models[i].DropTableSQL(true)); err != nil {
				t.Errorf("drop: %v", err)
			}
		}
	}
	drop()
	t.Cleanup(drop)
	for _, m := range models {
		stmts, err := m.CreateTableSQL(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
}

// relInsert inserts rows in batches small enough for every dialect.
func relInsert[T any](t *testing.T, ctx context.Context, m *orm.Model[T], rows []*T) {
	t.Helper()
	for len(rows) > 0 {
		n := min(len(rows), 400)
		if _, err := m.Insert(rows[:n]...).Exec(ctx); err != nil {
			t.Fatalf("insert into %s: %v", m.Table().Name, err)
		}
		rows = rows[n:]
	}
}

// relSettle waits until the number of goroutines is back to at most base
// and the pool has no connection in use, and fails the test if that does
// not happen within a few seconds (a leak).
func relSettle(t *testing.T, db *orm.DB, base int) {
	t.Helper()
	var n, inUse int
	if !testenv.Poll(5*time.Second, func() bool {
		n, inUse = runtime.NumGoroutine(), db.SQLDB().Stats().InUse
		return n <= base && inUse == 0
	}) {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("not settled: %d goroutines (want <= %d), %d connections in use\n%s", n, base, inUse, buf)
	}
}

// relAuthor, relPost, relComment and relLike are a blog: posts have an
// optional author and comments; comments have likes.
type relAuthor struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,size:64"`
}

func (relAuthor) TableName() string { return "relaio_author" }

type relPost struct {
	ID       int64         `db:"id,pk,auto"`
	Title    string        `db:"title,size:100"`
	AuthorID *int64        `db:"author_id,fk:relaio_author"`
	Author   *relAuthor    `rel:"author_id"`
	Comments []*relComment `rel:"post_id"`
}

func (relPost) TableName() string { return "relaio_post" }

type relComment struct {
	ID     int64      `db:"id,pk,auto"`
	PostID int64      `db:"post_id,fk:relaio_post"`
	Body   string     `db:"body,size:100"`
	Post   *relPost   `rel:"post_id"`
	Likes  []*relLike `rel:"comment_id"`
}

func (relComment) TableName() string { return "relaio_comment" }

// relLike's key is a sql.NullInt64: keys match across Go types.
type relLike struct {
	ID        int64         `db:"id,pk,auto"`
	CommentID sql.NullInt64 `db:"comment_id,fk:relaio_comment"`
	Who       string        `db:"who,size:32"`
}

func (relLike) TableName() string { return "relaio_like" }

type relModels struct {
	authors  *orm.Model[relAuthor]
	posts    *orm.Model[relPost]
	comments *orm.Model[relComment]
	likes    *orm.Model[relLike]
}

// relBlog creates the blog's tables.
func relBlog(t *testing.T, db *orm.DB) relModels {
	t.Helper()
	m := relModels{
		authors:  orm.MustModel[relAuthor](db),
		posts:    orm.MustModel[relPost](db),
		comments: orm.MustModel[relComment](db),
		likes:    orm.MustModel[relLike](db),
	}
	relCreate(t, db, m.authors, m.posts, m.comments, m.likes)
	return m
}

// relCounter counts the SELECT statements run on each table.
type relCounter struct {
	hooks.Base
	mu      sync.Mutex
	selects map[string]int
	sqls    []string
}

func (c *relCounter) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	if e.Kind == hooks.StmtPrepare || !strings.HasPrefix(e.SQL, "SELECT ") {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.selects == nil {
		c.selects = map[string]int{}
	}
	for _, table := range []string{"relaio_author", "relaio_post", "relaio_comment", "relaio_like"} {
		if strings.Contains(e.SQL, " FROM \""+table+"\"") || strings.Contains(e.SQL, " FROM `"+table+"`") {
			c.selects[table]++
		}
	}
	if len(e.SQL) > 200 {
		c.sqls = append(c.sqls, e.SQL[:200]+"...")
	} else {
		c.sqls = append(c.sqls, e.SQL)
	}
}

// take returns the counts so far and resets them.
func (c *relCounter) take() (map[string]int, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, s := c.selects, c.sqls
	c.selects, c.sqls = nil, nil
	return m, s
}

// Models whose relations are wrong, each for one error of NewModel.
type (
	relBadNoColumn struct {
		ID   int64    `db:"id,pk"`
		Post *relPost `rel:"post_ref"`
	}
	relBadChildColumn struct {
		ID    int64         `db:"id,pk"`
		Notes []*relComment `rel:"note_id"`
	}
	relBadType struct {
		ID     int64    `db:"id,pk"`
		PostID string   `db:"post_id"`
		Post   *relPost `rel:"post_id"`
	}
	relBadFKTable struct {
		ID     int64    `db:"id,pk"`
		PostID int64    `db:"post_id,fk:relaio_author"`
		Post   *relPost `rel:"post_id"`
	}
	relBadKind struct {
		ID    int64 `db:"id,pk"`
		Count int   `rel:"count_id"`
	}
	relBadBoth struct {
		ID     int64    `db:"id,pk"`
		PostID int64    `db:"post_id"`
		Post   *relPost `db:"post" rel:"post_id"`
	}
	relBadTarget struct {
		ID     int64     `db:"id,pk"`
		BadID  int64     `db:"bad_id"`
		Target *struct{} `rel:"bad_id"`
	}
)

func TestRelationValidation(t *testing.T) {
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check := func(err error, want ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("NewModel accepted a bad relation; want an error with %q", want)
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q does not mention %q", err, w)
			}
		}
	}
	_, err = orm.NewModel[relBadNoColumn](db)
	check(err, "relBadNoColumn", "field Post", "no column post_ref")
	_, err = orm.NewModel[relBadChildColumn](db)
	check(err, "relBadChildColumn", "field Notes", "relComment has no column note_id")
	_, err = orm.NewModel[relBadType](db)
	check(err, "relBadType", "field Post", "string", "int64")
	_, err = orm.NewModel[relBadFKTable](db)
	check(err, "relBadFKTable", "field Post", "references table relaio_author")
	_, err = orm.NewModel[relBadKind](db)
	check(err, "relBadKind", "field Count", "not int")
	_, err = orm.NewModel[relBadBoth](db)
	check(err, "relBadBoth", "field Post", "remove its db tag")
	_, err = orm.NewModel[relBadTarget](db)
	check(err, "relBadTarget", "field Target", "cannot derive a table name")

	// Good models, pointing at each other, resolve; rel fields are not
	// columns.
	posts, err := orm.NewModel[relPost](db)
	if err != nil {
		t.Fatal(err)
	}
	if posts.Table().FieldByColumn("comments") != nil || len(posts.Table().Fields) != 3 {
		t.Fatalf("rel fields became columns: %d fields", len(posts.Table().Fields))
	}
	rels := posts.Table().Relations()
	if len(rels) != 2 || rels[0].Name != "Author" || rels[0].Many || rels[1].Name != "Comments" || !rels[1].Many {
		t.Fatalf("relations: %+v", rels)
	}
	c := posts.Table().Relation("Comments")
	if c.Target.Name != "relaio_comment" || c.FK.Column != "post_id" || c.Ref.Column != "id" {
		t.Fatalf("Comments: target %s fk %s ref %s", c.Target.Name, c.FK.Column, c.Ref.Column)
	}
	stmts, err := posts.CreateTableSQL(false)
	if err != nil || strings.Contains(stmts[0], "comments") {
		t.Fatalf("CREATE TABLE: %v, %v", stmts, err)
	}
}

// BlogPost and BlogComment are the models of the runnable examples.
type BlogPost struct {
	ID       int64          `db:"id,pk,auto"`
	Title    string         `db:"title"`
	Comments []*BlogComment `rel:"post_id"` // filled by Prefetch
}

type BlogComment struct {
	ID     int64     `db:"id,pk,auto"`
	PostID int64     `db:"post_id,fk:blog_post"`
	Text   string    `db:"text"`
	Post   *BlogPost `rel:"post_id"` // filled by Fetch
}

// blogExample opens a fresh SQLite database with two posts and three
// comments; done closes and removes it.
func blogExample() (db *orm.DB, posts *orm.Model[BlogPost], comments *orm.Model[BlogComment], done func()) {
	dir, err := os.MkdirTemp("", "orm-rel-example")
	if err != nil {
		panic(err)
	}
	db, err = orm.Open("aiosqlite", "file:"+filepath.Join(dir, "blog.db"))
	if err != nil {
		panic(err)
	}
	posts, comments = orm.MustModel[BlogPost](db), orm.MustModel[BlogComment](db)
	ctx := aio.AllowSync(context.Background())
	for _, m := range []relDDL{posts, comments} {
		ddl, err := m.CreateTableSQL(true)
		if err != nil {
			panic(err)
		}
		for _, stmt := range ddl {
			if _, err := db.SQLDB().ExecContext(ctx, stmt); err != nil {
				panic(err)
			}
		}
	}
	hello, quiet := &BlogPost{Title: "Hello"}, &BlogPost{Title: "Quiet"}
	if _, err := posts.Insert(hello, quiet).Exec(ctx); err != nil {
		panic(err)
	}
	_, err = comments.Insert(
		&BlogComment{PostID: hello.ID, Text: "First!"},
		&BlogComment{PostID: hello.ID, Text: "Nice post"},
		&BlogComment{PostID: hello.ID, Text: "+1"},
	).Exec(ctx)
	if err != nil {
		panic(err)
	}
	return db, posts, comments, func() { db.Close(); os.RemoveAll(dir) }
}

func TestRelationSelfReference(t *testing.T) {
	db, err := orm.Open("aiosqlite", testenv.SQLiteDSN(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	nodes, err := orm.NewModel[relNode](db)
	if err != nil {
		t.Fatal(err)
	}
	relCreate(t, db, nodes)
	ctx := context.Background()
	root := &relNode{Name: "root"}
	relInsert(t, ctx, nodes, []*relNode{root})
	kids := []*relNode{{Name: "a", ParentID: &root.ID}, {Name: "b", ParentID: &root.ID}}
	relInsert(t, ctx, nodes, kids)
	grand := &relNode{Name: "a1", ParentID: &kids[0].ID}
	relInsert(t, ctx, nodes, []*relNode{grand})

	tree := []*relNode{{ID: root.ID, Name: "root"}}
	if err := orm.Prefetch(ctx, db, tree, "Children.Children"); err != nil {
		t.Fatal(err)
	}
	r := tree[0]
	if len(r.Children) != 2 || r.Children[0].Name != "a" || len(r.Children[0].Children) != 1 || r.Children[0].Children[0].Name != "a1" || len(r.Children[1].Children) != 0 {
		t.Fatalf("tree: %+v", r)
	}
	up, err := orm.Fetch[relNode](ctx, db, r.Children[0].Children[0], "Parent")
	if err != nil || up.Name != "a" {
		t.Fatalf("Fetch Parent: %+v, %v", up, err)
	}
	top, err := orm.Fetch[relNode](ctx, db, r, "Parent")
	if err != nil || top != nil {
		t.Fatalf("Fetch Parent of the root: %+v, %v", top, err)
	}
}

// relNode is a tree: relations to its own model.
type relNode struct {
	ID       int64      `db:"id,pk,auto"`
	Name     string     `db:"name,size:32"`
	ParentID *int64     `db:"parent_id,fk:relaio_node"`
	Parent   *relNode   `rel:"parent_id"`
	Children []*relNode `rel:"parent_id"`
}

func (relNode) TableName() string { return "relaio_node" }
