package orm_test

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/testenv"
	"github.com/aiodb/aiodb/orm"
)

// pgtEach runs fn on PostgreSQL through aiopg (lib/pq) and aiopgx (pgx),
// with RegisterHStore (CreateTableSQL of a model with an HStore field
// then creates the extension).
func pgtEach(t *testing.T, fn func(t *testing.T, db *orm.DB)) {
	testenv.EachORMBackend(t, func(t *testing.T, b testenv.Backend) {
		db, err := openDriver(b.Driver, b.DSN(t), orm.RegisterHStore())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	}, testenv.OnServer(testenv.Postgres))
}

type pgtRow struct {
	ID      orm.UUID             `db:"id,pk"` // made by the client in Create
	Doc     orm.JSON[pgtProfile] `db:"doc"`
	Raw     json.RawMessage      `db:"raw,null"`
	Attrs   orm.HStore           `db:"attrs"`
	Ints    []int64              `db:"ints"`
	Int32s  []int32              `db:"int32s"`
	Plain   []int                `db:"plain"`
	Strs    []string             `db:"strs"`
	Floats  []float64            `db:"floats"`
	Bools   []bool               `db:"bools"`
	UUIDs   []orm.UUID           `db:"uuids"`
	Holes   []*string            `db:"holes"`
	Maybe   []int64              `db:"maybe,null"`
	Amount  orm.Decimal          `db:"amount,type:numeric(30,6)"`
	Loose   orm.Decimal          `db:"loose"`
	At      time.Time            `db:"at"`
	OptUUID *orm.UUID            `db:"opt_uuid"`
}

func (pgtRow) TableName() string { return "pgt_row" }

type pgtServerKey struct {
	ID   orm.UUID `db:"id,pk,default:gen_random_uuid()"`
	Name string   `db:"name"`
}

func (pgtServerKey) TableName() string { return "pgt_server_key" }

func pgtStr(s string) *string { return &s }

func pgtSample(t *testing.T) *pgtRow {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tricky := []string{`a"b`, `back\slash`, "comma,brace{}", "NULL", "", "  spaced  ", "ünï"}
	return &pgtRow{
		Doc: orm.NewJSON(pgtProfile{Name: "Bob", Tags: []string{"a", "b,c"}, Attrs: map[string]string{"lang": "go"}}),
		Raw: json.RawMessage(`{"n":[1,2]}`),
		Attrs: orm.HStore{
			`k"q`: pgtStr(`v"q`), `k\b`: pgtStr(`v\b`), "a,b": pgtStr("c,d"), "x=>y": pgtStr("=>"),
			"none": nil, "empty": pgtStr(""), "NULL": pgtStr("NULL"), "sp ace": pgtStr(" v "),
		},
		Ints:    []int64{math.MinInt64, -1, 0, math.MaxInt64},
		Int32s:  []int32{math.MinInt32, 7, math.MaxInt32},
		Plain:   []int{3, 1, 2},
		Strs:    tricky,
		Floats:  []float64{0.1, -2.5e-300, 1e300, math.Inf(1), math.Inf(-1)},
		Bools:   []bool{true, false, true},
		UUIDs:   []orm.UUID{orm.NewUUID(), orm.MustParseUUID("00000000-0000-0000-0000-000000000001")},
		Holes:   []*string{pgtStr("x"), nil, pgtStr("NULL")},
		Amount:  "12345678901234567890.123456",
		Loose:   "-0.000000000000000000000000000001",
		At:      time.Date(2024, 2, 29, 23, 30, 15, 123456000, tokyo),
		OptUUID: nil,
	}
}

// Every PostgreSQL type round-trips on both drivers: insert, select,
// filter and update.
func TestPGTTypesRoundTrip(t *testing.T) {
	pgtEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		rows, err := orm.NewModel[pgtRow](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, rows)
		in := pgtSample(t)
		if _, err := rows.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		if in.ID.IsZero() {
			t.Fatal("Create left the UUID key zero")
		}
		other := pgtSample(t)
		other.Doc.V.Name, other.Strs, other.Ints, other.Amount = "Carol", []string{"z"}, []int64{5}, "1.5"
		other.Maybe = []int64{9}
		other.Doc.V.Tags, other.Doc.V.Attrs = []string{"c"}, nil
		other.Raw = json.RawMessage(`{"n":[0]}`)
		other.Attrs = orm.HStore{`k"q`: nil}
		other.At = other.At.Add(time.Microsecond)
		if _, err := rows.Create(ctx, other); err != nil {
			t.Fatal(err)
		}

		got, err := rows.GetByPK(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		pgtCompare(t, got, in)
		if got.Maybe != nil {
			t.Errorf("maybe = %#v, want nil (NULL)", got.Maybe)
		}

		filters := map[string]orm.Expr{
			"uuid":          orm.Eq("id", in.ID),
			"json ->>":      orm.JSONText("doc", "name").Eq("Bob"),
			"json -> index": orm.JSONGet("doc", "tags", 1).Eq("b,c"),
			"json ->":       orm.JSONGet("doc", "attrs").Eq(map[string]string{"lang": "go"}),
			"json @>":       orm.JSONContains("doc", map[string]any{"tags": []string{"b,c"}, "name": "Bob"}),
			"raw ->":        orm.JSONGet("raw", "n", 0).Eq(1),
			"hstore ->":     orm.SQL("? -> ? = ?", orm.Col("attrs"), `k"q`, `v"q`),
			"array @>":      orm.ArrayContains("strs", []string{`a"b`, "NULL"}),
			"array =":       orm.Eq("ints", orm.PGArray(in.Ints)),
			"array ANY":     orm.SQL("? = ANY(?)", "", orm.Col("strs")),
			"uuid array @>": orm.ArrayContains("uuids", in.UUIDs[:1]),
			"decimal":       orm.Eq("amount", orm.Decimal("12345678901234567890.123456")),
			"decimal >":     orm.Gt("amount", orm.Decimal("12345678901234567890.123455")),
			"timestamptz":   orm.Eq("at", in.At.In(time.FixedZone("X", -5*3600))),
		}
		for name, cond := range filters {
			list, err := rows.Select().Where(cond).All(ctx)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if len(list) != 1 || list[0].ID != in.ID {
				t.Errorf("%s: got %d rows, want the first row only", name, len(list))
			}
		}
		if n, err := rows.Select().Where(orm.JSONText("doc", "missing").Eq(nil)).Count(ctx); err != nil || n != 2 {
			t.Errorf("JSONText(missing) IS NULL: %d, %v; want 2", n, err)
		}

		// Update through Save and through Update().Set.
		got.Doc.V.Tags = append(got.Doc.V.Tags, "new")
		got.Attrs["none"] = pgtStr("now set")
		delete(got.Attrs, "empty")
		got.Ints = nil // NOT NULL: stored as {}
		got.Maybe = []int64{1, 2}
		got.Holes = []*string{nil}
		got.Amount = "-99999999999999999999.999999"
		got.At = time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.FixedZone("minus", -(3*3600+30*60)))
		u := orm.NewUUID()
		got.OptUUID = &u
		if _, err := rows.Save(ctx, got); err != nil {
			t.Fatal(err)
		}
		if _, err := rows.Update().Set("strs", orm.PGArray([]string{"set", `"q"`})).
			Set("raw", orm.SQL("CAST(? AS JSONB)", `{"n":[]}`)).
			Where(orm.Eq("id", in.ID)).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := rows.GetByPK(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Strs = []string{"set", `"q"`}
		got.Ints = []int64{}
		got.Raw = json.RawMessage(`{"n": []}`) // jsonb's own spacing
		pgtCompare(t, again, got)
		if n, err := rows.Select().Where(orm.Eq("maybe", orm.PGArray([]int64{1, 2}))).Count(ctx); err != nil || n != 1 {
			t.Errorf("maybe = {1,2}: %d, %v", n, err)
		}
	})
}

func pgtCompare(t *testing.T, got, want *pgtRow) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("id = %v, want %v", got.ID, want.ID)
	}
	if !reflect.DeepEqual(got.Doc.V, want.Doc.V) {
		t.Errorf("doc = %+v, want %+v", got.Doc.V, want.Doc.V)
	}
	var g, w any
	if json.Unmarshal(got.Raw, &g) != nil || json.Unmarshal(want.Raw, &w) != nil || !reflect.DeepEqual(g, w) {
		t.Errorf("raw = %s, want %s", got.Raw, want.Raw)
	}
	if !reflect.DeepEqual(got.Attrs, want.Attrs) {
		t.Errorf("attrs = %v, want %v", pgtHStore(got.Attrs), pgtHStore(want.Attrs))
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"ints", got.Ints, want.Ints}, {"int32s", got.Int32s, want.Int32s}, {"plain", got.Plain, want.Plain},
		{"strs", got.Strs, want.Strs}, {"floats", got.Floats, want.Floats}, {"bools", got.Bools, want.Bools},
		{"uuids", got.UUIDs, want.UUIDs}, {"holes", got.Holes, want.Holes}, {"opt_uuid", got.OptUUID, want.OptUUID},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if want.Maybe != nil && !reflect.DeepEqual(got.Maybe, want.Maybe) {
		t.Errorf("maybe = %v, want %v", got.Maybe, want.Maybe)
	}
	if got.Amount != want.Amount { // numeric(30,6) keeps the 6 digits as written
		t.Errorf("amount = %s, want %s", got.Amount, want.Amount)
	}
	if got.Loose.Cmp(want.Loose) != 0 {
		t.Errorf("loose = %s, want %s", got.Loose, want.Loose)
	}
	if !got.At.Equal(want.At) {
		t.Errorf("at = %v, want the instant %v", got.At, want.At)
	}
}

func pgtHStore(h orm.HStore) string {
	v, _ := h.Value()
	return v.(string)
}

// A server-generated UUID key (default:gen_random_uuid()) is read back by
// Create through RETURNING, on both drivers.
func TestPGTServerUUIDKey(t *testing.T) {
	pgtEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		keys, err := orm.NewModel[pgtServerKey](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, keys)
		a, err := keys.Create(ctx, &pgtServerKey{Name: "a"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := keys.Create(ctx, &pgtServerKey{Name: "b"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ID.IsZero() || a.ID == b.ID || a.ID[6]>>4 != 4 {
			t.Fatalf("server keys %v, %v: want two distinct v4 UUIDs", a.ID, b.ID)
		}
		got, err := keys.GetByPK(ctx, a.ID)
		if err != nil || got.Name != "a" {
			t.Fatalf("GetByPK(%v) = %+v, %v", a.ID, got, err)
		}
		given := orm.NewUUID()
		if _, err := keys.Create(ctx, &pgtServerKey{ID: given, Name: "given"}); err != nil {
			t.Fatal(err)
		}
		if got, err := keys.Get(ctx, orm.Eq("name", "given")); err != nil || got.ID != given {
			t.Fatalf("a key set by the client: %+v, %v; want %v", got, err, given)
		}
	})
}

// A NULL element in an array scanned into a non-pointer element type is
// an error that says what to use instead; the types of DDL are PostgreSQL's.
func TestPGTArrayNullElement(t *testing.T) {
	pgtEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		rows, err := orm.NewModel[pgtRow](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, rows)
		in := pgtSample(t)
		if _, err := rows.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQLDB().ExecContext(ctx, `UPDATE pgt_row SET ints = '{1,NULL}'`); err != nil {
			t.Fatal(err)
		}
		_, err = rows.GetByPK(ctx, in.ID)
		if err == nil || !strings.Contains(err.Error(), "NULL element 2") || !strings.Contains(err.Error(), "[]*int64") {
			t.Fatalf("scan of {1,NULL} into []int64: %v; want an error naming element 2 and []*int64", err)
		}
	})
}

// The DDL of the PostgreSQL types; RegisterHStore puts CREATE EXTENSION
// first for a model with an HStore field only.
func TestPGTCreateTableSQL(t *testing.T) {
	open := func(opts ...orm.Option) *orm.DB {
		db, err := orm.Open("aiopg", "postgres://127.0.0.1:1/none?sslmode=disable", opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	plain, err := orm.MustModel[pgtRow](open()).CreateTableSQL(false)
	if err != nil || len(plain) != 1 || strings.Contains(plain[0], "EXTENSION") {
		t.Fatalf("without RegisterHStore: %q, %v", plain, err)
	}
	db := open(orm.RegisterHStore())
	if s, _ := orm.MustModel[pgtServerKey](db).CreateTableSQL(false); len(s) != 1 {
		t.Errorf("a model without HStore: %q; want no CREATE EXTENSION", s)
	}
	stmts, err := orm.MustModel[pgtRow](db).CreateTableSQL(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 2 || stmts[0] != "CREATE EXTENSION IF NOT EXISTS hstore" {
		t.Fatalf("with RegisterHStore: %q; want CREATE EXTENSION first", stmts)
	}
	stmts = stmts[1:]
	for _, want := range []string{
		`"id" UUID NOT NULL`, `"doc" JSONB NOT NULL`, `"raw" JSONB,`, `"attrs" HSTORE NOT NULL`,
		`"ints" BIGINT[] NOT NULL`, `"int32s" INTEGER[]`, `"strs" TEXT[]`, `"floats" DOUBLE PRECISION[]`,
		`"bools" BOOLEAN[]`, `"uuids" UUID[]`, `"maybe" BIGINT[],`, `"amount" numeric(30,6) NOT NULL`,
		`"loose" NUMERIC NOT NULL`, `"at" TIMESTAMPTZ`, `"opt_uuid" UUID,`,
	} {
		if !strings.Contains(stmts[0], want) {
			t.Errorf("CREATE TABLE lacks %s:\n%s", want, stmts[0])
		}
	}
}

// Any binds a slice of UUIDs or strings as one array on both drivers.
func TestPGTAnyArrays(t *testing.T) {
	pgtEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		keys, err := orm.NewModel[pgtServerKey](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, keys)
		var ids []orm.UUID
		for _, n := range []string{"a", `b"`, "c,d"} {
			k, err := keys.Create(ctx, &pgtServerKey{Name: n})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, k.ID)
		}
		if n, err := keys.Count(ctx, orm.Any("id", ids[1:])); err != nil || n != 2 {
			t.Errorf("Any(id, []UUID): %d, %v; want 2", n, err)
		}
		if n, err := keys.Count(ctx, orm.Any("name", []string{`b"`, "c,d", "zz"})); err != nil || n != 2 {
			t.Errorf("Any(name, []string): %d, %v; want 2", n, err)
		}
	})
}
