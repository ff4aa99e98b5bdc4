package orm_test

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/orm"
)

// HStore's text form survives quotes, backslashes, commas, "=>", spaces
// and NULL values, and parses what the server writes.
func TestPGTHStoreCodec(t *testing.T) {
	h := orm.HStore{`a"b`: pgtStr(`c\d`), "x,y=>z": nil, "": pgtStr(""), "NULL": pgtStr("NULL")}
	v, err := h.Value()
	if err != nil {
		t.Fatal(err)
	}
	if want := `""=>"", "NULL"=>"NULL", "a\"b"=>"c\\d", "x,y=>z"=>NULL`; v != want {
		t.Errorf("Value = %s, want %s", v, want)
	}
	var back orm.HStore
	if err := back.Scan([]byte(v.(string))); err != nil || !reflect.DeepEqual(back, h) {
		t.Errorf("Scan(Value) = %v, %v; want %v", back, err, h)
	}
	if err := back.Scan(`a=>1,  b => NULL`); err != nil || *back["a"] != "1" || back["b"] != nil || len(back) != 2 {
		t.Errorf("unquoted input: %v, %v", back, err)
	}
	for _, bad := range []string{`"a"=>`, `"a" "b"`, `"a=>"b"`, `"a"=>"b" x`} {
		if err := back.Scan(bad); err == nil {
			t.Errorf("Scan(%q) accepted malformed hstore: %v", bad, back)
		}
	}
	if err := back.Scan(nil); err != nil || back != nil {
		t.Errorf("Scan(nil) = %v, %v; want nil", back, err)
	}
	if v, _ := orm.HStore(nil).Value(); v != "" {
		t.Errorf("nil HStore = %q, want the empty hstore", v)
	}
}

// PGArray writes the array text form both drivers pass to the server.
func TestPGTArrayText(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{[]int64{1, -2}, "{1,-2}"},
		{[]string{`a"b`, `c\d`, "", "NULL", "x,y{}"}, `{"a\"b","c\\d","","NULL","x,y{}"}`},
		{[]*string{pgtStr("a"), nil}, `{"a",NULL}`},
		{[]bool{true, false}, "{t,f}"},
		{[]float64{0.5, 1e300}, "{0.5,1e+300}"},
		{[]orm.UUID{orm.MustParseUUID("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}")}, "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}"},
		{[]int{}, "{}"},
	} {
		v, err := orm.PGArray(c.in).Value()
		if err != nil || v != c.want {
			t.Errorf("PGArray(%#v) = %v, %v; want %s", c.in, v, err, c.want)
		}
	}
	if v, _ := orm.PGArray([]int(nil)).Value(); v != nil {
		t.Errorf("PGArray(nil slice) = %v, want NULL", v)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "map[string]int") {
			t.Errorf("PGArray(map) panic = %v, want one naming the type", r)
		}
	}()
	orm.PGArray(map[string]int{})
}

func TestPGTUUID(t *testing.T) {
	u := orm.NewUUID()
	if u.IsZero() || u[6]>>4 != 4 || u[8]>>6 != 2 || u == orm.NewUUID() {
		t.Fatalf("NewUUID = %v: want a random version 4 variant 1 UUID", u)
	}
	for _, s := range []string{u.String(), strings.ReplaceAll(u.String(), "-", ""), "{" + strings.ToUpper(u.String()) + "}", "urn:uuid:" + u.String()} {
		if p, err := orm.ParseUUID(s); err != nil || p != u {
			t.Errorf("ParseUUID(%q) = %v, %v; want %v", s, p, err, u)
		}
	}
	for _, bad := range []string{"", "123", strings.Replace(u.String(), "-", "+", 1), strings.Replace(u.String(), "a", "g", 1) + "0"} {
		if _, err := orm.ParseUUID(bad); err == nil || !strings.Contains(err.Error(), "UUID") {
			t.Errorf("ParseUUID(%q) = %v, want an error", bad, err)
		}
	}
	var s orm.UUID
	if err := s.Scan(u[:]); err != nil || s != u {
		t.Errorf("Scan(16 bytes) = %v, %v", s, err)
	}
	if err := s.Scan(nil); err != nil || !s.IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want zero", s, err)
	}
	if err := s.Scan(42); err == nil {
		t.Error("Scan(42) accepted an int")
	}
}

func TestPGTDecimal(t *testing.T) {
	for _, ok := range []string{"0", "-1.5", "+.5", "5.", "12345678901234567890.123456", "1e-3", "2E+10", "NaN"} {
		if !orm.Decimal(ok).Valid() {
			t.Errorf("%q is not Valid", ok)
		}
	}
	for _, bad := range []string{"", ".", "-", "1e", "1.2.3", "0x10", "1 ", "ten"} {
		d := orm.Decimal(bad)
		if d.Valid() {
			t.Errorf("%q is Valid", bad)
		}
		if _, err := d.Value(); bad != "" && (err == nil || !strings.Contains(err.Error(), bad)) {
			t.Errorf("Value of %q = %v, want an error naming it", bad, err)
		}
	}
	if v, err := orm.Decimal("").Value(); v != "0" || err != nil {
		t.Errorf("zero Decimal binds %v, %v; want 0", v, err)
	}
	if orm.Decimal("1.50").Cmp("1.5") != 0 || orm.Decimal("-2").Cmp("1") != -1 || orm.Decimal("10").Cmp("9.999") != 1 {
		t.Error("Cmp does not compare numerically")
	}
	r, _ := new(big.Rat).SetString("1/3")
	if d := orm.DecimalFromRat(r, 4); d != "0.3333" {
		t.Errorf("DecimalFromRat(1/3, 4) = %s", d)
	}
}

type pgtArrayModel struct {
	ID   int64    `db:"id,pk,auto"`
	Tags []string `db:"tags"`
}

func (pgtArrayModel) TableName() string { return "pgt_array_model" }

type pgtBadSlice struct {
	ID  int64             `db:"id,pk,auto"`
	Bad []struct{ X int } `db:"bad"`
}

// Arrays are PostgreSQL's: elsewhere NewModel refuses an array field,
// naming the model and field and pointing at JSON; slices of other
// element types are refused everywhere.
func TestPGTArrayOtherDialects(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		_, err := orm.NewModel[pgtArrayModel](db)
		if db.Dialect().Types.Array != "" {
			if err != nil {
				t.Fatalf("NewModel on %s: %v", db.Dialect().Name, err)
			}
			return
		}
		if err == nil || !strings.Contains(err.Error(), "pgtArrayModel") || !strings.Contains(err.Error(), "Tags") || !strings.Contains(err.Error(), "orm.JSON") {
			t.Fatalf("NewModel with a []string field on %s: %v; want an error naming the model, the field and orm.JSON", db.Dialect().Name, err)
		}
	})
	if err := orm.Register[pgtBadSlice](); err == nil || !strings.Contains(err.Error(), "Bad") {
		t.Errorf("a []struct field: %v; want an error naming the field", err)
	}
}

type pgtClientKey struct {
	ID    orm.UUID    `db:"id,pk"`
	Name  string      `db:"name,unique,size:40"`
	Price orm.Decimal `db:"price"`
	Alt   *orm.UUID   `db:"alt"`
}

func (pgtClientKey) TableName() string { return "pgt_client_key" }

// On every dialect: Create gives a zero UUID key a NewUUID and leaves a
// given one alone, a failed insert zeroes the key it made, and Decimal
// keeps every digit.
func TestPGTClientUUIDAndDecimalEveryDialect(t *testing.T) {
	coreEach(t, func(t *testing.T, db *orm.DB) {
		ctx := context.Background()
		keys, err := orm.NewModel[pgtClientKey](db)
		if err != nil {
			t.Fatal(err)
		}
		coreCreate(t, db, keys)
		alt := orm.NewUUID()
		a := &pgtClientKey{Name: "a", Price: "12345678901234567890.123456", Alt: &alt}
		if _, err := keys.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID.IsZero() {
			t.Fatal("Create left the key zero")
		}
		given := orm.NewUUID()
		if _, err := keys.Create(ctx, &pgtClientKey{ID: given, Name: "b", Price: "-0.5"}); err != nil {
			t.Fatal(err)
		}
		dup := &pgtClientKey{Name: "a"}
		if _, err := keys.Create(ctx, dup); !errors.Is(err, orm.ErrIntegrity) || !dup.ID.IsZero() {
			t.Errorf("duplicate insert: %v, key %v; want ErrIntegrity and the key zeroed again", err, dup.ID)
		}
		got, err := keys.GetByPK(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Price.Cmp(a.Price) != 0 || !strings.HasPrefix(string(got.Price), "12345678901234567890.123456") || got.Alt == nil || *got.Alt != alt {
			t.Errorf("got %+v, want %+v", got, a)
		}
		b, err := keys.Get(ctx, orm.Eq("id", given))
		if err != nil || b.Name != "b" || b.Alt != nil || b.Price.Cmp("-0.5") != 0 {
			t.Errorf("Get by a given key: %+v, %v", b, err)
		}
		if n, err := keys.Count(ctx, orm.Gt("price", orm.Decimal("12345678901234567890.123455"))); db.Dialect().Types.Decimal != "TEXT" && (err != nil || n != 1) {
			t.Errorf("price > ...455: %d, %v; want 1", n, err)
		}
	})
}
