package orm

import (
	"context"
	"errors"
	"fmt"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// ClearLimit removes the query's LIMIT and OFFSET, like peewee's
// clear_limit; Count then counts every matching row.
func (q *SelectQuery[T]) ClearLimit() *SelectQuery[T] {
	q.s.Limit, q.s.Offset = -1, 0
	return q
}

// First returns the query's first row, running it with LIMIT 1 (q itself
// is not changed), or nil and no error when it has none, like peewee's
// first.
func (q *SelectQuery[T]) First(ctx context.Context) (*T, error) {
	c := *q
	c.s.Limit = 1
	row, err := c.One(ctx)
	if errors.Is(err, ErrDoesNotExist) {
		return nil, nil
	}
	return row, err
}

// Peek returns the query's first n rows (fewer when it has fewer), like
// peewee's peek: it runs with LIMIT n, or the query's own limit when that
// is smaller; q itself is not changed.
func (q *SelectQuery[T]) Peek(ctx context.Context, n int) ([]T, error) {
	if n < 0 {
		return nil, fmt.Errorf("orm: Peek of %v: negative n %d", q.m.t.GoType, n)
	}
	c := *q
	if c.s.Limit < 0 || c.s.Limit > int64(n) {
		c.s.Limit = int64(n)
	}
	return c.All(ctx)
}

// ScalarTuple returns the first row of the query as values, for a select
// of several aggregates: peewee's scalar(as_tuple=True). Values are what
// the driver returns, except that bytes of text columns become strings.
// No row is an error matching ErrDoesNotExist, as for Scalar.
func (q *SelectQuery[T]) ScalarTuple(ctx context.Context) ([]any, error) {
	return scalarTuple(ctx, q)
}

// ScalarTuple returns the statement's first row as values (see
// SelectQuery.ScalarTuple).
func (q *RawQuery[T]) ScalarTuple(ctx context.Context) ([]any, error) {
	return scalarTuple(ctx, q)
}

// AioFirst is the async twin of First (see Model.AioGet for the channel).
func (q *SelectQuery[T]) AioFirst(ctx context.Context) <-chan aio.Result[*T] {
	return aio.Go(ctx, func(ctx context.Context) (*T, error) { return q.First(ctx) })
}

// AioPeek is the async twin of Peek.
func (q *SelectQuery[T]) AioPeek(ctx context.Context, n int) <-chan aio.Result[[]T] {
	return aio.Go(ctx, func(ctx context.Context) ([]T, error) { return q.Peek(ctx, n) })
}

// AioScalarTuple is the async twin of ScalarTuple.
func (q *SelectQuery[T]) AioScalarTuple(ctx context.Context) <-chan aio.Result[[]any] {
	return aio.Go(ctx, func(ctx context.Context) ([]any, error) { return q.ScalarTuple(ctx) })
}

// countWith counts the query's rows, without its LIMIT and OFFSET when
// clearLimit is set (q itself is not changed): Manager.Count.
func (q *SelectQuery[T]) countWith(ctx context.Context, clearLimit bool) (int64, error) {
	if !clearLimit {
		return q.Count(ctx)
	}
	c := *q
	return c.ClearLimit().Count(ctx)
}

// scalarTuple runs q and returns its first row as values.
func scalarTuple(ctx context.Context, q ScalarQuery) ([]any, error) {
	db := q.ormDB()
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	var out []any
	err := db.read(ctx, b, func(rows engine.Rows) error {
		out = nil
		if !rows.Next() {
			return nil
		}
		text, err := schema.TextColumns(rows)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		out = make([]any, len(cols))
		dest := b.Scan.Sized(len(out))
		for i := range out {
			dest[i] = &out[i]
		}
		if err := rows.Scan(b.Scan.List...); err != nil {
			return fmt.Errorf("orm: scalar: %w", err)
		}
		for i, v := range out {
			if bs, ok := v.([]byte); ok && text != nil && text[i] {
				out[i] = string(bs)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, notFound(q.ormDB(), b, q.ormTable())
	}
	return out, nil
}
