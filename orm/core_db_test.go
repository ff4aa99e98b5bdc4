package orm_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
)

// coreOpen opens backend b the way the core tests use it: SQLite with
// foreign keys on, MySQL times read into time.Time (parseTime) except on
// the MariaDB variant, which reads them as text and has the MariaDB
// dialect (RETURNING on INSERT and DELETE).
func coreOpen(t *testing.T, b testenv.Backend) *orm.DB {
	t.Helper()
	var opts []orm.Option
	var dsnOpts string
	switch {
	case b.Server == testenv.SQLite:
		dsnOpts = "_pragma=foreign_keys(1)"
	case b.MariaDB:
		opts = append(opts, orm.WithDialect(mysqldialect.MariaDB()))
	case b.Server == testenv.MySQL:
		dsnOpts = "parseTime=true"
	}
	db, err := openDriver(b.Driver, b.DSNWith(t, dsnOpts), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// coreEach runs fn on every backend, each with its own DB.
func coreEach(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) { fn(t, coreOpen(t, b)) })
}

// coreCreate creates the tables of the given CreateTableSQL functions
// (dropping leftovers first, in reverse order for foreign keys) and drops
// them when the test ends.
func coreCreate(t *testing.T, db *orm.DB, tables ...interface {
	CreateTableSQL(bool) ([]string, error)
	DropTableSQL(bool) string
}) {
	t.Helper()
	ctx := context.Background()
	drop := func() {
		for i := len(tables) - 1; i >= 0; i-- {
			if _, err := db.SQLDB().ExecContext(ctx, tables[i].DropTableSQL(true)); err != nil {
				t.Errorf("drop: %v", err)
			}
		}
	}
	drop()
	t.Cleanup(drop)
	for _, m := range tables {
		stmts, err := m.CreateTableSQL(false)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stmts {
			if _, err := db.SQLDB().ExecContext(ctx, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
}

type coreStatus string

// corePoint is a driver.Valuer/sql.Scanner stored as text "x,y".
type corePoint struct{ X, Y int }

func (p corePoint) Value() (driver.Value, error) { return fmt.Sprintf("%d,%d", p.X, p.Y), nil }

func (p *corePoint) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("corePoint: cannot scan %T", src)
	}
	_, err := fmt.Sscanf(s, "%d,%d", &p.X, &p.Y)
	return err
}

// coreTypes has a field of every supported kind of Go type.
type coreTypes struct {
	ID     int64 `db:"id,pk,auto"`
	I8     int8
	I16    int16
	I32    int32
	I      int
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	F32    float32
	F64    float64
	B      bool
	S      string `db:"s,size:200"`
	Text   string
	Bytes  []byte
	T      time.Time
	PT     *time.Time
	PS     *string
	PI     *int64
	PF     *float64
	PB     *bool
	NS     sql.NullString
	NI     sql.NullInt64
	NI32   sql.NullInt32
	NF     sql.NullFloat64
	NB     sql.NullBool
	NT     sql.NullTime
	GN     sql.Null[int64]
	Status coreStatus `db:"status,size:20"`
	Point  corePoint  `db:"point,type:VARCHAR(40)"`
	PPoint *corePoint `db:"ppoint,type:VARCHAR(40)"`
}

func (coreTypes) TableName() string { return "ormcore_types" }

// coreTimesEqual compares times as instants at microsecond precision
// (what PostgreSQL and DATETIME(6) keep).
func coreTimesEqual(a, b time.Time) bool {
	return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond))
}

// TestRoundTripTypes inserts rows with every supported type (full values,
// then NULLs and zero values) and reads them back unchanged: integers at
// their limits, floats, unicode, a megabyte of text, every byte value, and
// times in a non-UTC zone.
func TestRoundTripTypes(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		m, err := orm.NewModel[coreTypes](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, m)

		zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
		when := time.Date(2024, 2, 29, 23, 59, 58, 123456000, zone)
		later := when.Add(36 * time.Hour)
		blob := make([]byte, 256*1024)
		for i := range blob {
			blob[i] = byte(i * 7)
		}
		text := strings.Repeat("héllo wörld — 日本語 🎉 ", 1<<15) // about 1 MB
		ps, pi, pf, pb := "pointer ✓", int64(-42), 2.5, true
		full := &coreTypes{
			I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32, I: math.MaxInt32 + 7,
			U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxInt64 - 3,
			F32: 1.5, F64: math.Pi, B: true,
			S: "ünïcödé ✓ 'quoted' \"double\" `back` \\ ; --", Text: text, Bytes: blob,
			T: when, PT: &later, PS: &ps, PI: &pi, PF: &pf, PB: &pb,
			NS: sql.NullString{String: "ns", Valid: true}, NI: sql.NullInt64{Int64: math.MinInt64, Valid: true},
			NI32: sql.NullInt32{Int32: 32, Valid: true}, NF: sql.NullFloat64{Float64: -0.25, Valid: true},
			NB: sql.NullBool{Bool: true, Valid: true}, NT: sql.NullTime{Time: when, Valid: true},
			GN:     sql.Null[int64]{V: 99, Valid: true},
			Status: "active", Point: corePoint{3, -4}, PPoint: &corePoint{5, 6},
		}
		empty := &coreTypes{T: time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC), Bytes: []byte{}}
		if n, err := m.Insert(full, empty).Exec(ctx); err != nil || n != 2 {
			t.Fatalf("insert: %d, %v", n, err)
		}
		if full.ID == 0 || empty.ID != full.ID+1 {
			t.Fatalf("generated keys: %d, %d", full.ID, empty.ID)
		}
		got, err := m.Select().OrderBy("id").All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("%d rows", len(got))
		}
		g := got[0]
		check := func(name string, ok bool, gotv, wantv any) {
			t.Helper()
			if !ok {
				t.Errorf("%s: got %v, want %v", name, gotv, wantv)
			}
		}
		check("ID", g.ID == full.ID, g.ID, full.ID)
		check("ints", g.I8 == full.I8 && g.I16 == full.I16 && g.I32 == full.I32 && g.I == full.I, []any{g.I8, g.I16, g.I32, g.I}, []any{full.I8, full.I16, full.I32, full.I})
		check("uints", g.U8 == full.U8 && g.U16 == full.U16 && g.U32 == full.U32 && g.U64 == full.U64, []any{g.U8, g.U16, g.U32, g.U64}, []any{full.U8, full.U16, full.U32, full.U64})
		check("floats", g.F32 == full.F32 && g.F64 == full.F64, []any{g.F32, g.F64}, []any{full.F32, full.F64})
		check("bool", g.B, g.B, true)
		check("S", g.S == full.S, g.S, full.S)
		check("Text", g.Text == full.Text, len(g.Text), len(full.Text))
		check("Bytes", bytes.Equal(g.Bytes, full.Bytes), len(g.Bytes), len(full.Bytes))
		check("T", coreTimesEqual(g.T, when), g.T, when)
		check("PT", g.PT != nil && coreTimesEqual(*g.PT, later), g.PT, later)
		check("PS", g.PS != nil && *g.PS == ps, g.PS, ps)
		check("PI", g.PI != nil && *g.PI == pi, g.PI, pi)
		check("PF", g.PF != nil && *g.PF == pf, g.PF, pf)
		check("PB", g.PB != nil && *g.PB, g.PB, pb)
		check("NS", g.NS == full.NS, g.NS, full.NS)
		check("NI", g.NI == full.NI, g.NI, full.NI)
		check("NI32", g.NI32 == full.NI32, g.NI32, full.NI32)
		check("NF", g.NF == full.NF, g.NF, full.NF)
		check("NB", g.NB == full.NB, g.NB, full.NB)
		check("NT", g.NT.Valid && coreTimesEqual(g.NT.Time, when), g.NT, full.NT)
		check("GN", g.GN == full.GN, g.GN, full.GN)
		check("Status", g.Status == full.Status, g.Status, full.Status)
		check("Point", g.Point == full.Point, g.Point, full.Point)
		check("PPoint", g.PPoint != nil && *g.PPoint == *full.PPoint, g.PPoint, full.PPoint)

		e := got[1]
		check("NULL pointers", e.PT == nil && e.PS == nil && e.PI == nil && e.PF == nil && e.PB == nil && e.PPoint == nil, e, "nil pointers")
		check("NULL sql.Null*", !e.NS.Valid && !e.NI.Valid && !e.NI32.Valid && !e.NF.Valid && !e.NB.Valid && !e.NT.Valid && !e.GN.Valid, e, "invalid")
		check("zero values", e.I8 == 0 && e.S == "" && e.Text == "" && len(e.Bytes) == 0 && !e.B && e.F64 == 0, e, "zeros")
		check("epoch", coreTimesEqual(e.T, empty.T), e.T, empty.T)

		// Values compare in WHERE as they were stored.
		for _, cond := range []orm.Expr{
			orm.Eq("s", full.S), orm.Eq("t", when), orm.Eq("u32", full.U32), orm.Eq("i8", full.I8),
			orm.Eq("status", coreStatus("active")), orm.Eq("point", corePoint{3, -4}), orm.Eq("bytes", blob),
			orm.Gt("pt", when), orm.IsNotNull("ps"), orm.Eq("b", true), orm.In("i16", []int16{1, math.MaxInt16}),
		} {
			q := m.Select("id").Where(cond)
			ids, err := orm.ScalarAs[int64](ctx, q)
			if err != nil || ids != full.ID {
				query, _, _ := q.SQL()
				t.Errorf("%s: %d, %v", query, ids, err)
			}
		}
		// An expression over a time column (text on SQLite, bytes on MySQL
		// without parseTime) still scans into a time.Time.
		mx, err := orm.ScalarAs[time.Time](ctx, m.Select().ColumnExpr(orm.SQL("MAX(?)", orm.Col("t")), "mx"))
		if err != nil || !coreTimesEqual(mx, when) {
			t.Errorf("MAX(t) = %v, %v; want %v", mx, err, when)
		}
		if n, err := m.Select().Where(orm.IsNull("ps")).Count(ctx); err != nil || n != 1 {
			t.Errorf("Count IS NULL = %d, %v", n, err)
		}
	})
}

type coreAuthor struct {
	ID    int64  `db:"id,pk,auto"`
	Name  string `db:"name,size:100"`
	Email string `db:"email,unique,size:100"`
}

func (coreAuthor) TableName() string { return "ormcore_authors" }

type coreBook struct {
	ID       int64  `db:"id,pk,auto"`
	AuthorID int64  `db:"author_id,fk:ormcore_authors,ondelete:cascade,index"`
	Title    string `db:"title,size:200"`
	Hits     int    `db:"hits,default:0"`
}

func (coreBook) TableName() string { return "ormcore_books" }

// TestQueries runs the builder's features on each server: joins, groups,
// subqueries, compounds, upserts, update expressions, deletes, counts,
// integrity errors and not-found errors.
func TestQueries(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		authors := orm.MustModel[coreAuthor](db)
		books := orm.MustModel[coreBook](db)
		coreCreate(t, db, authors, books)
		d := db.Dialect()

		ann, bob := &coreAuthor{Name: "Ann", Email: "ann@x.org"}, &coreAuthor{Name: "Bob", Email: "BOB@y.com"}
		if _, err := authors.Insert(ann).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := authors.Insert(bob).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if ann.ID == 0 || bob.ID == ann.ID {
			t.Fatalf("keys %d %d", ann.ID, bob.ID)
		}
		var bs []*coreBook
		for i := range 5 {
			a := ann
			if i >= 3 {
				a = bob
			}
			bs = append(bs, &coreBook{AuthorID: a.ID, Title: fmt.Sprintf("book %d", i), Hits: i * 10})
		}
		if _, err := books.Insert(bs...).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(bs); i++ {
			if bs[i].ID != bs[i-1].ID+1 {
				t.Fatalf("multi-row keys not consecutive: %d then %d", bs[i-1].ID, bs[i].ID)
			}
		}
		def := &coreBook{AuthorID: bob.ID, Title: "defaulted"}
		if _, err := books.Insert(def).Exec(ctx); err != nil {
			t.Fatal(err)
		}

		// Join with aliases, into a model with extra columns ignored.
		got, err := books.Select("b.id", "b.title").As("b").
			Join(authors.Table(), "a", orm.Eq("a.id", orm.Col("b.author_id"))).
			Where(orm.ILike("a.email", "bob@%")).OrderBy("-b.id").All(ctx)
		if err != nil || len(got) != 3 || got[0].Title != "defaulted" || got[2].Title != "book 3" {
			t.Fatalf("join: %+v, %v", got, err)
		}
		// Group by with an aggregate, read as maps.
		maps, err := books.Select("author_id").ColumnExpr(orm.SQL("SUM(?)", orm.Col("hits")), "total").
			GroupBy("author_id").Having(orm.Gt("total", 5)).OrderBy("author_id").Maps(ctx)
		if err != nil || len(maps) != 2 || fmt.Sprint(maps[0]["total"]) != "30" || fmt.Sprint(maps[1]["total"]) != "70" {
			t.Fatalf("group by: %v, %v", maps, err)
		}
		// Subquery in IN, compounds, limit/offset, distinct.
		// Any binds one array on PostgreSQL (both drivers) and is IN elsewhere.
		if n, err := books.Select().Where(orm.Any("id", []int64{bs[0].ID, bs[4].ID, -5})).Count(ctx); err != nil || n != 2 {
			t.Fatalf("Any: %d, %v", n, err)
		}
		n, err := books.Select().Where(orm.In("author_id", authors.Select("id").Where(orm.Eq("name", "Ann")))).Count(ctx)
		if err != nil || n != 3 {
			t.Fatalf("IN subquery count = %d, %v", n, err)
		}
		tuples, err := books.Select("title").Where(orm.Lt("hits", 10)).
			Union(books.Select("title").Where(orm.Gt("hits", 30))).
			OrderBy("title").Tuples(ctx)
		if err != nil || fmt.Sprint(tuples) != "[[book 0] [book 4] [defaulted]]" {
			t.Fatalf("union: %v, %v", tuples, err)
		}
		tuples, err = books.Select("author_id").Intersect(authors.Select("id").Where(orm.Eq("name", "Bob"))).Tuples(ctx)
		if err != nil || len(tuples) != 1 || fmt.Sprint(tuples[0][0]) != fmt.Sprint(bob.ID) {
			t.Fatalf("intersect: %v, %v", tuples, err)
		}
		page, err := books.Select().OrderBy("id").Limit(2).Offset(1).All(ctx)
		if err != nil || len(page) != 2 || page[0].ID != bs[1].ID {
			t.Fatalf("limit/offset: %+v, %v", page, err)
		}
		rest, err := books.Select().OrderBy("id").Offset(4).All(ctx)
		if err != nil || len(rest) != 2 {
			t.Fatalf("offset only: %+v, %v", rest, err)
		}
		if n, err := books.Select("author_id").Distinct().Count(ctx); err != nil || n != 2 {
			t.Fatalf("distinct count = %d, %v", n, err)
		}
		sub, err := books.Select().FromSubquery(books.Select().Where(orm.Ge("hits", 20)), "t").Where(orm.Lt("t.hits", 40)).OrderBy("id").All(ctx)
		if err != nil || len(sub) != 2 {
			t.Fatalf("from subquery: %+v, %v", sub, err)
		}
		if ok, err := books.Select().Where(orm.Eq("title", "nope")).Exists(ctx); err != nil || ok {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		// Update with an expression.
		if n, err := books.Update().Set("hits", orm.SQL("? + ?", orm.Col("hits"), 1)).Where(orm.Eq("author_id", ann.ID)).Exec(ctx); err != nil || n != 3 {
			t.Fatalf("update: %d, %v", n, err)
		}
		if sum, err := orm.ScalarAs[int64](ctx, books.Select().ColumnExpr(orm.SQL("SUM(?)", orm.Col("hits")), "s").Where(orm.Eq("author_id", ann.ID))); err != nil || sum != 33 {
			t.Fatalf("sum after update = %d, %v", sum, err)
		}
		if d.UpdateReturning {
			rows, err := books.Update().Set("title", "renamed").Where(orm.Eq("id", bs[0].ID)).Returning().All(ctx)
			if err != nil || len(rows) != 1 || rows[0].Title != "renamed" || rows[0].Hits != 1 {
				t.Fatalf("update returning: %+v, %v", rows, err)
			}
		}
		// Upsert: a conflicting email updates the name.
		dup := &coreAuthor{Name: "Ann Again", Email: "ann@x.org"}
		if _, err := authors.Insert(dup).OnConflictUpdate([]string{"email"}, "name").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if a, err := authors.Select().Where(orm.Eq("email", "ann@x.org")).One(ctx); err != nil || a.Name != "Ann Again" || a.ID != ann.ID {
			t.Fatalf("upsert: %+v, %v", a, err)
		}
		// An upsert whose update reads the existing row.
		hit := &coreBook{ID: bs[1].ID, AuthorID: ann.ID, Title: "ignored"}
		if _, err := books.Insert(hit).OnConflictSet([]string{"id"}, "hits", orm.SQL("? + ?", orm.Col("hits"), 100)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if h, err := orm.ScalarAs[int](ctx, books.Select("hits").WherePK(bs[1])); err != nil || h != 111 {
			t.Fatalf("upsert expression: hits = %d, %v", h, err)
		}
		if n, err := authors.Insert(&coreAuthor{Name: "X", Email: "BOB@y.com"}).OnConflictDoNothing("email").Exec(ctx); err != nil || n != 0 {
			t.Fatalf("do nothing: %d, %v", n, err)
		}
		// Integrity errors keep the driver's error.
		_, err = authors.Insert(&coreAuthor{Name: "Y", Email: "ann@x.org"}).Exec(ctx)
		coreWantIntegrity(t, db, err)
		_, err = books.Insert(&coreBook{AuthorID: 999999, Title: "orphan"}).Exec(ctx)
		coreWantIntegrity(t, db, err)
		// Not found.
		_, err = authors.Select().Where(orm.Eq("id", -1)).One(ctx)
		if !errors.Is(err, orm.ErrDoesNotExist) || !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("One: %v", err)
		}
		// Delete, with RETURNING where the dialect has it; the foreign key cascades.
		if d.DeleteReturning {
			del, err := authors.Delete().Where(orm.Eq("id", bob.ID)).Returning("id", "name").All(ctx)
			if err != nil || len(del) != 1 || del[0].Name != "Bob" {
				t.Fatalf("delete returning: %+v, %v", del, err)
			}
		} else if n, err := authors.Delete().WherePK(bob).Exec(ctx); err != nil || n != 1 {
			t.Fatalf("delete: %d, %v", n, err)
		}
		if n, err := books.Select().Count(ctx); err != nil || n != 3 {
			t.Fatalf("books after cascade = %d, %v", n, err)
		}
		// Raw.
		raw, err := books.Raw("SELECT id, author_id, title, hits FROM ormcore_books WHERE hits > ? ORDER BY id", 10).All(ctx)
		if err != nil || len(raw) != 2 {
			t.Fatalf("raw: %+v, %v", raw, err)
		}
	})
}

func coreWantIntegrity(t *testing.T, db *orm.DB, err error) {
	t.Helper()
	if !errors.Is(err, orm.ErrIntegrity) {
		t.Fatalf("want ErrIntegrity, got %v", err)
	}
	var pqErr *pq.Error
	var pgErr *pgconn.PgError
	var myErr *mysql.MySQLError
	var code interface{ Code() int }
	if !errors.As(err, &pqErr) && !errors.As(err, &pgErr) && !errors.As(err, &myErr) && !errors.As(err, &code) {
		t.Fatalf("driver error not reachable in %v", err)
	}
}

type coreInject struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name"`
}

func (coreInject) TableName() string { return "ormcore_inject" }

// TestInjection: hostile strings are values that round-trip unchanged and
// never SQL; as column names or aliases they are rejected before anything
// is sent.
func TestInjection(t *testing.T) {
	hostile := []string{
		`'; DROP TABLE ormcore_inject; --`,
		`" OR 1=1 --`,
		"` OR 1=1 #",
		`\'; SELECT 1; --`,
		`$1 ? ?? :name @p1`,
		`Robert'); DELETE FROM ormcore_inject WHERE ('1'='1`,
		"multi\nline\r\n\ttab",
		`%_\%`,
	}
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		m := orm.MustModel[coreInject](db)
		coreCreate(t, db, m)
		for _, h := range hostile {
			row := &coreInject{Name: h}
			if _, err := m.Insert(row).Exec(ctx); err != nil {
				t.Fatalf("insert %q: %v", h, err)
			}
			got, err := m.Select().Where(orm.Eq("name", h)).One(ctx)
			if err != nil || got.Name != h || got.ID != row.ID {
				t.Fatalf("round trip of %q: %+v, %v", h, got, err)
			}
			n, err := m.Update().Set("name", h+h).Where(orm.Eq("id", row.ID), orm.Like("name", h)).Exec(ctx)
			if err != nil || n > 1 {
				t.Fatalf("update with %q: %d, %v", h, n, err)
			}
			raw, err := m.Raw("SELECT id, name FROM ormcore_inject WHERE name = ?", h+h).All(ctx)
			if err != nil || len(raw) != n2i(n) {
				t.Fatalf("raw with %q: %+v, %v", h, raw, err)
			}
		}
		if n, err := m.Select().Count(ctx); err != nil || n != int64(len(hostile)) {
			t.Fatalf("rows = %d, %v (table damaged?)", n, err)
		}
		// Would-be identifiers are refused when the query is built.
		for _, h := range hostile {
			for _, q := range []orm.Query{
				m.Select(h),
				m.Select().Where(orm.Eq(h, 1)),
				m.Select().OrderBy(h),
				m.Select().OrderBy("-" + h),
				m.Select().GroupBy(h),
				m.Select().As(h),
				m.Select().ColumnExpr(orm.SQL("1"), h),
				m.Update().Set(h, 1),
				m.Insert(&coreInject{Name: "x"}).Returning(h),
				m.Select().Where(orm.In(h, []int{1})),
			} {
				if _, _, err := q.SQL(); err == nil {
					s, _, _ := q.SQL()
					t.Errorf("hostile identifier %q accepted: %s", h, s)
				}
			}
			if _, err := m.Select(h).All(ctx); err == nil {
				t.Errorf("hostile column %q ran", h)
			}
		}
		if n, err := m.Select().Count(ctx); err != nil || n != int64(len(hostile)) {
			t.Fatalf("rows = %d, %v", n, err)
		}
	})
}

func n2i(n int64) int { return int(n) }
