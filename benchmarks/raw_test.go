package benchmarks

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/driver"
)

// Hand-written database/sql code: the baselines. Each operation is the
// function a careful programmer writes by hand, with the SQL in constants
// and the scanning spelled out, as in the database/sql tutorial.

const rawTable = "bench_raw_model"

// BenchmarkRaw runs the hand-written code over the do-nothing driver,
// pgx's stdlib and lib/pq on PostgreSQL, go-sql-driver/mysql and
// modernc.org/sqlite.
//
// On MariaDB and SQLite it runs three times:
//   - mysql, sqlite: each call passes its SQL text to database/sql, which
//     go-sql-driver/mysql answers with a prepare, an execute and a close
//     (three round trips) and modernc.org/sqlite by compiling the statement
//     again: the drivers' defaults, what most code gets;
//   - mysql-stmt, sqlite-stmt: each statement prepared once with
//     db.PrepareContext and the *sql.Stmt reused, as code that cares
//     writes it;
//   - mysql-interp: go-sql-driver/mysql with interpolateParams=true, which
//     writes the arguments into the text on the client: one round trip, no
//     server-side statement.
//
// On PostgreSQL pgx's stdlib already keeps every statement prepared per
// connection (its default statement cache), so pgx is the reused-statement
// baseline there.
func BenchmarkRaw(b *testing.B) {
	b.Run("nop/nop", func(b *testing.B) {
		e := newNopEnv(rawTable)
		db := sql.OpenDB(e.nop.Connector())
		closeAfter(b, "nop", db.Close)
		e.run(b, newRaw(e, db).suite())
	})
	server := func(backend, name, driverName, dialect string, dsn func(*testing.B) string, opt string, prepared bool) {
		b.Run(backend+"/"+name, func(b *testing.B) {
			d := dsn(b)
			if opt != "" {
				d = withDSNOption(d, opt)
			}
			db, err := sql.Open(driverName, d)
			if err != nil {
				b.Fatal(err)
			}
			closeAfter(b, name, db.Close)
			e := newServerEnv(b, db, backend, name, dialect, rawTable)
			r := newRaw(e, db)
			if prepared {
				r.prepare(b)
			}
			e.run(b, r.suite())
		})
	}
	server(backendPG, "pgx", "pgx", driver.DialectPostgres, pgDSN, "", false)
	server(backendPG, "pq", "postgres", driver.DialectPostgres, pgDSN, "", false)
	server(backendMySQL, "mysql", "mysql", driver.DialectMySQL, mysqlDSN, "", false)
	server(backendMySQL, "mysql-stmt", "mysql", driver.DialectMySQL, mysqlDSN, "", true)
	server(backendMySQL, "mysql-interp", "mysql", driver.DialectMySQL, mysqlDSN, "interpolateParams=true", false)
	server(backendSQLite, "sqlite", "sqlite", driver.DialectSQLite, sqliteDSN, "", false)
	server(backendSQLite, "sqlite-stmt", "sqlite", driver.DialectSQLite, sqliteDSN, "", true)
}

// raw is a hand-written repository of Model rows.
type raw struct {
	db        *sql.DB
	e         *env
	returning bool // INSERT ... RETURNING id, or LastInsertId (MySQL)
	insertQ   string
	updateQ   string
	readQ     string
	sliceQ    string
	multiQ    string // the INSERT of batch rows, the text insertMultiSQL writes

	// The statements prepared once and reused (prepare), or nil: each
	// call then passes its text to database/sql.
	insertS, updateS, readS, sliceS, multiS *sql.Stmt
}

func newRaw(e *env, db *sql.DB) *raw {
	r := &raw{db: db, e: e, returning: e.dialect != driver.DialectMySQL}
	r.insertQ = rebind(e.dialect, "INSERT INTO "+e.table+" ("+insertCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
	if r.returning {
		r.insertQ += " RETURNING id"
	}
	r.updateQ = rebind(e.dialect, "UPDATE "+e.table+
		" SET name = ?, title = ?, fax = ?, web = ?, age = ?, active = ?, counter = ?, score = ?, note = ? WHERE id = ?")
	r.readQ = rebind(e.dialect, "SELECT "+selectCols+" FROM "+e.table+" WHERE id = ?")
	r.sliceQ = rebind(e.dialect, "SELECT "+selectCols+" FROM "+e.table+" WHERE id > ? LIMIT 100")
	r.multiQ, _ = insertMultiSQL(e.dialect, e.table, samples(batch), r.returning)
	return r
}

// prepare prepares each statement once, closing them when b is done; the
// operations then run the *sql.Stmt, which database/sql prepares again on
// any other connection of the pool it meets.
func (r *raw) prepare(b *testing.B) {
	ctx := context.Background()
	for _, s := range []struct {
		stmt **sql.Stmt
		q    string
	}{{&r.insertS, r.insertQ}, {&r.updateS, r.updateQ}, {&r.readS, r.readQ}, {&r.sliceS, r.sliceQ}, {&r.multiS, r.multiQ}} {
		st, err := r.db.PrepareContext(ctx, s.q)
		if err != nil {
			b.Fatalf("preparing %s: %v", s.q, err)
		}
		closeAfter(b, "a statement", st.Close)
		*s.stmt = st
	}
}

// queryRow, query and exec run q, or its prepared statement s when there
// is one.
func (r *raw) queryRow(ctx context.Context, s *sql.Stmt, q string, args ...any) *sql.Row {
	if s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.db.QueryRowContext(ctx, q, args...)
}

func (r *raw) query(ctx context.Context, s *sql.Stmt, q string, args ...any) (*sql.Rows, error) {
	if s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.db.QueryContext(ctx, q, args...)
}

func (r *raw) exec(ctx context.Context, s *sql.Stmt, q string, args ...any) (sql.Result, error) {
	if s != nil {
		return s.ExecContext(ctx, args...)
	}
	return r.db.ExecContext(ctx, q, args...)
}

func (r *raw) insert(ctx context.Context, m *Model) error {
	if r.returning {
		return r.queryRow(ctx, r.insertS, r.insertQ,
			m.Name, m.Title, m.Fax, m.Web, m.Age, m.Active, m.Counter, m.Score, m.Note).Scan(&m.ID)
	}
	res, err := r.exec(ctx, r.insertS, r.insertQ,
		m.Name, m.Title, m.Fax, m.Web, m.Age, m.Active, m.Counter, m.Score, m.Note)
	if err != nil {
		return err
	}
	m.ID, err = res.LastInsertId()
	return err
}

func (r *raw) insertMulti(ctx context.Context, ms []Model) error {
	q, args := insertMultiSQL(r.e.dialect, r.e.table, ms, r.returning)
	var s *sql.Stmt
	if len(ms) == batch {
		s = r.multiS
	}
	if !r.returning {
		res, err := r.exec(ctx, s, q, args...)
		if err != nil {
			return err
		}
		first, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i := range ms {
			ms[i].ID = first + int64(i)
		}
		return nil
	}
	rows, err := r.query(ctx, s, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanIDs(rows, ms)
}

// idRows is what scanIDs reads: *sql.Rows and pgx.Rows both are.
type idRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanIDs reads the ids a multi-row INSERT ... RETURNING id gave into ms,
// one per row, failing on more or fewer.
func scanIDs(rows idRows, ms []Model) error {
	i := 0
	for rows.Next() {
		if i == len(ms) {
			return fmt.Errorf("insert of %d rows returned more ids", len(ms))
		}
		if err := rows.Scan(&ms[i].ID); err != nil {
			return err
		}
		i++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if i != len(ms) {
		return fmt.Errorf("insert of %d rows returned %d ids", len(ms), i)
	}
	return nil
}

func (r *raw) update(ctx context.Context, m *Model) error {
	_, err := r.exec(ctx, r.updateS, r.updateQ,
		m.Name, m.Title, m.Fax, m.Web, m.Age, m.Active, m.Counter, m.Score, m.Note, m.ID)
	return err
}

func (r *raw) read(ctx context.Context, id int64) (*Model, error) {
	var m Model
	err := r.queryRow(ctx, r.readS, r.readQ, id).Scan(
		&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Active, &m.Counter, &m.Score, &m.Note)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// readSlice reads the batch rows after the id after.
func (r *raw) readSlice(ctx context.Context, after int64) ([]Model, error) {
	rows, err := r.query(ctx, r.sliceS, r.sliceQ, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Model
	for rows.Next() {
		var m Model
		if err := rows.Scan(&m.ID, &m.Name, &m.Title, &m.Fax, &m.Web, &m.Age, &m.Active, &m.Counter, &m.Score, &m.Note); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (r *raw) suite() suite {
	ctx := context.Background()
	s := suite{
		Insert: func(b *testing.B) {
			m := sample(0)
			for b.Loop() {
				m.ID = 0
				if err := r.insert(ctx, &m); err != nil {
					b.Fatal(err)
				}
			}
			if m.ID == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			ms := samples(batch)
			for b.Loop() {
				for i := range ms {
					ms[i].ID = 0
				}
				if err := r.insertMulti(ctx, ms); err != nil {
					b.Fatal(err)
				}
			}
			if ms[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			m := sample(1)
			m.ID = r.e.readID
			for b.Loop() {
				m.Counter++
				if err := r.update(ctx, &m); err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := r.e.key(i)
				m, err := r.read(ctx, key)
				if err != nil {
					b.Fatal(err)
				}
				if m.ID != r.e.want(key) {
					b.Fatalf("Read(%d) returned id %d", key, m.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				ms, err := r.readSlice(ctx, r.e.after(i))
				if err != nil {
					b.Fatal(err)
				}
				if len(ms) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(ms), batch)
				}
			}
		},
	}
	if r.e.backend == backendNop || r.e.driver == "pgx" {
		s.Fanout64 = r.fanout
		s.Stream100k = r.stream
	}
	return s
}

// fanout is the hand-written form of aiodb's AioGet fan-out: 64
// goroutines each read one row (64 consecutive keys of the cycle), and the
// caller waits for all of them.
func (r *raw) fanout(b *testing.B) {
	ctx := context.Background()
	fanoutPool(r.db)
	var errs [fanout]error
	var got [fanout]*Model
	for n := 0; b.Loop(); n++ {
		var wg sync.WaitGroup
		for i := range fanout {
			wg.Go(func() { got[i], errs[i] = r.read(ctx, r.e.key(n*fanout+i)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
			if key := r.e.key(n*fanout + i); got[i].ID != r.e.want(key) {
				b.Fatalf("read %d returned id %d", key, got[i].ID)
			}
		}
	}
}

// stream is the hand-written form of aiodb's AioExecute: rows read one at
// a time into one Model, none kept.
func (r *raw) stream(b *testing.B) {
	ctx := context.Background()
	q := rebind(r.e.dialect, "SELECT "+selectCols+" FROM "+r.e.table+" WHERE id > ? ORDER BY id LIMIT ?")
	stop := peakHeap(b)
	for b.Loop() {
		rows, err := r.db.QueryContext(ctx, q, 0, streamRows)
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
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		if n != streamRows {
			b.Fatalf("streamed %d rows, want %d", n, streamRows)
		}
	}
	stop()
}
