package migrate_test

import (
	"context"
	"embed"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/migrate"
)

// The .sql migrations travel inside the binary.
//
//go:embed testdata/example/*.sql
var migrations embed.FS

// The workflow: .sql files and a Go migration, applied in order, listed,
// and the last one rolled back. The pool's guard panics on sync calls,
// and migrating needs no aio.AllowSync: migrations are sync by design.
func Example() {
	dir, err := os.MkdirTemp("", "migrate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := orm.Open("aiosqlite", "file:"+filepath.Join(dir, "app.db"), orm.SyncMode(driver.SyncPanic))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	m, err := migrate.New(db)
	if err != nil {
		log.Fatal(err)
	}
	// 0001_create_pages.up.sql, 0001_create_pages.down.sql, 0002_unique_slug...
	if err := m.AddFS(migrations, "testdata/example"); err != nil {
		log.Fatal(err)
	}
	// A change SQLite makes by rebuilding the table, rows and index kept.
	err = m.Add(migrate.Migration{Version: 3, Name: "title_not_null",
		Up: migrate.Ops(
			migrate.RawSQL{Statements: []string{"UPDATE pages SET title = slug WHERE title IS NULL"}},
			migrate.SetNotNull{Table: "pages", Column: "title"},
		),
		Down: migrate.Ops(migrate.DropNotNull{Table: "pages", Column: "title"}),
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	applied, err := m.Up(ctx)
	if err != nil {
		log.Fatal(err) // a *migrate.MigrationError names the migration and the statement
	}
	for _, mig := range applied {
		fmt.Println("applied", mig.Version, mig.Name)
	}
	undone, err := m.Down(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rolled back", undone[0].Version, undone[0].Name)
	status, err := m.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range status {
		fmt.Println(s.Version, s.Name, s.Applied)
	}
	// Output:
	// applied 1 create_pages
	// applied 2 unique_slug
	// applied 3 title_not_null
	// rolled back 3 title_not_null
	// 1 create_pages true
	// 2 unique_slug true
	// 3 title_not_null false
}

type examplePage struct {
	ID    int64  `db:"id,pk,auto"`
	Slug  string `db:"slug,unique,size:80"`
	Title string `db:"title,default:''"`
	Rank  int32  `db:"rank,default:0,index"` // added since the table was made
}

func (examplePage) TableName() string { return "pages" }

// Diff lists what a model has and the database does not; Preview gives
// the statements, and Apply (or a migration's Ops) makes the change.
func ExampleDiff() {
	dir, err := os.MkdirTemp("", "migrate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := orm.Open("aiosqlite", "file:"+filepath.Join(dir, "app.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	m, err := migrate.New(db)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.AddFS(migrations, "testdata/example"); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := m.Up(ctx); err != nil {
		log.Fatal(err)
	}

	pages := orm.MustModel[examplePage](db)
	ops, err := migrate.Diff(ctx, db, migrate.DiffOptions{}, pages.Table())
	if err != nil {
		log.Fatal(err)
	}
	for _, op := range ops {
		fmt.Println(op)
	}
	stmts, err := migrate.Preview(ctx, db, ops...)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stmts {
		fmt.Println(s)
	}
	// Output:
	// add column pages.rank
	// add index pages_rank_idx on pages (rank)
	// ALTER TABLE "pages" ADD COLUMN "rank" INTEGER NOT NULL DEFAULT 0
	// CREATE INDEX "pages_rank_idx" ON "pages" ("rank")
}
