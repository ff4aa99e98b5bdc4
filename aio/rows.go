package aio

import (
	"context"
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

// Rows is a query's result as StreamRows reads it: *sql.Rows, or the rows
// of a client other than database/sql (orm's engines).
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Columns() ([]string, error)
	Close() error
	Err() error
}

// RowQuery is one query whose rows StreamRows delivers.
type RowQuery[T any] interface {
	// Query runs the statement and passes its rows to sink.Each, which
	// reads them all; it reports Each's error or its own.
	Query(ctx context.Context, sink *RowSink[T]) error
	// Prepare is called once per result, before its first row (a place
	// to plan the scan from the result's columns).
	Prepare(rows Rows) error
	// Scan scans the current row into a new T.
	Scan(rows Rows) (T, error)
}

// RowSink receives a RowQuery's rows for StreamRows. It is one value per
// stream; the burst being scanned is on Each's stack, so that handing
// rows over costs no allocation and no GC write barrier per row.
type RowSink[T any] struct {
	q       RowQuery[T]
	yield   func(T) bool
	readAll bool
	stopped bool // the reader is gone: ctx ended
	all     []T  // readAll: every row, delivered after Query returns
}

// StreamRows runs q in a pooled goroutine, as Stream does, and delivers
// one Result per row; an error (of the query, a scan or rows.Err) arrives
// as the last Result, after the rows scanned before it. Rows are handed
// over as they are scanned, in bursts (the first row alone, then 2, 4,
// ... up to 256), so memory stays flat however many rows there are.
// Cancelling ctx stops the stream: Each returns, the rows are closed and
// the goroutine ends.
//
// With readAll every row is read before the first is delivered, so that
// Query's connection is released before the reader runs (a transaction's
// connection, which the reader may want to use).
func StreamRows[T any](ctx context.Context, q RowQuery[T], readAll bool) <-chan Result[T] {
	return Stream(ctx, RowBuffer, func(ctx context.Context, yield func(T) bool) error {
		sink := &RowSink[T]{q: q, yield: yield, readAll: readAll}
		err := q.Query(ctx, sink)
		if sink.stopped {
			return nil // Stream reports the cancellation
		}
		if err != nil || !readAll {
			return err
		}
		sink.flush(sink.all)
		return nil
	})
}

// Each reads every row of rows, scanning each with the RowQuery, and
// hands them over (or keeps them, with readAll). It returns the first
// Prepare or Scan error, after the rows scanned before it are delivered;
// rows.Err is left to Query.
func (s *RowSink[T]) Each(rows Rows) error {
	if err := s.q.Prepare(rows); err != nil {
		return err
	}
	if s.readAll {
		for rows.Next() {
			row, err := s.q.Scan(rows)
			if err != nil {
				return err
			}
			s.all = append(s.all, row)
		}
		return nil
	}
	// The burst is on the goroutine's stack: storing a row there needs no
	// GC write barrier, unlike a store into the heap.
	var burst [rowBurst]T
	n, size := 0, 1
	for rows.Next() {
		row, err := s.q.Scan(rows)
		if err != nil {
			s.flush(burst[:n]) // the rows before the error come first
			return err
		}
		burst[n] = row
		if n++; n == size {
			if !s.flush(burst[:n]) {
				return nil
			}
			n, size = 0, min(2*size, rowBurst)
		}
	}
	s.flush(burst[:n])
	return nil
}

// flush delivers rows, dropping each from rows as it goes (what the reader
// has dropped can be collected); false when ctx is done.
func (s *RowSink[T]) flush(rows []T) bool {
	var zero T
	for i, row := range rows {
		rows[i] = zero
		if !s.yield(row) {
			s.stopped = true
			return false
		}
	}
	return true
}
