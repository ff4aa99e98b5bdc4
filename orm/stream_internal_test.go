package orm

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

// TestNumDestScansLikeDatabaseSQL: numDest gives every value, and every
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
			viaNum func() (*numDest, any)
		}{
			{"int64", new(int64), func() (*numDest, any) { p := new(int64); return &numDest{kind: numInt64, i64: p}, p }},
			{"int", new(int), func() (*numDest, any) { p := new(int); return &numDest{kind: numInt, i: p}, p }},
			{"float64", new(float64), func() (*numDest, any) { p := new(float64); return &numDest{kind: numFloat64, f64: p}, p }},
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

// TestSlabsAreBounded: slabs grow from minSlab rows to maxSlab, and never
// past maxSlabBytes unless a row alone is bigger.
func TestSlabsAreBounded(t *testing.T) {
	check := func(name string, size int, next func() int) {
		t.Helper()
		want := minSlab
		for range 12 {
			limit := min(want, maxSlab)
			if size > 0 {
				limit = min(limit, max(1, maxSlabBytes/size))
			}
			if got := next(); got != limit {
				t.Fatalf("%s: slab of %d rows, want %d", name, got, limit)
			}
			want *= 2
		}
	}
	type small struct{ A, B int64 }
	type big struct{ B [5000]byte }
	type huge struct{ B [40000]byte }
	slabs := func(q interface {
		newRowN() int
	}) func() int {
		return q.newRowN
	}
	check("small", 16, slabs(&slabProbe[small]{}))
	check("big", 5000, slabs(&slabProbe[big]{}))
	check("huge", 40000, slabs(&slabProbe[huge]{}))
	check("empty", 0, slabs(&slabProbe[struct{}]{}))
}

// slabProbe draws rows from a rowStream until a new slab starts and
// returns that slab's length.
type slabProbe[T any] struct{ q rowStream[T] }

func (p *slabProbe[T]) newRowN() int {
	p.q.newRow()
	n := p.q.slabN
	for len(p.q.slab) > 0 {
		p.q.newRow()
	}
	return n
}
