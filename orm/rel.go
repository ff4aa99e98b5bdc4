package orm

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// buildSelect writes SELECT <t's columns> FROM t WHERE cond [ORDER BY
// its primary key] into b.
func buildSelect(b *sqlb.Builder, t *Table, cond Expr, ordered bool) {
	b.PushScope(sqlb.Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("SELECT ")
	for i, f := range t.Fields {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column)
	}
	b.Write(" FROM ")
	b.Ident(t.Name)
	b.Write(" WHERE ")
	b.Cond(cond)
	if ordered {
		b.Write(" ORDER BY ")
		for i, f := range t.PrimaryKey {
			if i > 0 {
				b.Write(", ")
			}
			b.Ident(f.Column)
		}
	}
}

// scanTable runs the statement in b and calls fn with each row, scanned
// into a new value of t's type (fn gets a pointer to it).
func scanTable(ctx context.Context, db *DB, b *sqlb.Builder, t *Table, fn func(row reflect.Value) error) error {
	p := schema.RowPlan(t, db.dialect.TimeAsText)
	return db.run(ctx, b, func(rows *sql.Rows) error {
		for rows.Next() {
			row := reflect.New(t.GoType)
			b.Scan.Set(p, schema.Ptr(row.UnsafePointer()), b.D.TimeWallUTC)
			if err := rows.Scan(b.Scan.List...); err != nil {
				return fmt.Errorf("orm: scanning into %v: %w", t.GoType, err)
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// keyConds returns the conditions selecting rows whose col is one of
// keys: one col = ANY($1) with the keys as one array argument where the
// dialect binds arrays and the keys are integers or strings, else IN lists
// in chunks that keep each statement under the dialect's parameter limit.
func keyConds(d *Dialect, col string, keys []any) []Expr {
	if d.ArrayParams {
		if arr := keyArray(keys); arr != nil {
			return []Expr{Any(col, arr)}
		}
	}
	n := d.MaxParams
	if n <= 0 {
		n = 999 // SQLite's historical limit, the smallest in use
	}
	conds := make([]Expr, 0, (len(keys)+n-1)/n)
	for i := 0; i < len(keys); i += n {
		conds = append(conds, In(col, keys[i:min(i+n, len(keys))]))
	}
	return conds
}

// keyArray returns keys as a []int64 or []string, the slices every
// PostgreSQL driver binds as an array, or nil when they are of other
// types.
func keyArray(keys []any) any {
	switch keys[0].(type) {
	case int64:
		out := make([]int64, len(keys))
		for i, k := range keys {
			v, ok := k.(int64)
			if !ok {
				return nil
			}
			out[i] = v
		}
		return out
	case string:
		out := make([]string, len(keys))
		for i, k := range keys {
			v, ok := k.(string)
			if !ok {
				return nil
			}
			out[i] = v
		}
		return out
	}
	return nil
}

// loadByKeys selects the rows of t whose col is one of keys, with as few
// statements as keyConds allows, and calls fn with each. ordered sorts
// each statement's rows by primary key.
func loadByKeys(ctx context.Context, db *DB, t *Table, col string, keys []any, ordered bool, fn func(row reflect.Value) error) error {
	if len(keys) == 0 {
		return nil
	}
	for _, cond := range keyConds(db.dialect, col, keys) {
		b := sqlb.Get(db.dialect)
		buildSelect(b, t, cond, ordered)
		if b.Err == nil {
			// Not interned: IN lists vary in length with every call.
			b.Fixed = string(b.Buf)
		}
		err := scanTable(ctx, db, b, t, fn)
		sqlb.Put(b)
		if err != nil {
			return err
		}
	}
	return nil
}
