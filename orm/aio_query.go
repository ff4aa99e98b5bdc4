package orm

import (
	"context"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// The Aio methods of the query types run the query in a new goroutine
// whose context is marked async (package aio), so they pass the sync guard
// under every mode, and return a channel. A single-value method delivers
// exactly one aio.Result and closes the channel, which is buffered: a
// caller that never reads it leaks nothing. AioExecute streams one Result
// per row instead. A query must not be modified until its Result has
// arrived: the goroutine reads it.

// AioExecute runs the query in a new goroutine and streams its rows: one
// aio.Result per row, each Value a fresh *T the caller may keep; a query
// error arrives as the last Result; then the channel is closed. The
// statement is built at once, so q may be changed after the call; a build
// error (an unknown column, say) is delivered as the only Result.
//
// Rows are scanned as they are read and handed over in bursts (the first
// row alone, then 2, 4, ... up to 256), so memory stays flat however many
// rows there are. They are allocated in slabs of up to 256 rows (32 KiB
// at most, unless one row is larger): a row the caller keeps keeps its
// slab allocated, with what the slab's other rows refer to. Copy a row
// (v := *r.Value) to keep it alone. Cancelling ctx stops the stream: the rows are closed,
// the connection goes back to the pool and the goroutine ends (see
// aio.Stream for the last Result of a stream cut short). A reader that
// stops early must cancel ctx.
//
// When ctx carries a transaction of the DB, every row is read before the
// first is delivered and the transaction's connection is released, so the
// reader may run statements in the same transaction while it iterates.
func (q *SelectQuery[T]) AioExecute(ctx context.Context) <-chan aio.Result[*T] {
	b := sqlb.Get(q.m.db.dialect)
	q.build(b)
	if b.Err != nil {
		err := b.Err
		sqlb.Put(b)
		return aio.Value[*T](nil, err)
	}
	// The plan depends only on these, read now for the same reason.
	known := q.s.Cols == nil && len(q.s.Exprs) == 0 && !q.ignoreUnknown
	return streamRows(ctx, q.m, b, known, q.ignoreUnknown)
}

// AioAll is the async All: the query's rows, or its error.
func (q *SelectQuery[T]) AioAll(ctx context.Context) <-chan aio.Result[[]T] {
	return aio.Go(ctx, q.All)
}

// AioOne is the async One: the first row, or an error matching
// ErrDoesNotExist when there is none.
func (q *SelectQuery[T]) AioOne(ctx context.Context) <-chan aio.Result[*T] {
	return aio.Go(ctx, q.One)
}

// AioCount is the async Count.
func (q *SelectQuery[T]) AioCount(ctx context.Context) <-chan aio.Result[int64] {
	return aio.Go(ctx, q.Count)
}

// AioExists is the async Exists.
func (q *SelectQuery[T]) AioExists(ctx context.Context) <-chan aio.Result[bool] {
	return aio.Go(ctx, q.Exists)
}

// AioScalar is the async Scalar: the first column of the first row, or an
// error matching ErrDoesNotExist. See AioScalarAs for a typed value.
func (q *SelectQuery[T]) AioScalar(ctx context.Context) <-chan aio.Result[any] {
	return aio.Go(ctx, q.Scalar)
}

// AioMaps is the async Maps.
func (q *SelectQuery[T]) AioMaps(ctx context.Context) <-chan aio.Result[[]map[string]any] {
	return aio.Go(ctx, q.Maps)
}

// AioTuples is the async Tuples.
func (q *SelectQuery[T]) AioTuples(ctx context.Context) <-chan aio.Result[[][]any] {
	return aio.Go(ctx, q.Tuples)
}

// AioScalarAs is the async ScalarAs: the first column of q's first row as
// a V, or an error matching ErrDoesNotExist when there is no row.
func AioScalarAs[V any](ctx context.Context, q ScalarQuery) <-chan aio.Result[V] {
	return aio.Go(ctx, func(ctx context.Context) (V, error) { return ScalarAs[V](ctx, q) })
}

// AioExecute streams the statement's rows scanned into T, like
// SelectQuery.AioExecute. Result columns are matched to fields by name;
// one without a field is an error unless IgnoreUnknownColumns was called.
func (q *RawQuery[T]) AioExecute(ctx context.Context) <-chan aio.Result[*T] {
	b := sqlb.Get(q.m.db.dialect)
	q.build(b)
	if b.Err != nil {
		err := b.Err
		sqlb.Put(b)
		return aio.Value[*T](nil, err)
	}
	return streamRows(ctx, q.m, b, false, q.ignoreUnknown)
}

// AioExec is the async Exec: the number of rows affected.
func (q *RawQuery[T]) AioExec(ctx context.Context) <-chan aio.Result[int64] {
	return aio.Go(ctx, q.Exec)
}

// AioAll is the async All.
func (q *RawQuery[T]) AioAll(ctx context.Context) <-chan aio.Result[[]T] {
	return aio.Go(ctx, q.All)
}

// AioOne is the async One: the first row, or an error matching
// ErrDoesNotExist.
func (q *RawQuery[T]) AioOne(ctx context.Context) <-chan aio.Result[*T] {
	return aio.Go(ctx, q.One)
}

// AioScalar is the async Scalar.
func (q *RawQuery[T]) AioScalar(ctx context.Context) <-chan aio.Result[any] {
	return aio.Go(ctx, q.Scalar)
}

// AioMaps is the async Maps.
func (q *RawQuery[T]) AioMaps(ctx context.Context) <-chan aio.Result[[]map[string]any] {
	return aio.Go(ctx, q.Maps)
}

// AioTuples is the async Tuples.
func (q *RawQuery[T]) AioTuples(ctx context.Context) <-chan aio.Result[[][]any] {
	return aio.Go(ctx, q.Tuples)
}

// AioExec is the async Exec: the number of rows inserted. Generated keys
// and Returning columns are written into the inserted rows, as Exec does;
// read them only after the Result has arrived.
func (q *InsertQuery[T]) AioExec(ctx context.Context) <-chan aio.Result[int64] {
	return aio.Go(ctx, q.Exec)
}

// AioExec is the async Exec: the number of rows updated.
func (q *UpdateQuery[T]) AioExec(ctx context.Context) <-chan aio.Result[int64] {
	return aio.Go(ctx, q.Exec)
}

// AioAll is the async All: the updated rows, read with RETURNING (every
// column when Returning was not called). The dialect must have UPDATE
// RETURNING; otherwise the Result carries the build error.
func (q *UpdateQuery[T]) AioAll(ctx context.Context) <-chan aio.Result[[]T] {
	if len(q.u.Returning) == 0 {
		q.Returning() // here, not in the goroutine, which must only read q
	}
	return aio.Go(ctx, q.All)
}

// AioExec is the async Exec: the number of rows deleted.
func (q *DeleteQuery[T]) AioExec(ctx context.Context) <-chan aio.Result[int64] {
	return aio.Go(ctx, q.Exec)
}

// AioAll is the async All: the deleted rows, read with RETURNING (every
// column when Returning was not called). The dialect must have DELETE
// RETURNING; otherwise the Result carries the build error.
func (q *DeleteQuery[T]) AioAll(ctx context.Context) <-chan aio.Result[[]T] {
	if len(q.d.Returning) == 0 {
		q.Returning()
	}
	return aio.Go(ctx, q.All)
}

// streamRows runs the statement built in b (which it puts back when done)
// and streams its rows scanned into T. known says the result has every
// model column in order, so the model's full plan applies; otherwise the
// plan comes from the result's columns, ignoring unknown ones if ignore.
// In a transaction every row is read, and the transaction's connection
// released, before the reader, who may write in it, gets the first.
func streamRows[T any](ctx context.Context, m *Model[T], b *sqlb.Builder, known, ignore bool) <-chan aio.Result[*T] {
	q := &rowStream[T]{m: m, b: b, ignore: ignore}
	if known {
		q.plan = m.fullPlan
	}
	return aio.StreamRows[*T](ctx, q, m.db.txFrom(ctx) != nil)
}
