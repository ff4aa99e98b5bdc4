package orm

import (
	"context"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// DeleteQuery is a DELETE from T's table. Without Where it deletes every
// row, as SQL does.
type DeleteQuery[T any] struct {
	m *Model[T]
	d sqlb.Delete
}

// Where adds conditions, joined with AND.
func (q *DeleteQuery[T]) Where(exprs ...Expr) *DeleteQuery[T] {
	q.d.Where.Add(exprs)
	return q
}

// WherePK adds the condition matching row's primary key.
func (q *DeleteQuery[T]) WherePK(row *T) *DeleteQuery[T] {
	e, err := q.m.pkWhere(row)
	if err != nil {
		e = errExpr{err}
	}
	return q.Where(e)
}

// Returning adds a RETURNING clause (every column when none are given),
// read by All. It is an error on dialects without DELETE RETURNING
// (MySQL; MariaDB has it).
func (q *DeleteQuery[T]) Returning(cols ...string) *DeleteQuery[T] {
	if len(cols) == 0 {
		cols = q.m.src.Columns
	}
	q.d.Returning = append(q.d.Returning, cols...)
	return q
}

func (q *DeleteQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.d.Write(b)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *DeleteQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.d.Write(b)
	return b.Result()
}

// Exec runs the delete and returns the number of rows deleted.
func (q *DeleteQuery[T]) Exec(ctx context.Context) (int64, error) {
	if len(q.d.Returning) > 0 {
		rows, err := q.All(ctx)
		return int64(len(rows)), err
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.d.Write(b)
	return execCount(ctx, q.m.db, b)
}

// All runs the delete with its RETURNING clause (every column if
// Returning was not called) and returns the deleted rows.
func (q *DeleteQuery[T]) All(ctx context.Context) ([]T, error) {
	if len(q.d.Returning) == 0 {
		q.Returning()
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.d.Write(b)
	return allRows(ctx, q.m, b)
}
