package benchmarks

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aiodb/aiodb/driver"
)

// pgx without database/sql: what a Go programmer picks for PostgreSQL
// without an ORM. The queries are written the way sqlc generates them (a
// DBTX interface, one constant and one method per query, a params struct
// for the writes), by hand here, and run over a pgxpool.Pool (pool) and
// over one pgx.Conn (conn: no pool at all, the practical limit of a Go
// client). pgx keeps each statement prepared per connection (its default
// statement cache), as pgx's stdlib does under the hand-written baseline.

const pgxTable = "bench_pgx_model"

// BenchmarkPgx runs the sqlc-style queries over a pgxpool.Pool of at most
// 16 connections (the pool size of Fanout64 elsewhere) and over one
// pgx.Conn, on PostgreSQL only.
func BenchmarkPgx(b *testing.B) {
	server := func(name string, open func(b *testing.B, dsn string) pgxDBTX) {
		b.Run(backendPG+"/"+name, func(b *testing.B) {
			dsn := pgDSN(b)
			// database/sql only makes, seeds and drops the table.
			setup, err := sql.Open("pgx", dsn)
			if err != nil {
				b.Fatal(err)
			}
			closeAfter(b, "setup", setup.Close)
			e := newServerEnv(b, setup, backendPG, name, driver.DialectPostgres, pgxTable)
			q := newPgxQueries(open(b, dsn))
			s := pgxSuite(e, q)
			if pool, ok := q.db.(*pgxpool.Pool); ok {
				s.Fanout64 = func(b *testing.B) { pgxFanout(b, e, newPgxQueries(pool)) }
			}
			e.run(b, s)
		})
	}
	server("pool", func(b *testing.B, dsn string) pgxDBTX {
		cfg, err := pgxpool.ParseConfig(dsn)
		if err != nil {
			b.Fatal(err)
		}
		cfg.MaxConns = 16
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		return pool
	})
	server("conn", func(b *testing.B, dsn string) pgxDBTX {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		closeAfter(b, "pgx.Conn", func() error { return conn.Close(context.Background()) })
		return conn
	})
}

// pgxDBTX is what sqlc's generated code runs on: *pgxpool.Pool, *pgx.Conn
// and pgx.Tx all have these methods.
type pgxDBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// pgxQueries is sqlc's Queries: the queries of one table over a DBTX.
type pgxQueries struct{ db pgxDBTX }

func newPgxQueries(db pgxDBTX) *pgxQueries { return &pgxQueries{db: db} }

// The queries, as sqlc writes them into its generated file (with the
// table name of this module).
const (
	pgxInsertModel = `-- name: InsertModel :one
INSERT INTO ` + pgxTable + ` (name, title, fax, web, age, active, counter, score, note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
`
	pgxUpdateModel = `-- name: UpdateModel :exec
UPDATE ` + pgxTable + ` SET name = $1, title = $2, fax = $3, web = $4, age = $5, active = $6,
counter = $7, score = $8, note = $9 WHERE id = $10
`
	pgxGetModel = `-- name: GetModel :one
SELECT id, name, title, fax, web, age, active, counter, score, note FROM ` + pgxTable + ` WHERE id = $1
`
	pgxListModels = `-- name: ListModels :many
SELECT id, name, title, fax, web, age, active, counter, score, note FROM ` + pgxTable + ` WHERE id > $1 LIMIT 100
`
	pgxStreamModels = `-- name: StreamModels :many
SELECT id, name, title, fax, web, age, active, counter, score, note FROM ` + pgxTable + ` WHERE id > $1 ORDER BY id LIMIT $2
`
)

// InsertModelParams and UpdateModelParams are sqlc's params structs.
type InsertModelParams struct {
	Name, Title, Fax, Web string
	Age                   int64
	Active                bool
	Counter               int64
	Score                 float64
	Note                  string
}

type UpdateModelParams struct {
	Name, Title, Fax, Web string
	Age                   int64
	Active                bool
	Counter               int64
	Score                 float64
	Note                  string
	ID                    int64
}

func (q *pgxQueries) InsertModel(ctx context.Context, arg InsertModelParams) (int64, error) {
	row := q.db.QueryRow(ctx, pgxInsertModel, arg.Name, arg.Title, arg.Fax, arg.Web, arg.Age, arg.Active, arg.Counter, arg.Score, arg.Note)
	var id int64
	err := row.Scan(&id)
	return id, err
}

func (q *pgxQueries) UpdateModel(ctx context.Context, arg UpdateModelParams) error {
	_, err := q.db.Exec(ctx, pgxUpdateModel, arg.Name, arg.Title, arg.Fax, arg.Web, arg.Age, arg.Active, arg.Counter, arg.Score, arg.Note, arg.ID)
	return err
}

func (q *pgxQueries) GetModel(ctx context.Context, id int64) (Model, error) {
	row := q.db.QueryRow(ctx, pgxGetModel, id)
	var i Model
	err := row.Scan(&i.ID, &i.Name, &i.Title, &i.Fax, &i.Web, &i.Age, &i.Active, &i.Counter, &i.Score, &i.Note)
	return i, err
}

func (q *pgxQueries) ListModels(ctx context.Context, id int64) ([]Model, error) {
	rows, err := q.db.Query(ctx, pgxListModels, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []Model
	for rows.Next() {
		var i Model
		if err := rows.Scan(&i.ID, &i.Name, &i.Title, &i.Fax, &i.Web, &i.Age, &i.Active, &i.Counter, &i.Score, &i.Note); err != nil {
			return nil, err
		}
		items = append(items, i)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// InsertModels is the multi-row INSERT, which sqlc cannot generate (its
// VALUES list has as many rows as the call): written by hand beside the
// generated code, the same text the hand-written database/sql code sends.
func (q *pgxQueries) InsertModels(ctx context.Context, ms []Model) error {
	sqlText, args := insertMultiSQL(driver.DialectPostgres, pgxTable, ms, true)
	rows, err := q.db.Query(ctx, sqlText, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanIDs(rows, ms)
}

func insertParams(m *Model) InsertModelParams {
	return InsertModelParams{Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age,
		Active: m.Active, Counter: m.Counter, Score: m.Score, Note: m.Note}
}

func pgxSuite(e *env, q *pgxQueries) suite {
	ctx := context.Background()
	return suite{
		Insert: func(b *testing.B) {
			m := sample(0)
			arg := insertParams(&m)
			var id int64
			for b.Loop() {
				var err error
				if id, err = q.InsertModel(ctx, arg); err != nil {
					b.Fatal(err)
				}
			}
			if id == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			ms := samples(batch)
			for b.Loop() {
				for i := range ms {
					ms[i].ID = 0
				}
				if err := q.InsertModels(ctx, ms); err != nil {
					b.Fatal(err)
				}
			}
			if ms[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			m := sample(1)
			arg := UpdateModelParams{Name: m.Name, Title: m.Title, Fax: m.Fax, Web: m.Web, Age: m.Age,
				Active: m.Active, Counter: m.Counter, Score: m.Score, Note: m.Note, ID: e.readID}
			for b.Loop() {
				arg.Counter++
				if err := q.UpdateModel(ctx, arg); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := e.key(i)
				m, err := q.GetModel(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if m.ID != key {
					b.Fatalf("Read(%d) returned id %d", key, m.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				ms, err := q.ListModels(ctx, e.after(i))
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(ms), batch)
				}
			}
		},
		Stream100k: func(b *testing.B) { pgxStream(b, q) },
	}
}

// pgxFanout is Fanout64 over the pool: 64 goroutines each get one row
// (64 consecutive keys of the cycle), and the caller waits for all.
func pgxFanout(b *testing.B, e *env, q *pgxQueries) {
	ctx := context.Background()
	var errs [fanout]error
	var got [fanout]Model
	for n := 0; b.Loop(); n++ {
		var wg sync.WaitGroup
		for i := range fanout {
			wg.Go(func() { got[i], errs[i] = q.GetModel(ctx, e.key(n*fanout+i)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
			if key := e.key(n*fanout + i); got[i].ID != key {
				b.Fatalf("read %d returned id %d", key, got[i].ID)
			}
		}
	}
}

// pgxStream is Stream100k: rows read one at a time into one Model, none
// kept, the statement the hand-written stream sends.
func pgxStream(b *testing.B, q *pgxQueries) {
	ctx := context.Background()
	stop := peakHeap(b)
	for b.Loop() {
		rows, err := q.db.Query(ctx, pgxStreamModels, 0, streamRows)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		var m Model
		for rows.Next() {
			if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Active, &m.Counter, &m.Score, &m.Note); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		if n != streamRows {
			b.Fatalf("streamed %d rows, want %d", n, streamRows)
		}
	}
	stop()
}
