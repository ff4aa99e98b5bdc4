package aio

import (
	"context"
	"database/sql"
)

// RowBuffer is the capacity of StreamRows' channel and rowBurst the most
// rows it scans before handing them over: the scanning goroutine and a
// reader faster than it then wake each other once per burst, not once per
// row (a wake-up costs more than scanning a row), while memory stays
// bounded by a few hundred rows.
const (
	RowBuffer = 512
	rowBurst  = 256
)

// Rows is one query whose rows StreamRows delivers.
type Rows[T any] struct {
	// Query runs the statement and calls each with its rows, which stay
	// open until each returns; it reports each's error or its own.
	Query func(ctx context.Context, each func(rows *sql.Rows) error) error
	// Scanner is called once per result, before its first row, and
	// returns the function that scans the current row into a new T.
	Scanner func(rows *sql.Rows) (scan func() (T, error), err error)
	// ReadAll reads every row before the first is delivered, so that
	// Query's connection is released before the reader runs (a
	// transaction's connection, which the reader may want to use).
	ReadAll bool
}

// StreamRows runs q in a pooled goroutine, as Stream does, and delivers
// one Result per row; an error (of the query, a scan or rows.Err) arrives
// as the last Result, after the rows scanned before it. Rows are handed
// over as they are scanned, in bursts (the first row alone, then 2, 4,
// ... up to 256), so memory stays flat however many rows there are.
// Cancelling ctx stops the stream: Query's each returns, the rows are
// closed and the goroutine ends.
func StreamRows[T any](ctx context.Context, q Rows[T]) <-chan Result[T] {
	return Stream(ctx, RowBuffer, func(ctx context.Context, yield func(T) bool) error {
		if q.ReadAll {
			return readAll(ctx, q, yield)
		}
		stopped := false
		var burst [rowBurst]T
		var zero T
		// flush delivers the scanned rows; false when ctx is done.
		flush := func(rows []T) bool {
			for i, row := range rows {
				rows[i] = zero
				if !yield(row) {
					stopped = true
					return false
				}
			}
			return true
		}
		err := q.Query(ctx, func(rows *sql.Rows) error {
			scan, err := q.Scanner(rows)
			if err != nil {
				return err
			}
			n, size := 0, 1
			for rows.Next() {
				row, err := scan()
				if err != nil {
					flush(burst[:n]) // the rows before the error come first
					return err
				}
				burst[n] = row
				if n++; n == size {
					if !flush(burst[:n]) {
						return nil
					}
					n, size = 0, min(2*size, rowBurst)
				}
			}
			flush(burst[:n]) // then Query reports rows.Err, if any
			return nil
		})
		if stopped {
			return nil // Stream reports the cancellation
		}
		return err
	})
}

// readAll is StreamRows with ReadAll: every row is read, and Query has
// returned, before the first is delivered.
func readAll[T any](ctx context.Context, q Rows[T], yield func(T) bool) error {
	var buf []T
	err := q.Query(ctx, func(rows *sql.Rows) error {
		scan, err := q.Scanner(rows)
		if err != nil {
			return err
		}
		for rows.Next() {
			row, err := scan()
			if err != nil {
				return err
			}
			buf = append(buf, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var zero T
	for i, row := range buf {
		buf[i] = zero // what the reader has dropped can be collected
		if !yield(row) {
			return nil
		}
	}
	return nil
}
