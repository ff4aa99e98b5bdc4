package orm

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// planCache is a model's scan plans and its statement fragments built on
// first use.
type planCache struct {
	rows schema.Plans
	mu   sync.Mutex
	// conds holds the statements of the commonest shape, every column
	// WHERE one comparison (see condKey): built once, so that a select or
	// Get by key only binds its value. Copy-on-write, like plans.
	conds atomic.Pointer[[]condEntry]
	// updateAll is the UPDATE of every column but the key, by key: Save's
	// and UpdateQuery's commonest statement.
	updateAll atomic.Pointer[rowStmt]
}

// condKey is a statement shape: SELECT <every column> FROM <table> WHERE
// col <op> ? and then tail.
type condKey struct {
	col   string
	op    sqlb.CmpOp
	tail  condTail
	limit int64 // tailLimit's value, written as a literal
}

type condTail uint8

const (
	tailNone   condTail = iota
	tailLimit           // LIMIT n, n in condKey.limit (SelectQuery.Limit)
	tailLimit1          // LIMIT 1 written as text (Get)
)

// condEntry is one cached statement of a condKey shape.
type condEntry struct {
	key condKey
	sql string
}

// condSQL returns the cached statement of shape k. The shapes a model is
// queried with are few, so a scan comparing the small fields first beats
// hashing the key in a map.
func (c *planCache) condSQL(k condKey) (string, bool) {
	if es := c.conds.Load(); es != nil {
		for i := range *es {
			e := &(*es)[i]
			if e.key.op == k.op && e.key.tail == k.tail && e.key.limit == k.limit && e.key.col == k.col {
				return e.sql, true
			}
		}
	}
	return "", false
}

// storeCond caches the statement of shape k, built without error. Past
// maxCondShapes shapes the others are built each time.
func (c *planCache) storeCond(k condKey, sql string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next []condEntry
	if old := c.conds.Load(); old != nil {
		if len(*old) >= maxCondShapes {
			return
		}
		for _, e := range *old {
			if e.key == k {
				return // stored by a concurrent first use
			}
		}
		next = append(next, *old...)
	}
	next = append(next, condEntry{k, sql})
	c.conds.Store(&next)
}

// maxCondShapes bounds the cached one-condition statements of a model, so
// that the scan in condSQL stays short.
const maxCondShapes = 16

// scanPlanned appends every row to out with plan p.
func scanPlanned[T any](m *Model[T], b *sqlb.Builder, rows *sql.Rows, p *schema.Plan, out []T) ([]T, error) {
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
func scanInto[T any](m *Model[T], b *sqlb.Builder, rows *sql.Rows, dst []*T) (int, error) {
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

// binaryType reports whether a column's database type holds bytes rather
// than text, for Maps, Tuples and Scalar, which turn text bytes into
// strings.
func binaryType(name string) bool {
	name = strings.ToUpper(name)
	return strings.Contains(name, "BLOB") || strings.Contains(name, "BINARY") || name == "BYTEA" || name == "BIT"
}

// scanValues scans each row as []any, bytes of text columns as strings.
func scanValues(b *sqlb.Builder, rows *sql.Rows, fn func(cols []string, vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	text := make([]bool, len(cols))
	for i, t := range types {
		text[i] = !binaryType(t.DatabaseTypeName())
	}
	dest := b.Scan.Sized(len(cols))
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(b.Scan.List...); err != nil {
			return fmt.Errorf("orm: %w", err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok && text[i] {
				vals[i] = string(bs)
			}
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return nil
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
	err := db.run(ctx, b, func(rows *sql.Rows) error {
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
				types, err := rows.ColumnTypes()
				if err == nil && !binaryType(types[0].DatabaseTypeName()) {
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
	err := db.run(ctx, b, func(rows *sql.Rows) error {
		return scanValues(b, rows, func(cols []string, vals []any) error {
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
	err := db.run(ctx, b, func(rows *sql.Rows) error {
		return scanValues(b, rows, func(_ []string, vals []any) error {
			out = append(out, vals)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
