package sqlmock_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// TestORMBuildErrors checks that bad input is reported by the terminal
// method with the column, model or value at fault, and that nothing is
// sent to the database (the mock expects nothing).
func TestORMBuildErrors(t *testing.T) {
	type point struct{ X, Y int }
	cases := []struct {
		name  string
		build func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query
		want  []string // substrings of the error
	}{
		{"unknown selected column", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id", "nope")
		}, []string{`unknown column "nope"`, "ormAuthor", "authors"}},
		{"unknown column in where", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.Eq("title", "x"))
		}, []string{`unknown column "title"`, "ormAuthor"}},
		{"unknown column in order by", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().OrderBy("-bogus")
		}, []string{`unknown column "bogus"`}},
		{"unknown column of a joined model", func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Select().Join(a.Table(), "a", orm.Eq("a.title", orm.Col("author_id")))
		}, []string{`unknown column "title"`, "ormAuthor"}},
		{"unknown qualifier", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.Eq("x.id", 1))
		}, []string{`unknown table or alias "x"`}},
		{"ambiguous column of two joined tables", func(a *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Select("title").Join(a.Table(), "a1", nil).Join(a.Table(), "a2", nil).Where(orm.Eq("email", "e"))
		}, []string{`column "email" is ambiguous`}},
		{"unknown column in update set", func(_ *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Update().Set("nope", 1)
		}, []string{`unknown column "nope"`, "ormBook"}},
		{"update without set", func(_ *orm.Model[ormAuthor], b *orm.Model[ormBook]) orm.Query {
			return b.Update().Where(orm.Eq("id", 1))
		}, []string{"sets no column"}},
		{"unknown returning column", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			if a.DB().Dialect().DeleteReturning {
				return a.Delete().Returning("zzz")
			}
			return a.Select().Where(orm.Eq("zzz", 1)) // MySQL refuses RETURNING first
		}, []string{`unknown column "zzz"`}},
		{"empty in list", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.In("id", []int64{}))
		}, []string{`In("id") with an empty list`}},
		{"in with a non-list", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.In("id", 5))
		}, []string{`In("id")`, "want a slice"}},
		{"struct value cannot be bound", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.Eq("name", point{1, 2}))
		}, []string{"cannot bind a value of type sqlmock_test.point"}},
		{"map value cannot be bound", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Update().Set("name", map[string]int{"a": 1})
		}, []string{"cannot bind a value of type map[string]int"}},
		{"placeholder count mismatch", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().Where(orm.SQL("id = ? AND name = ?", 1))
		}, []string{"more placeholders than its 1 arguments"}},
		{"too many arguments for the placeholders", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Raw("SELECT 1", 1)
		}, []string{"0 placeholders but 1 arguments"}},
		{"bad alias", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().As(`a"; DROP TABLE x; --`)
		}, []string{"alias", "not a valid identifier"}},
		{"bad expression alias", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select().ColumnExpr(orm.SQL("1"), "n n")
		}, []string{`alias "n n"`}},
		{"insert without rows", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Insert()
		}, []string{"no rows"}},
		{"insert with a nil row", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Insert(&ormAuthor{}, nil)
		}, []string{"row 1 is nil"}},
		{"insert mixing set and zero auto keys", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Insert(&ormAuthor{ID: 3}, &ormAuthor{})
		}, []string{"auto column id is set in some rows"}},
		{"union member with its own limit", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Select("id").Union(a.Select("id").Limit(1))
		}, []string{"UNION member has ORDER BY, LIMIT"}},
		{"where pk of a nil row", func(a *orm.Model[ormAuthor], _ *orm.Model[ormBook]) orm.Query {
			return a.Delete().WherePK(nil)
		}, []string{"nil *sqlmock_test.ormAuthor"}},
	}
	ctx := context.Background()
	for _, d := range ormDialects {
		for _, c := range cases {
			t.Run(d.Name+"/"+c.name, func(t *testing.T) {
				db, _ := ormOpen(t, d) // expects no statement at all
				a, b := ormModels(t, db)
				q := c.build(a, b)
				_, _, err := q.SQL()
				ormWantErr(t, err, c.want...)
				// The terminal method reports the same error without running anything.
				switch q := q.(type) {
				case *orm.SelectQuery[ormAuthor]:
					_, err = q.All(ctx)
				case *orm.SelectQuery[ormBook]:
					_, err = q.All(ctx)
				case interface {
					Exec(context.Context) (int64, error)
				}:
					_, err = q.Exec(ctx)
				}
				ormWantErr(t, err, c.want...)
			})
		}
	}
}

// TestORMSliceBindsOnlyAsArray: a slice is one array argument on
// PostgreSQL and an error elsewhere.
func TestORMSliceBindsOnlyAsArray(t *testing.T) {
	for _, d := range ormDialects {
		db, _ := ormOpen(t, d)
		a, _ := ormModels(t, db)
		_, args, err := a.Select().Where(orm.Eq("name", []int{1})).SQL()
		if d.ArrayParams {
			if err != nil || len(args) != 1 {
				t.Errorf("%s: args %v, err %v", d.Name, args, err)
			}
			continue
		}
		ormWantErr(t, err, "cannot bind a value of type []int in "+d.Name)
	}
}

// TestORMParameterLimit: an insert needing more bind parameters than the
// driver accepts is refused, naming the limit.
func TestORMParameterLimit(t *testing.T) {
	for _, d := range ormDialects {
		db, _ := ormOpen(t, d)
		a, _ := ormModels(t, db)
		rows := make([]*ormAuthor, d.MaxParams/2+1) // two columns each: name, email
		for i := range rows {
			rows[i] = &ormAuthor{Name: "n", Email: "e"}
		}
		_, _, err := a.Insert(rows...).SQL()
		ormWantErr(t, err, "over the "+d.Name+" limit of", "insert in batches")
		if _, _, err := a.Insert(rows[:d.MaxParams/2]...).SQL(); err != nil {
			t.Errorf("%s: at the limit: %v", d.Name, err)
		}
	}
}

// TestORMReturningNeedsDialect: RETURNING is refused where the dialect
// lacks it for that statement kind, and MariaDB has it for INSERT and
// DELETE only.
func TestORMReturningNeedsDialect(t *testing.T) {
	for _, d := range []*orm.Dialect{mysqldialect.New(), mysqldialect.MariaDB()} {
		db, _ := ormOpen(t, d)
		a, _ := ormModels(t, db)
		_, _, err := a.Update().Set("name", "x").Returning("id").SQL()
		ormWantErr(t, err, "no UPDATE ... RETURNING")
		_, _, err = a.Delete().Returning("id").SQL()
		_, _, ierr := a.Insert(&ormAuthor{Name: "n"}).Returning("email").SQL()
		if d.String() == "mysql" {
			ormWantErr(t, err, "no DELETE ... RETURNING")
			ormWantErr(t, ierr, "no INSERT ... RETURNING")
		} else if err != nil || ierr != nil {
			t.Errorf("MariaDB: delete %v, insert %v", err, ierr)
		}
	}
}

type ormNoPK struct {
	Name string
}

type ormBadTag struct {
	ID int64 `db:"id,pk,sizzle"`
}

type ormBadSize struct {
	ID   int64  `db:"id,pk"`
	Name string `db:"name,size:x"`
}

type ormDupColumn struct {
	ID    int64  `db:"id,pk"`
	Name  string `db:"name"`
	Other string `db:"name"`
}

type ormBadName struct {
	ID   int64  `db:"id,pk"`
	Name string `db:"na-me"`
}

type ormBadType struct {
	ID   int64 `db:"id,pk"`
	Tags map[string]string
}

type ormAutoNotPK struct {
	ID  int64 `db:"id,pk"`
	Seq int64 `db:"seq,auto"`
}

type ormEmbeddedDup struct {
	ormAuthor
	Email string
}

// TestORMModelErrors: NewModel reports bad models naming the struct and
// the field.
func TestORMModelErrors(t *testing.T) {
	db, _ := ormOpen(t, sqlitedialect.New())
	check := func(err error, want ...string) {
		t.Helper()
		ormWantErr(t, err, want...)
	}
	_, err := orm.NewModel[ormNoPK](db)
	check(err, "ormNoPK", "no primary key")
	_, err = orm.NewModel[ormBadTag](db)
	check(err, "ormBadTag", "field ID", `unknown option "sizzle"`)
	_, err = orm.NewModel[ormBadSize](db)
	check(err, "ormBadSize", "field Name", "size:x")
	_, err = orm.NewModel[ormDupColumn](db)
	check(err, "ormDupColumn", `duplicate column "name"`, "Name and Other")
	_, err = orm.NewModel[ormBadName](db)
	check(err, "ormBadName", "field Name", `"na-me" is not a valid identifier`)
	_, err = orm.NewModel[ormBadType](db)
	check(err, "ormBadType", "field Tags", "unsupported type map[string]string")
	_, err = orm.NewModel[ormAutoNotPK](db)
	check(err, "ormAutoNotPK", "field Seq", "auto needs pk")
	_, err = orm.NewModel[ormEmbeddedDup](db)
	check(err, "ormEmbeddedDup", `duplicate column "email"`, "ormAuthor.Email and Email")
	_, err = orm.NewModel[int](db)
	check(err, "int is not a struct")
}

// ormSQLiteErr is an error with SQLite's Code method, like
// *sqlite.Error: 2067 is SQLITE_CONSTRAINT_UNIQUE.
type ormSQLiteErr int

func (e ormSQLiteErr) Error() string { return "constraint failed" }
func (e ormSQLiteErr) Code() int     { return int(e) }

// TestORMIntegrityErrors: each driver's integrity violation matches
// orm.ErrIntegrity, and the driver's error stays reachable with errors.As;
// other errors do not match.
func TestORMIntegrityErrors(t *testing.T) {
	cases := []struct {
		d         *orm.Dialect
		err       error
		integrity bool
	}{
		{pgdialect.New(), &pq.Error{Code: "23505", Message: "duplicate key"}, true},
		{pgdialect.New(), &pq.Error{Code: "23503"}, true},
		{pgdialect.New(), &pgconn.PgError{Code: "23502"}, true},
		{pgdialect.New(), &pq.Error{Code: "42P01"}, false},
		{pgdialect.New(), &pgconn.PgError{Code: "40001"}, false},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1062}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1451}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1452}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1048}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1216}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1217}, true},
		{mysqldialect.New(), &mysql.MySQLError{Number: 1146}, false},
		{sqlitedialect.New(), ormSQLiteErr(2067), true},
		{sqlitedialect.New(), ormSQLiteErr(787), true}, // SQLITE_CONSTRAINT_FOREIGNKEY
		{sqlitedialect.New(), ormSQLiteErr(1), false},
	}
	ctx := context.Background()
	for _, c := range cases {
		db, mock := ormOpen(t, c.d)
		a, _ := ormModels(t, db)
		q := a.Update().Set("name", "x")
		query, _, _ := q.SQL()
		mock.ExpectExec(query).WillReturnError(c.err)
		_, err := q.Exec(ctx)
		if got := errors.Is(err, orm.ErrIntegrity); got != c.integrity {
			t.Errorf("%s %#v: errors.Is(ErrIntegrity) = %v, want %v (%v)", c.d.Name, c.err, got, c.integrity, err)
		}
		target := ormErrTarget(c.err)
		if !errors.As(err, target) {
			t.Errorf("%s: driver error %T not reachable with errors.As in %v", c.d.Name, c.err, err)
		}
		if !strings.Contains(err.Error(), query) {
			t.Errorf("error %q does not name the statement", err)
		}
	}
}

// reflectNew returns a pointer to a variable of err's dynamic type, for
// errors.As.
func ormErrTarget(err error) any {
	switch err.(type) {
	case *pq.Error:
		return new(*pq.Error)
	case *pgconn.PgError:
		return new(*pgconn.PgError)
	case *mysql.MySQLError:
		return new(*mysql.MySQLError)
	case ormSQLiteErr:
		return new(ormSQLiteErr)
	}
	panic("unknown error type")
}

// ormWantErr fails unless err contains every one of want.
func ormWantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("no error, want one containing %q", want)
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}
