package orm

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// buildGet writes SELECT <every column> FROM table WHERE conds LIMIT 1.
func (e *entity) buildGet(b *sqlb.Builder, conds []Expr) {
	b.PushScope(sqlb.Scope{T: e.t, Qual: e.t.Name})
	defer b.PopScope()
	b.Write("SELECT ")
	b.Write(e.src.List)
	b.Write(" FROM ")
	b.Ident(e.t.Name)
	if len(conds) > 0 {
		b.Write(" WHERE ")
		b.Conds(conds)
	}
	b.Write(" LIMIT 1")
}

// getInto reads the first row matching conds into the struct at p. No row
// is a *DoesNotExistError (matching ErrDoesNotExist) with the statement
// and its arguments.
func (e *entity) getInto(ctx context.Context, conds []Expr, p schema.Ptr) error {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	var c *sqlb.Cmp
	if len(conds) == 1 {
		c = simpleCond(conds[0])
	}
	if c != nil {
		e.buildGetCond(b, c.Col, c.Op, c.Val, c)
	} else {
		e.buildGet(b, conds)
	}
	return e.getBuilt(ctx, b, p)
}

// buildGetCond is buildGet of the one condition col <op> val (a bound
// value), whose text is cached per model after its first build. c is the
// condition as an Expr, or nil to make one on that first build.
func (e *entity) buildGetCond(b *sqlb.Builder, col string, op sqlb.CmpOp, val any, c Expr) {
	k := sqlb.Shape{Col: col, Op: op, Tail: sqlb.TailLimit1}
	if sql, ok := e.shapes.Get(k); ok {
		b.Fixed = sql
		b.Arg(val)
		return
	}
	if c == nil {
		c = &sqlb.Cmp{Col: col, Op: op, Val: val}
	}
	e.buildGet(b, []Expr{c})
	if b.Err == nil {
		e.shapes.Store(k, b.SQL())
	}
}

// getBuilt runs the Get statement built in b and scans its first row into
// the struct at p.
func (e *entity) getBuilt(ctx context.Context, b *sqlb.Builder, p schema.Ptr) error {
	found := false
	err := e.db.read(ctx, b, func(rows engine.Rows) error {
		found = false
		if !rows.Next() {
			return nil
		}
		found = true
		b.Scan.Set(e.fullPlan, p, b.D.TimeWallUTC)
		if err := rows.Scan(b.Scan.List...); err != nil {
			return fmt.Errorf("orm: scanning into %v: %w", e.t.GoType, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return notFound(e.db, b, e.t)
	}
	return nil
}

// getNew is getInto into a new object, returned as an any holding a *T.
func (e *entity) getNew(ctx context.Context, conds []Expr) (any, error) {
	v := reflect.New(e.t.GoType)
	if err := e.getInto(ctx, conds, schema.Ptr(v.UnsafePointer())); err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

// pkConds returns the conditions matching primary key values, one per key
// field in field order.
func (e *entity) pkConds(op string, pk []any) ([]Expr, error) {
	if len(pk) != len(e.t.PrimaryKey) {
		return nil, fmt.Errorf("orm: %s of %v: %d primary key values given, the key has %d columns", op, e.t.GoType, len(pk), len(e.t.PrimaryKey))
	}
	conds := make([]Expr, len(pk))
	for i, f := range e.t.PrimaryKey {
		conds[i] = &sqlb.Cmp{Col: f.Column, Op: sqlb.OpEq, Val: pk[i]}
	}
	return conds, nil
}

// Get returns the first row matching every condition (SELECT ... WHERE
// conds LIMIT 1; no condition: any row), like peewee's Model.get. No row
// is an error matching ErrDoesNotExist (and sql.ErrNoRows), a
// *DoesNotExistError naming the model with the statement and its
// arguments. Conditions naming an unknown column fail before anything is
// sent.
func (m *Model[T]) Get(ctx context.Context, conds ...Expr) (*T, error) {
	row := new(T)
	if err := m.getInto(ctx, conds, schema.PtrOf(row)); err != nil {
		return nil, err
	}
	return row, nil
}

// GetByPK returns the row whose primary key is pk: one value per key
// column, in field order. A wrong number of values is an error; no row is
// an error matching ErrDoesNotExist, as for Get.
func (m *Model[T]) GetByPK(ctx context.Context, pk ...any) (*T, error) {
	if len(pk) == 1 && len(m.t.PrimaryKey) == 1 && pk[0] != nil {
		if !sqlb.IsExpr(pk[0]) {
			// The usual single-column key: the cached statement, bound
			// without making a condition.
			row := new(T)
			b := sqlb.Get(m.db.dialect)
			defer sqlb.Put(b)
			m.buildGetCond(b, m.t.PrimaryKey[0].Column, sqlb.OpEq, pk[0], nil)
			if err := m.getBuilt(ctx, b, schema.PtrOf(row)); err != nil {
				return nil, err
			}
			return row, nil
		}
	}
	conds, err := m.pkConds("GetByPK", pk)
	if err != nil {
		return nil, err
	}
	return m.Get(ctx, conds...)
}

// GetOrNone is Get that returns nil and no error when no row matches,
// like peewee's get_or_none. Other errors are returned as they are.
func (m *Model[T]) GetOrNone(ctx context.Context, conds ...Expr) (*T, error) {
	row, err := m.Get(ctx, conds...)
	if errors.Is(err, ErrDoesNotExist) {
		return nil, nil
	}
	return row, err
}

// Exists reports whether any row matches every condition: SELECT EXISTS
// (SELECT ... WHERE conds).
func (m *Model[T]) Exists(ctx context.Context, conds ...Expr) (bool, error) {
	return m.Select().Where(conds...).Exists(ctx)
}

// Count returns the number of rows matching every condition (all rows
// with none): SELECT COUNT(*) ... WHERE conds.
func (m *Model[T]) Count(ctx context.Context, conds ...Expr) (int64, error) {
	return m.Select().Where(conds...).Count(ctx)
}
