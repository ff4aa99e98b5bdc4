package orm

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// scanPlan maps the columns of a result to the fields of a model. Plans
// are cached per model and column list, so scanning a row costs one
// Scan call with destinations computed by pointer arithmetic: no
// reflection and no maps per row.
type scanPlan struct {
	cols     []string
	fields   []*Field // nil for a column that is ignored
	ignore   bool     // built for IgnoreUnknownColumns
	hasTimes bool     // some field parses text times

	// simple plans (no ignored column, no text times) keep the fields'
	// offsets and kinds side by side for setDest's fast loop.
	simple bool
	offs   []uintptr
	kinds  []scanKind
}

// planCache is a model's copy-on-write list of plans, and its other
// statement fragments built on first use.
type planCache struct {
	mu    sync.Mutex
	plans atomic.Pointer[[]*scanPlan]
	head  atomic.Pointer[string] // SELECT <every column> FROM <table>
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
	col  string
	op   cmpOp
	tail condTail
}

type condTail uint8

const (
	tailNone   condTail = iota
	tailLimit           // LIMIT ?, bound (SelectQuery.Limit)
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
			if e.key.op == k.op && e.key.tail == k.tail && e.key.col == k.col {
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

// selectHead returns "SELECT <list> FROM <table>" in dialect d, built once.
func (c *planCache) selectHead(list, table string, d *Dialect) string {
	if h := c.head.Load(); h != nil {
		return *h
	}
	b := getBuilder(d)
	b.write("SELECT ")
	b.write(list)
	b.write(" FROM ")
	b.ident(table)
	h := string(b.buf)
	putBuilder(b)
	c.head.Store(&h)
	return h
}

const maxPlans = 64

func sameColumns(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// plan returns the plan of t for cols. An unknown column is an error
// unless ignore is set.
func (c *planCache) plan(t *Table, d *Dialect, cols []string, ignore bool) (*scanPlan, error) {
	if ps := c.plans.Load(); ps != nil {
		for _, p := range *ps {
			if p.ignore == ignore && sameColumns(p.cols, cols) {
				return p, nil
			}
		}
	}
	p := &scanPlan{cols: append([]string(nil), cols...), fields: make([]*Field, len(cols)), ignore: ignore}
	for i, col := range cols {
		f := t.byColumn[col]
		if f == nil && !ignore {
			return nil, fmt.Errorf("orm: result column %q has no field in model %v (table %s); select fewer columns or use IgnoreUnknownColumns", col, t.GoType, t.Name)
		}
		p.fields[i] = f
		if f != nil && d.TimeAsText && f.kind != kindOther {
			p.hasTimes = true
		}
	}
	p.simple = !p.hasTimes
	for _, f := range p.fields {
		if f == nil {
			p.simple = false
			break
		}
		p.offs = append(p.offs, f.offset)
		p.kinds = append(p.kinds, f.scan)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*scanPlan
	if ps := c.plans.Load(); ps != nil {
		list = *ps
	}
	if len(list) < maxPlans {
		next := make([]*scanPlan, len(list), len(list)+1)
		copy(next, list)
		next = append(next, p)
		c.plans.Store(&next)
	}
	return p, nil
}

// setDest points b.dest at the fields of the struct at base.
func (b *builder) setDest(p *scanPlan, base unsafe.Pointer) {
	n := len(p.fields)
	if cap(b.dest) < n {
		b.dest = make([]any, n)
	}
	b.dest = b.dest[:n]
	if p.simple {
		// Every column has a field without text-time parsing: a tight
		// loop over the plan's own offsets and kinds.
		dest := b.dest[:len(p.offs)]
		for i, off := range p.offs {
			a := unsafe.Add(base, off)
			switch p.kinds[i] {
			case scanInt64:
				dest[i] = (*int64)(a)
			case scanInt:
				dest[i] = (*int)(a)
			case scanString:
				dest[i] = (*string)(a)
			case scanFloat64:
				dest[i] = (*float64)(a)
			case scanBool:
				dest[i] = (*bool)(a)
			case scanTime:
				dest[i] = (*time.Time)(a)
			default:
				dest[i] = p.fields[i].ptr(a)
			}
		}
		return
	}
	if p.hasTimes && len(b.times) < n {
		b.times = make([]timeScanner, n)
	}
	for i, f := range p.fields {
		switch {
		case f == nil:
			b.dest[i] = &b.discard
		case p.hasTimes && f.kind != kindOther:
			ts := &b.times[i]
			*ts = timeScanner{field: f, wallUTC: b.d.TimeWallUTC}
			switch f.kind {
			case kindTime:
				ts.dst = (*time.Time)(f.addr(base))
			case kindTimePtr:
				ts.ptr = (**time.Time)(f.addr(base))
			case kindNullTime:
				ts.null = (*sql.NullTime)(f.addr(base))
			}
			b.dest[i] = ts
		default:
			a := f.addr(base)
			switch f.scan {
			case scanInt64:
				b.dest[i] = (*int64)(a)
			case scanInt:
				b.dest[i] = (*int)(a)
			case scanString:
				b.dest[i] = (*string)(a)
			case scanFloat64:
				b.dest[i] = (*float64)(a)
			case scanBool:
				b.dest[i] = (*bool)(a)
			case scanTime:
				b.dest[i] = (*time.Time)(a)
			default:
				b.dest[i] = f.ptr(a)
			}
		}
	}
}

// scanKind lets setDest convert the commonest field types inline instead
// of calling Field.ptr.
type scanKind uint8

const (
	scanOther scanKind = iota
	scanInt64
	scanInt
	scanString
	scanFloat64
	scanBool
	scanTime
)

func scanKindOf(t reflect.Type) scanKind {
	switch t {
	case reflect.TypeFor[int64]():
		return scanInt64
	case reflect.TypeFor[int]():
		return scanInt
	case reflect.TypeFor[string]():
		return scanString
	case reflect.TypeFor[float64]():
		return scanFloat64
	case reflect.TypeFor[bool]():
		return scanBool
	case timeType:
		return scanTime
	}
	return scanOther
}

// timeScanner reads a time that may arrive as text: MySQL without
// parseTime=true sends DATETIME as bytes; SQLite returns text for
// expressions over time columns.
type timeScanner struct {
	field *Field
	dst   *time.Time    // a time.Time field
	ptr   **time.Time   // or a *time.Time field
	null  *sql.NullTime // or a sql.NullTime field
	// wallUTC: a time.Time from the driver is a UTC wall clock read in
	// the driver's location (Dialect.TimeWallUTC).
	wallUTC bool
}

// textTimeLayouts are tried in order; a time without an offset is UTC,
// which is how go-sql-driver/mysql writes times by default (loc=UTC).
var textTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02",
}

func (s *timeScanner) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case time.Time:
		t = v
		if s.wallUTC && v.Location() != time.UTC {
			t = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
		}
	case nil:
		switch {
		case s.ptr != nil:
			*s.ptr = nil
			return nil
		case s.null != nil:
			*s.null = sql.NullTime{}
			return nil
		}
		return fmt.Errorf("orm: NULL in column %q cannot be stored in field %s of type time.Time; use *time.Time or sql.NullTime", s.field.Column, s.field.GoName)
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	default:
		return fmt.Errorf("orm: cannot store %T in field %s of type time.Time", src, s.field.GoName)
	}
	s.set(t)
	return nil
}

func (s *timeScanner) parse(text string) error {
	for _, layout := range textTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			s.set(t)
			return nil
		}
	}
	return fmt.Errorf("orm: cannot parse %q in column %q as a time for field %s", text, s.field.Column, s.field.GoName)
}

func (s *timeScanner) set(t time.Time) {
	if s.null != nil {
		*s.null = sql.NullTime{Time: t, Valid: true}
		return
	}
	if s.ptr != nil {
		p := new(time.Time)
		*p = t
		*s.ptr = p
		return
	}
	*s.dst = t
}

// scanRows appends every row to out, scanning with the plan for the
// result's columns.
func scanRows[T any](m *Model[T], b *builder, rows *sql.Rows, ignore bool, out []T) ([]T, error) {
	cols, err := rows.Columns()
	if err != nil {
		return out, err
	}
	p, err := m.plans.plan(m.t, m.db.dialect, cols, ignore)
	if err != nil {
		return out, err
	}
	return scanPlanned(m, b, rows, p, out)
}

// scanPlanned appends every row to out with plan p.
func scanPlanned[T any](m *Model[T], b *builder, rows *sql.Rows, p *scanPlan, out []T) ([]T, error) {
	var zero T
	for rows.Next() {
		out = append(out, zero)
		b.setDest(p, unsafe.Pointer(&out[len(out)-1]))
		if err := rows.Scan(b.dest...); err != nil {
			return out, fmt.Errorf("orm: scanning into %v: %w", m.t.GoType, err)
		}
	}
	return out, nil
}

// scanInto scans the current row into the given structs' fields, one per
// row in order; used by RETURNING to fill inserted rows.
func scanInto[T any](m *Model[T], b *builder, rows *sql.Rows, dst []*T) (int, error) {
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	p, err := m.plans.plan(m.t, m.db.dialect, cols, false)
	if err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		if n >= len(dst) {
			return n, fmt.Errorf("orm: RETURNING gave more rows than the %d inserted into %s", len(dst), m.t.Name)
		}
		b.setDest(p, unsafe.Pointer(dst[n]))
		if err := rows.Scan(b.dest...); err != nil {
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
func scanValues(b *builder, rows *sql.Rows, fn func(cols []string, vals []any) error) error {
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
	if cap(b.dest) < len(cols) {
		b.dest = make([]any, len(cols))
	}
	b.dest = b.dest[:len(cols)]
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			b.dest[i] = &vals[i]
		}
		if err := rows.Scan(b.dest...); err != nil {
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
	build(b *builder)
}

// ScalarAs runs q and scans the first column of its first row into a V,
// with database/sql's conversions (V = any gives what the driver returns,
// bytes of text columns as a string). No row is an error matching
// ErrDoesNotExist; a NULL needs a V that can hold it (a pointer or a
// sql.Null* type).
func ScalarAs[V any](ctx context.Context, q ScalarQuery) (V, error) {
	var v V
	db := q.ormDB()
	b := getBuilder(db.dialect)
	defer putBuilder(b)
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
		if cap(b.dest) < len(cols) {
			b.dest = make([]any, len(cols))
		}
		b.dest = b.dest[:len(cols)]
		for i := range b.dest {
			b.dest[i] = &b.discard
		}
		var dst any = &v
		if tp, ok := dst.(*time.Time); ok && db.dialect.TimeAsText {
			dst = &timeScanner{field: &Field{Column: cols[0], GoName: "(scalar)"}, dst: tp, wallUTC: db.dialect.TimeWallUTC}
		}
		b.dest[0] = dst
		if err := rows.Scan(b.dest...); err != nil {
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
		return v, b.notFound(q.ormTable())
	}
	return v, nil
}

func runMaps(ctx context.Context, db *DB, b *builder) ([]map[string]any, error) {
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

func runTuples(ctx context.Context, db *DB, b *builder) ([][]any, error) {
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
