package aio_test

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"testing"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/internal/fakedb"
)

// rowsDB answers every query with n rows of one column, 1..n.
func rowsDB(t *testing.T, n int) *sql.DB {
	rows := make([][]sqldriver.Value, n)
	for i := range rows {
		rows[i] = []sqldriver.Value{int64(i + 1)}
	}
	db := sql.OpenDB(fakedb.New([]string{"n"}, rows).Connector())
	t.Cleanup(func() { db.Close() })
	return db
}

// intQuery reads rows of rowsDB; the row whose value is failAt fails to
// scan.
type intQuery struct {
	db       *sql.DB
	failAt   int64
	prepared int
}

func (q *intQuery) Query(ctx context.Context, sink *aio.RowSink[int64]) error {
	rows, err := q.db.QueryContext(ctx, "SELECT n")
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := sink.Each(rows); err != nil {
		return err
	}
	return rows.Err()
}

func (q *intQuery) Prepare(aio.Rows) error { q.prepared++; return nil }

func (q *intQuery) Scan(rows aio.Rows) (int64, error) {
	var v int64
	if err := rows.Scan(&v); err != nil {
		return 0, err
	}
	if v == q.failAt {
		return 0, errors.New("bad row")
	}
	return v, nil
}

// TestStreamRowsDeliversEveryRowInOrder: every row arrives once, in
// order, across bursts longer than the channel's buffer, whether rows are
// handed over as scanned or read all first.
func TestStreamRowsDeliversEveryRowInOrder(t *testing.T) {
	const n = 3*aio.RowBuffer + 7
	db := rowsDB(t, n)
	for _, readAll := range []bool{false, true} {
		q := &intQuery{db: db, failAt: -1}
		got, err := aio.Collect(context.Background(), aio.StreamRows[int64](context.Background(), q, readAll))
		if err != nil {
			t.Fatalf("readAll=%v: %v", readAll, err)
		}
		if len(got) != n {
			t.Fatalf("readAll=%v: %d rows, want %d", readAll, len(got), n)
		}
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("readAll=%v: row %d is %d", readAll, i, v)
			}
		}
		if q.prepared != 1 {
			t.Fatalf("readAll=%v: Prepare called %d times, want once", readAll, q.prepared)
		}
	}
}

// TestStreamRowsScanErrorComesAfterEarlierRows: the rows scanned before a
// failing one are delivered, then the error as the last Result.
func TestStreamRowsScanErrorComesAfterEarlierRows(t *testing.T) {
	db := rowsDB(t, 100)
	var vals []int64
	var last error
	for r := range aio.StreamRows[int64](context.Background(), &intQuery{db: db, failAt: 40}, false) {
		if r.Err != nil {
			last = r.Err
			continue
		}
		if last != nil {
			t.Fatal("a row arrived after the error")
		}
		vals = append(vals, r.Value)
	}
	if last == nil || last.Error() != "bad row" {
		t.Fatalf("last error %v, want bad row", last)
	}
	if len(vals) != 39 || vals[38] != 39 {
		t.Fatalf("got %d rows before the error, want 39 (1..39)", len(vals))
	}
}

// TestStreamRowsStopsOnCancel: a reader that cancels after a few rows
// gets a last Result matching context.Canceled, and the goroutine ends
// (TestMain's leak check fails otherwise).
func TestStreamRowsStopsOnCancel(t *testing.T) {
	db := rowsDB(t, 10*aio.RowBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := aio.StreamRows[int64](ctx, &intQuery{db: db, failAt: -1}, false)
	seen := 0
	var last error
	for r := range ch {
		if r.Err != nil {
			last = r.Err
			continue
		}
		if seen++; seen == 3 {
			cancel()
		}
	}
	if seen >= 10*aio.RowBuffer {
		t.Fatalf("read all %d rows despite the cancel", seen)
	}
	if last != nil && !errors.Is(last, context.Canceled) {
		t.Fatalf("last error %v, want context.Canceled", last)
	}
	if ctx.Err() == nil {
		t.Fatal("ctx not cancelled")
	}
}
