package orm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"testing"
	"time"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// benchUser is the 10-column model of the benchmarks.
type benchUser struct {
	ID      int64 `db:"id,pk,auto"`
	Name    string
	Email   string
	Age     int
	Score   float64
	Active  bool
	Created time.Time
	Bio     string
	Karma   int64
	Rank    int32
}

var benchCols = []string{"id", "name", "email", "age", "score", "active", "created", "bio", "karma", "rank"}

func benchRow(i int) []driver.Value {
	return []driver.Value{int64(i), "name", "user@example.com", int64(30), 4.5, true,
		time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "a short bio", int64(1000), int64(7)}
}

// benchDB opens a guarded *sql.DB over the do-nothing driver answering
// with the given result, and the orm.DB over it; both are what the
// hand-written code and the ORM share.
func benchDB(b *testing.B, cols []string, rows [][]driver.Value) (*sql.DB, *orm.DB) {
	b.Helper()
	fake := fakedb.New(cols, rows)
	c, err := aiodriver.Wrap(fake, aiodriver.Options{Dialect: aiodriver.DialectPostgres}).OpenConnector("")
	if err != nil {
		b.Fatal(err)
	}
	sqlDB := sql.OpenDB(c)
	db, err := orm.New(sqlDB)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { sqlDB.Close() })
	return sqlDB, db
}

func benchRows(n int) [][]driver.Value {
	rows := make([][]driver.Value, n)
	for i := range rows {
		rows[i] = benchRow(i + 1)
	}
	return rows
}

const benchSelectOne = `SELECT "id", "name", "email", "age", "score", "active", "created", "bio", "karma", "rank" FROM "bench_user" WHERE "id" = $1`
const benchUpdate = `UPDATE "bench_user" SET "name" = $1, "email" = $2, "age" = $3, "score" = $4, "active" = $5, "created" = $6, "bio" = $7, "karma" = $8, "rank" = $9 WHERE "id" = $10`
const benchSelectAll = `SELECT "id", "name", "email", "age", "score", "active", "created", "bio", "karma", "rank" FROM "bench_user"`

func scanUser(row interface{ Scan(...any) error }, u *benchUser) error {
	return row.Scan(&u.ID, &u.Name, &u.Email, &u.Age, &u.Score, &u.Active, &u.Created, &u.Bio, &u.Karma, &u.Rank)
}

// BenchmarkSelectOne selects one row by primary key into the 10-column
// model.
func BenchmarkSelectOne(b *testing.B) {
	ctx := context.Background()
	sqlDB, db := benchDB(b, benchCols, benchRows(1))
	users := orm.MustModel[benchUser](db)
	if q, _, _ := users.Select().Where(orm.Eq("id", 42)).SQL(); q != benchSelectOne {
		b.Fatalf("the ORM's SQL differs from the hand-written one:\n%s\n%s", q, benchSelectOne)
	}
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			u := new(benchUser)
			if err := scanUser(sqlDB.QueryRowContext(ctx, benchSelectOne, 42), u); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("orm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := users.Select().Where(orm.Eq("id", 42)).One(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSelect100 selects 100 rows into a slice of the model.
func BenchmarkSelect100(b *testing.B) {
	ctx := context.Background()
	sqlDB, db := benchDB(b, benchCols, benchRows(100))
	users := orm.MustModel[benchUser](db)
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rows, err := sqlDB.QueryContext(ctx, benchSelectAll)
			if err != nil {
				b.Fatal(err)
			}
			var out []benchUser
			for rows.Next() {
				var u benchUser
				if err := scanUser(rows, &u); err != nil {
					b.Fatal(err)
				}
				out = append(out, u)
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
			if len(out) != 100 {
				b.Fatal(len(out))
			}
		}
	})
	b.Run("orm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := users.Select().All(ctx)
			if err != nil || len(out) != 100 {
				b.Fatal(len(out), err)
			}
		}
	})
}

func benchNewUser() *benchUser {
	return &benchUser{Name: "name", Email: "user@example.com", Age: 30, Score: 4.5, Active: true,
		Created: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), Bio: "a short bio", Karma: 1000, Rank: 7}
}

// benchInsertSQL is the hand-written multi-row INSERT ... RETURNING "id".
func benchInsertSQL(n int) string {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO "bench_user" ("name", "email", "age", "score", "active", "created", "bio", "karma", "rank") VALUES `)
	p := 1
	for i := range n {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range 9 {
			if c > 0 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "$%d", p)
			p++
		}
		sb.WriteByte(')')
	}
	sb.WriteString(` RETURNING "id"`)
	return sb.String()
}

func benchInsert(b *testing.B, n int) {
	ctx := context.Background()
	ids := make([][]driver.Value, n)
	for i := range ids {
		ids[i] = []driver.Value{int64(i + 1)}
	}
	sqlDB, db := benchDB(b, []string{"id"}, ids)
	users := orm.MustModel[benchUser](db)
	query := benchInsertSQL(n)
	rows := make([]*benchUser, n)
	for i := range rows {
		rows[i] = benchNewUser()
	}
	if q, _, _ := users.Insert(rows...).SQL(); q != query {
		b.Fatalf("the ORM's SQL differs from the hand-written one:\n%s\n%s", q, query)
	}
	b.Run("handwritten", func(b *testing.B) {
		b.ReportAllocs()
		args := make([]any, 0, 9*n)
		for b.Loop() {
			for _, u := range rows {
				u.ID = 0
			}
			args = args[:0]
			for _, u := range rows {
				args = append(args, u.Name, u.Email, u.Age, u.Score, u.Active, u.Created, u.Bio, u.Karma, u.Rank)
			}
			res, err := sqlDB.QueryContext(ctx, query, args...)
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for res.Next() {
				if err := res.Scan(&rows[i].ID); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if err := res.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("orm", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, u := range rows {
				u.ID = 0
			}
			if _, err := users.Insert(rows...).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInsertOne inserts one row, reading its key back.
func BenchmarkInsertOne(b *testing.B) { benchInsert(b, 1) }

// BenchmarkInsert100 inserts 100 rows in one statement, reading their
// keys back.
func BenchmarkInsert100(b *testing.B) { benchInsert(b, 100) }

// benchPaired runs hand and orm alternately in one loop, timing each, and
// reports their time ratio ("orm/hand"): on a busy machine load changes
// between sub-benchmarks, while within one loop both sides see the same
// load. The order alternates so that neither always runs warm.
func benchPaired(b *testing.B, hand, orm func()) { testenv.Paired(b, "orm", hand, orm) }

// BenchmarkPaired measures the four cases with benchPaired.
func BenchmarkPaired(b *testing.B) {
	ctx := context.Background()
	b.Run("SelectOne", func(b *testing.B) {
		sqlDB, db := benchDB(b, benchCols, benchRows(1))
		users := orm.MustModel[benchUser](db)
		benchPaired(b, func() {
			if err := scanUser(sqlDB.QueryRowContext(ctx, benchSelectOne, 42), new(benchUser)); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := users.Select().Where(orm.Eq("id", 42)).One(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Select100", func(b *testing.B) {
		sqlDB, db := benchDB(b, benchCols, benchRows(100))
		users := orm.MustModel[benchUser](db)
		benchPaired(b, func() {
			rows, err := sqlDB.QueryContext(ctx, benchSelectAll)
			if err != nil {
				b.Fatal(err)
			}
			var out []benchUser
			for rows.Next() {
				var u benchUser
				if err := scanUser(rows, &u); err != nil {
					b.Fatal(err)
				}
				out = append(out, u)
			}
			rows.Close()
			benchSink = out
		}, func() {
			if _, err := users.Select().All(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Update", func(b *testing.B) {
		sqlDB, db := benchDB(b, benchCols, nil)
		users := orm.MustModel[benchUser](db)
		u := benchNewUser()
		u.ID = 42
		if q, _, _ := users.Update().SetFrom(u).WherePK(u).SQL(); q != benchUpdate {
			b.Fatalf("the ORM's SQL differs from the hand-written one:\n%s\n%s", q, benchUpdate)
		}
		benchPaired(b, func() {
			u.Karma++
			if _, err := sqlDB.ExecContext(ctx, benchUpdate, u.Name, u.Email, u.Age, u.Score, u.Active, u.Created, u.Bio, u.Karma, u.Rank, u.ID); err != nil {
				b.Fatal(err)
			}
		}, func() {
			u.Karma++
			if _, err := users.Update().SetFrom(u).WherePK(u).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("GetByPK", func(b *testing.B) {
		sqlDB, db := benchDB(b, benchCols, benchRows(1))
		users := orm.MustModel[benchUser](db)
		benchPaired(b, func() {
			if err := scanUser(sqlDB.QueryRowContext(ctx, benchSelectOne+" LIMIT 1", 42), new(benchUser)); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := users.GetByPK(ctx, 42); err != nil {
				b.Fatal(err)
			}
		})
	})
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("Insert%d", n), func(b *testing.B) {
			ids := make([][]driver.Value, n)
			for i := range ids {
				ids[i] = []driver.Value{int64(i + 1)}
			}
			sqlDB, db := benchDB(b, []string{"id"}, ids)
			users := orm.MustModel[benchUser](db)
			query := benchInsertSQL(n)
			rows := make([]*benchUser, n)
			for i := range rows {
				rows[i] = benchNewUser()
			}
			args := make([]any, 0, 9*n)
			benchPaired(b, func() {
				args = args[:0]
				for _, u := range rows {
					args = append(args, u.Name, u.Email, u.Age, u.Score, u.Active, u.Created, u.Bio, u.Karma, u.Rank)
				}
				res, err := sqlDB.QueryContext(ctx, query, args...)
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; res.Next(); i++ {
					if err := res.Scan(&rows[i].ID); err != nil {
						b.Fatal(err)
					}
				}
				res.Close()
				for _, u := range rows {
					u.ID = 0
				}
			}, func() {
				if _, err := users.Insert(rows...).Exec(ctx); err != nil {
					b.Fatal(err)
				}
				for _, u := range rows {
					u.ID = 0
				}
			})
		})
	}
}

// benchSink keeps the hand-written loops' results alive, as the ORM's are.
var benchSink []benchUser
