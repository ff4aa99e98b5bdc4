package orm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

type colEmbed struct {
	Region string `db:"region"`
}

type colUser struct {
	ID    int64   `db:"id,pk,auto"`
	Name  string  `db:"name"`
	Email *string `db:"email"`
	Age   int     `db:"age"`
	colEmbed
}

type colUserCols struct {
	ID     orm.Column[int64]
	Name   orm.Column[string]
	Email  orm.Column[*string]
	Age    orm.Column[int]
	Region orm.Column[string]
}

var userCols = orm.MustColumns[colUser, colUserCols]()

// TestColumnsGiveTheStringFormsSQL: every typed condition writes the
// statement and arguments its string form writes.
func TestColumnsGiveTheStringFormsSQL(t *testing.T) {
	db, done := exampleDB()
	defer done()
	users := orm.MustModel[colUser](db)
	c := userCols
	mail := "a@b.c"
	for _, tc := range []struct {
		name          string
		typed, string *orm.SelectQuery[colUser]
	}{
		{"Eq Gt Desc", users.Select().Where(c.Name.Eq("bob"), c.ID.Gt(10)).OrderBy(c.ID.Desc()),
			users.Select().Where(orm.Eq("name", "bob"), orm.Gt("id", 10)).OrderBy("-id")},
		{"Ne Lt Le Ge", users.Select().Where(c.Age.Ne(3), c.Age.Lt(9), c.Age.Le(8), c.Age.Ge(1)),
			users.Select().Where(orm.Ne("age", 3), orm.Lt("age", 9), orm.Le("age", 8), orm.Ge("age", 1))},
		{"In NotIn Between", users.Select().Where(c.ID.In(1, 2, 3), c.Age.NotIn(4), c.Age.Between(1, 2)),
			users.Select().Where(orm.In("id", []int64{1, 2, 3}), orm.NotIn("age", []int{4}), orm.Between("age", 1, 2))},
		{"pointer nil and set", users.Select().Where(c.Email.Eq(nil), c.Email.Ne(nil), c.Email.Eq(&mail)),
			users.Select().Where(orm.IsNull("email"), orm.IsNotNull("email"), orm.Eq("email", &mail))},
		{"Like ILike IsNull", users.Select().Where(c.Name.Like("b%"), c.Name.ILike("%O%"), c.Age.IsNull(), c.Age.IsNotNull()),
			users.Select().Where(orm.Like("name", "b%"), orm.ILike("name", "%O%"), orm.IsNull("age"), orm.IsNotNull("age"))},
		{"embedded, Select, Asc, EqCol", users.Select(c.Region.Name(), c.Name.Name()).Where(c.Region.EqCol(c.Name)).OrderBy(c.Region.Asc()),
			users.Select("region", "name").Where(orm.Eq("region", orm.Col("name"))).OrderBy("region")},
	} {
		gotSQL, gotArgs, err := tc.typed.SQL()
		require.NoError(t, err, tc.name)
		wantSQL, wantArgs, err := tc.string.SQL()
		require.NoError(t, err, tc.name)
		assert.Equal(t, wantSQL, gotSQL, tc.name)
		// The typed form binds V (int64), the string form what was given
		// (an untyped constant is an int): compare the values.
		assert.Equal(t, fmt.Sprint(wantArgs), fmt.Sprint(gotArgs), tc.name)
	}
}

// TestColumnsOfOf: a column qualified by an alias is written qualified.
func TestColumnsOfOf(t *testing.T) {
	db, done := exampleDB()
	defer done()
	users := orm.MustModel[colUser](db)
	q, _, err := users.Select().As("u").Where(userCols.ID.Of("u").Eq(1)).OrderBy(userCols.ID.Of("u").Desc()).SQL()
	require.NoError(t, err)
	assert.Contains(t, q, `"u"."id" = ?`)
	assert.Contains(t, q, `ORDER BY "u"."id" DESC`)
}

// TestColumnsOfErrors: a field of C with the wrong type, one naming no
// field of T, and one that is not a Column are errors naming both
// structs and the field.
func TestColumnsOfErrors(t *testing.T) {
	type wrongType struct{ Age orm.Column[string] }
	type unknown struct{ Nope orm.Column[int64] }
	type notColumn struct{ ID int64 }
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{second(orm.ColumnsOf[colUser, wrongType]()), []string{"colUser", "wrongType", "field Age is Column[string], but the field is int"}},
		{second(orm.ColumnsOf[colUser, unknown]()), []string{"field Nope names no field of orm_test.colUser"}},
		{second(orm.ColumnsOf[colUser, notColumn]()), []string{"field ID is int64, not an orm.Column"}},
		{second(orm.ColumnsOf[colUser, int]()), []string{"int is not a struct"}},
	} {
		require.Error(t, tc.err, tc.want)
		for _, w := range tc.want {
			assert.ErrorContains(t, tc.err, w)
		}
	}
}

func second[A any](_ A, err error) error { return err }

// TestZeroColumnFailsAtBuild: a Column never filled has no name, and the
// query saying so fails when built instead of matching anything.
func TestZeroColumnFailsAtBuild(t *testing.T) {
	db, done := exampleDB()
	defer done()
	var unset orm.Column[int64]
	_, _, err := orm.MustModel[colUser](db).Select().Where(unset.Eq(1)).SQL()
	assert.Error(t, err, "a query on an unfilled Column built without error")
}

// TestColumnsCostNoMoreThanStrings: a typed query allocates no more
// than its string form, built (SQL) and run (All, on aiosqlite). The
// values are variables, as in real code: a constant passed as any is
// boxed at compile time, which a typed V never is.
func TestColumnsCostNoMoreThanStrings(t *testing.T) {
	db, done := exampleDB()
	defer done()
	users := orm.MustModel[colUser](db)
	ctx := context.Background()
	if err := users.CreateTable(aioAllowSync(ctx), true); err != nil {
		t.Fatal(err)
	}
	name, id := strings.Repeat("b", 3), int64(1000)
	typed := testing.AllocsPerRun(200, func() {
		if _, _, err := users.Select().Where(userCols.Name.Eq(name), userCols.ID.Gt(id)).OrderBy(userCols.ID.Desc()).SQL(); err != nil {
			t.Fatal(err)
		}
	})
	strs := testing.AllocsPerRun(200, func() {
		if _, _, err := users.Select().Where(orm.Eq("name", name), orm.Gt("id", id)).OrderBy("-id").SQL(); err != nil {
			t.Fatal(err)
		}
	})
	if typed > strs {
		t.Fatalf("built: typed columns allocate %.1f per query, the string form %.1f", typed, strs)
	}
	ctx = aioAllowSync(ctx)
	typed = testing.AllocsPerRun(50, func() {
		if _, err := users.Select().Where(userCols.ID.Eq(id)).All(ctx); err != nil {
			t.Fatal(err)
		}
	})
	strs = testing.AllocsPerRun(50, func() {
		if _, err := users.Select().Where(orm.Eq("id", id)).All(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if typed > strs {
		t.Fatalf("run: typed columns allocate %.1f per query, the string form %.1f", typed, strs)
	}
}

func aioAllowSync(ctx context.Context) context.Context { return aio.AllowSync(ctx) }

// TestNilPointerMatchesNull: a nil pointer compared with Eq matches the
// rows whose column is NULL, typed or by name, and Ne the others.
func TestNilPointerMatchesNull(t *testing.T) {
	db, done := exampleDB()
	defer done()
	ctx := aio.AllowSync(context.Background())
	users := orm.MustModel[colUser](db)
	if err := users.CreateTable(ctx, true); err != nil {
		t.Fatal(err)
	}
	mail := "a@b.c"
	for _, u := range []colUser{{Name: "a"}, {Name: "b", Email: &mail}, {Name: "c"}} {
		if _, err := users.Create(ctx, &u); err != nil {
			t.Fatal(err)
		}
	}
	var none *string
	for _, tc := range []struct {
		name string
		e    orm.Expr
		want int64
	}{
		{"typed Eq(nil)", userCols.Email.Eq(nil), 2},
		{"typed Ne(nil)", userCols.Email.Ne(nil), 1},
		{"Eq(col, nil pointer)", orm.Eq("email", none), 2},
		{"typed Eq(&mail)", userCols.Email.Eq(&mail), 1},
	} {
		n, err := users.Select().Where(tc.e).Count(ctx)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.want, n, tc.name)
		// The one-condition statement cache takes the same path.
		rows, err := users.Select().Where(tc.e).All(ctx)
		require.NoError(t, err, tc.name)
		assert.Len(t, rows, int(tc.want), tc.name)
	}
}

type benchUserCols struct {
	ID   orm.Column[int64]
	Name orm.Column[string]
}

var benchCols2 = orm.MustColumns[benchUser, benchUserCols]()

// BenchmarkColumns runs one query written with typed columns and with
// strings, over the do-nothing driver: the two should cost the same.
//
//	go test -run '^$' -bench Columns -benchmem -count 6 ./orm | benchstat -col /form -
func BenchmarkColumns(b *testing.B) {
	ctx := context.Background()
	_, db := benchDB(b, benchCols, benchRows(1))
	users := orm.MustModel[benchUser](db)
	id, name := int64(42), "name"
	b.Run("form=typed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := users.Select().Where(benchCols2.ID.Eq(id), benchCols2.Name.Ne(name)).OrderBy(benchCols2.ID.Desc()).One(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("form=string", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := users.Select().Where(orm.Eq("id", id), orm.Ne("name", name)).OrderBy("-id").One(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
