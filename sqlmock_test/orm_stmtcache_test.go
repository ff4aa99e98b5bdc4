package sqlmock_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/aiodb/aiodb/orm"
)

// inDialect rewrites a statement written for PostgreSQL ("ident", $n) in
// dialect d's quotes and placeholders.
func inDialect(d *orm.Dialect, pg string) string {
	s := strings.ReplaceAll(pg, `"`, string(d.IdentQuote))
	if d.Placeholder != orm.PlaceholderDollar {
		s = regexp.MustCompile(`\$\d+`).ReplaceAllString(s, "?")
	}
	return s
}

// TestCachedStatementShapes runs each query of a cached shape twice (the
// first run builds and caches its text, the second takes it from the
// cache) and queries of neighbouring shapes in between: every run sends
// exactly the statement and arguments the builder writes.
func TestCachedStatementShapes(t *testing.T) {
	const cols = `SELECT "id", "name", "email" FROM "authors"`
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			authors, _ := ormModels(t, db)
			row := func(id int64) *sqlmock.Rows {
				return sqlmock.NewRows([]string{"id", "name", "email"}).AddRow(id, "ann", "a@x")
			}
			expectQuery := func(pg string, id int64, args ...any) {
				mock.ExpectQuery(inDialect(d, pg)).WithArgs(ormDriverArgs(args)...).WillReturnRows(row(id))
			}
			for range 2 {
				expectQuery(cols+` WHERE "name" = $1`, 1, "ann")
				if _, err := authors.Select().Where(orm.Eq("name", "ann")).One(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "email" = $1`, 2, "a@x")
				if _, err := authors.Select().Where(orm.Eq("email", "a@x")).One(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "id" > $1 LIMIT 10`, 3, 5)
				if _, err := authors.Select().Where(orm.Gt("id", 5)).Limit(10).All(ctx); err != nil {
					t.Fatal(err)
				}
				// The limit is part of the text, so another limit is another
				// cached statement, not the first one's text.
				expectQuery(cols+` WHERE "id" > $1 LIMIT 20`, 3, 5)
				if _, err := authors.Select().Where(orm.Gt("id", 5)).Limit(20).All(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "id" > $1`, 3, 5)
				if _, err := authors.Select().Where(orm.Gt("id", 5)).All(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "name" IS NULL`, 4)
				if _, err := authors.Select().Where(orm.Eq("name", nil)).One(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "name" = "email"`, 5)
				if _, err := authors.Select().Where(orm.Eq("name", orm.Col("email"))).One(ctx); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "id" = $1 LIMIT 1`, 7, 7)
				if _, err := authors.Get(ctx, orm.Eq("id", 7)); err != nil {
					t.Fatal(err)
				}
				expectQuery(cols+` WHERE "id" = $1 LIMIT 1`, 8, 8)
				if got, err := authors.GetByPK(ctx, 8); err != nil || got.ID != 8 {
					t.Fatal(got, err)
				}
				expectQuery(cols+` WHERE "name" = $1 LIMIT 1`, 9, "ann")
				if _, err := authors.Get(ctx, orm.Eq("name", "ann")); err != nil {
					t.Fatal(err)
				}
				a := &ormAuthor{ID: 3, Name: "bo", Email: "b@x"}
				mock.ExpectExec(inDialect(d, `UPDATE "authors" SET "name" = $1, "email" = $2 WHERE "id" = $3`)).
					WithArgs("bo", "b@x", 3).WillReturnResult(sqlmock.NewResult(0, 1))
				if n, err := authors.Update().SetFrom(a).WherePK(a).Exec(ctx); err != nil || n != 1 {
					t.Fatal(n, err)
				}
				mock.ExpectExec(inDialect(d, `UPDATE "authors" SET "name" = $1, "email" = $2, "name" = $3 WHERE "id" = $4`)).
					WithArgs("bo", "b@x", "cy", 3).WillReturnResult(sqlmock.NewResult(0, 1))
				if _, err := authors.Update().SetFrom(a).Set("name", "cy").WherePK(a).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				mock.ExpectExec(inDialect(d, `UPDATE "authors" SET "name" = $1, "email" = $2 WHERE "id" = $3 AND "name" = $4`)).
					WithArgs("bo", "b@x", 3, "bo").WillReturnResult(sqlmock.NewResult(0, 1))
				if _, err := authors.Update().SetFrom(a).WherePK(a).Where(orm.Eq("name", "bo")).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			// A cached shape does not hide an unknown column of another one.
			if _, err := authors.Select().Where(orm.Eq("nope", 1)).One(ctx); err == nil || !strings.Contains(err.Error(), `"nope"`) {
				t.Fatalf("unknown column: %v", err)
			}
		})
	}
}
