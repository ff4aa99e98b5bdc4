package migrate

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
	"github.com/aiodb/aiodb/orm/schema"
)

type goldenPage struct {
	ID    int64   `db:"id,pk,auto"`
	Slug  string  `db:"slug,unique,size:80"`
	Title string  `db:"title,default:'untitled'"`
	Body  *string `db:"body"`
	Rank  int32   `db:"rank,index"`
}

func (goldenPage) TableName() string { return "mig_golden_pages" }

// fakeCatalog is the live schema the golden tests render against;
// mariadb spells MySQL defaults as MariaDB does.
type fakeCatalog struct{ mariadb bool }

const goldenSQLite = `CREATE TABLE "pages" ("id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, "slug" VARCHAR(80) NOT NULL, "title" TEXT NOT NULL DEFAULT 'untitled', "body" TEXT, "n" INTEGER NULL CHECK (n >= 0), CONSTRAINT "pages_slug_key" UNIQUE ("slug"))`

func (fakeCatalog) sqliteTable(_ context.Context, table string) (*sqliteTable, error) {
	if table != "pages" {
		return nil, fmt.Errorf("no table %q", table)
	}
	return &sqliteTable{SQL: goldenSQLite, Objects: []sqliteObject{
		{"index", "pages_title_idx", `CREATE INDEX "pages_title_idx" ON "pages" ("title")`},
		{"index", "pages_body_n_idx", `CREATE INDEX "pages_body_n_idx" ON "pages" ("body", "n") WHERE "n" > 0`},
		{"trigger", "pages_touch", `CREATE TRIGGER pages_touch AFTER UPDATE ON pages BEGIN SELECT 1; END`},
		{"view", "long_pages", `CREATE VIEW long_pages AS SELECT * FROM pages WHERE n > 10`},
		{"view", "other", `CREATE VIEW other AS SELECT 1`},
	}}, nil
}

func (c fakeCatalog) mysqlColumn(_ context.Context, table, column string) (*mysqlColumn, error) {
	switch {
	case column == "title" && c.mariadb:
		return &mysqlColumn{Type: "varchar(200)", Default: sql.NullString{String: "'untitled'", Valid: true}}, nil
	case column == "title":
		return &mysqlColumn{Type: "varchar(200)", Default: sql.NullString{String: "untitled", Valid: true}}, nil
	case column == "body" && c.mariadb:
		return &mysqlColumn{Type: "longtext", Null: true, Default: sql.NullString{String: "NULL", Valid: true}}, nil
	case column == "body":
		return &mysqlColumn{Type: "longtext", Null: true}, nil
	case column == "created":
		return &mysqlColumn{Type: "datetime(6)", Default: sql.NullString{String: "current_timestamp(6)", Valid: true}, Extra: "DEFAULT_GENERATED on update CURRENT_TIMESTAMP(6)"}, nil
	}
	return nil, fmt.Errorf("no column %s.%s", table, column)
}

type goldenCase struct {
	name string
	op   Op
}

func goldenCases(tbl *schema.Table) []goldenCase {
	return []goldenCase{
		{name: "add field", op: AddField(tbl, "title")},
		{name: "add field null", op: AddField(tbl, "body")},
		{name: "add field sized unique", op: AddField(tbl, "slug")},
		{name: "add column by hand", op: AddColumn{Table: "pages", Column: Column{Name: "views", Type: "BIGINT", Default: "0"}}},
		{name: "add column null", op: AddColumn{Table: "pages", Column: Column{Name: "note", Type: "TEXT", Null: true}}},
		{name: "drop column", op: DropColumn{Table: "pages", Column: "body"}},
		{name: "drop plain column", op: DropColumn{Table: "pages", Column: "extra"}},
		{name: "rename column", op: RenameColumn{Table: "pages", From: "title", To: "headline"}},
		{name: "rename table", op: RenameTable{From: "pages", To: "articles"}},
		{name: "add index", op: AddIndex{Table: "pages", Index: Index{Name: "pages_title_idx", Columns: []string{"title"}}}},
		{name: "add unique multi", op: AddIndex{Table: "pages", Index: Index{Name: "pages_slug_title_key", Columns: []string{"slug", "title"}, Unique: true}}},
		{name: "add partial", op: AddIndex{Table: "pages", Index: Index{Name: "pages_live_idx", Columns: []string{"slug"}, Where: "body IS NOT NULL"}}},
		{name: "model index", op: ModelIndex(tbl, "mig_golden_pages_rank_idx")},
		{name: "drop index", op: DropIndex{Table: "pages", Name: "pages_title_idx"}},
		{name: "set not null", op: SetNotNull{Table: "pages", Column: "body"}},
		{name: "drop not null", op: DropNotNull{Table: "pages", Column: "title"}},
		{name: "alter type", op: AlterType{Table: "pages", Column: "title", Type: "VARCHAR(300)"}},
		{name: "alter type keeps default and on update", op: AlterType{Table: "pages", Column: "created", Type: "TIMESTAMP(6)"}},
		{name: "alter type using", op: AlterType{Table: "pages", Column: "title", Type: "INTEGER", Using: "title::integer"}},
		{name: "create table", op: CreateTable{Model: tbl}},
		{name: "drop table", op: DropTable{Table: "pages", IfExists: true}},
		{name: "raw", op: RawSQL{Statements: []string{"UPDATE pages SET n = 0", " "}}},
		{name: "bad name", op: RenameTable{From: "pages", To: "a b"}},
		{name: "unknown field", op: AddField(tbl, "nope")},
	}
}

var update = flag.Bool("update", false, "rewrite testdata/golden/*.sql from the output")

// TestGoldenSQL renders every op in every dialect and compares the text
// with testdata/golden/DIALECT.sql (go test -run GoldenSQL -update
// rewrites them; read the diff before committing it).
func TestGoldenSQL(t *testing.T) {
	tbl, err := schema.Of(reflect.TypeFor[goldenPage]())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*dialect.Dialect{pgdialect.New(), mysqldialect.New(), mysqldialect.MariaDB(), sqlitedialect.New()} {
		t.Run(d.String(), func(t *testing.T) {
			r, err := newRenderer(d, fakeCatalog{mariadb: d.Variant == "mariadb"})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for _, c := range goldenCases(tbl) {
				fmt.Fprintf(&out, "-- %s: %s\n", c.name, c.op)
				stmts, err := r.op(context.Background(), c.op)
				if err != nil {
					fmt.Fprintf(&out, "ERROR %v\n", err)
				}
				for _, s := range stmts {
					fmt.Fprintf(&out, "%s;\n", s)
				}
				out.WriteString("\n")
			}
			file := filepath.Join("testdata", "golden", d.String()+".sql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("%s differs from the output:\n%s", file, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff lists the lines that differ, by number.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// TestSQLWithoutCatalog: SQL renders what needs no live schema and says
// which ops need one.
func TestSQLWithoutCatalog(t *testing.T) {
	got, err := SQL(sqlitedialect.New(), RenameColumn{Table: "p", From: "a", To: "b"}, AddIndex{Table: "p", Index: Index{Name: "p_b", Columns: []string{"b"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`ALTER TABLE "p" RENAME COLUMN "a" TO "b"`, `CREATE INDEX "p_b" ON "p" ("b")`}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	_, err = SQL(sqlitedialect.New(), SetNotNull{Table: "p", Column: "a"})
	if err == nil || !strings.Contains(err.Error(), "Preview") {
		t.Errorf("SetNotNull on SQLite without a catalog: %v, want an error pointing to Preview", err)
	}
	if _, err := SQL(&dialect.Dialect{Name: "oracle"}, DropTable{Table: "p"}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("unknown dialect: %v", err)
	}
}
