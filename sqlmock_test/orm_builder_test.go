package sqlmock_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/aiodb/aiodb/orm"
)

// ormHasReturning reports whether a statement reads rows back.
func ormHasReturning(query string) bool { return strings.Contains(query, " RETURNING ") }

// ormCase is one builder feature: the query, and the SQL expected in each
// dialect (by dialect name) with its arguments. args applies to every
// dialect unless argsBy gives a dialect its own.
type ormCase struct {
	name   string
	build  func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query
	want   map[string]string
	args   []any
	argsBy map[string][]any
}

const (
	pg  = "postgres"
	my  = "mysql"
	lit = "sqlite"
)

var ormDay = time.Date(2024, 3, 1, 12, 30, 0, 0, time.UTC)

var ormCases = []ormCase{
	{
		name:  "select all columns",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query { return a.Select() },
		want: map[string]string{
			pg:  `SELECT "id", "name", "email" FROM "authors"`,
			my:  "SELECT `id`, `name`, `email` FROM `authors`",
			lit: `SELECT "id", "name", "email" FROM "authors"`,
		},
	},
	{
		name: "select columns where eq",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id", "name").Where(orm.Eq("name", "bob"), orm.Gt("id", 3))
		},
		want: map[string]string{
			pg:  `SELECT "id", "name" FROM "authors" WHERE "name" = $1 AND "id" > $2`,
			my:  "SELECT `id`, `name` FROM `authors` WHERE `name` = ? AND `id` > ?",
			lit: `SELECT "id", "name" FROM "authors" WHERE "name" = ? AND "id" > ?`,
		},
		args: []any{"bob", 3},
	},
	{
		name: "comparison operators and null",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Ne("id", 1), orm.Lt("id", 9), orm.Le("id", 8), orm.Ge("id", 2),
				orm.Eq("email", nil), orm.Ne("name", nil), orm.IsNull("email"), orm.IsNotNull("name"))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "id" <> $1 AND "id" < $2 AND "id" <= $3 AND "id" >= $4 AND "email" IS NULL AND "name" IS NOT NULL AND "email" IS NULL AND "name" IS NOT NULL`,
			my:  "SELECT `id` FROM `authors` WHERE `id` <> ? AND `id` < ? AND `id` <= ? AND `id` >= ? AND `email` IS NULL AND `name` IS NOT NULL AND `email` IS NULL AND `name` IS NOT NULL",
			lit: `SELECT "id" FROM "authors" WHERE "id" <> ? AND "id" < ? AND "id" <= ? AND "id" >= ? AND "email" IS NULL AND "name" IS NOT NULL AND "email" IS NULL AND "name" IS NOT NULL`,
		},
		args: []any{1, 9, 8, 2},
	},
	{
		name: "and or not",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Or(orm.Eq("id", 1), orm.And(orm.Gt("id", 5), orm.Lt("id", 10))), orm.Not(orm.Eq("name", "x")))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE ("id" = $1 OR ("id" > $2 AND "id" < $3)) AND NOT ("name" = $4)`,
			my:  "SELECT `id` FROM `authors` WHERE (`id` = ? OR (`id` > ? AND `id` < ?)) AND NOT (`name` = ?)",
			lit: `SELECT "id" FROM "authors" WHERE ("id" = ? OR ("id" > ? AND "id" < ?)) AND NOT ("name" = ?)`,
		},
		args: []any{1, 5, 10, "x"},
	},
	{
		name: "empty and, empty or",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.And(), orm.Not(orm.Or()))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE TRUE AND NOT (FALSE)`,
			my:  "SELECT `id` FROM `authors` WHERE TRUE AND NOT (FALSE)",
			lit: `SELECT "id" FROM "authors" WHERE 1 AND NOT (0)`,
		},
	},
	{
		name: "like ilike between",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Like("name", "a%"), orm.ILike("email", "%@X.org"), orm.Between("id", 2, 7))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "name" LIKE $1 AND "email" ILIKE $2 AND "id" BETWEEN $3 AND $4`,
			my:  "SELECT `id` FROM `authors` WHERE `name` LIKE ? AND LOWER(`email`) LIKE LOWER(?) AND `id` BETWEEN ? AND ?",
			lit: `SELECT "id" FROM "authors" WHERE "name" LIKE ? AND LOWER("email") LIKE LOWER(?) AND "id" BETWEEN ? AND ?`,
		},
		args: []any{"a%", "%@X.org", 2, 7},
	},
	{
		name: "in and not in lists",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.In("id", []int{1, 2, 3}), orm.NotIn("name", []string{"x", "y"}))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "id" IN ($1, $2, $3) AND "name" NOT IN ($4, $5)`,
			my:  "SELECT `id` FROM `authors` WHERE `id` IN (?, ?, ?) AND `name` NOT IN (?, ?)",
			lit: `SELECT "id" FROM "authors" WHERE "id" IN (?, ?, ?) AND "name" NOT IN (?, ?)`,
		},
		args: []any{1, 2, 3, "x", "y"},
	},
	{
		name: "any binds one array where the dialect has arrays",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Any("id", []int64{4, 5}))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "id" = ANY($1)`,
			my:  "SELECT `id` FROM `authors` WHERE `id` IN (?, ?)",
			lit: `SELECT "id" FROM "authors" WHERE "id" IN (?, ?)`,
		},
		args:   []any{int64(4), int64(5)},
		argsBy: map[string][]any{pg: {[]int64{4, 5}}},
	},
	{
		name: "in subquery of another model",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return a.Select("name").Where(orm.In("id", b.Select("author_id").Where(orm.Gt("hits", 100))), orm.Ne("name", "z"))
		},
		want: map[string]string{
			pg:  `SELECT "name" FROM "authors" WHERE "id" IN (SELECT "author_id" FROM "books" WHERE "hits" > $1) AND "name" <> $2`,
			my:  "SELECT `name` FROM `authors` WHERE `id` IN (SELECT `author_id` FROM `books` WHERE `hits` > ?) AND `name` <> ?",
			lit: `SELECT "name" FROM "authors" WHERE "id" IN (SELECT "author_id" FROM "books" WHERE "hits" > ?) AND "name" <> ?`,
		},
		args: []any{100, "z"},
	},
	{
		name: "correlated exists subquery with aliases",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return a.Select("id").As("a").Where(orm.SQL("EXISTS ?", b.Select("id").As("b").Where(orm.Eq("b.author_id", orm.Col("a.id")))))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" AS "a" WHERE EXISTS (SELECT "id" FROM "books" AS "b" WHERE "b"."author_id" = "a"."id")`,
			my:  "SELECT `id` FROM `authors` AS `a` WHERE EXISTS (SELECT `id` FROM `books` AS `b` WHERE `b`.`author_id` = `a`.`id`)",
			lit: `SELECT "id" FROM "authors" AS "a" WHERE EXISTS (SELECT "id" FROM "books" AS "b" WHERE "b"."author_id" = "a"."id")`,
		},
	},
	{
		name: "joins with aliases",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Select("title").As("b").Join(a.Table(), "a", orm.Eq("a.id", orm.Col("b.author_id"))).
				LeftJoin(a.Table(), "co", orm.Eq("co.id", orm.Col("author_id"))).
				Where(orm.Eq("a.name", "ann"), orm.Gt("price", 9.5))
		},
		want: map[string]string{
			pg:  `SELECT "b"."title" FROM "books" AS "b" JOIN "authors" AS "a" ON "a"."id" = "b"."author_id" LEFT JOIN "authors" AS "co" ON "co"."id" = "b"."author_id" WHERE "a"."name" = $1 AND "b"."price" > $2`,
			my:  "SELECT `b`.`title` FROM `books` AS `b` JOIN `authors` AS `a` ON `a`.`id` = `b`.`author_id` LEFT JOIN `authors` AS `co` ON `co`.`id` = `b`.`author_id` WHERE `a`.`name` = ? AND `b`.`price` > ?",
			lit: `SELECT "b"."title" FROM "books" AS "b" JOIN "authors" AS "a" ON "a"."id" = "b"."author_id" LEFT JOIN "authors" AS "co" ON "co"."id" = "b"."author_id" WHERE "a"."name" = ? AND "b"."price" > ?`,
		},
		args: []any{"ann", 9.5},
	},
	{
		name: "group by having with an aggregate column",
		build: func(_ *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Select("author_id").ColumnExpr(orm.SQL("SUM(?)", orm.Col("hits")), "total").
				GroupBy("author_id").Having(orm.Gt("total", 10)).OrderBy("-total")
		},
		want: map[string]string{
			pg:  `SELECT "author_id", SUM("hits") AS "total" FROM "books" GROUP BY "author_id" HAVING (SUM("hits")) > $1 ORDER BY "total" DESC`,
			my:  "SELECT `author_id`, SUM(`hits`) AS `total` FROM `books` GROUP BY `author_id` HAVING (SUM(`hits`)) > ? ORDER BY `total` DESC",
			lit: `SELECT "author_id", SUM("hits") AS "total" FROM "books" GROUP BY "author_id" HAVING (SUM("hits")) > ? ORDER BY "total" DESC`,
		},
		args: []any{10},
	},
	{
		name: "order limit offset distinct",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("name").Distinct().OrderBy("-id", orm.Desc("email"), orm.Asc("name")).Limit(10).Offset(20)
		},
		want: map[string]string{
			pg:  `SELECT DISTINCT "name" FROM "authors" ORDER BY "id" DESC, "email" DESC, "name" LIMIT 10 OFFSET $1`,
			my:  "SELECT DISTINCT `name` FROM `authors` ORDER BY `id` DESC, `email` DESC, `name` LIMIT 10 OFFSET ?",
			lit: `SELECT DISTINCT "name" FROM "authors" ORDER BY "id" DESC, "email" DESC, "name" LIMIT 10 OFFSET ?`,
		},
		args: []any{int64(20)}, // LIMIT is a literal, OFFSET is bound
	},
	{
		name: "offset without limit",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Offset(5)
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" OFFSET $1`,
			my:  "SELECT `id` FROM `authors` LIMIT 18446744073709551615 OFFSET ?",
			lit: `SELECT "id" FROM "authors" LIMIT -1 OFFSET ?`,
		},
		args: []any{int64(5)},
	},
	{
		name: "for update",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Eq("id", 1)).ForUpdate()
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "id" = $1 FOR UPDATE`,
			my:  "SELECT `id` FROM `authors` WHERE `id` = ? FOR UPDATE",
			lit: `SELECT "id" FROM "authors" WHERE "id" = ?`,
		},
		args: []any{1},
	},
	{
		name: "from subquery",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id", "name").FromSubquery(a.Select().Where(orm.Like("email", "%.org")), "t").Where(orm.Gt("t.id", 1))
		},
		want: map[string]string{
			pg:  `SELECT "id", "name" FROM (SELECT "id", "name", "email" FROM "authors" WHERE "email" LIKE $1) AS "t" WHERE "t"."id" > $2`,
			my:  "SELECT `id`, `name` FROM (SELECT `id`, `name`, `email` FROM `authors` WHERE `email` LIKE ?) AS `t` WHERE `t`.`id` > ?",
			lit: `SELECT "id", "name" FROM (SELECT "id", "name", "email" FROM "authors" WHERE "email" LIKE ?) AS "t" WHERE "t"."id" > ?`,
		},
		args: []any{"%.org", 1},
	},
	{
		name: "union, union all, intersect, except with order and limit",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.Lt("id", 10)).
				Union(b.Select("author_id").Where(orm.Gt("hits", 1))).
				UnionAll(a.Select("id").Where(orm.Eq("name", "u"))).
				Intersect(a.Select("id")).
				Except(b.Select("author_id").Where(orm.Eq("price", 0))).
				OrderBy("-id").Limit(3)
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE "id" < $1 UNION SELECT "author_id" FROM "books" WHERE "hits" > $2 UNION ALL SELECT "id" FROM "authors" WHERE "name" = $3 INTERSECT SELECT "id" FROM "authors" EXCEPT SELECT "author_id" FROM "books" WHERE "price" = $4 ORDER BY "id" DESC LIMIT 3`,
			my:  "SELECT `id` FROM `authors` WHERE `id` < ? UNION SELECT `author_id` FROM `books` WHERE `hits` > ? UNION ALL SELECT `id` FROM `authors` WHERE `name` = ? INTERSECT SELECT `id` FROM `authors` EXCEPT SELECT `author_id` FROM `books` WHERE `price` = ? ORDER BY `id` DESC LIMIT 3",
			lit: `SELECT "id" FROM "authors" WHERE "id" < ? UNION SELECT "author_id" FROM "books" WHERE "hits" > ? UNION ALL SELECT "id" FROM "authors" WHERE "name" = ? INTERSECT SELECT "id" FROM "authors" EXCEPT SELECT "author_id" FROM "books" WHERE "price" = ? ORDER BY "id" DESC LIMIT 3`,
		},
		args: []any{10, 1, "u", 0}, // LIMIT is a literal
	},
	{
		name: "sql fragment with a column, a bound value and a literal question mark",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Where(orm.SQL("LOWER(?) = ? OR ? ?? 'a?'", orm.Col("name"), "bob", orm.Col("email")))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "authors" WHERE LOWER("name") = $1 OR "email" ? 'a?'`,
			my:  "SELECT `id` FROM `authors` WHERE LOWER(`name`) = ? OR `email` ? 'a?'",
			lit: `SELECT "id" FROM "authors" WHERE LOWER("name") = ? OR "email" ? 'a?'`,
		},
		args: []any{"bob"},
	},
	{
		name: "time values",
		build: func(_ *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Select("id").Where(orm.Ge("published", ormDay))
		},
		want: map[string]string{
			pg:  `SELECT "id" FROM "books" WHERE "published" >= $1`,
			my:  "SELECT `id` FROM `books` WHERE `published` >= ?",
			lit: `SELECT "id" FROM "books" WHERE "published" >= ?`,
		},
		args:   []any{ormDay},
		argsBy: map[string][]any{lit: {"2024-03-01 12:30:00.000000000+00:00"}, my: {"2024-03-01 12:30:00"}},
	},
	{
		name: "insert one row: auto key and zero defaulted column left to the database",
		build: func(_ *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Insert(&ormBook{AuthorID: 7, Title: "Go", Price: 12.5})
		},
		want: map[string]string{
			pg:  `INSERT INTO "books" ("author_id", "title", "price", "published") VALUES ($1, $2, $3, $4) RETURNING "id", "hits"`,
			my:  "INSERT INTO `books` (`author_id`, `title`, `price`, `published`) VALUES (?, ?, ?, ?)",
			lit: `INSERT INTO "books" ("author_id", "title", "price", "published") VALUES (?, ?, ?, ?) RETURNING "id", "hits"`,
		},
		args: []any{int64(7), "Go", 12.5, nil},
	},
	{
		name: "insert many rows with explicit keys",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Insert(&ormAuthor{ID: 1, Name: "a", Email: "a@x"}, &ormAuthor{ID: 2, Name: "b", Email: "b@x"})
		},
		want: map[string]string{
			pg:  `INSERT INTO "authors" ("id", "name", "email") VALUES ($1, $2, $3), ($4, $5, $6)`,
			my:  "INSERT INTO `authors` (`id`, `name`, `email`) VALUES (?, ?, ?), (?, ?, ?)",
			lit: `INSERT INTO "authors" ("id", "name", "email") VALUES (?, ?, ?), (?, ?, ?)`,
		},
		args: []any{int64(1), "a", "a@x", int64(2), "b", "b@x"},
	},
	{
		name: "insert on conflict do nothing",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Insert(&ormAuthor{Name: "a", Email: "a@x"}, &ormAuthor{Name: "b", Email: "b@x"}).OnConflictDoNothing("email")
		},
		want: map[string]string{
			pg:  `INSERT INTO "authors" ("name", "email") VALUES ($1, $2), ($3, $4) ON CONFLICT ("email") DO NOTHING`,
			my:  "INSERT IGNORE INTO `authors` (`name`, `email`) VALUES (?, ?), (?, ?)",
			lit: `INSERT INTO "authors" ("name", "email") VALUES (?, ?), (?, ?) ON CONFLICT ("email") DO NOTHING`,
		},
		args: []any{"a", "a@x", "b", "b@x"},
	},
	{
		name: "upsert with excluded values and an expression",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Insert(&ormBook{ID: 3, AuthorID: 1, Title: "T", Hits: 1}).
				OnConflictUpdate([]string{"id"}, "title").
				OnConflictSet([]string{"id"}, "hits", orm.SQL("? + ?", orm.Col("hits"), 1))
		},
		want: map[string]string{
			pg:  `INSERT INTO "books" ("id", "author_id", "title", "hits", "price", "published") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ("id") DO UPDATE SET "title" = EXCLUDED."title", "hits" = "books"."hits" + $7`,
			my:  "INSERT INTO `books` (`id`, `author_id`, `title`, `hits`, `price`, `published`) VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `title` = VALUES(`title`), `hits` = `hits` + ?",
			lit: `INSERT INTO "books" ("id", "author_id", "title", "hits", "price", "published") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ("id") DO UPDATE SET "title" = EXCLUDED."title", "hits" = "books"."hits" + ?`,
		},
		args: []any{int64(3), int64(1), "T", int64(1), 0.0, nil, 1},
	},
	{
		name: "update with an expression, where and returning",
		build: func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Update().Set("title", "New").Set("hits", orm.SQL("? + 1", orm.Col("hits"))).Where(orm.Eq("id", 4))
		},
		want: map[string]string{
			pg:  `UPDATE "books" SET "title" = $1, "hits" = "hits" + 1 WHERE "id" = $2`,
			my:  "UPDATE `books` SET `title` = ?, `hits` = `hits` + 1 WHERE `id` = ?",
			lit: `UPDATE "books" SET "title" = ?, "hits" = "hits" + 1 WHERE "id" = ?`,
		},
		args: []any{"New", 4},
	},
	{
		name: "update set from a row by primary key",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			row := &ormAuthor{ID: 9, Name: "n", Email: "e"}
			return a.Update().SetFrom(row, "name").WherePK(row)
		},
		want: map[string]string{
			pg:  `UPDATE "authors" SET "name" = $1 WHERE "id" = $2`,
			my:  "UPDATE `authors` SET `name` = ? WHERE `id` = ?",
			lit: `UPDATE "authors" SET "name" = ? WHERE "id" = ?`,
		},
		args: []any{"n", int64(9)},
	},
	{
		name: "delete with where",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Delete().Where(orm.In("id", []int64{1, 2}))
		},
		want: map[string]string{
			pg:  `DELETE FROM "authors" WHERE "id" IN ($1, $2)`,
			my:  "DELETE FROM `authors` WHERE `id` IN (?, ?)",
			lit: `DELETE FROM "authors" WHERE "id" IN (?, ?)`,
		},
		args: []any{int64(1), int64(2)},
	},
	{
		name: "raw query placeholders",
		build: func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Raw("SELECT id, name, email FROM authors WHERE name = ? AND id > ? AND note = '?'", "x", 2)
		},
		want: map[string]string{
			pg:  `SELECT id, name, email FROM authors WHERE name = $1 AND id > $2 AND note = '?'`,
			my:  "SELECT id, name, email FROM authors WHERE name = ? AND id > ? AND note = '?'",
			lit: `SELECT id, name, email FROM authors WHERE name = ? AND id > ? AND note = '?'`,
		},
		args: []any{"x", 2},
	},
}

// TestORMBuilderSQL checks every builder feature's SQL and arguments in
// every dialect.
func TestORMBuilderSQL(t *testing.T) {
	for _, d := range ormDialects {
		db, _ := ormOpen(t, d)
		a, b := ormModels(t, db)
		for _, c := range ormCases {
			t.Run(d.Name+"/"+c.name, func(t *testing.T) {
				got, args, err := c.build(a, b).SQL()
				if err != nil {
					t.Fatal(err)
				}
				if want := c.want[d.Name]; got != want {
					t.Errorf("SQL\n got: %s\nwant: %s", got, want)
				}
				want := c.args
				if w, ok := c.argsBy[d.Name]; ok {
					want = w
				}
				if len(want) == 0 && len(args) == 0 {
					return
				}
				if !reflect.DeepEqual(args, want) {
					t.Errorf("args\n got: %#v\nwant: %#v", args, want)
				}
			})
		}
	}
}

// TestORMBuilderRunsItsSQL proves that the terminal methods send the
// statement SQL() shows, with its arguments: each case that binds only
// plain values is run through go-sqlmock, which matches it exactly.
func TestORMBuilderRunsItsSQL(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		for _, c := range ormCases {
			if d.Name == "postgres" && c.argsBy[pg] != nil && c.name != "time values" {
				continue // a Go slice argument: sqlmock's converter has no arrays
			}
			t.Run(d.Name+"/"+c.name, func(t *testing.T) {
				db, mock := ormOpen(t, d)
				a, b := ormModels(t, db)
				q := c.build(a, b)
				query, args, err := q.SQL()
				if err != nil {
					t.Fatal(err)
				}
				var runErr error
				switch q := q.(type) {
				case *orm.SelectQuery[ormAuthor]:
					mock.ExpectQuery(query).WithArgs(ormDriverArgs(args)...).WillReturnRows(mock.NewRows([]string{"id"}).AddRow(int64(1)))
					_, runErr = q.Tuples(ctx)
				case *orm.SelectQuery[ormBook]:
					mock.ExpectQuery(query).WithArgs(ormDriverArgs(args)...).WillReturnRows(mock.NewRows([]string{"id"}).AddRow(int64(1)))
					_, runErr = q.Tuples(ctx)
				case *orm.RawQuery[ormAuthor]:
					mock.ExpectQuery(query).WithArgs(ormDriverArgs(args)...).WillReturnRows(mock.NewRows([]string{"id", "name", "email"}).AddRow(int64(1), "x", "e"))
					var rows []ormAuthor
					rows, runErr = q.All(ctx)
					if runErr == nil && (len(rows) != 1 || rows[0] != (ormAuthor{1, "x", "e"})) {
						t.Errorf("rows = %+v", rows)
					}
				case interface {
					Exec(context.Context) (int64, error)
				}:
					if ormHasReturning(query) {
						mock.ExpectQuery(query).WithArgs(ormDriverArgs(args)...).WillReturnRows(mock.NewRows([]string{"id", "hits"}).AddRow(int64(11), int64(0)))
					} else {
						mock.ExpectExec(query).WithArgs(ormDriverArgs(args)...).WillReturnResult(sqlmock.NewResult(11, 1))
					}
					_, runErr = q.Exec(ctx)
				default:
					t.Fatalf("no runner for %T", q)
				}
				if runErr != nil {
					t.Fatal(runErr)
				}
			})
		}
	}
}
