package schema

import (
	"database/sql"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Plan maps the columns of a result to the fields of a model. Plans are
// cached per model and column list (Plans), so scanning a row costs one
// Scan call with destinations computed by pointer arithmetic: no
// reflection and no maps per row.
type Plan struct {
	cols     []string
	fields   []*Field // nil for a column that is ignored
	ignore   bool     // built for ignoring unknown columns
	hasTimes bool     // some field parses text times

	// simple plans (no ignored column, no text times) keep the fields'
	// offsets and kinds side by side for Dests.Set's fast loop.
	simple bool
	offs   []uintptr
	kinds  []scanKind
}

// newPlan maps cols to t's fields; a column without a field is an error
// unless ignore is set. timeAsText: the dialect may return times as text.
func newPlan(t *Table, cols []string, timeAsText, ignore bool) (*Plan, error) {
	p := &Plan{cols: cols, fields: make([]*Field, len(cols)), ignore: ignore}
	for i, col := range cols {
		f := t.byColumn[col]
		if f == nil && !ignore {
			return nil, fmt.Errorf("orm: result column %q has no field in model %v (table %s); select fewer columns or use IgnoreUnknownColumns", col, t.GoType, t.Name)
		}
		p.fields[i] = f
		if f != nil && timeAsText && f.kind != kindOther {
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
	return p, nil
}

// Plans is a model's copy-on-write list of plans. The zero value is ready.
type Plans struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*Plan]
}

const maxPlans = 64

// Get returns the plan of t for cols, building it on first use. An
// unknown column is an error unless ignore is set. Past maxPlans column
// lists the plans are built each time.
func (c *Plans) Get(t *Table, timeAsText bool, cols []string, ignore bool) (*Plan, error) {
	if ps := c.list.Load(); ps != nil {
		for _, p := range *ps {
			if p.ignore == ignore && slices.Equal(p.cols, cols) {
				return p, nil
			}
		}
	}
	p, err := newPlan(t, append([]string(nil), cols...), timeAsText, ignore)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var list []*Plan
	if ps := c.list.Load(); ps != nil {
		list = *ps
	}
	if len(list) < maxPlans {
		next := make([]*Plan, len(list), len(list)+1)
		copy(next, list)
		next = append(next, p)
		c.list.Store(&next)
	}
	return p, nil
}

// tablePlans caches the plan of a whole row of a table (every column in
// field order, as relations select them), per timeAsText.
var tablePlans sync.Map // tablePlanKey -> *Plan

type tablePlanKey struct {
	t          *Table
	timeAsText bool
}

// RowPlan returns the plan of a result with every column of t in field
// order.
func RowPlan(t *Table, timeAsText bool) *Plan {
	k := tablePlanKey{t, timeAsText}
	if p, ok := tablePlans.Load(k); ok {
		return p.(*Plan)
	}
	cols := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = f.Column
	}
	p, _ := newPlan(t, cols, timeAsText, false) // every column has its field
	actual, _ := tablePlans.LoadOrStore(k, p)
	return actual.(*Plan)
}

// Dests holds the Scan destinations of one row, reused from row to row
// and, pooled with a statement builder, from statement to statement.
type Dests struct {
	// List is what rows.Scan takes, after Set or Sized.
	List    []any
	times   []timeScanner
	discard any
}

// Reset empties d for reuse, keeping its capacity.
func (d *Dests) Reset() {
	d.List, d.times, d.discard = d.List[:0], d.times[:0], nil
}

// Sized returns List resized to n, its entries left as they were.
func (d *Dests) Sized(n int) []any {
	if cap(d.List) < n {
		d.List = make([]any, n)
	}
	d.List = d.List[:n]
	return d.List
}

// Discard returns a destination that throws its column away.
func (d *Dests) Discard() any { return &d.discard }

// Set points List at the fields of the struct at base, by plan p.
// wallUTC: a time.Time from the driver is a UTC wall clock read in the
// driver's location (Dialect.TimeWallUTC).
func (d *Dests) Set(p *Plan, base Ptr, wallUTC bool) {
	n := len(p.fields)
	dest := d.Sized(n)
	if p.simple {
		// Every column has a field without text-time parsing: a tight
		// loop over the plan's own offsets and kinds.
		dest = dest[:len(p.offs)]
		for i, off := range p.offs {
			a := unsafe.Add(unsafe.Pointer(base), off)
			switch p.kinds[i] { // destOf, inline: this loop runs per row
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
	if p.hasTimes && len(d.times) < n {
		d.times = make([]timeScanner, n)
	}
	for i, f := range p.fields {
		switch {
		case f == nil:
			dest[i] = &d.discard
		case p.hasTimes && f.kind != kindOther:
			ts := &d.times[i]
			*ts = timeScanner{column: f.Column, goName: f.GoName, wallUTC: wallUTC}
			switch f.kind {
			case kindTime:
				ts.dst = (*time.Time)(f.addr(base))
			case kindTimePtr:
				ts.ptr = (**time.Time)(f.addr(base))
			case kindNullTime:
				ts.null = (*sql.NullTime)(f.addr(base))
			}
			dest[i] = ts
		default:
			dest[i] = destOf(f.scan, f, f.addr(base))
		}
	}
}

// destOf converts the commonest field types inline instead of calling
// Field.ptr.
func destOf(k scanKind, f *Field, a unsafe.Pointer) any {
	switch k {
	case scanInt64:
		return (*int64)(a)
	case scanInt:
		return (*int)(a)
	case scanString:
		return (*string)(a)
	case scanFloat64:
		return (*float64)(a)
	case scanBool:
		return (*bool)(a)
	case scanTime:
		return (*time.Time)(a)
	}
	return f.ptr(a)
}

// scanKind lets Dests.Set convert the commonest field types inline
// instead of calling Field.ptr.
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
