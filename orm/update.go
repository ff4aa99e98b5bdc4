package orm

import (
	"context"
	"database/sql"
)

// UpdateQuery is an UPDATE of T's table. Without Where it updates every
// row, as SQL does.
type UpdateQuery[T any] struct {
	m         *Model[T]
	set       []assignment
	where     []Expr
	whereBuf  [1]Expr
	returning []string
	rowErr    error
}

// Set adds col = v. v is bound, or written as SQL when it is an Expr:
// Set("hits", SQL("? + 1", Col("hits"))) writes "hits" = "hits" + 1.
func (q *UpdateQuery[T]) Set(col string, v any) *UpdateQuery[T] {
	q.set = append(q.set, assignment{col, v})
	return q
}

// SetFrom sets cols (every column but the primary key when none are
// given) to row's values. It does not add a condition: use WherePK.
func (q *UpdateQuery[T]) SetFrom(row *T, cols ...string) *UpdateQuery[T] {
	if row == nil {
		q.rowErr = errNilRow(q.m.t)
		return q
	}
	base := ptrOf(row)
	if len(cols) == 0 {
		for _, f := range q.m.t.Fields {
			if !f.PK {
				q.set = append(q.set, assignment{f.Column, f.get(f.addr(base))})
			}
		}
		return q
	}
	for _, c := range cols {
		f := q.m.t.byColumn[c]
		if f == nil {
			q.set = append(q.set, assignment{c, nil}) // reported as unknown when built
			continue
		}
		q.set = append(q.set, assignment{c, f.get(f.addr(base))})
	}
	return q
}

// Where adds conditions, joined with AND.
func (q *UpdateQuery[T]) Where(exprs ...Expr) *UpdateQuery[T] {
	q.where = append(q.where, exprs...)
	return q
}

// WherePK adds the condition matching row's primary key.
func (q *UpdateQuery[T]) WherePK(row *T) *UpdateQuery[T] {
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
		cols = q.m.columns
	}
	q.returning = append(q.returning, cols...)
	return q
}

func (q *UpdateQuery[T]) build(b *builder) {
	t := q.m.t
	if q.rowErr != nil {
		b.fail(q.rowErr)
	}
	if len(q.set) == 0 {
		b.failf("orm: Update of %s sets no column", t.Name)
	}
	b.pushScope(scope{t: t, qual: t.Name})
	defer b.popScope()
	b.write("UPDATE ")
	b.ident(t.Name)
	b.write(" SET ")
	for i, a := range q.set {
		if i > 0 {
			b.write(", ")
		}
		b.plainColumn(a.col)
		b.write(" = ")
		b.bind(a.val)
	}
	if len(q.where) > 0 {
		b.write(" WHERE ")
		b.conds(q.where)
	}
	if len(q.returning) > 0 {
		if !b.d.UpdateReturning {
			b.failf("orm: Update of %s: the %s dialect has no UPDATE ... RETURNING", t.Name, b.d.Name)
		}
		appendReturning(b, q.returning)
	}
}

// appendReturning writes RETURNING with checked columns.
func appendReturning(b *builder, cols []string) {
	b.write(" RETURNING ")
	for i, c := range cols {
		if i > 0 {
			b.write(", ")
		}
		b.column(c)
	}
}

func (q *UpdateQuery[T]) appendExpr(b *builder) {
	b.writeByte('(')
	q.build(b)
	b.writeByte(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *UpdateQuery[T]) SQL() (string, []any, error) {
	b := getBuilder(q.m.db.dialect)
	defer putBuilder(b)
	q.build(b)
	return b.result()
}

// Exec runs the update and returns the number of rows it changed (as the
// driver counts them: MySQL leaves out rows whose values did not change).
func (q *UpdateQuery[T]) Exec(ctx context.Context) (int64, error) {
	if len(q.returning) > 0 {
		rows, err := q.All(ctx)
		return int64(len(rows)), err
	}
	b := getBuilder(q.m.db.dialect)
	defer putBuilder(b)
	q.build(b)
	return execCount(ctx, q.m.db, b)
}

// All runs the update with its RETURNING clause (every column if Returning
// was not called) and returns the updated rows.
func (q *UpdateQuery[T]) All(ctx context.Context) ([]T, error) {
	if len(q.returning) == 0 {
		q.Returning()
	}
	b := getBuilder(q.m.db.dialect)
	defer putBuilder(b)
	q.build(b)
	return allRows(ctx, q.m, b)
}

// execCount runs the statement in b and returns the rows affected.
func execCount(ctx context.Context, db *DB, b *builder) (int64, error) {
	res, err := db.exec(ctx, b)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// allRows runs the query in b and scans every row into a T.
func allRows[T any](ctx context.Context, m *Model[T], b *builder) ([]T, error) {
	var out []T
	err := m.db.run(ctx, b, func(rows *sql.Rows) (err error) {
		out, err = scanRows(m, b, rows, false, out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
