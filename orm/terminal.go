package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// The terminals every query type shares: each query's exported method
// builds its statement into a pooled builder and hands it here.

// planFunc returns the scan plan of a result, from its columns.
type planFunc func(rows engine.Rows) (*schema.Plan, error)

// execCount runs the statement in b and returns the rows affected.
func execCount(ctx context.Context, db *DB, b *sqlb.Builder) (int64, error) {
	res, err := db.exec(ctx, b)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// allRows runs the query in b and scans every row into a T.
func allRows[T any](ctx context.Context, m *Model[T], b *sqlb.Builder) ([]T, error) {
	return allPlanned(ctx, m, b, m.resultPlan)
}

// resultPlan returns the plan of a result of the entity's rows; every
// column must have a field.
func (e *entity) resultPlan(rows engine.Rows) (*schema.Plan, error) { return e.planOf(rows, false) }

// planOf returns the plan of a result of the entity's rows; ignore skips
// columns without a field.
func (e *entity) planOf(rows engine.Rows, ignore bool) (*schema.Plan, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	return e.plans.Get(e.t, e.db.dialect.TimeAsText, cols, ignore)
}

// allPlanned runs the query in b and scans every row into a T by plan.
func allPlanned[T any](ctx context.Context, m *Model[T], b *sqlb.Builder, plan planFunc) ([]T, error) {
	var out []T
	err := m.db.read(ctx, b, func(rows engine.Rows) error {
		out = nil
		p, err := plan(rows)
		if err != nil {
			return err
		}
		out, err = scanPlanned(m, b, rows, p, out)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// onePlanned runs the query in b and scans its first row into a new T by
// plan; no row is an error matching ErrDoesNotExist.
func onePlanned[T any](ctx context.Context, m *Model[T], b *sqlb.Builder, plan planFunc) (*T, error) {
	row := new(T)
	found := false
	err := m.db.read(ctx, b, func(rows engine.Rows) error {
		found = false
		p, err := plan(rows)
		if err != nil {
			return err
		}
		if !rows.Next() {
			return nil
		}
		found = true
		b.Scan.Set(p, schema.PtrOf(row), b.D.TimeWallUTC)
		if err := rows.Scan(b.Scan.List...); err != nil {
			return fmt.Errorf("orm: scanning into %v: %w", m.t.GoType, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFound(m.db, b, m.t)
	}
	return row, nil
}

// notFound is the ErrDoesNotExist error of the statement in b.
func notFound(db *DB, b *sqlb.Builder, t *Table) error {
	return &DoesNotExistError{Model: t.GoType.String(), SQL: b.SQL(), Args: append([]any(nil), b.Args...), values: db.errorValues}
}
