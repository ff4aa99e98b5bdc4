package orm

import (
	"context"
	"fmt"
	"time"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// scanPlanned appends every row to out with plan p.
func scanPlanned[T any](m *Model[T], b *sqlb.Builder, rows engine.Rows, p *schema.Plan, out []T) ([]T, error) {
	var zero T
	for rows.Next() {
		out = append(out, zero)
		b.Scan.Set(p, schema.PtrOf(&out[len(out)-1]), b.D.TimeWallUTC)
		if err := rows.Scan(b.Scan.List...); err != nil {
			return out, fmt.Errorf("orm: scanning into %v: %w", m.t.GoType, err)
		}
	}
	return out, nil
}

// scanInto scans the current row into the given structs' fields, one per
// row in order; used by RETURNING to fill inserted rows.
func scanInto[T any](m *Model[T], b *sqlb.Builder, rows engine.Rows, dst []*T) (int, error) {
	p, err := m.resultPlan(rows)
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		if n >= len(dst) {
			return n, fmt.Errorf("orm: RETURNING gave more rows than the %d inserted into %s", len(dst), m.t.Name)
		}
		b.Scan.Set(p, schema.PtrOf(dst[n]), b.D.TimeWallUTC)
		if err := rows.Scan(b.Scan.List...); err != nil {
			return n, fmt.Errorf("orm: scanning into %v: %w", m.t.GoType, err)
		}
		n++
	}
	return n, nil
}

// ScalarQuery is a query ScalarAs can run: a SelectQuery or a RawQuery of
// any model.
type ScalarQuery interface {
	Query
	ormDB() *DB
	ormTable() *Table
	build(b *sqlb.Builder)
}

// ScalarAs runs q and scans the first column of its first row into a V,
// with database/sql's conversions (V = any gives what the driver returns,
// bytes of text columns as a string). No row is an error matching
// ErrDoesNotExist; a NULL needs a V that can hold it (a pointer or a
// sql.Null* type).
func ScalarAs[V any](ctx context.Context, q ScalarQuery) (V, error) {
	var v V
	db := q.ormDB()
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	q.build(b)
	found := false
	err := db.read(ctx, b, func(rows engine.Rows) error {
		v, found = *new(V), false
		if !rows.Next() {
			return nil
		}
		found = true
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		dest := b.Scan.Sized(len(cols))
		for i := range dest {
			dest[i] = b.Scan.Discard()
		}
		var dst any = &v
		if tp, ok := dst.(*time.Time); ok && db.dialect.TimeAsText {
			dst = schema.TimeDest(cols[0], tp, db.dialect.TimeWallUTC)
		}
		dest[0] = dst
		if err := rows.Scan(b.Scan.List...); err != nil {
			return fmt.Errorf("orm: scalar: %w", err)
		}
		if p, ok := dst.(*any); ok {
			if bs, isBytes := (*p).([]byte); isBytes {
				text, err := schema.TextColumns(rows)
				if err == nil && text != nil && text[0] {
					*p = string(bs)
				}
			}
		}
		return nil
	})
	if err != nil {
		return v, err
	}
	if !found {
		return v, notFound(db, b, q.ormTable())
	}
	return v, nil
}

func runMaps(ctx context.Context, db *DB, b *sqlb.Builder) ([]map[string]any, error) {
	var out []map[string]any
	err := db.read(ctx, b, func(rows engine.Rows) error {
		out = nil
		return schema.ScanValues(rows, &b.Scan, func(cols []string, vals []any) error {
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = vals[i]
			}
			out = append(out, m)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func runTuples(ctx context.Context, db *DB, b *sqlb.Builder) ([][]any, error) {
	var out [][]any
	err := db.read(ctx, b, func(rows engine.Rows) error {
		out = nil
		return schema.ScanValues(rows, &b.Scan, func(_ []string, vals []any) error {
			out = append(out, vals)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
