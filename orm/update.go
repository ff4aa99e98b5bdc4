package orm

import (
	"context"
	"slices"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// UpdateQuery is an UPDATE of T's table. Without Where it updates every
// row, as SQL does.
type UpdateQuery[T any] struct {
	m *Model[T]
	u sqlb.Update
}

// Set adds col = v. v is bound, or written as SQL when it is an Expr:
// Set("hits", SQL("? + 1", Col("hits"))) writes "hits" = "hits" + 1.
func (q *UpdateQuery[T]) Set(col string, v any) *UpdateQuery[T] {
	q.u.Set = append(q.u.Set, sqlb.Assignment{Col: col, Val: v})
	return q
}

// SetFrom sets cols (every column but the primary key when none are
// given) to row's values. It does not add a condition: use WherePK. The
// values are read when SetFrom is called or, for every column as the
// first assignment, when the statement is built (by Exec, All or SQL), as
// Save reads them: do not change row in between.
func (q *UpdateQuery[T]) SetFrom(row *T, cols ...string) *UpdateQuery[T] {
	if row == nil {
		q.u.RowErr = errNilRow(q.m.t)
		return q
	}
	if len(cols) == 0 && q.u.From == nil && len(q.u.Set) == 0 {
		q.u.From = schema.PtrOf(row)
		return q
	}
	base := schema.PtrOf(row)
	if len(cols) == 0 {
		q.u.Set = slices.Grow(q.u.Set, len(q.m.t.Fields))
		for _, f := range q.m.t.Fields {
			if !f.PK {
				q.u.Set = append(q.u.Set, sqlb.Assignment{Col: f.Column, Val: f.Value(base)})
			}
		}
		return q
	}
	q.u.Set = slices.Grow(q.u.Set, len(cols))
	for _, c := range cols {
		f := q.m.t.FieldByColumn(c)
		if f == nil {
			q.u.Set = append(q.u.Set, sqlb.Assignment{Col: c}) // reported as unknown when built
			continue
		}
		q.u.Set = append(q.u.Set, sqlb.Assignment{Col: c, Val: f.Value(base)})
	}
	return q
}

// Where adds conditions, joined with AND.
func (q *UpdateQuery[T]) Where(exprs ...Expr) *UpdateQuery[T] {
	q.u.Where.Add(exprs)
	return q
}

// WherePK adds the condition matching row's primary key.
func (q *UpdateQuery[T]) WherePK(row *T) *UpdateQuery[T] {
	if row != nil && len(q.m.t.PrimaryKey) == 1 && !q.u.PKSet {
		f := q.m.t.PrimaryKey[0]
		q.u.PK = sqlb.Cmp{Col: f.Column, Op: sqlb.OpEq, Val: f.Value(schema.PtrOf(row))}
		q.u.PKSet, q.u.PKPos = true, q.u.Where.Len()
		return q
	}
	e, err := q.m.pkWhere(row)
	if err != nil {
		e = errExpr{err}
	}
	return q.Where(e)
}

// Returning adds a RETURNING clause (every column when none are given),
// read by All. It is an error on dialects without UPDATE RETURNING
// (MySQL, MariaDB).
func (q *UpdateQuery[T]) Returning(cols ...string) *UpdateQuery[T] {
	if len(cols) == 0 {
		cols = q.m.src.Columns
	}
	q.u.Returning = append(q.u.Returning, cols...)
	return q
}

// buildTop writes the whole statement into an empty builder. The update
// of a whole row by its one-column key (SetFrom(row).WherePK(row) and
// nothing else) takes the model's cached statement, the one Save runs,
// and only binds its values: the same text and arguments build would
// give.
func (q *UpdateQuery[T]) buildTop(b *sqlb.Builder) {
	u := &q.u
	if u.From == nil || len(u.Set) > 0 || u.Where.Len() != 0 || !u.PKSet ||
		u.PK.Val == nil || len(u.Returning) > 0 || u.RowErr != nil || sqlb.IsExpr(u.PK.Val) {
		u.Write(b)
		return
	}
	st, err := q.m.rows.Update("Update", nil)
	if err != nil {
		u.Write(b)
		return
	}
	base := u.From
	keys := len(st.Fields) - 1 // the one key column is bound last
	for _, f := range st.Fields[:keys] {
		if f.AsIs() {
			b.FieldArg(f, base)
			continue
		}
		v := f.Value(base)
		if sqlb.IsExpr(v) {
			b.Args = b.Args[:0]
			u.Write(b)
			return
		}
		b.Arg(v)
	}
	b.Arg(u.PK.Val)
	b.Fixed = st.SQL
}

func (q *UpdateQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.u.Write(b)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *UpdateQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return b.Result()
}

// Exec runs the update and returns the number of rows it changed (as the
// driver counts them: MySQL leaves out rows whose values did not change).
func (q *UpdateQuery[T]) Exec(ctx context.Context) (int64, error) {
	if len(q.u.Returning) > 0 {
		rows, err := q.All(ctx)
		return int64(len(rows)), err
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return execCount(ctx, q.m.db, b)
}

// All runs the update with its RETURNING clause (every column if Returning
// was not called) and returns the updated rows.
func (q *UpdateQuery[T]) All(ctx context.Context) ([]T, error) {
	if len(q.u.Returning) == 0 {
		q.Returning()
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.u.Write(b)
	return allRows(ctx, q.m, b)
}
