package orm

import (
	"context"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
)

// DeleteQuery is a DELETE from T's table. Without Where it deletes every
// row, as SQL does.
type DeleteQuery[T any] struct {
	m         *Model[T]
	where     sqlb.Where
	returning []string
}

// Where adds conditions, joined with AND.
func (q *DeleteQuery[T]) Where(exprs ...Expr) *DeleteQuery[T] {
	q.where.Add(exprs)
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
	q.returning = append(q.returning, cols...)
	return q
}

func (q *DeleteQuery[T]) build(b *sqlb.Builder) {
	t := q.m.t
	b.PushScope(sqlb.Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("DELETE FROM ")
	b.Ident(t.Name)
	q.where.Write(b, nil, 0)
	if len(q.returning) > 0 {
		if !b.D.DeleteReturning {
			b.Failf("orm: Delete from %s: the %s dialect has no DELETE ... RETURNING", t.Name, b.D.Name)
		}
		b.ReturningColumns(q.returning)
	}
}

func (q *DeleteQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.build(b)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *DeleteQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return b.Result()
}

// Exec runs the delete and returns the number of rows deleted.
func (q *DeleteQuery[T]) Exec(ctx context.Context) (int64, error) {
	if len(q.returning) > 0 {
		rows, err := q.All(ctx)
		return int64(len(rows)), err
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return execCount(ctx, q.m.db, b)
}

// All runs the delete with its RETURNING clause (every column if
// Returning was not called) and returns the deleted rows.
func (q *DeleteQuery[T]) All(ctx context.Context) ([]T, error) {
	if len(q.returning) == 0 {
		q.Returning()
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return allRows(ctx, q.m, b)
}
