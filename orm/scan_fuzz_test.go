package orm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/sqlitedialect"
)

// fzScan has one column v of type V; the fuzz target scans odd values into
// it for every field type a model may have.
type fzScan[V any] struct {
	ID int64 `db:"id,pk"`
	V  V     `db:"v"`
}

func (fzScan[V]) TableName() string { return "fz_scan" }

// fzScanCase scans the fake driver's current row into fzScan[V] through the
// ORM, and into a V through database/sql, and compares.
type fzScanCase func(t *testing.T, db *orm.DB, sqlDB *sql.DB, src driver.Value)

func fzScanFor[V any](isTime bool) fzScanCase {
	return func(t *testing.T, db *orm.DB, sqlDB *sql.DB, src driver.Value) {
		ctx := context.Background()
		typ := reflect.TypeFor[V]()
		where := fmt.Sprintf("%T %#v into %v", src, src, typ)
		got, err := orm.MustModel[fzScan[V]](db).Select().One(ctx)
		var id int64
		var ref V
		rerr := sqlDB.QueryRowContext(ctx, "SELECT id, v FROM fz_scan").Scan(&id, &ref)
		if err != nil {
			if !strings.Contains(err.Error(), `"v"`) {
				t.Fatalf("%s: error does not name the column: %v", where, err)
			}
			if rerr == nil && !isTime {
				t.Fatalf("%s: the ORM rejected (%v) what database/sql scans as %v", where, err, show(ref))
			}
		} else {
			switch {
			case isTime:
				checkTime(t, where, src, reflect.ValueOf(got.V))
			case rerr != nil:
				t.Fatalf("%s: the ORM scanned %v where database/sql fails: %v", where, show(got.V), rerr)
			case show(got.V) != show(ref):
				t.Fatalf("%s: the ORM scanned %v, database/sql %v", where, show(got.V), show(ref))
			}
		}
		// Maps and tuples take the value as the driver gave it.
		maps, err := orm.MustModel[fzScan[V]](db).Select().Maps(ctx)
		if err != nil || len(maps) != 1 {
			t.Fatalf("%s: Maps = %v, %v", where, maps, err)
		}
		if _, isBytes := src.([]byte); !isBytes && show(maps[0]["v"]) != show(src) {
			t.Fatalf("%s: Maps gave %v", where, show(maps[0]["v"]))
		}
	}
}

// checkTime: a time value arrives unchanged; NULL only fits a *time.Time
// or sql.NullTime; text may parse (the ORM reads MySQL and SQLite text
// times) but must then be a real time.
func checkTime(t *testing.T, where string, src driver.Value, v reflect.Value) {
	t.Helper()
	var tm time.Time
	valid := true
	switch x := v.Interface().(type) {
	case time.Time:
		tm = x
	case *time.Time:
		valid = x != nil
		if valid {
			tm = *x
		}
	case sql.NullTime:
		tm, valid = x.Time, x.Valid
	}
	switch s := src.(type) {
	case nil:
		if valid {
			t.Fatalf("%s: NULL scanned as %v", where, tm)
		}
	case time.Time:
		if !valid || !tm.Equal(s) {
			t.Fatalf("%s: got %v", where, tm)
		}
	case string, []byte:
		if !valid || tm.IsZero() && !strings.HasPrefix(fmt.Sprint(s), "0001-01-01") {
			t.Fatalf("%s: text scanned as %v (valid %v)", where, tm, valid)
		}
	default:
		t.Fatalf("%s: a %T became the time %v", where, src, tm)
	}
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return "<nil>"
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "nil"
		}
		return "&" + show(rv.Elem().Interface())
	}
	if tm, ok := v.(time.Time); ok {
		return tm.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

var fzScanCases = []fzScanCase{
	fzScanFor[int64](false), fzScanFor[int](false), fzScanFor[int32](false), fzScanFor[int16](false),
	fzScanFor[int8](false), fzScanFor[uint8](false), fzScanFor[uint16](false), fzScanFor[uint32](false),
	fzScanFor[uint64](false), fzScanFor[uint](false), fzScanFor[float64](false), fzScanFor[float32](false),
	fzScanFor[bool](false), fzScanFor[string](false), fzScanFor[[]byte](false),
	fzScanFor[*int64](false), fzScanFor[*int32](false), fzScanFor[*float64](false), fzScanFor[*bool](false),
	fzScanFor[*string](false), fzScanFor[*[]byte](false),
	fzScanFor[sql.NullString](false), fzScanFor[sql.NullInt64](false), fzScanFor[sql.NullInt32](false),
	fzScanFor[sql.NullFloat64](false), fzScanFor[sql.NullBool](false),
	fzScanFor[time.Time](true), fzScanFor[*time.Time](true), fzScanFor[sql.NullTime](true),
}

// FuzzScan scans odd driver values (NULL, int64 extremes, NaN and
// infinities, any bytes and strings, times far from now) into every field
// type a model may have. Each either scans to what database/sql itself
// would produce (times: the same instant, or text parsed as one) or fails
// with an error naming the column; none panics.
func FuzzScan(f *testing.F) {
	// kind picks the value: 0 NULL, 1 int64, 2 float64, 3 bool, 4 []byte,
	// 5 string, 6 time in UTC, 7 time in a +05:30 zone.
	f.Add(uint8(1), int64(math.MaxInt64), 0.0, "", []byte(nil), int64(0))
	f.Add(uint8(1), int64(math.MinInt64), 0.0, "", []byte(nil), int64(0))
	f.Add(uint8(1), int64(256), 0.0, "", []byte(nil), int64(0))
	f.Add(uint8(2), int64(0), math.NaN(), "", []byte(nil), int64(0))
	f.Add(uint8(2), int64(0), math.Inf(-1), "", []byte(nil), int64(0))
	f.Add(uint8(2), int64(0), math.Copysign(0, -1), "", []byte(nil), int64(0))
	f.Add(uint8(2), int64(0), 1e300, "", []byte(nil), int64(0))
	f.Add(uint8(2), int64(0), 2.5, "", []byte(nil), int64(0))
	f.Add(uint8(3), int64(1), 0.0, "", []byte(nil), int64(0))
	f.Add(uint8(4), int64(0), 0.0, "", []byte("\xff\xfe\x00"), int64(0))
	f.Add(uint8(4), int64(0), 0.0, "", []byte("2024-01-02 03:04:05"), int64(0))
	f.Add(uint8(5), int64(0), 0.0, "18446744073709551616", []byte(nil), int64(0))
	f.Add(uint8(5), int64(0), 0.0, "2024-01-02T03:04:05.123456789+01:00", []byte(nil), int64(0))
	f.Add(uint8(5), int64(0), 0.0, "0001-01-01", []byte(nil), int64(0))
	f.Add(uint8(5), int64(0), 0.0, "true", []byte(nil), int64(0))
	f.Add(uint8(5), int64(0), 0.0, " 1", []byte(nil), int64(0))
	f.Add(uint8(0), int64(0), 0.0, "", []byte(nil), int64(0))
	f.Add(uint8(6), int64(0), 0.0, "", []byte(nil), int64(-62135596800))
	f.Add(uint8(7), int64(999999999), 0.0, "", []byte(nil), int64(253402300799))

	fake := fakedb.New(nil, nil)
	sqlDB := sql.OpenDB(fake.Connector())
	f.Cleanup(func() { sqlDB.Close() })
	db, err := orm.New(sqlDB, orm.WithDialect(sqlitedialect.New()))
	if err != nil {
		f.Fatal(err)
	}
	zone := time.FixedZone("IST", 5*3600+1800)
	f.Fuzz(func(t *testing.T, kind uint8, i int64, fl float64, s string, b []byte, sec int64) {
		var src driver.Value
		switch kind % 8 {
		case 1:
			src = i
		case 2:
			src = fl
		case 3:
			src = i&1 == 1
		case 4:
			src = b
		case 5:
			src = s
		case 6:
			src = time.Unix(sec, i%1e9).UTC()
		case 7:
			src = time.Unix(sec, i%1e9).In(zone)
		}
		fake.SetResult([]string{"id", "v"}, [][]driver.Value{{int64(1), src}})
		for _, c := range fzScanCases {
			c(t, db, sqlDB, src)
		}
	})
}
