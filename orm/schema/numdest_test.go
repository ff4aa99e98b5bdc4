package schema

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/aiodb/aiodb/internal/fakedb"
)

// TestNumDestScansLikeDatabaseSQL: NumDest gives every value, and every
// error, that database/sql's Scan into the field itself gives.
func TestNumDestScansLikeDatabaseSQL(t *testing.T) {
	srcs := []driver.Value{
		int64(42), int64(-7), int64(math.MaxInt64), int64(math.MinInt64),
		float64(1.5), float64(2), math.Inf(1), nil,
		"17", "-3", "2.25", "x", "", []byte("9"), []byte("1e3"), []byte(" 1"),
		true, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for _, src := range srcs {
		db := sql.OpenDB(fakedb.New([]string{"v"}, [][]driver.Value{{src}}).Connector())
		scan := func(dest any) error {
			rows, err := db.QueryContext(context.Background(), "SELECT v")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if !rows.Next() {
				t.Fatal("no row")
			}
			return rows.Scan(dest)
		}
		for _, c := range []struct {
			name   string
			plain  any // a pointer to the field
			viaNum func() (*NumDest, any)
		}{
			{"int64", new(int64), func() (*NumDest, any) { p := new(int64); return &NumDest{kind: numInt64, i64: p}, p }},
			{"int", new(int), func() (*NumDest, any) { p := new(int); return &NumDest{kind: numInt, i: p}, p }},
			{"float64", new(float64), func() (*NumDest, any) { p := new(float64); return &NumDest{kind: numFloat64, f64: p}, p }},
		} {
			werr := scan(c.plain)
			d, p := c.viaNum()
			gerr := scan(d)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) {
				t.Errorf("%T %v into %s: error %v, want %v", src, src, c.name, gerr, werr)
			}
			if got, want := reflect.ValueOf(p).Elem().Interface(), reflect.ValueOf(c.plain).Elem().Interface(); got != want {
				t.Errorf("%T %v into %s: %v, want %v", src, src, c.name, got, want)
			}
			if numKindOf(c.plain) != d.kind {
				t.Errorf("numKindOf(%T) = %d, want %d", c.plain, numKindOf(c.plain), d.kind)
			}
		}
		db.Close()
	}
}
