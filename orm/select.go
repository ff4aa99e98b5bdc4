package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// SelectQuery is a SELECT whose rows are T's. Its methods add to the query
// and return it, so calls chain; a query is not safe for concurrent
// modification, but a finished one may be run many times.
type SelectQuery[T any] struct {
	m             *Model[T]
	s             sqlb.Select
	ignoreUnknown bool
}

// Distinct makes it SELECT DISTINCT.
func (q *SelectQuery[T]) Distinct() *SelectQuery[T] { q.s.Distinct = true; return q }

// As gives T's table an alias, to qualify its columns as "alias.col" in
// joins and correlated subqueries.
func (q *SelectQuery[T]) As(alias string) *SelectQuery[T] { q.s.More().Alias = alias; return q }

// Column adds columns to the select list (see Model.Select).
func (q *SelectQuery[T]) Column(cols ...string) *SelectQuery[T] {
	q.s.Cols = append(q.s.Cols, cols...)
	return q
}

// ColumnExpr adds an expression to the select list under an alias:
// ColumnExpr(SQL("COUNT(*)"), "n"). The alias may be used in OrderBy and
// Having, and is the result column's name.
func (q *SelectQuery[T]) ColumnExpr(e Expr, alias string) *SelectQuery[T] {
	x := q.s.More()
	x.Exprs = append(x.Exprs, sqlb.SelExpr{E: e, Alias: alias})
	return q
}

// FromSubquery selects from a subquery instead of T's table: FROM (sub)
// AS alias. Column names are still checked against T.
func (q *SelectQuery[T]) FromSubquery(sub Query, alias string) *SelectQuery[T] {
	x := q.s.More()
	x.From, x.Alias = sub, alias
	return q
}

// Join adds an inner join of another model's table (other.Table()) under
// alias ("" for its name); its columns are then "alias.col".
func (q *SelectQuery[T]) Join(t *Table, alias string, on Expr) *SelectQuery[T] {
	x := q.s.More()
	x.Joins = append(x.Joins, sqlb.Join{Kind: "JOIN", T: t, Alias: alias, On: on})
	return q
}

// LeftJoin adds a LEFT JOIN, like Join.
func (q *SelectQuery[T]) LeftJoin(t *Table, alias string, on Expr) *SelectQuery[T] {
	x := q.s.More()
	x.Joins = append(x.Joins, sqlb.Join{Kind: "LEFT JOIN", T: t, Alias: alias, On: on})
	return q
}

// Where adds conditions, joined with AND to the previous ones.
func (q *SelectQuery[T]) Where(exprs ...Expr) *SelectQuery[T] {
	q.s.Where.Add(exprs)
	return q
}

// WherePK adds the condition matching row's primary key.
func (q *SelectQuery[T]) WherePK(row *T) *SelectQuery[T] {
	e, err := q.m.pkWhere(row)
	if err != nil {
		e = errExpr{err}
	}
	return q.Where(e)
}

// GroupBy adds GROUP BY columns.
func (q *SelectQuery[T]) GroupBy(cols ...string) *SelectQuery[T] {
	x := q.s.More()
	x.GroupBy = append(x.GroupBy, cols...)
	return q
}

// Having adds HAVING conditions, joined with AND.
func (q *SelectQuery[T]) Having(exprs ...Expr) *SelectQuery[T] {
	x := q.s.More()
	x.Having = append(x.Having, exprs...)
	return q
}

// OrderBy adds ORDER BY columns; "-col" (or Desc("col")) sorts
// descending.
func (q *SelectQuery[T]) OrderBy(cols ...string) *SelectQuery[T] {
	x := q.s.More()
	x.OrderBy = append(x.OrderBy, cols...)
	return q
}

// Desc returns the OrderBy term sorting col descending: "-" + col.
func Desc(col string) string { return "-" + col }

// Asc returns the OrderBy term sorting col ascending: col itself.
func Asc(col string) string { return col }

// Limit sets LIMIT n (bound as an argument); n < 0 removes it.
func (q *SelectQuery[T]) Limit(n int) *SelectQuery[T] { q.s.Limit = int64(n); return q }

// Offset sets OFFSET n (bound as an argument).
func (q *SelectQuery[T]) Offset(n int) *SelectQuery[T] { q.s.Offset = int64(n); return q }

// ForUpdate locks the selected rows (FOR UPDATE). It is dropped on SQLite,
// whose write transactions lock the whole database.
func (q *SelectQuery[T]) ForUpdate() *SelectQuery[T] { q.s.ForUpdate = true; return q }

// IgnoreUnknownColumns makes All and One skip result columns that T has
// no field for, instead of failing.
func (q *SelectQuery[T]) IgnoreUnknownColumns() *SelectQuery[T] { q.ignoreUnknown = true; return q }

// Union appends UNION other. ORDER BY, LIMIT and OFFSET of q then apply to
// the whole compound; other must have none of them.
func (q *SelectQuery[T]) Union(other Query) *SelectQuery[T] { return q.compound("UNION", other) }

// UnionAll appends UNION ALL other, like Union.
func (q *SelectQuery[T]) UnionAll(other Query) *SelectQuery[T] {
	return q.compound("UNION ALL", other)
}

// Intersect appends INTERSECT other, like Union.
func (q *SelectQuery[T]) Intersect(other Query) *SelectQuery[T] {
	return q.compound("INTERSECT", other)
}

// Except appends EXCEPT other, like Union.
func (q *SelectQuery[T]) Except(other Query) *SelectQuery[T] { return q.compound("EXCEPT", other) }

func (q *SelectQuery[T]) compound(op string, other Query) *SelectQuery[T] {
	c, ok := other.(sqlb.Core)
	if !ok {
		c = errCore{fmt.Errorf("orm: %s needs a select query, not %T", op, other)}
	}
	x := q.s.More()
	x.Compounds = append(x.Compounds, sqlb.Compound{Op: op, Q: c})
	return q
}

// build writes the whole statement.
func (q *SelectQuery[T]) build(b *sqlb.Builder) { q.s.Write(b, &q.m.src) }

// AppendCore writes the query as a compound member (sqlb.Core).
func (q *SelectQuery[T]) AppendCore(b *sqlb.Builder) { q.s.WriteCore(b, &q.m.src) }

// HasTail reports whether the query has what a compound member may not
// (sqlb.Core).
func (q *SelectQuery[T]) HasTail() bool { return q.s.HasTail() }

// buildTop writes the whole statement into an empty builder. The
// commonest query, every column WHERE one comparison with an optional
// LIMIT, takes its text from the model's cache and only binds its values:
// the same text and arguments build would give.
func (q *SelectQuery[T]) buildTop(b *sqlb.Builder) {
	c := simpleCond(q.s.Where.Only())
	if c == nil || q.s.SelectExtra != &sqlb.NoExtra || q.s.Cols != nil || q.s.Distinct || q.s.ForUpdate || q.s.Offset > 0 {
		q.build(b)
		return
	}
	k := sqlb.Shape{Col: c.Col, Op: c.Op}
	if q.s.Limit >= 0 {
		k.Tail, k.Limit = sqlb.TailLimit, q.s.Limit
	}
	if sql, ok := q.m.shapes.Get(k); ok {
		b.Fixed = sql
		b.Arg(c.Val)
		return
	}
	q.build(b)
	if b.Err == nil {
		q.m.shapes.Store(k, b.SQL())
	}
}

// simpleCond returns where, a query's lone condition, when it is a comparison
// with a bound value (not NULL, not an Expr, not ILIKE, whose text depends
// on the dialect), or nil.
func simpleCond(where Expr) *sqlb.Cmp {
	c, ok := where.(*sqlb.Cmp)
	if !ok || c.Op > sqlb.OpLike || sqlb.IsNullValue(c.Val) {
		return nil
	}
	if sqlb.IsExpr(c.Val) {
		return nil
	}
	return c
}

// appendExpr writes the query as a parenthesised subquery.
func (q *SelectQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.build(b)
	b.WriteChar(')')
}

// SQL returns the statement and its arguments (see Query).
func (q *SelectQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return b.Result()
}

// All runs the query and returns its rows.
func (q *SelectQuery[T]) All(ctx context.Context) ([]T, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return allPlanned(ctx, q.m, b, q.plan)
}

// One runs the query and returns its first row, or an error matching
// ErrDoesNotExist when there is none. It does not add LIMIT 1: add
// Limit(1) when many rows may match.
func (q *SelectQuery[T]) One(ctx context.Context) (*T, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return onePlanned(ctx, q.m, b, q.plan)
}

// Each runs the query and calls fn with each row, stopping at fn's first
// error. fn runs while the query holds its connection (and its
// transaction, if ctx has one), so it must not run statements in the same
// transaction.
func (q *SelectQuery[T]) Each(ctx context.Context, fn func(*T) error) error {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return q.m.db.run(ctx, b, func(rows engine.Rows) error {
		p, err := q.plan(rows)
		if err != nil {
			return err
		}
		for rows.Next() {
			row := new(T)
			b.Scan.Set(p, schema.PtrOf(row), b.D.TimeWallUTC)
			if err := rows.Scan(b.Scan.List...); err != nil {
				return fmt.Errorf("orm: scanning into %v: %w", q.m.t.GoType, err)
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// Maps runs the query and returns each row as a map from column name to
// value. Values are what the driver returns, except that bytes of
// non-binary columns become strings.
func (q *SelectQuery[T]) Maps(ctx context.Context) ([]map[string]any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return runMaps(ctx, q.m.db, b)
}

// Tuples runs the query and returns each row as a slice of values, like
// Maps.
func (q *SelectQuery[T]) Tuples(ctx context.Context) ([][]any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.buildTop(b)
	return runTuples(ctx, q.m.db, b)
}

// Scalar runs the query and returns the first column of the first row
// (like Maps, bytes of text become a string); an error matching
// ErrDoesNotExist when there is no row. See also ScalarAs.
func (q *SelectQuery[T]) Scalar(ctx context.Context) (any, error) {
	return ScalarAs[any](ctx, q)
}

func (q *SelectQuery[T]) ormDB() *DB       { return q.m.db }
func (q *SelectQuery[T]) ormTable() *Table { return q.m.t }

// Count returns the number of rows the query would return: SELECT
// COUNT(*) with the same FROM and WHERE, or over the query as a subquery
// when it has DISTINCT, GROUP BY, LIMIT, OFFSET or a compound.
func (q *SelectQuery[T]) Count(ctx context.Context) (int64, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	if q.s.Distinct || len(q.s.GroupBy) > 0 || len(q.s.Having) > 0 || q.s.Limit >= 0 || q.s.Offset > 0 || len(q.s.Compounds) > 0 || len(q.s.Exprs) > 0 {
		b.Write("SELECT COUNT(*) FROM (")
		q.build(b)
		b.Write(") AS ")
		b.Ident("count_subquery")
	} else {
		q.s.WriteCount(b, &q.m.src)
	}
	var n int64
	err := q.m.db.read(ctx, b, func(rows engine.Rows) error {
		n = 0
		if !rows.Next() {
			return nil
		}
		return rows.Scan(&n)
	})
	return n, err
}

// Exists reports whether the query returns any row: SELECT EXISTS (query).
func (q *SelectQuery[T]) Exists(ctx context.Context) (bool, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	b.Write("SELECT EXISTS ")
	q.AppendExpr(b)
	var ok bool
	err := q.m.db.read(ctx, b, func(rows engine.Rows) error {
		ok = false
		if !rows.Next() {
			return nil
		}
		return rows.Scan(&ok)
	})
	return ok, err
}

// plan returns the scan plan of the query's result. When every model
// column is selected the result's columns are known, so the model's full
// plan is used without reading and comparing them.
func (q *SelectQuery[T]) plan(rows engine.Rows) (*schema.Plan, error) {
	if q.s.Cols == nil && len(q.s.Exprs) == 0 && !q.ignoreUnknown {
		return q.m.fullPlan, nil
	}
	return q.m.planOf(rows, q.ignoreUnknown)
}

// errExpr carries an error found while a condition was made (WherePK of a
// nil row) to the terminal method.
type errExpr struct{ err error }

func (e errExpr) AppendExpr(b *sqlb.Builder) { b.Fail(e.err) }

// errCore is a compound member that was not a select query.
type errCore struct{ err error }

func (e errCore) AppendExpr(b *sqlb.Builder)  { b.Fail(e.err) }
func (e errCore) AppendCore(b *sqlb.Builder)  { b.Fail(e.err) }
func (e errCore) HasTail() bool               { return false }
func (e errCore) SQL() (string, []any, error) { return "", nil, e.err }
