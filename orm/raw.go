package orm

import (
	"context"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// RawQuery is a statement written by hand (see Model.Raw); its rows scan
// into T like a SelectQuery's.
type RawQuery[T any] struct {
	m             *Model[T]
	query         string
	args          []any
	ignoreUnknown bool
}

// IgnoreUnknownColumns makes All and One skip result columns that T has
// no field for, instead of failing.
func (q *RawQuery[T]) IgnoreUnknownColumns() *RawQuery[T] { q.ignoreUnknown = true; return q }

func (q *RawQuery[T]) build(b *sqlb.Builder) {
	b.PushScope(sqlb.Scope{T: q.m.t, Qual: q.m.t.Name})
	b.Fragment(q.query, q.args)
	b.PopScope()
}

func (q *RawQuery[T]) AppendExpr(b *sqlb.Builder) {
	b.WriteChar('(')
	q.build(b)
	b.WriteChar(')')
}

func (q *RawQuery[T]) ormDB() *DB       { return q.m.db }
func (q *RawQuery[T]) ormTable() *Table { return q.m.t }

// SQL returns the statement with the dialect's placeholders and its
// arguments (see Query).
func (q *RawQuery[T]) SQL() (string, []any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return b.Result()
}

// Exec runs the statement and returns the number of rows affected.
func (q *RawQuery[T]) Exec(ctx context.Context) (int64, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return execCount(ctx, q.m.db, b)
}

// All runs the statement and scans every row into a T.
func (q *RawQuery[T]) All(ctx context.Context) ([]T, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return allPlanned(ctx, q.m, b, q.plan)
}

// One runs the statement and returns its first row, or an error matching
// ErrDoesNotExist.
func (q *RawQuery[T]) One(ctx context.Context) (*T, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return onePlanned(ctx, q.m, b, q.plan)
}

// plan returns the scan plan of the statement's result.
func (q *RawQuery[T]) plan(rows engine.Rows) (*schema.Plan, error) {
	return q.m.planOf(rows, q.ignoreUnknown)
}

// Maps runs the statement and returns each row as a map (see
// SelectQuery.Maps).
func (q *RawQuery[T]) Maps(ctx context.Context) ([]map[string]any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return runMaps(ctx, q.m.db, b)
}

// Tuples runs the statement and returns each row as a slice of values.
func (q *RawQuery[T]) Tuples(ctx context.Context) ([][]any, error) {
	b := sqlb.Get(q.m.db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	return runTuples(ctx, q.m.db, b)
}

// Scalar runs the statement and returns the first column of its first row
// (see SelectQuery.Scalar and ScalarAs).
func (q *RawQuery[T]) Scalar(ctx context.Context) (any, error) { return ScalarAs[any](ctx, q) }
