package orm_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/hooks"
	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
)

// The tests of MySQL/MariaDB specifics run on the MariaDB of
// AIODB_MYSQL_DSN. Their tables end in the process id, so that test runs
// sharing the server do not meet.

func myTable(name string) string { return fmt.Sprintf("my_%s_%d", name, os.Getpid()) }

// myOpen opens aiomysql on the test server with extra DSN parameters.
func myOpen(t *testing.T, params string, opts ...orm.Option) *orm.DB {
	t.Helper()
	db, err := orm.Open("aiomysql", testenv.WithOptions(testenv.MySQLDSN(t), params), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// myServerReturning reports whether the test server is MariaDB 10.5 or
// later, asked without the ORM.
func myServerReturning(t *testing.T) bool {
	t.Helper()
	sqlDB, err := sql.Open("aiomysql", testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	var v string
	if err := sqlDB.QueryRowContext(driver.AllowSync(context.Background()), "SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	var major, minor int
	fmt.Sscanf(v, "%d.%d", &major, &minor)
	return strings.Contains(v, "MariaDB") && (major > 10 || major == 10 && minor >= 5)
}

// myStmtLog records the SQL of every statement.
type myStmtLog struct {
	hooks.Base
	mu   sync.Mutex
	sqls []string
}

func (l *myStmtLog) OnStatementEnd(_ context.Context, e *hooks.StatementEvent) {
	l.mu.Lock()
	l.sqls = append(l.sqls, e.SQL)
	l.mu.Unlock()
}

// count returns how many statements started with prefix, and forgets them.
func (l *myStmtLog) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.sqls {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	l.sqls = nil
	return n
}

// TestMySQLDialectDetected: Open and New on aiomysql pick MariaDB (with
// RETURNING) on MariaDB 10.5+, WithDialect wins, a strict sync guard does
// not trip on the probe, and a server that is down still opens, as MySQL.
func TestMySQLDialectDetected(t *testing.T) {
	want := mysqldialect.New()
	if myServerReturning(t) {
		want = mysqldialect.MariaDB()
	}
	if db := myOpen(t, "aio_sync=panic"); db.Dialect().String() != want.String() {
		t.Errorf("Open: dialect %s (InsertReturning %v), want %s", db.Dialect().Name, db.Dialect().InsertReturning, want.Name)
	}
	if db := myOpen(t, "", orm.WithDialect(mysqldialect.New())); db.Dialect().String() != "mysql" {
		t.Errorf("WithDialect(MySQL) lost to the probe: InsertReturning %v", db.Dialect().InsertReturning)
	}
	sqlDB, err := sql.Open("aiomysql", testenv.WithOptions(testenv.MySQLDSN(t), "aio_sync=error"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	db, err := orm.New(sqlDB)
	if err != nil || db.Dialect().String() != want.String() {
		t.Errorf("New: %v, %v", db, err)
	}

	start := time.Now()
	down, err := orm.Open("aiomysql", "root@tcp(127.0.0.1:1)/none?timeout=2s")
	if err != nil {
		t.Fatalf("Open with the server down: %v", err)
	}
	defer down.Close()
	if down.Dialect().String() != "mysql" {
		t.Errorf("server down: dialect %v, want the MySQL fallback", down.Dialect().InsertReturning)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Open with the server down took %v", d)
	}
}

type myBulk struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,unique,size:40"`
	N    int
}

func (myBulk) TableName() string { return myTable("bulk") }

// TestMySQLBulkInsertIDs inserts 1,000 rows in one Insert and checks that
// every row got the key the server gave it: with RETURNING (MariaDB),
// with LastInsertId and consecutive keys (MySQL dialect, lock mode 1),
// and row by row when the keys would not be consecutive
// (auto_increment_increment=2 in the DSN, a session variable), each with
// interpolateParams on and off.
func TestMySQLBulkInsertIDs(t *testing.T) {
	returning := myServerReturning(t)
	cases := []struct {
		name    string
		params  string
		dialect *orm.Dialect
		inserts int // INSERT statements for the 1,000 rows
		step    int64
	}{
		{name: "auto", inserts: 1, step: 1},
		{name: "mysql", dialect: mysqldialect.New(), inserts: 1, step: 1},
		{name: "mysql-increment-2", params: "auto_increment_increment=2", dialect: mysqldialect.New(), inserts: 1000, step: 2},
	}
	for _, c := range cases {
		for _, interp := range []string{"interpolateParams=true", "interpolateParams=false"} {
			t.Run(c.name+"/"+interp, func(t *testing.T) {
				log := &myStmtLog{}
				opts := []orm.Option{orm.WithHooks(log)}
				if c.dialect != nil {
					opts = append(opts, orm.WithDialect(c.dialect))
				}
				params := interp
				if c.params != "" {
					params += "&" + c.params
				}
				db := myOpen(t, params, opts...)
				if c.name == "auto" && db.Dialect().InsertReturning != returning {
					t.Fatalf("dialect %s: InsertReturning %v on a server with RETURNING %v", db.Dialect().Name, db.Dialect().InsertReturning, returning)
				}
				m := orm.MustModel[myBulk](db)
				coreCreate(t, db, m)
				ctx := context.Background()
				// A row first, so that keys do not start at 1.
				if _, err := m.Insert(&myBulk{Name: "first"}).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				rows := make([]*myBulk, 1000)
				for i := range rows {
					rows[i] = &myBulk{Name: fmt.Sprintf("row %d", i), N: i}
				}
				log.count("")
				n, err := m.Insert(rows...).Exec(ctx)
				if err != nil || n != 1000 {
					t.Fatalf("Insert: %d, %v", n, err)
				}
				if got := log.count("INSERT"); got != c.inserts {
					t.Errorf("%d INSERT statements, want %d", got, c.inserts)
				}
				got, err := m.Select().Where(orm.Ne("name", "first")).All(ctx)
				if err != nil {
					t.Fatal(err)
				}
				byName := map[string]int64{}
				for _, r := range got {
					byName[r.Name] = r.ID
				}
				for i, r := range rows {
					if r.ID == 0 || byName[r.Name] != r.ID {
						t.Fatalf("row %d (%s): key %d, the table says %d", i, r.Name, r.ID, byName[r.Name])
					}
					if i > 0 && r.ID-rows[i-1].ID != c.step {
						t.Fatalf("row %d: key %d after %d, want a step of %d", i, r.ID, rows[i-1].ID, c.step)
					}
				}
				// Row by row is all or nothing: a duplicate in the middle
				// leaves no row and no key behind.
				bad := []*myBulk{{Name: "new 1"}, {Name: "row 5"}, {Name: "new 2"}}
				if _, err := m.Insert(bad...).Exec(ctx); !errors.Is(err, orm.ErrIntegrity) {
					t.Fatalf("duplicate: %v, want ErrIntegrity", err)
				}
				for _, r := range bad {
					if r.ID != 0 {
						t.Errorf("%s kept key %d after the failed insert", r.Name, r.ID)
					}
				}
				if k, err := m.Select().Where(orm.In("name", []string{"new 1", "new 2"})).Count(ctx); err != nil || k != 0 {
					t.Errorf("rows of the failed insert: %d, %v", k, err)
				}
			})
		}
	}
}

type myTime struct {
	ID     int64  `db:"id,pk,auto"`
	Note   string `db:"note,size:40"`
	At     time.Time
	AtPtr  *time.Time
	AtNull sql.NullTime
}

func (myTime) TableName() string { return myTable("time") }

// myTimeDSNs are DSN settings a user may give; times must mean the same
// instant under all of them.
var myTimeDSNs = []string{
	"",
	"parseTime=true",
	"parseTime=false&loc=America%2FNew_York",
	"parseTime=true&loc=America%2FNew_York",
	"parseTime=true&loc=Local&interpolateParams=true",
	"parseTime=true&loc=Asia%2FKolkata&interpolateParams=true",
	"loc=Asia%2FKolkata&interpolateParams=true",
	// orm.New on the user's *sql.DB keeps its loc: the scanner reads the
	// driver's times as the UTC wall clocks they are (a zone without
	// daylight saving time, see mysqldialect.OpenDSN).
	"new:parseTime=true&loc=Asia%2FKolkata",
	"new:parseTime=false&loc=Asia%2FKolkata&interpolateParams=true",
}

// TestMySQLTimesAnyDSN writes non-UTC times through each DSN setting
// (parseTime on and off, loc UTC, Local and others, interpolateParams on
// and off) and reads, filters and updates them through every other: the
// instant is the same everywhere, and the column holds its UTC wall
// clock.
func TestMySQLTimesAnyDSN(t *testing.T) {
	ctx := context.Background()
	dbs := make([]*orm.DB, len(myTimeDSNs))
	ms := make([]*orm.Model[myTime], len(myTimeDSNs))
	for i, p := range myTimeDSNs {
		if rest, ok := strings.CutPrefix(p, "new:"); ok {
			sqlDB, err := sql.Open("aiomysql", testenv.WithOptions(testenv.MySQLDSN(t), rest))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sqlDB.Close() })
			if dbs[i], err = orm.New(sqlDB); err != nil {
				t.Fatal(err)
			}
		} else {
			dbs[i] = myOpen(t, p)
		}
		ms[i] = orm.MustModel[myTime](dbs[i])
	}
	coreCreate(t, dbs[0], ms[0])
	kolkata := time.FixedZone("IST", 5*3600+30*60)
	for w, m := range ms {
		at := time.Date(2024, 3, 10, 1, 30, 15, 123456000, kolkata).Add(time.Duration(w) * time.Hour)
		later := at.Add(90 * time.Minute)
		note := fmt.Sprintf("w%d", w)
		row := &myTime{Note: note, At: at, AtPtr: &later, AtNull: sql.NullTime{Time: at, Valid: true}}
		if _, err := m.Create(ctx, row); err != nil {
			t.Fatalf("%q: %v", myTimeDSNs[w], err)
		}
		var stored string
		if err := dbs[0].SQLDB().QueryRowContext(ctx, "SELECT CAST(at AS CHAR) FROM "+myTable("time")+" WHERE id = ?", row.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if want := at.UTC().Format("2006-01-02 15:04:05.000000"); stored != want {
			t.Errorf("written with %q: column holds %s, want the UTC wall clock %s", myTimeDSNs[w], stored, want)
		}
		for r, rm := range ms {
			what := fmt.Sprintf("written with %q, read with %q", myTimeDSNs[w], myTimeDSNs[r])
			got, err := rm.Get(ctx, orm.Eq("note", note))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if !got.At.Equal(at) || got.AtPtr == nil || !got.AtPtr.Equal(later) || !got.AtNull.Valid || !got.AtNull.Time.Equal(at) {
				t.Errorf("%s: %v %v %v, want %v %v", what, got.At, got.AtPtr, got.AtNull, at, later)
			}
			for _, cond := range []orm.Expr{orm.Eq("at", at), orm.Eq("at", at.UTC()), orm.Gt("at_ptr", at), orm.Lt("at", at.Add(time.Microsecond))} {
				if n, err := rm.Count(ctx, orm.Eq("note", note), cond); err != nil || n != 1 {
					q, args, _ := rm.Select().Where(cond).SQL()
					t.Errorf("%s: filter %s %v: %d, %v", what, q, args, n, err)
				}
			}
			mx, err := orm.ScalarAs[time.Time](ctx, rm.Select().Where(orm.Eq("note", note)).ColumnExpr(orm.SQL("MAX(?)", orm.Col("at")), "mx"))
			if err != nil || !mx.Equal(at) {
				t.Errorf("%s: MAX(at) = %v, %v", what, mx, err)
			}
		}
		// Update through the next DSN, read through this one.
		um := ms[(w+1)%len(ms)]
		moved := at.In(time.FixedZone("PDT", -7*3600)).Add(24*time.Hour + 7*time.Microsecond)
		if n, err := um.Update().Set("at", moved).Set("at_ptr", nil).Where(orm.Eq("note", note)).Exec(ctx); err != nil || n != 1 {
			t.Fatalf("update: %d, %v", n, err)
		}
		got, err := m.Get(ctx, orm.Eq("note", note))
		if err != nil || !got.At.Equal(moved) || got.AtPtr != nil {
			t.Errorf("after update through %q, read with %q: %v %v, %v; want %v", myTimeDSNs[(w+1)%len(ms)], myTimeDSNs[w], got.At, got.AtPtr, err, moved)
		}
	}
}

type myText struct {
	ID   int64  `db:"id,pk,auto"`
	Name string `db:"name,unique,size:100"`
	Body string
}

func (myText) TableName() string { return myTable("text") }

// TestMySQLUTF8MB4: four-byte characters (emoji, rare CJK, math letters)
// are stored, filtered, updated and read back unchanged in a table made
// by CreateTableSQL, which asks for utf8mb4 whatever the database's
// default.
func TestMySQLUTF8MB4(t *testing.T) {
	ctx := context.Background()
	for _, p := range []string{"", "interpolateParams=true"} {
		t.Run("dsn="+p, func(t *testing.T) {
			db := myOpen(t, p)
			m := orm.MustModel[myText](db)
			stmts, err := m.CreateTableSQL(false)
			if err != nil || !strings.HasSuffix(stmts[0], "DEFAULT CHARSET=utf8mb4") {
				t.Fatalf("CREATE TABLE without utf8mb4: %v %v", stmts, err)
			}
			coreCreate(t, db, m)
			var coll string
			if err := db.SQLDB().QueryRowContext(ctx, "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", myTable("text")).Scan(&coll); err != nil || !strings.HasPrefix(coll, "utf8mb4") {
				t.Errorf("table collation %q, %v", coll, err)
			}
			name := "😀 𠜎 𝔘𝔫𝔦 🇫🇷 — ü"
			body := strings.Repeat("🎉𝄞", 5000)
			row, err := m.Create(ctx, &myText{Name: name, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Get(ctx, orm.Eq("name", name))
			if err != nil || got.ID != row.ID || got.Body != body {
				t.Fatalf("Get by a 4-byte name: %v, %v", got, err)
			}
			if n, err := m.Count(ctx, orm.Like("body", "%𝄞🎉%")); err != nil || n != 1 {
				t.Errorf("LIKE with emoji: %d, %v", n, err)
			}
			if n, err := orm.ScalarAs[int64](ctx, m.Select().ColumnExpr(orm.SQL("CHAR_LENGTH(?)", orm.Col("name")), "n").Where(orm.Eq("id", row.ID))); err != nil || n != int64(len([]rune(name))) {
				t.Errorf("CHAR_LENGTH = %d, %v; want %d (four-byte characters counted once)", n, err, len([]rune(name)))
			}
			got.Body = "🦀"
			if _, err := m.Save(ctx, got); err != nil {
				t.Fatal(err)
			}
			if again, err := m.GetByPK(ctx, row.ID); err != nil || again.Body != "🦀" {
				t.Errorf("after update: %v, %v", again, err)
			}
		})
	}
}

type myUpsert struct {
	ID    int64  `db:"id,pk,auto"`
	Email string `db:"email,unique,size:100"`
	Name  string `db:"name,size:100"`
	Hits  int    `db:"hits,default:0"`
}

func (myUpsert) TableName() string { return myTable("upsert") }

// TestMySQLUpsertAndIgnore: ON DUPLICATE KEY UPDATE and INSERT IGNORE on
// the real server, in both dialects: rows affected as MySQL counts them
// (1 inserted, 2 updated, 0 unchanged or ignored) and the values after.
func TestMySQLUpsertAndIgnore(t *testing.T) {
	ctx := context.Background()
	for _, d := range []*orm.Dialect{mysqldialect.New(), mysqldialect.MariaDB()} {
		t.Run(fmt.Sprintf("returning=%v", d.InsertReturning), func(t *testing.T) {
			db := myOpen(t, "", orm.WithDialect(d))
			m := orm.MustModel[myUpsert](db)
			coreCreate(t, db, m)
			ann := &myUpsert{Email: "ann@x", Name: "Ann"}
			if n, err := m.Insert(ann).OnConflictUpdate([]string{"email"}, "name").Exec(ctx); err != nil || n != 1 || ann.ID == 0 {
				t.Fatalf("upsert of a new row: %d, %v, id %d", n, err, ann.ID)
			}
			// Rows affected: MySQL counts an update as 2 and an update
			// that changes nothing as 0; with RETURNING (MariaDB) the
			// count is of rows returned, 1 either way, and the key read
			// back is the existing row's.
			wantUpd, wantSame := int64(2), int64(0)
			if d.InsertReturning {
				wantUpd, wantSame = 1, 1
			}
			dup := &myUpsert{Email: "ann@x", Name: "Annie"}
			q := m.Insert(dup).OnConflictUpdate([]string{"email"}, "name")
			if sqlText, _, _ := q.SQL(); !strings.Contains(sqlText, "ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)") {
				t.Errorf("upsert SQL: %s", sqlText)
			}
			if n, err := q.Exec(ctx); err != nil || n != wantUpd {
				t.Fatalf("upsert of a duplicate: %d, %v (want %d)", n, err, wantUpd)
			}
			if d.InsertReturning && dup.ID != ann.ID {
				t.Errorf("RETURNING after an upsert: key %d, want the existing row's %d", dup.ID, ann.ID)
			}
			if got, err := m.GetByPK(ctx, ann.ID); err != nil || got.Name != "Annie" {
				t.Errorf("after the upsert: %v, %v", got, err)
			}
			if n, err := m.Insert(&myUpsert{Email: "ann@x", Name: "Annie"}).OnConflictUpdate([]string{"email"}, "name").Exec(ctx); err != nil || n != wantSame {
				t.Errorf("upsert changing nothing: %d, %v (want %d)", n, err, wantSame)
			}
			for range 3 {
				if _, err := m.Insert(&myUpsert{Email: "ann@x"}).OnConflictSet([]string{"email"}, "hits", orm.SQL("? + 1", orm.Col("hits"))).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got, err := m.GetByPK(ctx, ann.ID); err != nil || got.Hits != 3 || got.Name != "Annie" {
				t.Errorf("hits = hits + 1 three times: %+v, %v", got, err)
			}
			if n, err := m.Count(ctx); err != nil || n != 1 {
				t.Errorf("rows: %d, %v", n, err)
			}

			// INSERT IGNORE: the duplicate is skipped, the new row goes in.
			if n, err := m.Insert(&myUpsert{Email: "ann@x", Name: "dup"}).OnConflictDoNothing("email").Exec(ctx); err != nil || n != 0 {
				t.Errorf("IGNORE of a duplicate: %d, %v", n, err)
			}
			bob := &myUpsert{Email: "bob@x", Name: "Bob"}
			if n, err := m.Insert(bob).OnConflictDoNothing("email").Exec(ctx); err != nil || n != 1 || bob.ID == 0 {
				t.Errorf("IGNORE of a new row: %d, %v, id %d", n, err, bob.ID)
			}
			if n, err := m.Insert(&myUpsert{Email: "bob@x", Name: "x"}, &myUpsert{Email: "cy@x", Name: "Cy"}).OnConflictDoNothing("email").Exec(ctx); err != nil || n != 1 {
				t.Errorf("IGNORE of one duplicate in two rows: %d, %v", n, err)
			}
			all, err := m.Select("name").OrderBy("email").All(ctx)
			var names []string
			for _, r := range all {
				names = append(names, r.Name)
			}
			if err != nil || strings.Join(names, ",") != "Annie,Bob,Cy" {
				t.Errorf("names after IGNORE: %v, %v", names, err)
			}
		})
	}
}

type myProfile struct {
	Name string         `json:"name"`
	Age  int            `json:"age"`
	Tags []string       `json:"tags"`
	Meta map[string]any `json:"meta,omitempty"`
}

// myTypes has a field of every Go type the ORM stores, the generic ones
// included.
type myTypes struct {
	ID     int64 `db:"id,pk,auto"`
	I8     int8
	I16    int16
	I32    int32
	I      int
	I64    int64
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
	NS     sql.NullString
	NI     sql.NullInt64
	NF     sql.NullFloat64
	NB     sql.NullBool
	NT     sql.NullTime
	GN     sql.Null[int32]
	Status coreStatus `db:"status,size:20"`
	Point  corePoint  `db:"point,type:VARCHAR(40)"`
	Doc    orm.JSON[myProfile]
	PDoc   *orm.JSON[[]int]
	Raw    json.RawMessage
	UID    orm.UUID
	Dec    orm.Decimal `db:"dec,type:DECIMAL(30,10)"`
}

func (myTypes) TableName() string { return myTable("types") }

// myNormal puts r's times in UTC at microsecond precision (what
// DATETIME(6) keeps) and re-encodes its raw JSON (the server may reformat
// it), so that rows compare with reflect.DeepEqual.
func myNormal(r myTypes) myTypes {
	r.T = r.T.UTC().Truncate(time.Microsecond)
	if r.PT != nil {
		t := r.PT.UTC().Truncate(time.Microsecond)
		r.PT = &t
	}
	r.NT.Time = r.NT.Time.UTC().Truncate(time.Microsecond)
	if r.Raw != nil {
		var v any
		if json.Unmarshal(r.Raw, &v) == nil {
			r.Raw, _ = json.Marshal(v)
		}
	}
	return r
}

func myValues(k int) myTypes {
	zone := time.FixedZone("UTC-03:30", -(3*3600 + 30*60))
	at := time.Date(2023+k, 12, 31, 23, 59, 59, 999999000, zone)
	pt, ps, pi := at.Add(-time.Hour), fmt.Sprintf("ptr %d ✓", k), int64(-7*k)
	return myTypes{
		I8: int8(-128 + k), I16: int16(32767 - k), I32: int32(-2147483648 + k), I: 2147483647 + k, I64: -9223372036854775808 + int64(k),
		U8: uint8(255 - k), U16: uint16(65535 - k), U32: uint32(4294967295 - k), U64: 9223372036854775807 - uint64(k),
		F32: 1.5 * float32(k+1), F64: 3.141592653589793 * float64(k+1), B: k%2 == 0,
		S: fmt.Sprintf("s%d 'q' \"d\" `b` \\ ; 😀", k), Text: strings.Repeat("tëxt 🎉 ", 1000+k), Bytes: []byte{0, byte(k), 0xff, '\'', '\\'},
		T: at, PT: &pt, PS: &ps, PI: &pi,
		NS: sql.NullString{String: fmt.Sprint("ns", k), Valid: true}, NI: sql.NullInt64{Int64: int64(k) << 40, Valid: true},
		NF: sql.NullFloat64{Float64: -0.25 * float64(k+1), Valid: true}, NB: sql.NullBool{Bool: k%2 == 1, Valid: true},
		NT: sql.NullTime{Time: at.Add(time.Minute), Valid: true}, GN: sql.Null[int32]{V: int32(k + 1), Valid: true},
		Status: coreStatus(fmt.Sprint("st", k)), Point: corePoint{k, -k},
		Doc:  orm.NewJSON(myProfile{Name: fmt.Sprintf("Ann %d ü 😀", k), Age: 30 + k, Tags: []string{"a", fmt.Sprint(k)}}),
		PDoc: &orm.JSON[[]int]{V: []int{k, k + 1}},
		Raw:  json.RawMessage(fmt.Sprintf(`{"k":%d,"s":"x\"y"}`, k)),
		UID:  orm.NewUUID(),
		Dec:  orm.Decimal(fmt.Sprintf("%d2345678901234567890.0123456789", k+1)),
	}
}

// TestMySQLEveryTypeRoundTrip inserts a row with every supported type,
// reads it back, finds it by each column, updates every column (Save) and
// a few through UpdateQuery, and reads the new values back: in both
// dialects and with times as text (parseTime=false) or parsed.
func TestMySQLEveryTypeRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		params  string
		dialect *orm.Dialect
	}{
		{name: "auto"},
		{name: "mysql-text-times", params: "parseTime=false&interpolateParams=true", dialect: mysqldialect.New()},
	} {
		t.Run(c.name, func(t *testing.T) {
			var opts []orm.Option
			if c.dialect != nil {
				opts = append(opts, orm.WithDialect(c.dialect))
			}
			db := myOpen(t, c.params, opts...)
			m := orm.MustModel[myTypes](db)
			coreCreate(t, db, m)
			row := myValues(0)
			other := myValues(1)
			if _, err := m.Insert(&row, &other).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := m.GetByPK(ctx, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := myNormal(*got), myNormal(row); !reflect.DeepEqual(g, w) {
				t.Errorf("read back:\n got %+v\nwant %+v", g, w)
			}
			for _, cond := range []orm.Expr{
				orm.Eq("i8", row.I8), orm.Eq("i64", row.I64), orm.Eq("u64", row.U64), orm.Eq("u32", row.U32),
				orm.Eq("f64", row.F64), orm.Eq("b", row.B), orm.Eq("s", row.S), orm.Eq("bytes", row.Bytes),
				orm.Eq("t", row.T), orm.Eq("pt", *row.PT), orm.Eq("ps", *row.PS), orm.Eq("ns", row.NS),
				orm.Eq("nt", row.NT), orm.Eq("gn", row.GN), orm.Eq("status", row.Status), orm.Eq("point", row.Point),
				orm.Eq("uid", row.UID), orm.Eq("dec", row.Dec),
				orm.SQL("JSON_VALUE(?, '$.name') = ?", orm.Col("doc"), row.Doc.V.Name),
			} {
				ids, err := orm.ScalarAs[int64](ctx, m.Select("id").Where(cond))
				if err != nil || ids != row.ID {
					q, args, _ := m.Select("id").Where(cond).SQL()
					t.Errorf("filter %s %v: %d, %v", q, args, ids, err)
				}
			}
			upd := myValues(2)
			upd.ID = row.ID
			if n, err := m.Save(ctx, &upd); err != nil || n != 1 {
				t.Fatalf("Save: %d, %v", n, err)
			}
			got, err = m.GetByPK(ctx, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := myNormal(*got), myNormal(upd); !reflect.DeepEqual(g, w) {
				t.Errorf("after Save:\n got %+v\nwant %+v", g, w)
			}
			later := upd.T.Add(48 * time.Hour)
			n, err := m.Update().Set("t", later).Set("pt", nil).Set("ns", sql.NullString{}).Set("u64", uint64(1<<63)).
				Set("doc", orm.NewJSON(myProfile{Name: "Zoë", Age: 99})).Set("dec", orm.Decimal("-1.5")).Where(orm.Eq("id", row.ID)).Exec(ctx)
			if err != nil || n != 1 {
				t.Fatalf("Update: %d, %v", n, err)
			}
			got, err = m.GetByPK(ctx, row.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.T.Equal(later) || got.PT != nil || got.NS.Valid || got.U64 != 1<<63 || got.Doc.V.Name != "Zoë" || got.Doc.V.Age != 99 {
				t.Errorf("after Update: %+v", got)
			}
			if d, _ := strconv.ParseFloat(string(got.Dec), 64); d != -1.5 {
				t.Errorf("Decimal after Update: %q", got.Dec)
			}
			// The other row was not touched.
			if g, err := m.GetByPK(ctx, other.ID); err != nil || !reflect.DeepEqual(myNormal(*g), myNormal(other)) {
				t.Errorf("the other row changed: %+v, %v", g, err)
			}
		})
	}
}

type myDoc struct {
	ID      int64 `db:"id,pk,auto"`
	Profile orm.JSON[myProfile]
	Extra   *orm.JSON[map[string]any]
}

func (myDoc) TableName() string { return myTable("doc") }

// TestMySQLJSON: orm.JSON[T] columns on MariaDB: insert (one and bulk),
// select, filter with JSON_EXTRACT through orm.SQL and with JSONGet,
// update the whole document and a path inside it (JSON_SET), and NULL.
func TestMySQLJSON(t *testing.T) {
	ctx := context.Background()
	db := myOpen(t, "")
	m := orm.MustModel[myDoc](db)
	coreCreate(t, db, m)
	var docs []*myDoc
	for i := range 20 {
		d := &myDoc{Profile: orm.NewJSON(myProfile{Name: fmt.Sprintf("user %d 😀", i), Age: 20 + i, Tags: []string{"t", fmt.Sprint(i % 3)}, Meta: map[string]any{"vip": i%5 == 0}})}
		if i%2 == 0 {
			d.Extra = &orm.JSON[map[string]any]{V: map[string]any{"n": float64(i)}}
		}
		docs = append(docs, d)
	}
	if n, err := m.Insert(docs...).Exec(ctx); err != nil || n != 20 {
		t.Fatalf("insert: %d, %v", n, err)
	}
	got, err := m.GetByPK(ctx, docs[7].ID)
	if err != nil || !reflect.DeepEqual(got.Profile.V, docs[7].Profile.V) || got.Extra != nil {
		t.Fatalf("read back: %+v, %v; want %+v", got, err, docs[7])
	}
	if n, err := m.Count(ctx, orm.SQL("JSON_EXTRACT(?, '$.age') >= ?", orm.Col("profile"), 35)); err != nil || n != 5 {
		t.Errorf("JSON_EXTRACT(profile, '$.age') >= 35: %d, %v", n, err)
	}
	if n, err := m.Count(ctx, orm.SQL("JSON_UNQUOTE(JSON_EXTRACT(?, '$.name')) = ?", orm.Col("profile"), "user 3 😀")); err != nil || n != 1 {
		t.Errorf("by name: %d, %v", n, err)
	}
	if n, err := m.Count(ctx, orm.SQL("JSON_EXTRACT(?, '$.meta.vip') = TRUE", orm.Col("profile"))); err != nil || n != 4 {
		t.Errorf("by a nested boolean: %d, %v", n, err)
	}
	if n, err := m.Count(ctx, orm.JSONGet("profile", "age").Lt(22)); err != nil || n != 2 {
		t.Errorf("JSONGet(profile, age) < 22: %d, %v", n, err)
	}
	if n, err := m.Count(ctx, orm.IsNull("extra")); err != nil || n != 10 {
		t.Errorf("NULL documents: %d, %v", n, err)
	}
	// Update the whole document, then one path in the server.
	p := docs[3].Profile.V
	p.Tags = append(p.Tags, "new ✓")
	if _, err := m.Update().Set("profile", orm.NewJSON(p)).Where(orm.Eq("id", docs[3].ID)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Update().Set("profile", orm.SQL("JSON_SET(?, '$.age', ?)", orm.Col("profile"), 77)).Where(orm.Eq("id", docs[3].ID)).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	got, err = m.GetByPK(ctx, docs[3].ID)
	p.Age = 77
	if err != nil || !reflect.DeepEqual(got.Profile.V, p) {
		t.Errorf("after updates: %+v, %v; want %+v", got.Profile.V, err, p)
	}
	got.Extra = &orm.JSON[map[string]any]{V: map[string]any{"set": "by Save"}}
	if _, err := m.Save(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, err := m.GetByPK(ctx, docs[3].ID); err != nil || again.Extra == nil || again.Extra.V["set"] != "by Save" {
		t.Errorf("after Save: %+v, %v", again, err)
	}
}

// TestMySQLReplicaTimes: a replica's DSN gets the primary's time options
// (loc=UTC), so a time read on a replica is the instant written, even when
// the user's loc has daylight saving time and the UTC wall clock falls in
// the hour it skips.
func TestMySQLReplicaTimes(t *testing.T) {
	params := "parseTime=true&loc=America%2FNew_York"
	dsn := testenv.WithOptions(testenv.MySQLDSN(t), params)
	db := myOpen(t, params, orm.Replicas(dsn))
	m := orm.MustModel[myTime](db)
	coreCreate(t, db, m)
	ctx := context.Background()
	at := time.Date(2024, 3, 10, 2, 30, 0, 0, time.UTC) // 02:30 does not exist in New York that day
	row := &myTime{Note: "replica", At: at, AtPtr: &at, AtNull: sql.NullTime{Time: at, Valid: true}}
	if _, err := m.Create(ctx, row); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetByPK(ctx, row.ID) // outside a transaction: read on the replica
	if err != nil {
		t.Fatal(err)
	}
	if replica := db.ReplicaDBs()[0]; replica.Stats().OpenConnections == 0 {
		t.Fatal("the read did not use the replica")
	}
	if !got.At.Equal(at) || got.AtPtr == nil || !got.AtPtr.Equal(at) || !got.AtNull.Time.Equal(at) {
		t.Errorf("replica read %v %v %v, want %v", got.At, got.AtPtr, got.AtNull.Time, at)
	}
}
