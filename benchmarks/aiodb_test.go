package benchmarks

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/ormpgx"
)

// aiodb through its query builder, as its documentation writes it:
// m.Insert(...).Exec, m.Update().SetFrom(...).WherePK(...).Exec,
// m.Select().Where(orm.Eq("id", id)).One and .All.

// AiodbModel is Model with aiodb's table name; the db tags are Model's.
type AiodbModel Model

// TableName is the table of the aiodb benchmarks.
func (AiodbModel) TableName() string { return "bench_aiodb_model" }

// BenchmarkAiodb runs aiodb over the guarded do-nothing driver and each
// of aiodb's registered drivers: aiopgx and aiopg (with its statement
// cache, on by default, and with aio_stmt_cache=0) on PostgreSQL,
// aiomysql and aiosqlite; and, without database/sql, on a pgxpool.Pool
// of 16 connections through ormpgx (pgxpool: the pool size of the
// sqlc-style Pgx/pg/pool baseline). The async forms (AioGet fan-out,
// AioExecute streaming) run on the do-nothing driver, aiopgx and pgxpool.
func BenchmarkAiodb(b *testing.B) { forEachAiodb(b, aiodbSuite) }

// BenchmarkAiodbModel runs aiodb's model methods where they do what the
// query builder does in BenchmarkAiodb: Create for Insert, Save for Update
// and GetByPK for Read (InsertMulti and ReadSlice have no model method of
// their own). They are what peewee-async users call, and they build their
// statements once per model rather than per call.
func BenchmarkAiodbModel(b *testing.B) { forEachAiodb(b, aiodbModelSuite) }

// forEachAiodb runs suite over the guarded do-nothing driver, each of
// aiodb's drivers and ormpgx's pool.
func forEachAiodb(b *testing.B, suite func(*testing.B, *env, *orm.DB) suite) {
	b.Run("nop/nop", func(b *testing.B) {
		e := newNopEnv(AiodbModel{}.TableName())
		c, err := driver.Wrap(e.nop, driver.Options{Name: "nop", Dialect: driver.DialectPostgres}).OpenConnector("")
		if err != nil {
			b.Fatal(err)
		}
		sqlDB := sql.OpenDB(c)
		closeAfter(b, "nop", sqlDB.Close)
		db, err := orm.New(sqlDB)
		if err != nil {
			b.Fatal(err)
		}
		e.run(b, suite(b, e, db))
	})
	server := func(backend, name, driverName, dialect string, dsn func(*testing.B) string, opt string) {
		b.Run(backend+"/"+name, func(b *testing.B) {
			d := dsn(b)
			if opt != "" {
				d = withDSNOption(d, opt)
			}
			db, err := orm.Open(driverName, d)
			if err != nil {
				if opt != "" && strings.Contains(err.Error(), "unknown DSN option") {
					b.Skipf("%s: the driver does not have %s yet: %v", name, opt, err)
				}
				b.Fatal(err)
			}
			closeAfter(b, name, db.Close)
			e := newServerEnv(b, db.SQLDB(), backend, name, dialect, AiodbModel{}.TableName())
			e.run(b, suite(b, e, db))
		})
	}
	server(backendPG, "aiopgx", "aiopgx", driver.DialectPostgres, pgDSN, "")
	// The ORM on a pgxpool.Pool, no database/sql: its SQLDB is a guarded
	// view of the same pool, which only makes, seeds and drops the table.
	b.Run(backendPG+"/pgxpool", func(b *testing.B) {
		db, err := ormpgx.Open(context.Background(), pgDSN(b), orm.MaxConnections(16))
		if err != nil {
			b.Fatal(err)
		}
		closeAfter(b, "pgxpool", db.Close)
		e := newServerEnv(b, db.SQLDB(), backendPG, "pgxpool", driver.DialectPostgres, AiodbModel{}.TableName())
		e.run(b, suite(b, e, db))
	})
	server(backendPG, "aiopg", "aiopg", driver.DialectPostgres, pgDSN, "")
	server(backendPG, "aiopg-nocache", "aiopg", driver.DialectPostgres, pgDSN, "aio_stmt_cache=0")
	server(backendMySQL, "aiomysql", "aiomysql", driver.DialectMySQL, mysqlDSN, "")
	server(backendSQLite, "aiosqlite", "aiosqlite", driver.DialectSQLite, sqliteDSN, "")
}

func aiodbModelSuite(b *testing.B, e *env, db *orm.DB) suite {
	m, err := orm.NewModel[AiodbModel](db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	return suite{
		Insert: func(b *testing.B) {
			row := AiodbModel(sample(0))
			for b.Loop() {
				row.ID = 0
				if _, err := m.Create(ctx, &row); err != nil {
					b.Fatal(err)
				}
			}
			if row.ID == 0 {
				b.Fatal("Create read back no id")
			}
		},
		Update: func(b *testing.B) {
			row := AiodbModel(sample(1))
			row.ID = e.readID
			for b.Loop() {
				row.Counter++
				if _, err := m.Save(ctx, &row); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := e.key(i)
				row, err := m.GetByPK(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if row.ID != e.want(key) {
					b.Fatalf("GetByPK(%d) returned id %d", key, row.ID)
				}
			}
		},
	}
}

func aiodbSuite(b *testing.B, e *env, db *orm.DB) suite {
	m, err := orm.NewModel[AiodbModel](db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	s := suite{
		Insert: func(b *testing.B) {
			row := AiodbModel(sample(0))
			for b.Loop() {
				row.ID = 0
				if _, err := m.Insert(&row).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if row.ID == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			rows := make([]*AiodbModel, batch)
			for i, s := range samples(batch) {
				r := AiodbModel(s)
				rows[i] = &r
			}
			for b.Loop() {
				for _, r := range rows {
					r.ID = 0
				}
				if _, err := m.Insert(rows...).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if rows[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			row := AiodbModel(sample(1))
			row.ID = e.readID
			for b.Loop() {
				row.Counter++
				if _, err := m.Update().SetFrom(&row).WherePK(&row).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := e.key(i)
				row, err := m.Select().Where(orm.Eq("id", key)).One(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if row.ID != e.want(key) {
					b.Fatalf("Read(%d) returned id %d", key, row.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				rows, err := m.Select().Where(orm.Gt("id", e.after(i))).Limit(batch).All(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(rows) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(rows), batch)
				}
			}
		},
	}
	if e.backend == backendNop || e.driver == "aiopgx" || e.driver == "pgxpool" {
		s.Fanout64 = func(b *testing.B) { aiodbFanout(b, e, m) }
		s.Stream100k = func(b *testing.B) { aiodbStream(b, m) }
	}
	return s
}

// aiodbFanout starts 64 AioGet calls (each runs in its own goroutine, on
// 64 consecutive keys of the cycle) and gathers their rows: the async form of Read, measured against 64
// goroutines of hand-written reads.
func aiodbFanout(b *testing.B, e *env, m *orm.Model[AiodbModel]) {
	ctx := context.Background()
	if ormpgx.Pool(m.DB()) == nil {
		// On ormpgx the pool has its 16 connections from Open, and the
		// *sql.DB view must keep none idle (they are the pool's).
		fanoutPool(m.DB().SQLDB())
	}
	chs := make([]<-chan aio.Result[*AiodbModel], fanout)
	for n := 0; b.Loop(); n++ {
		for i := range chs {
			chs[i] = m.AioGet(ctx, orm.Eq("id", e.key(n*fanout+i)))
		}
		rows, err := aio.Gather(ctx, chs...)
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range rows {
			if key := e.key(n*fanout + i); r.ID != e.want(key) {
				b.Fatalf("AioGet(%d) returned id %d", key, r.ID)
			}
		}
	}
}

// aiodbStream reads 100,000 rows through AioExecute's channel, one at a
// time, keeping none: its peak heap shows that the stream does not
// buffer the result.
func aiodbStream(b *testing.B, m *orm.Model[AiodbModel]) {
	ctx := context.Background()
	stop := peakHeap(b)
	for b.Loop() {
		n := 0
		for r := range m.Select().Where(orm.Gt("id", 0)).OrderBy("id").Limit(streamRows).AioExecute(ctx) {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
			n++
		}
		if n != streamRows {
			b.Fatalf("streamed %d rows, want %d", n, streamRows)
		}
	}
	stop()
}
