package ormpgx_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

type benchRow struct {
	ID    int64 `db:"id,pk,auto"`
	Name  string
	Email string
	Score float64
}

// BenchmarkVsPgxpool measures the ORM on a pgx pool (ormpgx.Open) against
// hand-written pgxpool code in the style of sqlc's output, each op sending
// the same statement on its own pool of the same size (issue 16, item 4).
// Keys vary over 1,000 rows. testenv.Paired alternates the two sides in
// one loop and reports orm/hand.
//
//	AIODB_PG_DSN=... go test -run '^$' -bench VsPgxpool -benchtime 2000x -count 6 ./orm/ormpgx
func BenchmarkVsPgxpool(b *testing.B) {
	if os.Getenv(testenv.PostgresEnv) == "" {
		b.Skip("set " + testenv.PostgresEnv)
	}
	dsn := testenv.PostgresDSN(b)
	ctx := context.Background()
	db, err := ormpgx.Open(ctx, dsn, orm.MaxConnections(4))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()

	m := orm.MustModel[benchRow](db)
	actx := aio.AllowSync(ctx)
	if err := m.DropTable(actx, true); err != nil {
		b.Fatal(err)
	}
	if err := m.CreateTable(actx, false); err != nil {
		b.Fatal(err)
	}
	defer m.DropTable(actx, true)
	seed := make([]*benchRow, 2100)
	for i := range seed {
		seed[i] = &benchRow{Name: fmt.Sprint("name", i), Email: "user@example.com", Score: float64(i)}
	}
	for i := 0; i < len(seed); i += 700 {
		if _, err := m.Insert(seed[i : i+700]...).Exec(actx); err != nil {
			b.Fatal(err)
		}
	}
	// Both pools connect lazily: connect here, not in the first measured
	// loop.
	if err := pool.Ping(ctx); err != nil {
		b.Fatal(err)
	}
	i := 0
	key := func() int64 { i++; return int64(1 + i*7919%1000) }

	// handGet is the hand-written side of the one-row reads.
	handGet := func(b *testing.B) {
		const q = `SELECT "id", "name", "email", "score" FROM "bench_row" WHERE "id" = $1 LIMIT 1`
		var r benchRow
		if err := pool.QueryRow(ctx, q, key()).Scan(&r.ID, &r.Name, &r.Email, &r.Score); err != nil {
			b.Fatal(err)
		}
	}
	// handSlice is the hand-written side of the slice reads, on p.
	handSlice := func(b *testing.B, p *pgxpool.Pool, q string, n int) {
		rows, err := p.Query(ctx, q, key()-1)
		if err != nil {
			b.Fatal(err)
		}
		var out []benchRow
		for rows.Next() {
			var r benchRow
			if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Score); err != nil {
				b.Fatal(err)
			}
			out = append(out, r)
		}
		if rows.Close(); rows.Err() != nil || len(out) != n {
			b.Fatalf("hand: %d rows, %v", len(out), rows.Err())
		}
	}
	b.Run("GetByPK", func(b *testing.B) {
		testenv.Paired(b, "orm", func() { handGet(b) }, func() {
			if _, err := m.GetByPK(ctx, key()); err != nil {
				b.Fatal(err)
			}
		})
	})
	// The same read through the query builder (the benchmarks module's
	// Read): the statement is built on each call.
	b.Run("SelectOne", func(b *testing.B) {
		testenv.Paired(b, "orm", func() { handGet(b) }, func() {
			if _, err := m.Select().Where(orm.Eq("id", key())).One(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprint("ReadSlice/rows=", n), func(b *testing.B) {
			q, _, err := m.Select().Where(orm.Gt("id", 0)).OrderBy("id").Limit(n).SQL()
			if err != nil {
				b.Fatal(err)
			}
			testenv.Paired(b, "orm", func() { handSlice(b, pool, q, n) }, func() {
				out, err := m.Select().Where(orm.Gt("id", key()-1)).OrderBy("id").Limit(n).All(ctx)
				if err != nil || len(out) != n {
					b.Fatalf("orm: %d rows, %v", len(out), err)
				}
			})
		})
	}
	// The control: the hand-written 10-row read against itself on a
	// second pool of the same size, which shows the noise floor (and any
	// bias of the pairing) that the orm/hand figures above sit on.
	b.Run("ReadSlice/rows=10/control", func(b *testing.B) {
		other, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer other.Close()
		if err := other.Ping(ctx); err != nil {
			b.Fatal(err)
		}
		q, _, err := m.Select().Where(orm.Gt("id", 0)).OrderBy("id").Limit(10).SQL()
		if err != nil {
			b.Fatal(err)
		}
		testenv.Paired(b, "control", func() { handSlice(b, pool, q, 10) }, func() { handSlice(b, other, q, 10) })
	})
	b.Run("Insert", func(b *testing.B) {
		const q = `INSERT INTO "bench_row" ("name", "email", "score") VALUES ($1, $2, $3) RETURNING "id"`
		testenv.Paired(b, "orm", func() {
			r := benchRow{Name: "new", Email: "new@example.com", Score: 1}
			if err := pool.QueryRow(ctx, q, r.Name, r.Email, r.Score).Scan(&r.ID); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := m.Create(ctx, &benchRow{Name: "new", Email: "new@example.com", Score: 1}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("InsertMulti/rows=100", func(b *testing.B) {
		rows := make([]*benchRow, 100)
		for i := range rows {
			rows[i] = &benchRow{Name: "multi", Email: "multi@example.com", Score: float64(i)}
		}
		q, _, err := m.Insert(rows...).Returning("id").SQL()
		if err != nil {
			b.Fatal(err)
		}
		args := make([]any, 0, 300)
		for _, r := range rows {
			args = append(args, r.Name, r.Email, r.Score)
		}
		ids := make([]int64, len(rows))
		testenv.Paired(b, "orm", func() {
			res, err := pool.Query(ctx, q, args...)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for res.Next() {
				if err := res.Scan(&ids[n]); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if res.Close(); res.Err() != nil || n != len(rows) {
				b.Fatalf("hand: %d ids, %v", n, res.Err())
			}
		}, func() {
			for _, r := range rows {
				r.ID = 0 // a new row each time, as on the hand side
			}
			if _, err := m.Insert(rows...).Exec(ctx); err != nil {
				b.Fatal(err)
			}
		})
	})
	// The guard under its strictest mode, with the async context every
	// Aio twin runs with: what the check before each statement costs.
	b.Run("GetByPKGuarded", func(b *testing.B) {
		gdb, err := ormpgx.Open(ctx, dsn, orm.MaxConnections(4), orm.SyncMode(driver.SyncPanic))
		if err != nil {
			b.Fatal(err)
		}
		defer gdb.Close()
		gm := orm.MustModel[benchRow](gdb)
		actx := driver.MarkAsync(ctx)
		if _, err := gm.GetByPK(actx, key()); err != nil { // connect outside the loop
			b.Fatal(err)
		}
		testenv.Paired(b, "orm", func() { handGet(b) }, func() {
			if _, err := gm.GetByPK(actx, key()); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Update", func(b *testing.B) {
		const q = `UPDATE "bench_row" SET "name" = $1, "email" = $2, "score" = $3 WHERE "id" = $4`
		testenv.Paired(b, "orm", func() {
			if _, err := pool.Exec(ctx, q, "upd", "upd@example.com", 2.0, key()); err != nil {
				b.Fatal(err)
			}
		}, func() {
			if _, err := m.Save(ctx, &benchRow{ID: key(), Name: "upd", Email: "upd@example.com", Score: 2}); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("Atomic", func(b *testing.B) {
		const q = `UPDATE "bench_row" SET "name" = $1, "email" = $2, "score" = $3 WHERE "id" = $4`
		testenv.Paired(b, "orm", func() {
			tx, err := pool.Begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(ctx, q, "tx", "tx@example.com", 3.0, key()); err != nil {
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}, func() {
			err := db.Atomic(ctx, func(ctx context.Context) error {
				_, err := m.Save(ctx, &benchRow{ID: key(), Name: "tx", Email: "tx@example.com", Score: 3})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	})
}
