package sqlmock_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// TestORMInsertFillsKeys: generated keys come back through RETURNING
// (PostgreSQL, SQLite) or LastInsertId (MySQL: row by row in a
// transaction for a multi-row insert when the server was not probed).
func TestORMInsertFillsKeys(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			_, books := ormModels(t, db)
			rows := []*ormBook{{AuthorID: 1, Title: "a"}, {AuthorID: 1, Title: "b"}, {AuthorID: 2, Title: "c", Hits: 5}}
			q := books.Insert(rows...)
			query, _, err := q.SQL()
			if err != nil {
				t.Fatal(err)
			}
			if d.InsertReturning {
				mock.ExpectQuery(query).WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(int64(40)).AddRow(int64(41)).AddRow(int64(42)))
			} else {
				// A server whose keys are not known to be consecutive (a
				// mock is not probed): one INSERT per row in a transaction.
				one := strings.Replace(query, "(?, ?, ?, ?, ?), (?, ?, ?, ?, ?), (?, ?, ?, ?, ?)", "(?, ?, ?, ?, ?)", 1)
				mock.ExpectBegin()
				for i := range rows {
					mock.ExpectExec(one).WillReturnResult(sqlmock.NewResult(int64(40+i), 1))
				}
				mock.ExpectCommit()
			}
			n, err := q.Exec(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != 3 {
				t.Errorf("Exec = %d rows, want 3", n)
			}
			for i, r := range rows {
				if r.ID != int64(40+i) {
					t.Errorf("row %d: ID = %d, want %d", i, r.ID, 40+i)
				}
			}
			if !strings.Contains(query, `hits`) {
				t.Errorf("hits is set in one row, so its column must be written: %s", query)
			}
		})
	}
}

// TestORMOneNotFound: One with no row returns an error matching
// ErrDoesNotExist and sql.ErrNoRows, naming the model, SQL and args.
func TestORMOneNotFound(t *testing.T) {
	db, mock := ormOpen(t, pgdialect.New())
	authors, _ := ormModels(t, db)
	q := authors.Select().Where(orm.Eq("id", 77))
	mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors" WHERE "id" = $1`).WithArgs(77).
		WillReturnRows(sqlmock.NewRows([]string{"id", "name", "email"}))
	got, err := q.One(context.Background())
	if got != nil || !errors.Is(err, orm.ErrDoesNotExist) || !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("One = %v, %v; want ErrDoesNotExist", got, err)
	}
	ormWantErr(t, err, "ormAuthor", `WHERE "id" = $1`, "(1 argument)")
	var dne *orm.DoesNotExistError
	if !errors.As(err, &dne) || len(dne.Args) != 1 || dne.Args[0] != 77 {
		t.Fatalf("DoesNotExistError.Args = %v, want [77]", dne.Args)
	}
	if strings.Contains(err.Error(), "77") {
		t.Fatalf("error %q shows the bound value without ErrorValues", err)
	}
}

// TestORMErrorValues: with ErrorValues the message shows the bound values.
func TestORMErrorValues(t *testing.T) {
	db, mock := ormOpen(t, pgdialect.New(), orm.ErrorValues())
	authors, _ := ormModels(t, db)
	mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors" WHERE "id" = $1`).WithArgs(77).
		WillReturnRows(sqlmock.NewRows([]string{"id", "name", "email"}))
	_, err := authors.Select().Where(orm.Eq("id", 77)).One(context.Background())
	ormWantErr(t, err, "ormAuthor", `WHERE "id" = $1`, "[77]")
}

// TestORMScanResults covers All, One, Maps, Tuples, Scalar and ScalarAs
// over one canned result, and the unknown-column rule.
func TestORMScanResults(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, sqlitedialect.New())
	authors, _ := ormModels(t, db)
	const all = `SELECT "id", "name", "email" FROM "authors" ORDER BY "id"`
	rows := func() *sqlmock.Rows {
		return sqlmock.NewRows([]string{"id", "name", "email"}).AddRow(int64(1), "ann", "a@x").AddRow(int64(2), "bob", "b@x")
	}
	q := authors.Select().OrderBy("id")

	mock.ExpectQuery(all).WillReturnRows(rows())
	list, err := q.All(ctx)
	if err != nil || len(list) != 2 || list[0] != (ormAuthor{1, "ann", "a@x"}) || list[1] != (ormAuthor{2, "bob", "b@x"}) {
		t.Fatalf("All = %+v, %v", list, err)
	}
	mock.ExpectQuery(all).WillReturnRows(rows())
	one, err := q.One(ctx)
	if err != nil || *one != (ormAuthor{1, "ann", "a@x"}) {
		t.Fatalf("One = %+v, %v", one, err)
	}
	mock.ExpectQuery(all).WillReturnRows(rows())
	maps, err := q.Maps(ctx)
	if err != nil || len(maps) != 2 || maps[1]["name"] != "bob" || maps[1]["id"] != int64(2) {
		t.Fatalf("Maps = %v, %v", maps, err)
	}
	mock.ExpectQuery(all).WillReturnRows(rows())
	tuples, err := q.Tuples(ctx)
	if err != nil || len(tuples) != 2 || tuples[0][2] != "a@x" {
		t.Fatalf("Tuples = %v, %v", tuples, err)
	}
	mock.ExpectQuery(all).WillReturnRows(rows())
	v, err := q.Scalar(ctx)
	if err != nil || v != int64(1) {
		t.Fatalf("Scalar = %v, %v", v, err)
	}
	mock.ExpectQuery(`SELECT "name" FROM "authors"`).WillReturnRows(sqlmock.NewRows([]string{"name"}).AddRow([]byte("zed")))
	s, err := orm.ScalarAs[string](ctx, authors.Select("name"))
	if err != nil || s != "zed" {
		t.Fatalf("ScalarAs = %q, %v", s, err)
	}
	mock.ExpectQuery(`SELECT "name" FROM "authors"`).WillReturnRows(sqlmock.NewRows([]string{"name"}))
	_, err = orm.ScalarAs[string](ctx, authors.Select("name"))
	if !errors.Is(err, orm.ErrDoesNotExist) {
		t.Fatalf("ScalarAs on no rows: %v", err)
	}

	// An extra result column is an error naming it, unless ignored.
	extra := func() *sqlmock.Rows {
		return sqlmock.NewRows([]string{"id", "name", "email", "score"}).AddRow(int64(3), "c", "c@x", 9.5)
	}
	raw := `SELECT *, 9.5 AS score FROM authors`
	mock.ExpectQuery(raw).WillReturnRows(extra())
	_, err = authors.Raw(raw).All(ctx)
	ormWantErr(t, err, `result column "score"`, "ormAuthor")
	mock.ExpectQuery(raw).WillReturnRows(extra())
	got, err := authors.Raw(raw).IgnoreUnknownColumns().One(ctx)
	if err != nil || *got != (ormAuthor{3, "c", "c@x"}) {
		t.Fatalf("IgnoreUnknownColumns: %+v, %v", got, err)
	}
	mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors"`).WillReturnRows(extra())
	list, err = authors.Select().IgnoreUnknownColumns().All(ctx)
	if err != nil || len(list) != 1 || list[0].Email != "c@x" {
		t.Fatalf("IgnoreUnknownColumns All: %+v, %v", list, err)
	}
}

// TestORMCountExists checks the statements of Count (plain and over a
// subquery) and Exists.
func TestORMCountExists(t *testing.T) {
	ctx := context.Background()
	db, mock := ormOpen(t, mysqldialect.New())
	authors, _ := ormModels(t, db)
	mock.ExpectQuery("SELECT COUNT(*) FROM `authors` WHERE `name` LIKE ?").WithArgs("a%").
		WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(int64(12)))
	n, err := authors.Select().Where(orm.Like("name", "a%")).OrderBy("id").Count(ctx)
	if err != nil || n != 12 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	mock.ExpectQuery("SELECT COUNT(*) FROM (SELECT DISTINCT `name` FROM `authors` LIMIT 5) AS `count_subquery`").WithArgs().
		WillReturnRows(sqlmock.NewRows([]string{"count"}).AddRow(int64(5)))
	n, err = authors.Select("name").Distinct().Limit(5).Count(ctx)
	if err != nil || n != 5 {
		t.Fatalf("Count distinct = %d, %v", n, err)
	}
	mock.ExpectQuery("SELECT EXISTS (SELECT `id`, `name`, `email` FROM `authors` WHERE `id` = ?)").WithArgs(3).
		WillReturnRows(sqlmock.NewRows([]string{"e"}).AddRow(int64(1)))
	ok, err := authors.Select().Where(orm.Eq("id", 3)).Exists(ctx)
	if err != nil || !ok {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
}

// TestORMReleasesOnErrors: with one connection in the pool, a query that
// fails while scanning, a refused statement and a successful one must each
// give the connection back, or the next query would wait forever.
func TestORMReleasesOnErrors(t *testing.T) {
	db, mock := ormOpen(t, pgdialect.New()) // the pool has one connection
	authors, _ := ormModels(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 3; i++ {
		mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors"`).
			WillReturnRows(sqlmock.NewRows([]string{"id", "bogus"}).AddRow(int64(1), "x").AddRow(int64(2), "y"))
		if _, err := authors.Select().All(ctx); err == nil {
			t.Fatal("unknown column not reported")
		}
		mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors"`).WillReturnError(errors.New("boom"))
		if _, err := authors.Select().One(ctx); err == nil || !strings.Contains(err.Error(), "boom") {
			t.Fatalf("error lost: %v", err)
		}
		mock.ExpectQuery(`SELECT "id", "name", "email" FROM "authors"`).
			WillReturnRows(sqlmock.NewRows([]string{"id", "name", "email"}).AddRow(int64(1), "a", "b").AddRow(int64(2), "c", "d"))
		if _, err := authors.Select().One(ctx); err != nil { // leaves a row unread
			t.Fatal(err)
		}
	}
	if err := ctx.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestORMInsertOneRowExec: a one-row Insert(...).Exec runs the model's
// cached row statement (Create's); it must send exactly the text and
// arguments SQL shows, read the generated values back, and leave the key
// zero when the insert fails.
func TestORMInsertOneRowExec(t *testing.T) {
	ctx := context.Background()
	for _, d := range ormDialects {
		t.Run(d.Name, func(t *testing.T) {
			db, mock := ormOpen(t, d)
			_, books := ormModels(t, db)
			for i, row := range []*ormBook{{AuthorID: 1, Title: "default hits"}, {AuthorID: 1, Title: "set hits", Hits: 5}} {
				q := books.Insert(row)
				query, args, err := q.SQL()
				if err != nil {
					t.Fatal(err)
				}
				want := make([]driver.Value, len(args))
				for j, a := range args {
					want[j] = a
				}
				id := int64(40 + i)
				switch {
				case d.InsertReturning && row.Hits == 0:
					mock.ExpectQuery(query).WithArgs(want...).WillReturnRows(sqlmock.NewRows([]string{"id", "hits"}).AddRow(id, int64(0)))
				case d.InsertReturning:
					mock.ExpectQuery(query).WithArgs(want...).WillReturnRows(sqlmock.NewRows([]string{"id"}).AddRow(id))
				default:
					mock.ExpectExec(query).WithArgs(want...).WillReturnResult(sqlmock.NewResult(id, 1))
				}
				n, err := q.Exec(ctx)
				if err != nil || n != 1 {
					t.Fatalf("%s: Exec = %d, %v; want 1 row", row.Title, n, err)
				}
				if row.ID != id {
					t.Errorf("%s: ID = %d, want %d", row.Title, row.ID, id)
				}
			}
			failing := &ormBook{AuthorID: 1, Title: "refused"}
			query, _, _ := books.Insert(failing).SQL()
			if d.InsertReturning {
				mock.ExpectQuery(query).WillReturnError(errors.New("refused"))
			} else {
				mock.ExpectExec(query).WillReturnError(errors.New("refused"))
			}
			if _, err := books.Insert(failing).Exec(ctx); err == nil || failing.ID != 0 {
				t.Errorf("failed insert: err = %v, ID = %d; want an error and ID 0", err, failing.ID)
			}
			if err := mock.ExpectationsWereMet(); err != nil {
				t.Error(err)
			}
		})
	}
}
