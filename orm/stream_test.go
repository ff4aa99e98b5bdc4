package orm_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/aio"
	aiodriver "github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/internal/fakedb"
	"github.com/aiodb/aiodb/internal/leakcheck"
	"github.com/aiodb/aiodb/orm"
)

// streamRow has a field of each type rowStream scans specially (int64,
// int, float64) and of some it does not.
type streamRow struct {
	ID    int64   `db:"id,pk"`
	N     int     `db:"n"`
	Score float64 `db:"score"`
	Name  string  `db:"name"`
	Flag  bool    `db:"flag"`
}

func (streamRow) TableName() string { return "stream16_rows" }

var streamCols = []string{"id", "n", "score", "name", "flag"}

// streamValues are rows 1..n of streamRow as the driver gives them.
func streamValues(n int) [][]driver.Value {
	rows := make([][]driver.Value, n)
	for i := range rows {
		id := int64(i + 1)
		rows[i] = []driver.Value{id, 10 * id, float64(id) / 4, fmt.Sprintf("row %d", id), id%2 == 0}
	}
	return rows
}

func wantStreamRow(id int64) streamRow {
	return streamRow{ID: id, N: int(10 * id), Score: float64(id) / 4, Name: fmt.Sprintf("row %d", id), Flag: id%2 == 0}
}

// streamFakeDB is the guarded driver over fakedb answering every query
// with cols and rows.
func streamFakeDB(t *testing.T, cols []string, rows [][]driver.Value) *orm.Model[streamRow] {
	t.Helper()
	c, err := aiodriver.Wrap(fakedb.New(cols, rows), aiodriver.Options{Dialect: aiodriver.DialectPostgres}).OpenConnector("")
	if err != nil {
		t.Fatal(err)
	}
	sqlDB := sql.OpenDB(c)
	t.Cleanup(func() { sqlDB.Close() })
	db, err := orm.New(sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	return orm.MustModel[streamRow](db)
}

// TestAioExecuteSlabRowsAreIndependent: rows come from shared slabs, yet
// each is its own value: distinct, right, and changing one changes no
// other, across slab boundaries (8, 16, 32, ... rows) and after the
// stream has ended.
func TestAioExecuteSlabRowsAreIndependent(t *testing.T) {
	const n = 1500
	m := streamFakeDB(t, streamCols, streamValues(n))
	got, err := aio.Collect(context.Background(), m.Select().AioExecute(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	seen := map[*streamRow]bool{}
	for i, r := range got {
		if seen[r] {
			t.Fatalf("row %d is the same *T as an earlier one", i)
		}
		seen[r] = true
		if *r != wantStreamRow(int64(i+1)) {
			t.Fatalf("row %d = %+v, want %+v", i, *r, wantStreamRow(int64(i+1)))
		}
	}
	for _, i := range []int{0, 7, 8, 23, 24, 500, n - 1} {
		*got[i] = streamRow{ID: -1, Name: "changed"}
		for _, j := range []int{i - 1, i + 1} {
			if j >= 0 && j < n && *got[j] != wantStreamRow(int64(j+1)) {
				t.Fatalf("changing row %d changed row %d: %+v", i, j, *got[j])
			}
		}
		*got[i] = wantStreamRow(int64(i + 1))
	}
}

// TestAioExecuteScansLikeDatabaseSQL: rows whose columns do not map
// straight to fields (an ignored column, another order) scan through the
// plan; rows that do, through the fields; both give the values
// database/sql would.
func TestAioExecuteScansLikeDatabaseSQL(t *testing.T) {
	const n = 300
	t.Run("reordered", func(t *testing.T) {
		vals := streamValues(n)
		for i, r := range vals {
			vals[i] = []driver.Value{r[4], r[3], r[2], r[1], r[0]}
		}
		m := streamFakeDB(t, []string{"flag", "name", "score", "n", "id"}, vals)
		checkStream(t, m.Raw("SELECT flag, name, score, n, id FROM stream16_rows"), n)
	})
	t.Run("ignored column", func(t *testing.T) {
		vals := streamValues(n)
		for i, r := range vals {
			vals[i] = append(r, "extra")
		}
		m := streamFakeDB(t, append(streamCols, "other"), vals)
		checkStream(t, m.Raw("SELECT * FROM stream16_rows").IgnoreUnknownColumns(), n)
	})
	t.Run("converted values", func(t *testing.T) {
		// Text and other types, as MySQL's text protocol and SQLite give
		// them: database/sql's conversions apply.
		vals := streamValues(n)
		for i, r := range vals {
			if i%3 == 1 {
				vals[i] = []driver.Value{[]byte(fmt.Sprint(r[0])), fmt.Sprint(r[1]), []byte(fmt.Sprint(r[2])), r[3], r[4]}
			}
			if i%3 == 2 {
				vals[i] = []driver.Value{r[0], r[1], r[1], r[3], r[4]} // an int64 for the float64
				vals[i][2] = r[0].(int64) * 2
			}
		}
		m := streamFakeDB(t, streamCols, vals)
		got, err := aio.Collect(context.Background(), m.Select().AioExecute(context.Background()))
		if err != nil || len(got) != n {
			t.Fatalf("%d rows, %v", len(got), err)
		}
		for i, r := range got {
			want := wantStreamRow(int64(i + 1))
			if i%3 == 2 {
				want.Score = float64(2 * want.ID)
			}
			if *r != want {
				t.Fatalf("row %d = %+v, want %+v", i, *r, want)
			}
		}
	})
}

func checkStream(t *testing.T, q *orm.RawQuery[streamRow], n int) {
	t.Helper()
	got, err := aio.Collect(context.Background(), q.AioExecute(context.Background()))
	if err != nil || len(got) != n {
		t.Fatalf("%d rows, %v", len(got), err)
	}
	for i, r := range got {
		if *r != wantStreamRow(int64(i+1)) {
			t.Fatalf("row %d = %+v, want %+v", i, *r, wantStreamRow(int64(i+1)))
		}
	}
}

// TestAioExecuteScanErrorMidStream: a value that cannot be scanned (NULL
// into an int64, text into an int) past the first rows ends the stream
// with database/sql's own error, after the rows before it.
func TestAioExecuteScanErrorMidStream(t *testing.T) {
	for _, c := range []struct {
		col  int
		val  driver.Value
		want string
	}{
		{0, nil, `sql: Scan error on column index 0, name "id": converting NULL to int64 is unsupported`},
		{1, nil, `sql: Scan error on column index 1, name "n": converting NULL to int is unsupported`},
		{2, nil, `sql: Scan error on column index 2, name "score": converting NULL to float64 is unsupported`},
		{1, "ten", `sql: Scan error on column index 1, name "n": converting driver.Value type string ("ten") to a int: invalid syntax`},
		{0, 1.5, `sql: Scan error on column index 0, name "id": converting driver.Value type float64 ("1.5") to a int64: invalid syntax`},
		{2, "x", `sql: Scan error on column index 2, name "score": converting driver.Value type string ("x") to a float64: invalid syntax`},
	} {
		vals := streamValues(1000)
		vals[700] = append([]driver.Value(nil), vals[700]...)
		vals[700][c.col] = c.val
		m := streamFakeDB(t, streamCols, vals)
		rows := 0
		var last error
		for r := range m.Select().AioExecute(context.Background()) {
			if last != nil {
				t.Fatal("a Result after the error")
			}
			if last = r.Err; last == nil {
				rows++
			}
		}
		if rows != 700 || last == nil || !strings.HasSuffix(last.Error(), c.want) {
			t.Errorf("%v in column %d: %d rows, then %v; want 700 rows, then ...%s", c.val, c.col, rows, last, c.want)
		}
	}
}

// TestAioExecuteCancelMidStream: cancelling in the middle of a long
// result ends the stream (the channel closes, with context.Canceled as
// the last Result if any) and its goroutine.
func TestAioExecuteCancelMidStream(t *testing.T) {
	leakcheck.Check(t)
	m := streamFakeDB(t, streamCols, streamValues(100_000))
	for _, after := range []int{1, 300, 5000} {
		ctx, cancel := context.WithCancel(context.Background())
		seen := 0
		var last error
		for r := range m.Select().AioExecute(ctx) {
			if r.Err != nil {
				last = r.Err
				continue
			}
			if seen++; seen == after {
				cancel()
			}
		}
		cancel()
		if seen >= 100_000 {
			t.Fatalf("cancel after %d: read every row", after)
		}
		if last != nil && !errors.Is(last, context.Canceled) {
			t.Fatalf("cancel after %d: last error %v, want context.Canceled", after, last)
		}
	}
}
