package benchmarks

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx"
	_ "github.com/lib/pq"              // "postgres"
	_ "modernc.org/sqlite"             // "sqlite"

	"github.com/aiodb/aiodb/benchmarks/nopdriver"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/testenv"
)

// batch is the number of rows of InsertMulti and ReadSlice.
const batch = 100

// keyRange is the number of keys the reads cycle through: the i-th Read
// asks for the row key(i), the i-th ReadSlice for the batch rows after
// it. Every table is seeded with keyRange+batch rows. With a constant key,
// a library that writes the values into its SQL text (bun) would send one
// text over and over and hit pgx's statement cache (512 texts) on every
// read; with keyRange distinct keys it sends keyRange distinct texts, as it
// does in an application.
const keyRange = 1000

// The async forms: Fanout reads one row from fanout goroutines at once;
// Stream reads streamRows rows one by one without holding them all.
const (
	fanout     = 64
	streamRows = 100_000
)

// Backends. Every library runs on each one it supports, as the second
// element of its benchmarks' names.
const (
	backendNop    = "nop"    // nopdriver, PostgreSQL SQL
	backendPG     = "pg"     // PostgreSQL at AIODB_PG_DSN
	backendMySQL  = "mysql"  // MariaDB/MySQL at AIODB_MYSQL_DSN
	backendSQLite = "sqlite" // a file in the benchmark's temporary directory
)

// Model is the row every library reads and writes: ten columns of the
// common types. Each library's file declares its own copy (with its tags
// and table name) and converts from Model, outside the timed loops.
type Model struct {
	ID      int64   `db:"id,pk,auto"`
	Name    string  `db:"name"`
	Title   string  `db:"title"`
	Fax     string  `db:"fax"`
	Web     string  `db:"web"`
	Age     int64   `db:"age"`
	Active  bool    `db:"active"`
	Counter int64   `db:"counter"`
	Score   float64 `db:"score"`
	Note    string  `db:"note"`
}

// sample returns the i-th row of test data, without an id.
func sample(i int) Model {
	return Model{
		Name:    "Name " + strconv.Itoa(i),
		Title:   "Benchmark row title",
		Fax:     "+1 555 0100 " + strconv.Itoa(i),
		Web:     "https://example.com/rows/" + strconv.Itoa(i),
		Age:     int64(20 + i%50),
		Active:  i%2 == 0,
		Counter: int64(1000 + i),
		Score:   float64(i) * 1.5,
		Note:    "A note long enough to look like real text in a column.",
	}
}

// samples returns rows 0..n-1 of sample.
func samples(n int) []Model {
	out := make([]Model, n)
	for i := range out {
		out[i] = sample(i)
	}
	return out
}

// Column lists of the hand-written SQL (raw and sqlx), in Model's order.
const (
	insertCols = "name, title, fax, web, age, active, counter, score, note"
	selectCols = "id, " + insertCols
)

// env is one library's table on one backend: what its operations need to
// know besides its own handle.
type env struct {
	backend string
	dialect string // driver.DialectPostgres, DialectMySQL or DialectSQLite
	table   string
	readID  int64             // the first seeded id: updated by Update, the first key of the reads
	nop     *nopdriver.Driver // on the nop backend: its answers are set per operation
	db      *sql.DB           // on a server backend: the handle that made the table
	driver  string            // the benchmarks' third name part
}

// suite is one library's five operations. Each runs its own b.Loop, so
// that nothing but the operation itself is timed.
type suite struct {
	Insert      func(b *testing.B)
	InsertMulti func(b *testing.B)
	Update      func(b *testing.B)
	Read        func(b *testing.B)
	ReadSlice   func(b *testing.B)

	// The async forms, for the libraries that have them (nil otherwise):
	// Fanout64 reads the row of readID from 64 goroutines at once, on a
	// pool of at most 16 connections; Stream100k reads 100,000 rows one at
	// a time and reports the peak of the heap above its start.
	Fanout64   func(b *testing.B)
	Stream100k func(b *testing.B)
}

// run runs s's operations as sub-benchmarks, setting the do-nothing
// driver's answer for each one first.
func (e *env) run(b *testing.B, s suite) {
	ops := []struct {
		name string
		fn   func(b *testing.B)
		ans  func()
	}{
		{"Insert", s.Insert, func() { e.nop.SetRows(idCols, nopIDs[:1]) }},
		{"InsertMulti", s.InsertMulti, func() { e.nop.SetRows(idCols, nopIDs) }},
		{"Update", s.Update, func() { e.nop.SetRows(nil, nil) }},
		{"Read", s.Read, func() { e.nop.SetRows(modelCols, nopModels[:1]) }},
		{"ReadSlice", s.ReadSlice, func() { e.nop.SetRows(modelCols, nopModels) }},
		{"Fanout64", s.Fanout64, func() { e.nop.SetRows(modelCols, nopModels[:1]) }},
		{"Stream100k", s.Stream100k, func() { e.nop.SetRows(modelCols, nopStream()) }},
	}
	for _, op := range ops {
		if op.fn == nil {
			continue
		}
		b.Run(op.name, func(b *testing.B) {
			if e.nop != nil {
				op.ans()
			}
			if op.name == "Stream100k" {
				e.seedStream(b)
			}
			b.ReportAllocs()
			cpu0 := testenv.ProcessCPU()
			op.fn(b)
			// b.N is the number of iterations b.Loop ran.
			if b.N > 0 && cpu0 >= 0 {
				b.ReportMetric(float64(testenv.ProcessCPU()-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// The do-nothing driver's answers: the ids an INSERT ... RETURNING reads,
// and the rows a SELECT reads.
var (
	idCols    = []string{"id"}
	modelCols = strings.Split(strings.ReplaceAll(selectCols, " ", ""), ",")
	nopIDs    = func() [][]sqldriver.Value {
		out := make([][]sqldriver.Value, batch)
		for i := range out {
			out[i] = []sqldriver.Value{int64(i + 1)}
		}
		return out
	}()
	nopModels = func() [][]sqldriver.Value {
		out := make([][]sqldriver.Value, batch)
		for i, m := range samples(batch) {
			out[i] = []sqldriver.Value{int64(i + 1), m.Name, m.Title, m.Fax, m.Web, m.Age, m.Active, m.Counter, m.Score, m.Note}
		}
		return out
	}()
)

// nopStream is the do-nothing driver's answer to Stream100k.
var nopStream = sync.OnceValue(func() [][]sqldriver.Value {
	out := make([][]sqldriver.Value, streamRows)
	for i := range out {
		m := nopModels[i%batch]
		out[i] = append([]sqldriver.Value{int64(i + 1)}, m[1:]...)
	}
	return out
})

// newNopEnv returns the env of the do-nothing backend; its read id is the
// first canned row's.
func newNopEnv(table string) *env {
	return &env{backend: backendNop, driver: "nop", dialect: driver.DialectPostgres, table: table, readID: 1, nop: nopdriver.New()}
}

// key returns the id the i-th read of a benchmark asks for: the reads
// cycle through keyRange seeded rows (see keyRange).
func (e *env) key(i int) int64 { return e.readID + int64(i%keyRange) }

// after returns the lower bound (exclusive) of the i-th ReadSlice: it
// reads the batch rows from key(i) on.
func (e *env) after(i int) int64 { return e.key(i) - 1 }

// want returns the id a read of key returns: key on a server, the canned
// row's on the do-nothing driver.
func (e *env) want(key int64) int64 {
	if e.nop != nil {
		return nopModels[0][0].(int64)
	}
	return key
}

// DSNs of the servers. A server benchmark skips when its DSN is unset,
// unless AIODB_REQUIRE_DB=1 (as in CI), which makes that a failure.
const (
	pgEnv      = "AIODB_PG_DSN"
	mysqlEnv   = "AIODB_MYSQL_DSN"
	requireEnv = "AIODB_REQUIRE_DB"
)

func dsnFrom(b *testing.B, envVar string) string {
	b.Helper()
	if v := os.Getenv(envVar); v != "" {
		return v
	}
	if os.Getenv(requireEnv) == "1" {
		b.Fatalf("%s is not set but %s=1", envVar, requireEnv)
	}
	b.Skipf("set %s to run this benchmark", envVar)
	return ""
}

// pgDSN returns AIODB_PG_DSN, or skips, with synchronous_commit=off for
// the session: a commit then does not wait for the disk, a wait the same
// for every library that on a shared machine drowns the differences this
// module measures. lib/pq and pgx send the key to the server as a run-time
// parameter; it changes nothing for other sessions.
func pgDSN(b *testing.B) string {
	dsn := dsnFrom(b, pgEnv)
	if strings.Contains(dsn, "://") {
		return withDSNOption(dsn, "synchronous_commit=off")
	}
	return dsn + " synchronous_commit=off"
}

// mysqlDSN returns AIODB_MYSQL_DSN or skips.
func mysqlDSN(b *testing.B) string { return dsnFrom(b, mysqlEnv) }

// sqliteDSN returns the DSN of a new SQLite file that lives as long as b.
func sqliteDSN(b *testing.B) string {
	return "file:" + filepath.Join(b.TempDir(), "bench.db") + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)"
}

// withDSNOption appends opt (key=value) to a URL or go-sql-driver/mysql
// DSN.
func withDSNOption(dsn, opt string) string {
	if strings.Contains(dsn[strings.LastIndexByte(dsn, '/')+1:], "?") {
		return dsn + "&" + opt
	}
	return dsn + "?" + opt
}

// closeAfter closes c when b and its sub-benchmarks are done.
func closeAfter(b *testing.B, name string, close func() error) {
	b.Cleanup(func() {
		if err := close(); err != nil {
			b.Errorf("closing %s: %v", name, err)
		}
	})
}

// newServerEnv (re)creates table on a real backend through db, seeds it
// with keyRange+batch rows (ids consecutive from readID) and drops it when
// b is done.
func newServerEnv(b *testing.B, db *sql.DB, backend, driverName, dialect, table string) *env {
	b.Helper()
	ctx := driver.AllowSync(context.Background())
	stmts := []string{"DROP TABLE IF EXISTS " + table, createTableSQL(dialect, table)}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %s: %v", backend, q, err)
		}
	}
	b.Cleanup(func() {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			b.Errorf("%s: dropping %s: %v", backend, table, err)
		}
	})
	rows := samples(keyRange + batch)
	for len(rows) > 0 {
		n := min(len(rows), batch)
		q, args := insertMultiSQL(dialect, table, rows[:n], false)
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: seeding %s: %v", backend, table, err)
		}
		rows = rows[n:]
	}
	e := &env{backend: backend, driver: driverName, dialect: dialect, table: table, db: db}
	var last int64
	if err := db.QueryRowContext(ctx, "SELECT MIN(id), MAX(id) FROM "+table).Scan(&e.readID, &last); err != nil {
		b.Fatalf("%s: reading the ids of %s: %v", backend, table, err)
	}
	if last-e.readID != keyRange+batch-1 {
		b.Fatalf("%s: the seeded ids of %s run from %d to %d, not %d consecutive ones", backend, table, e.readID, last, keyRange+batch)
	}
	return e
}

// seedStream makes sure a server table has at least streamRows rows,
// adding them in one statement on PostgreSQL (the only server the async
// forms run on).
func (e *env) seedStream(b *testing.B) {
	if e.db == nil {
		return
	}
	if e.dialect != driver.DialectPostgres {
		b.Fatalf("%s: Stream100k seeds PostgreSQL tables only", e.backend)
	}
	ctx := driver.AllowSync(context.Background())
	q := "INSERT INTO " + e.table + " (" + insertCols + ") " +
		"SELECT 'Name ' || i, 'Benchmark row title', '+1 555 0100 ' || i, 'https://example.com/rows/' || i, " +
		"20 + i % 50, i % 2 = 0, 1000 + i, i * 1.5, 'A note long enough to look like real text in a column.' " +
		"FROM generate_series(1, $1::bigint) AS i"
	if _, err := e.db.ExecContext(ctx, q, streamRows); err != nil {
		b.Fatalf("%s: seeding %d rows into %s: %v", e.backend, streamRows, e.table, err)
	}
}

// fanoutPool sizes db's pool for Fanout64 (a pool as large as the fan-out
// would open 64 connections to the server; database/sql's default of 2
// idle ones would close and reopen them on every operation).
func fanoutPool(db *sql.DB) {
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
}

// peakHeap samples the heap every millisecond while the benchmark's loop
// runs and reports how far it rose above its size at the start (after a
// GC), in MiB: peak-heap-MiB counts every object, garbage not yet
// collected included (what the process needs), peak-live-MiB the heap
// that survived each GC (what the code holds on to: a stream that kept its
// rows would show them here). Call it before b.Loop and the function it
// returns after it.
func peakHeap(b *testing.B) (stop func()) {
	const heapMetric, liveMetric = "/memory/classes/heap/objects:bytes", "/gc/heap/live:bytes"
	runtime.GC()
	samples := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}}
	metrics.Read(samples)
	heap0, live0 := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	done := make(chan struct{})
	peaks := make(chan [2]uint64)
	go func() {
		var max [2]uint64
		s := []metrics.Sample{{Name: heapMetric}, {Name: liveMetric}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			for i := range max {
				max[i] = maxU64(max[i], s[i].Value.Uint64())
			}
			select {
			case <-done:
				peaks <- max
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		max := <-peaks
		// The last GC's live heap is read now, so that a stream that held
		// its rows until the end still shows them.
		runtime.GC()
		s := []metrics.Sample{{Name: liveMetric}}
		metrics.Read(s)
		max[1] = maxU64(max[1], s[0].Value.Uint64())
		mib := func(v, start uint64) float64 {
			if v <= start {
				return 0
			}
			return float64(v-start) / (1 << 20)
		}
		b.ReportMetric(mib(max[0], heap0), "peak-heap-MiB")
		b.ReportMetric(mib(max[1], live0), "peak-live-MiB")
	}
}

func maxU64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// createTableSQL is the CREATE TABLE of a benchmark table in dialect.
func createTableSQL(dialect, table string) string {
	var id, text, boolean, float string
	switch dialect {
	case driver.DialectPostgres:
		id, text, boolean, float = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "TEXT", "BOOLEAN", "DOUBLE PRECISION"
	case driver.DialectMySQL:
		id, text, boolean, float = "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY", "VARCHAR(255)", "BOOL", "DOUBLE"
	case driver.DialectSQLite:
		id, text, boolean, float = "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "BOOLEAN", "REAL"
	default:
		panic("benchmarks: no DDL for dialect " + dialect)
	}
	return fmt.Sprintf(`CREATE TABLE %s (
	id %s,
	name %[3]s NOT NULL, title %[3]s NOT NULL, fax %[3]s NOT NULL, web %[3]s NOT NULL,
	age BIGINT NOT NULL, active %[4]s NOT NULL, counter BIGINT NOT NULL,
	score %[5]s NOT NULL, note %[3]s NOT NULL)`, table, id, text, boolean, float)
}

// rebind rewrites the "?" placeholders of q as "$1", "$2", ... for
// PostgreSQL. Hand-written code would have the dialect's form in its
// string constants; the benchmarks call rebind once, outside the loops.
func rebind(dialect, q string) string {
	if dialect != driver.DialectPostgres {
		return q
	}
	var sb strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(n))
			continue
		}
		sb.WriteByte(q[i])
	}
	return sb.String()
}

// insertMultiSQL writes a hand-written multi-row INSERT of rows (with
// RETURNING id when returning) and its arguments, the way hand-written code
// builds one per call for a batch of any size.
func insertMultiSQL(dialect, table string, rows []Model, returning bool) (string, []any) {
	buf := make([]byte, 0, 64+len(rows)*56)
	buf = append(buf, "INSERT INTO "...)
	buf = append(buf, table...)
	buf = append(buf, " ("+insertCols+") VALUES "...)
	args := make([]any, 0, len(rows)*9)
	for i := range rows {
		r := &rows[i]
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = append(buf, '(')
		for j := 0; j < 9; j++ {
			if j > 0 {
				buf = append(buf, ", "...)
			}
			if dialect == driver.DialectPostgres {
				buf = append(buf, '$')
				buf = strconv.AppendInt(buf, int64(len(args)+j+1), 10)
			} else {
				buf = append(buf, '?')
			}
		}
		buf = append(buf, ')')
		args = append(args, r.Name, r.Title, r.Fax, r.Web, r.Age, r.Active, r.Counter, r.Score, r.Note)
	}
	if returning {
		buf = append(buf, " RETURNING id"...)
	}
	return string(buf), args
}
