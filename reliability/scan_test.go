package reliability_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
)

// scanRow is one row of manyRowsSQL.
type scanRow struct {
	N int64 `db:"n,pk"`
}

func (scanRow) TableName() string { return "rel_scan_row" }

// manyRowsSQL is a query whose rows (five million small ones) take far
// longer to read than any test here reads them.
func (s server) manyRowsSQL() string {
	switch s.driver {
	case "aiomysql":
		return "SELECT seq AS n FROM seq_1_to_5000000"
	case "aiosqlite":
		return "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 5000000) SELECT n FROM c"
	}
	// In the select list the set is streamed; in FROM it is built whole
	// before the first row.
	return "SELECT generate_series(1, 5000000) AS n"
}

// TestCancelWhileScanning ends a query's context while its rows are being
// read and scanned, on all four drivers (database/sql's own fault): the
// caller cancels from inside its scan loop after 100 rows, a cancel comes
// from another goroutine 100 ms into the loop, a deadline lands mid-scan,
// and an ORM All whose deadline passes while it scans. Each is run 5 times
// on a pool of 2. Every read must stop within 3 s of the context's end
// with an error matching the context's error (errors.Is on rows.Err(),
// no message text accepted) after at least one row; rows.Close must
// succeed or return the context's error; and no connection may be lost:
// afterwards nothing is in use, at most 2 are open, and a query runs.
// The streamed result (5 million rows) is far longer than any read.
func TestCancelWhileScanning(t *testing.T) {
	for _, s := range append(servers, sqliteServer) {
		t.Run(s.name, func(t *testing.T) {
			db := s.open(t, 2)
			sdb := db.SQLDB()
			bg := aio.AllowSync(context.Background())
			q := s.manyRowsSQL()
			var ended, wrong, slow atomic.Int64
			var minRows, maxRows int64 = 1 << 62, 0
			var worst time.Duration
			record := func(t *testing.T, what string, n int64, err error, want error, endedAt time.Time) {
				t.Helper()
				took := time.Since(endedAt)
				ended.Add(1)
				if n >= 0 { // -1: not known (an ORM All keeps no partial result)
					minRows, maxRows = min(minRows, n), max(maxRows, n)
				}
				worst = max(worst, took)
				if !errors.Is(err, want) {
					wrong.Add(1)
					t.Errorf("%s: %d rows read, then %v; want an error matching %v", what, n, err, want)
				}
				if n == 0 {
					t.Errorf("%s: no row read before the context ended: the cancel did not land mid-scan", what)
				}
				if took > 3*time.Second {
					slow.Add(1)
					t.Errorf("%s: reading stopped %v after the context ended", what, took)
				}
			}
			// scan reads and scans rows until Next says no, calling onRow
			// after each.
			scan := func(ctx context.Context, onRow func(n int64)) (int64, *sql.Rows, error) {
				rows, err := sdb.QueryContext(ctx, q)
				if err != nil {
					return 0, nil, err
				}
				var n int64
				for rows.Next() {
					var v int64
					if err := rows.Scan(&v); err != nil {
						return n, rows, err
					}
					n++
					if onRow != nil {
						onRow(n)
					}
				}
				return n, rows, rows.Err()
			}
			closeRows := func(t *testing.T, rows *sql.Rows, want error) {
				t.Helper()
				if rows == nil {
					return
				}
				if err := rows.Close(); err != nil && !errors.Is(err, want) {
					t.Errorf("rows.Close after the context ended: %v", err)
				}
			}
			for i := range 5 {
				t.Run(fmt.Sprintf("in-loop-%d", i), func(t *testing.T) {
					ctx, cancel := context.WithCancel(bg)
					defer cancel()
					var at time.Time
					n, rows, err := scan(ctx, func(n int64) {
						if n == 100 {
							at = time.Now()
							cancel()
						}
					})
					record(t, "cancel in the scan loop", n, err, context.Canceled, at)
					closeRows(t, rows, context.Canceled)
				})
				t.Run(fmt.Sprintf("other-goroutine-%d", i), func(t *testing.T) {
					ctx, cancel := context.WithCancel(bg)
					defer cancel()
					var at atomic.Int64
					stop := time.AfterFunc(100*time.Millisecond, func() { at.Store(time.Now().UnixNano()); cancel() })
					defer stop.Stop()
					n, rows, err := scan(ctx, nil)
					if at.Load() == 0 {
						t.Fatalf("read %d rows (%v) before the cancel: want the cancel to land mid-scan", n, err)
					}
					record(t, "cancel from another goroutine", n, err, context.Canceled, time.Unix(0, at.Load()))
					closeRows(t, rows, context.Canceled)
				})
				t.Run(fmt.Sprintf("deadline-%d", i), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
					defer cancel()
					d, _ := ctx.Deadline()
					n, rows, err := scan(ctx, nil)
					record(t, "deadline mid-scan", n, err, context.DeadlineExceeded, d)
					closeRows(t, rows, context.DeadlineExceeded)
				})
				t.Run(fmt.Sprintf("orm-all-%d", i), func(t *testing.T) {
					ctx, cancel := context.WithTimeout(bg, 300*time.Millisecond)
					defer cancel()
					d, _ := ctx.Deadline()
					got, err := orm.MustModel[scanRow](db).Raw(q).All(ctx)
					// All keeps no partial result: how many rows it had
					// scanned is not known.
					if len(got) != 0 {
						t.Errorf("All returned %d rows with %v", len(got), err)
					}
					record(t, "ORM All past its deadline", -1, err, context.DeadlineExceeded, d)
				})
				waitIdle(t, s.name, sdb)
			}
			t.Logf("%s: %d reads ended by their context: %d with an error not matching it, %d slow; rows read before the end %d-%d; slowest stop %v",
				s.name, ended.Load(), wrong.Load(), slow.Load(), minRows, maxRows, worst.Round(time.Millisecond))
			waitIdle(t, s.name, sdb)
			if st := sdb.Stats(); st.OpenConnections > 2 {
				t.Errorf("%d connections open on a pool of 2", st.OpenConnections)
			}
			ctx, cancel := context.WithTimeout(bg, 10*time.Second)
			defer cancel()
			var one int
			if err := sdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Errorf("the pool after the cancels: %v", err)
			}
		})
	}
}
