package orm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

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

// TestRowStreamUsesFieldDests: after its first row, a stream whose
// columns all map to fields scans through the fields (and schema.NumDest for
// its numbers); one with an ignored column keeps the plan's destinations.
func TestRowStreamUsesFieldDests(t *testing.T) {
	type row struct {
		ID    int64   `db:"id,pk"`
		N     int     `db:"n"`
		Score float64 `db:"score"`
		Name  string  `db:"name"`
	}
	for _, c := range []struct {
		cols   []string
		ignore bool
		fast   bool
	}{
		{[]string{"id", "n", "score", "name"}, false, true},
		{[]string{"name", "id"}, false, true},
		{[]string{"id", "other", "name"}, true, false},
	} {
		vals := make([][]driver.Value, 3)
		for i := range vals {
			for _, col := range c.cols {
				switch col {
				case "name", "other":
					vals[i] = append(vals[i], "x")
				case "score":
					vals[i] = append(vals[i], 1.5)
				default:
					vals[i] = append(vals[i], int64(i+1))
				}
			}
		}
		conn, err := aiodriver.Wrap(fakedb.New(c.cols, vals), aiodriver.Options{Dialect: aiodriver.DialectPostgres}).OpenConnector("")
		if err != nil {
			t.Fatal(err)
		}
		sqlDB := sql.OpenDB(conn)
		db, err := New(sqlDB)
		if err != nil {
			t.Fatal(err)
		}
		m := MustModel[row](db)
		q := &rowStream[row]{m: m, b: sqlb.Get(db.dialect), ignore: c.ignore}
		rows, err := sqlDB.QueryContext(context.Background(), "SELECT")
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Prepare(rows); err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			r, err := q.Scan(rows)
			if err != nil {
				t.Fatal(err)
			}
			if n++; r.ID != int64(n) || r.Name != "x" {
				t.Fatalf("%v: row %d = %+v", c.cols, n, *r)
			}
		}
		rows.Close()
		if got := q.fields != nil; got != c.fast || n != 3 {
			t.Errorf("%v (ignore %v): %d rows, through the fields %v, want %v", c.cols, c.ignore, n, got, c.fast)
		}
		if want, _ := schema.NumDestFor(new(int64)); c.fast && c.cols[0] == "id" {
			// Aimed at one field, they are equal when made for one type.
			got, field := q.nums[0], new(int64)
			got.Point(field)
			want.Point(field)
			if got != want {
				t.Errorf("%v: id's NumDest %+v, want one for an int64", c.cols, got)
			}
		}
		sqlb.Put(q.b)
		sqlDB.Close()
	}
}
