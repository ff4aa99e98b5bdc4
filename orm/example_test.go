package orm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aiodb/aiodb/orm"
)

// PageBlock is the seed's model.
type PageBlock struct {
	ID   int64  `db:"id,pk,auto"`
	Key  string `db:"key,unique,size:40"`
	Text string `db:"text"`
}

// exampleDB opens a fresh SQLite database in a temporary directory.
func exampleDB() (*orm.DB, func()) {
	dir, err := os.MkdirTemp("", "orm-example")
	if err != nil {
		panic(err)
	}
	db, err := orm.Open("aiosqlite", "file:"+filepath.Join(dir, "demo.db"))
	if err != nil {
		panic(err)
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }
}

func Example() {
	ctx := context.Background()
	db, done := exampleDB()
	defer done()

	pages, err := orm.NewModel[PageBlock](db)
	if err != nil {
		panic(err)
	}
	ddl, _ := pages.CreateTableSQL(true)
	for _, stmt := range ddl {
		if _, err := db.SQLDB().ExecContext(ctx, stmt); err != nil {
			panic(err)
		}
	}

	title := &PageBlock{Key: "title", Text: "Peewee is AWESOME with async!"}
	if _, err := pages.Insert(title).Exec(ctx); err != nil {
		panic(err)
	}
	fmt.Println("id:", title.ID)

	got, err := pages.Select().Where(orm.Eq("key", "title")).One(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println("was:", got.Text)

	if _, err := pages.Update().Set("text", "Peewee is SUPER awesome with async!").WherePK(got).Exec(ctx); err != nil {
		panic(err)
	}
	text, _ := orm.ScalarAs[string](ctx, pages.Select("text").Where(orm.Eq("id", got.ID)))
	fmt.Println("now:", text)

	_, err = pages.Insert(&PageBlock{Key: "title"}).Exec(ctx)
	fmt.Println("duplicate key is an integrity error:", errors.Is(err, orm.ErrIntegrity))

	_, err = pages.Select().Where(orm.Eq("key", "missing")).One(ctx)
	fmt.Println("missing:", errors.Is(err, orm.ErrDoesNotExist))
	// Output:
	// id: 1
	// was: Peewee is AWESOME with async!
	// now: Peewee is SUPER awesome with async!
	// duplicate key is an integrity error: true
	// missing: true
}

func ExampleSelectQuery_SQL() {
	db, done := exampleDB()
	defer done()
	pages := orm.MustModel[PageBlock](db)

	query, args, err := pages.Select("key").
		Where(orm.Or(orm.In("id", []int{1, 2, 3}), orm.ILike("text", "%go%"))).
		OrderBy("-id").Limit(10).SQL()
	fmt.Println(query)
	fmt.Println(args, err)

	_, _, err = pages.Select("nope").SQL()
	fmt.Println(err)
	// Output:
	// SELECT "key" FROM "page_block" WHERE ("id" IN (?, ?, ?) OR LOWER("text") LIKE LOWER(?)) ORDER BY "id" DESC LIMIT 10
	// [1 2 3 %go%] <nil>
	// orm: unknown column "nope" in model orm_test.PageBlock (table page_block)
}

func ExampleInsertQuery_OnConflictUpdate() {
	ctx := context.Background()
	db, done := exampleDB()
	defer done()
	pages := orm.MustModel[PageBlock](db)
	ddl, _ := pages.CreateTableSQL(false)
	for _, stmt := range ddl {
		db.SQLDB().ExecContext(ctx, stmt)
	}

	for _, text := range []string{"first", "second"} {
		q := pages.Insert(&PageBlock{Key: "k", Text: text}).OnConflictUpdate([]string{"key"}, "text")
		if _, err := q.Exec(ctx); err != nil {
			panic(err)
		}
	}
	rows, _ := pages.Select("key", "text").Tuples(ctx)
	fmt.Println(rows)
	// Output:
	// [[k second]]
}

// PageCols are PageBlock's columns, typed: a misspelled column or a value
// of the wrong type does not compile.
type PageCols struct {
	ID   orm.Column[int64]
	Key  orm.Column[string]
	Text orm.Column[string]
}

var pageCols = orm.MustColumns[PageBlock, PageCols]()

func ExampleColumn() {
	db, done := exampleDB()
	defer done()
	pages := orm.MustModel[PageBlock](db)
	p := pageCols

	query, args, err := pages.Select(p.Key.Name()).
		Where(p.Key.Like("go%"), p.ID.In(1, 2, 3)).
		OrderBy(p.ID.Desc()).SQL()
	fmt.Println(query)
	fmt.Println(args, err)

	// p.ID.Eq("1") would not compile: ID is a Column[int64].
	_, err = orm.ColumnsOf[PageBlock, struct{ Key orm.Column[int] }]()
	fmt.Println(err)
	// Output:
	// SELECT "key" FROM "page_block" WHERE "key" LIKE ? AND "id" IN (?, ?, ?) ORDER BY "id" DESC
	// [go% 1 2 3] <nil>
	// orm: ColumnsOf[orm_test.PageBlock, struct { Key orm.Column[int] }]: field Key is Column[int], but the field is string (orm_test.PageBlock.Key)
}
