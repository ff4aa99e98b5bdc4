package orm_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx", the hand-written baseline

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

type readSliceBenchRow struct {
	ID    int64 `db:"id,pk,auto"`
	Name  string
	Email string
	Score float64
}

// BenchmarkReadSlicePG reads 10, 100 and 1,000 rows by a range of keys on
// PostgreSQL (issue 16, item 1): the ORM over aiopgx against hand-written
// database/sql over bare pgx stdlib, sending the same statement (the
// ORM's text, LIMIT written as a literal), with a key that varies over
// 1,000 rows; rows=1/GetByPK reads one row by a varying primary key, the
// benchmarks module's Read. benchPaired alternates the two and reports
// orm/hand.
//
//	AIODB_PG_DSN=... go test -run '^$' -bench ReadSlicePG -benchtime 2000x -count 6 ./orm
func BenchmarkReadSlicePG(b *testing.B) {
	if os.Getenv(testenv.PostgresEnv) == "" {
		b.Skip("set " + testenv.PostgresEnv)
	}
	dsn := testenv.PostgresDSN(b)
	db, err := orm.Open("aiopgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	hand, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer hand.Close()
	ctx := context.Background()
	// database/sql connects lazily: here, not in the first measured loop
	// (the ORM's pool is connected by the seeding below).
	if err := hand.PingContext(ctx); err != nil {
		b.Fatal(err)
	}
	m := orm.MustModel[readSliceBenchRow](db)
	actx := aio.AllowSync(ctx)
	if err := m.DropTable(actx, true); err != nil {
		b.Fatal(err)
	}
	if err := m.CreateTable(actx, false); err != nil {
		b.Fatal(err)
	}
	defer m.DropTable(actx, true)
	seed := make([]*readSliceBenchRow, 2100)
	for i := range seed {
		seed[i] = &readSliceBenchRow{Name: fmt.Sprint("name", i), Email: "user@example.com", Score: float64(i)}
	}
	for i := 0; i < len(seed); i += 700 {
		if _, err := m.Insert(seed[i : i+700]...).Exec(actx); err != nil {
			b.Fatal(err)
		}
	}
	// One row by primary key (the benchmarks module's Read): the same
	// statement GetByPK sends, which a hook records.
	b.Run("rows=1/GetByPK", func(b *testing.B) {
		i := 0
		key := func() int64 { i++; return int64(1 + i*7919%1000) }
		query := `SELECT "id", "name", "email", "score" FROM "read_slice_bench_row" WHERE "id" = $1 LIMIT 1`
		benchPaired(b, func() {
			var r readSliceBenchRow
			if err := hand.QueryRowContext(ctx, query, key()).Scan(&r.ID, &r.Name, &r.Email, &r.Score); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := m.GetByPK(ctx, key()); err != nil {
				b.Fatal(err)
			}
		})
	})
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint("rows=", n), func(b *testing.B) {
			query, _, err := m.Select().Where(orm.Gt("id", 0)).OrderBy("id").Limit(n).SQL()
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			key := func() int64 { i++; return int64(i * 7919 % 1000) }
			benchPaired(b, func() {
				rows, err := hand.QueryContext(ctx, query, key())
				if err != nil {
					b.Fatal(err)
				}
				var out []readSliceBenchRow
				for rows.Next() {
					var r readSliceBenchRow
					if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Score); err != nil {
						b.Fatal(err)
					}
					out = append(out, r)
				}
				if err := rows.Close(); err != nil || len(out) != n {
					b.Fatalf("hand: %d rows, %v", len(out), err)
				}
			}, func() {
				out, err := m.Select().Where(orm.Gt("id", key())).OrderBy("id").Limit(n).All(ctx)
				if err != nil || len(out) != n {
					b.Fatalf("orm: %d rows, %v", len(out), err)
				}
			})
		})
	}
}
