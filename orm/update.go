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
	m         *Model[T]
	set       []assignment
	where     sqlb.Where
	returning []string
	rowErr    error

	// from is the row of SetFrom(row) with no columns on an empty set:
	// its columns but the key lead the SET list, read when the statement
	// is built, which needs no allocation and lets the whole-row update by
	// key take the model's cached statement (see buildTop). pk is
	// WherePK's condition on a one-column key, written at position pkPos
	// among the conditions. Neither is a pointer into the query itself,
	// so a query built and run in one expression stays on the stack.
	from  *T
	pk    sqlb.Cmp
	pkSet bool
	pkPos int
}

// Set adds col = v. v is bound, or written as SQL when it is an Expr:
// Set("hits", SQL("? + 1", Col("hits"))) writes "hits" = "hits" + 1.
func (q *UpdateQuery[T]) Set(col string, v any) *UpdateQuery[T] {
	q.set = append(q.set, assignment{col, v})
	return q
}

// SetFrom sets cols (every column but the primary key when none are
// given) to row's values. It does not add a condition: use WherePK. The
// values are read when SetFrom is called or, for every column as the
// first assignment, when the statement is built (by Exec, All or SQL), as
// Save reads them: do not change row in between.
func (q *UpdateQuery[T]) SetFrom(row *T, cols ...string) *UpdateQuery[T] {
	if row == nil {
		q.rowErr = errNilRow(q.m.t)
		return q
	}
	if len(cols) == 0 && q.from == nil && len(q.set) == 0 {
		q.from = row
		return q
	}
	base := schema.PtrOf(row)
	if len(cols) == 0 {
		q.set = slices.Grow(q.set, len(q.m.t.Fields))
		for _, f := range q.m.t.Fields {
			if !f.PK {
				q.set = append(q.set, assignment{f.Column, f.Value(base)})
			}
		}
		return q
	}
	q.set = slices.Grow(q.set, len(cols))
	for _, c := range cols {
		f := q.m.t.FieldByColumn(c)
		if f == nil {
			q.set = append(q.set, assignment{c, nil}) // reported as unknown when built
			continue
		}
		q.set = append(q.set, assignment{c, f.Value(base)})
	}
	return q
}

// Where adds conditions, joined with AND.
func (q *UpdateQuery[T]) Where(exprs ...Expr) *UpdateQuery[T] {
	q.where.Add(exprs)
	return q
}

// WherePK adds the condition matching row's primary key.
func (q *UpdateQuery[T]) WherePK(row *T) *UpdateQuery[T] {
	if row != nil && len(q.m.t.PrimaryKey) == 1 && !q.pkSet {
		f := q.m.t.PrimaryKey[0]
		q.pk = sqlb.Cmp{Col: f.Column, Op: sqlb.OpEq, Val: f.Value(schema.PtrOf(row))}
		q.pkSet, q.pkPos = true, q.where.Len()
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
	q.returning = append(q.returning, cols...)
	return q
}

func (q *UpdateQuery[T]) build(b *sqlb.Builder) {
	t := q.m.t
	if q.rowErr != nil {
		b.Fail(q.rowErr)
	}
	if len(q.set) == 0 && (q.from == nil || len(t.Fields) == len(t.PrimaryKey)) {
		b.Failf("orm: Update of %s sets no column", t.Name)
	}
	b.PushScope(sqlb.Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("UPDATE ")
	b.Ident(t.Name)
	b.Write(" SET ")
	n := 0
	if q.from != nil {
		base := schema.PtrOf(q.from)
		for _, f := range t.Fields {
			if f.PK {
				continue
			}
			if n > 0 {
				b.Write(", ")
			}
			b.Ident(f.Column) // a field's column: no need to look it up
			b.Write(" = ")
			b.Bind(f.Value(base))
			n++
		}
	}
	for _, a := range q.set {
		if n > 0 {
			b.Write(", ")
		}
		b.PlainColumn(a.col)
		b.Write(" = ")
		b.Bind(a.val)
		n++
	}
	if q.pkSet {
		pk := q.pk
		q.where.Write(b, &pk, q.pkPos)
	} else {
		q.where.Write(b, nil, 0)
	}
	if len(q.returning) > 0 {
		if !b.D.UpdateReturning {
			b.Failf("orm: Update of %s: the %s dialect has no UPDATE ... RETURNING", t.Name, b.D.Name)
		}
		b.ReturningColumns(q.returning)
	}
}

// buildTop writes the whole statement into an empty builder. The update
// of a whole row by its one-column key (SetFrom(row).WherePK(row) and
// nothing else) takes the model's cached statement, the one Save runs,
// and only binds its values: the same text and arguments build would
// give.
func (q *UpdateQuery[T]) buildTop(b *sqlb.Builder) {
	if q.from == nil || len(q.set) > 0 || q.where.Len() != 0 || !q.pkSet ||
		q.pk.Val == nil || len(q.returning) > 0 || q.rowErr != nil {
		q.build(b)
		return
	}
	if sqlb.IsExpr(q.pk.Val) {
		q.build(b)
		return
	}
	st, err := q.m.updateStmt("Update", nil)
	if err != nil {
		q.build(b)
		return
	}
	base := schema.PtrOf(q.from)
	keys := len(st.fields) - 1 // the one key column is bound last
	for _, f := range st.fields[:keys] {
		if f.AsIs() {
			b.FieldArg(f, base)
			continue
		}
		v := f.Value(base)
		if sqlb.IsExpr(v) {
			b.Args = b.Args[:0]
			q.build(b)
			return
		}
		b.Arg(v)
	}
	b.Arg(q.pk.Val)
	b.Fixed = st.sql
}

func (q *UpdateQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.build(b)
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
	if len(q.returning) > 0 {
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
	if len(q.returning) == 0 {
		q.Returning()
	}
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return allRows(ctx, q.m, b)
}
