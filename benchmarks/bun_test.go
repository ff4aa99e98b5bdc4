package benchmarks

import (
	"context"
	"database/sql"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

// bun, written as its documentation shows: NewInsert/NewUpdate/NewSelect
// with Model. bun writes every value into the SQL text (LIMIT included)
// and sends it without arguments, so each of the reads' keys is a text of
// its own to the driver: pgx's stdlib prepares each text it has not cached
// (512 of them), go-sql-driver/mysql and modernc.org/sqlite run it as it
// is.

// BunModel is Model with bun's tags and table name.
type BunModel struct {
	bun.BaseModel `bun:"table:bench_bun_model"`

	ID      int64   `bun:"id,pk,autoincrement"`
	Name    string  `bun:"name"`
	Title   string  `bun:"title"`
	Fax     string  `bun:"fax"`
	Web     string  `bun:"web"`
	Age     int64   `bun:"age"`
	Active  bool    `bun:"active"`
	Counter int64   `bun:"counter"`
	Score   float64 `bun:"score"`
	Note    string  `bun:"note"`
}

func newBunModel(m Model) BunModel {
	return BunModel{ID: m.ID, Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web,
		Age: m.Age, Active: m.Active, Counter: m.Counter, Score: m.Score, Note: m.Note}
}

const bunTable = "bench_bun_model"

// BenchmarkBun runs bun over the do-nothing driver (pgdialect), pgx's
// stdlib, go-sql-driver/mysql and modernc.org/sqlite.
func BenchmarkBun(b *testing.B) {
	b.Run("nop/nop", func(b *testing.B) {
		e := newNopEnv(bunTable)
		db := bun.NewDB(sql.OpenDB(e.nop.Connector()), pgdialect.New())
		closeAfter(b, "nop", db.Close)
		e.run(b, bunSuite(e, db))
	})
	server := func(backend, name, driverName, dialect string, dsn func(*testing.B) string, bunDialect schema.Dialect) {
		b.Run(backend+"/"+name, func(b *testing.B) {
			sqlDB, err := sql.Open(driverName, dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			db := bun.NewDB(sqlDB, bunDialect)
			closeAfter(b, name, db.Close)
			e := newServerEnv(b, sqlDB, backend, name, dialect, bunTable)
			e.run(b, bunSuite(e, db))
		})
	}
	server(backendPG, "pgx", "pgx", "postgres", pgDSN, pgdialect.New())
	server(backendMySQL, "mysql", "mysql", "mysql", mysqlDSN, mysqldialect.New())
	server(backendSQLite, "sqlite", "sqlite", "sqlite", sqliteDSN, sqlitedialect.New())
}

func bunSuite(e *env, db *bun.DB) suite {
	ctx := context.Background()
	return suite{
		Insert: func(b *testing.B) {
			row := newBunModel(sample(0))
			for b.Loop() {
				row.ID = 0
				if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if row.ID == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			rows := make([]BunModel, batch)
			for i, s := range samples(batch) {
				rows[i] = newBunModel(s)
			}
			for b.Loop() {
				for i := range rows {
					rows[i].ID = 0
				}
				if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if rows[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			row := newBunModel(sample(1))
			row.ID = e.readID
			for b.Loop() {
				row.Counter++
				if _, err := db.NewUpdate().Model(&row).WherePK().Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := e.key(i)
				var row BunModel
				if err := db.NewSelect().Model(&row).Where("id = ?", key).Scan(ctx); err != nil {
					b.Fatal(err)
				}
				if row.ID != e.want(key) {
					b.Fatalf("Read(%d) returned id %d", key, row.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				var rows []BunModel
				if err := db.NewSelect().Model(&rows).Where("id > ?", e.after(i)).Limit(batch).Scan(ctx); err != nil {
					b.Fatal(err)
				}
				if len(rows) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(rows), batch)
				}
			}
		},
	}
}
