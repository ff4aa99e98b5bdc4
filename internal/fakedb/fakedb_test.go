package fakedb_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/internal/fakedb"
)

func readAll(t *testing.T, db *sql.DB, query string) [][]any {
	t.Helper()
	rows, err := db.Query(query, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	return out
}

func TestAnswers(t *testing.T) {
	d := fakedb.New([]string{"id", "name"}, [][]driver.Value{{int64(1), "a"}, {int64(2), "b"}})
	db := sql.OpenDB(d.Connector())
	defer db.Close()
	if got, want := readAll(t, db, "SELECT anything"), [][]any{{int64(1), "a"}, {int64(2), "b"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	res, err := db.Exec("UPDATE anything")
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res.LastInsertId(); id != 1 {
		t.Fatalf("LastInsertId %d", id)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("RowsAffected %d", n)
	}
	d.SetResult([]string{"x"}, [][]driver.Value{{"only"}})
	if got := readAll(t, db, "SELECT"); !reflect.DeepEqual(got, [][]any{{"only"}}) {
		t.Fatalf("after SetResult: %v", got)
	}
	// Prepared statements and transactions answer the same way.
	tx, err := db.BeginTx(context.Background(), &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.Prepare("SELECT")
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := st.QueryRow().Scan(&s); err != nil || s != "only" {
		t.Fatalf("stmt in tx: %q %v", s, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// sql.Open works through the DriverContext too.
	sql.Register("fakedb-test", d)
	db2, err := sql.Open("fakedb-test", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := readAll(t, db2, "SELECT"); len(got) != 1 {
		t.Fatalf("via sql.Open: %v", got)
	}
}

// SetResult while other goroutines read (run with -race): each query sees
// one whole answer.
func TestSetResultConcurrent(t *testing.T) {
	one := [][]driver.Value{{int64(1)}}
	two := [][]driver.Value{{int64(1)}, {int64(2)}}
	d := fakedb.New([]string{"n"}, one)
	db := sql.OpenDB(d.Connector())
	defer db.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if g == 0 {
					if i%2 == 0 {
						d.SetResult([]string{"n"}, two)
					} else {
						d.SetResult([]string{"n"}, one)
					}
					continue
				}
				rows, err := db.Query("SELECT")
				if err != nil {
					t.Error(err)
					return
				}
				n := 0
				for rows.Next() {
					n++
				}
				rows.Close()
				if n != 1 && n != 2 {
					t.Errorf("read %d rows", n)
				}
			}
		}()
	}
	wg.Wait()
}

// The driver adds no allocation of its own to a query or an exec.
func TestNoDriverAllocations(t *testing.T) {
	d := fakedb.New([]string{"n"}, [][]driver.Value{{int64(1)}})
	c, _ := d.Connector().Connect(context.Background())
	q := c.(driver.QueryerContext)
	e := c.(driver.ExecerContext)
	dest := make([]driver.Value, 1)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		r, _ := q.QueryContext(ctx, "SELECT", nil)
		r.Next(dest)
		r.Close()
		e.ExecContext(ctx, "UPDATE", nil)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per query+exec", allocs)
	}
}

// AnyArgs passes every argument through, in queries and prepared
// statements; without it database/sql rejects types it cannot convert.
func TestAnyArgs(t *testing.T) {
	odd := []int{1, 2} // not a driver.Value, no Valuer
	plain := sql.OpenDB(fakedb.New(nil, nil).Connector())
	defer plain.Close()
	if _, err := plain.Exec("UPDATE", odd); err == nil {
		t.Fatal("without AnyArgs a []int argument was accepted")
	}
	db := sql.OpenDB(fakedb.NewWith(nil, nil, fakedb.Options{AnyArgs: true}).Connector())
	defer db.Close()
	if _, err := db.Exec("UPDATE", odd); err != nil {
		t.Fatalf("AnyArgs exec: %v", err)
	}
	st, err := db.Prepare("UPDATE")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Exec(odd); err != nil {
		t.Fatalf("AnyArgs prepared exec: %v", err)
	}
}

// FreshRows allocates one Rows per query, like a real driver, and
// nothing per row.
func TestFreshRowsAllocations(t *testing.T) {
	d := fakedb.NewWith([]string{"n"}, [][]driver.Value{{int64(1)}, {int64(2)}}, fakedb.Options{FreshRows: true})
	c, _ := d.Connector().Connect(context.Background())
	q := c.(driver.QueryerContext)
	dest := make([]driver.Value, 1)
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		r, _ := q.QueryContext(ctx, "SELECT", nil)
		for r.Next(dest) == nil {
		}
		r.Close()
	})
	if allocs != 1 {
		t.Fatalf("%v allocations per query, want 1 (its Rows)", allocs)
	}
}
