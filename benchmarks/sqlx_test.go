package benchmarks

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/aiodb/aiodb/driver"
)

// sqlx, written as its documentation shows: named statements bound from
// the struct for writes, GetContext and SelectContext for reads.

// SqlxModel is Model; sqlx reads the same db tags.
type SqlxModel Model

const sqlxTable = "bench_sqlx_model"

// BenchmarkSqlx runs sqlx over the do-nothing driver, pgx's stdlib,
// go-sql-driver/mysql and modernc.org/sqlite.
func BenchmarkSqlx(b *testing.B) {
	b.Run("nop/nop", func(b *testing.B) {
		e := newNopEnv(sqlxTable)
		db := sqlx.NewDb(sql.OpenDB(e.nop.Connector()), "pgx")
		closeAfter(b, "nop", db.Close)
		e.run(b, newSqlxRepo(e, db).suite())
	})
	server := func(backend, name, driverName, dialect string, dsn func(*testing.B) string) {
		b.Run(backend+"/"+name, func(b *testing.B) {
			db, err := sqlx.Open(driverName, dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			closeAfter(b, name, db.Close)
			e := newServerEnv(b, db.DB, backend, name, dialect, sqlxTable)
			e.run(b, newSqlxRepo(e, db).suite())
		})
	}
	server(backendPG, "pgx", "pgx", driver.DialectPostgres, pgDSN)
	server(backendMySQL, "mysql", "mysql", driver.DialectMySQL, mysqlDSN)
	server(backendSQLite, "sqlite", "sqlite", driver.DialectSQLite, sqliteDSN)
}

type sqlxRepo struct {
	db        *sqlx.DB
	e         *env
	returning bool
	insertQ   string // named
	updateQ   string // named
	readQ     string
	sliceQ    string
}

func newSqlxRepo(e *env, db *sqlx.DB) *sqlxRepo {
	r := &sqlxRepo{db: db, e: e, returning: e.dialect != driver.DialectMySQL}
	r.insertQ = "INSERT INTO " + e.table + " (" + insertCols + ") VALUES " +
		"(:name, :title, :fax, :web, :age, :active, :counter, :score, :note)"
	if r.returning {
		r.insertQ += " RETURNING id"
	}
	r.updateQ = "UPDATE " + e.table + " SET name = :name, title = :title, fax = :fax, web = :web, " +
		"age = :age, active = :active, counter = :counter, score = :score, note = :note WHERE id = :id"
	r.readQ = rebind(e.dialect, "SELECT "+selectCols+" FROM "+e.table+" WHERE id = ?")
	r.sliceQ = rebind(e.dialect, "SELECT "+selectCols+" FROM "+e.table+" WHERE id > ? LIMIT 100")
	return r
}

// insert runs the named INSERT for arg (a *SqlxModel or a []SqlxModel,
// which sqlx expands into one multi-row statement) and stores the new ids.
func (r *sqlxRepo) insert(ctx context.Context, arg any, ids []*int64) error {
	if !r.returning {
		res, err := r.db.NamedExecContext(ctx, r.insertQ, arg)
		if err != nil {
			return err
		}
		first, err := res.LastInsertId()
		for i, id := range ids {
			*id = first + int64(i)
		}
		return err
	}
	rows, err := r.db.NamedQueryContext(ctx, r.insertQ, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		if i == len(ids) {
			return fmt.Errorf("insert of %d rows returned more ids", len(ids))
		}
		if err := rows.Scan(ids[i]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(ids) {
		return fmt.Errorf("insert of %d rows returned %d ids", len(ids), i)
	}
	return nil
}

func (r *sqlxRepo) suite() suite {
	ctx := context.Background()
	return suite{
		Insert: func(b *testing.B) {
			row := SqlxModel(sample(0))
			ids := []*int64{&row.ID}
			for b.Loop() {
				row.ID = 0
				if err := r.insert(ctx, &row, ids); err != nil {
					b.Fatal(err)
				}
			}
			if row.ID == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			rows := make([]SqlxModel, batch)
			ids := make([]*int64, batch)
			for i, s := range samples(batch) {
				rows[i] = SqlxModel(s)
				ids[i] = &rows[i].ID
			}
			for b.Loop() {
				for i := range rows {
					rows[i].ID = 0
				}
				if err := r.insert(ctx, rows, ids); err != nil {
					b.Fatal(err)
				}
			}
			if rows[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			row := SqlxModel(sample(1))
			row.ID = r.e.readID
			for b.Loop() {
				row.Counter++
				if _, err := r.db.NamedExecContext(ctx, r.updateQ, &row); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := r.e.key(i)
				var row SqlxModel
				if err := r.db.GetContext(ctx, &row, r.readQ, key); err != nil {
					b.Fatal(err)
				}
				if row.ID != r.e.want(key) {
					b.Fatalf("Read(%d) returned id %d", key, row.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				var rows []SqlxModel
				if err := r.db.SelectContext(ctx, &rows, r.sliceQ, r.e.after(i)); err != nil {
					b.Fatal(err)
				}
				if len(rows) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(rows), batch)
				}
			}
		},
	}
}
