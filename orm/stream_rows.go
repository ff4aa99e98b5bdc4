package orm

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// rowStream is the aio.RowQuery of streamRows: it runs the statement and
// scans each row into a new T, which it hands over as a *T.
//
// Three things keep a row cheap (see PERFORMANCE.md, "Streaming"): rows
// are allocated in slabs; when the plan maps every column straight to a
// field, the Scan destinations are computed on the stack from the
// fields, not stored into the pooled builder's slice (a store into the
// heap costs a GC write barrier while a collection runs, which with a
// small heap and a row allocated per result row is most of the time);
// and int64, int and float64 fields are scanned by schema.NumDest, without
// database/sql's reflection.
type rowStream[T any] struct {
	m      *Model[T]
	b      *sqlb.Builder
	plan   *schema.Plan // nil until Prepare when the columns are not known
	ignore bool

	slab  []T // the rows still to hand out, from the last slab
	slabN int // the last slab's length

	// fields are the destination fields of the result's columns, once
	// the first row has shown that schema.Dests.Set gives each column
	// its field's own Dest; nil before, and when it does not. nums[i]
	// is the destination of fields[i] when it is an int64, int or
	// float64 (see schema.NumDest).
	fields []*schema.Field
	nums   []schema.NumDest
	probed bool
}

// Rows are allocated in slabs, one allocation per slab instead of one per
// row: slabs double from minSlab rows up to maxSlab rows or maxSlabBytes,
// whichever is fewer. That bounds what a row the reader keeps holds
// alive: its slab, up to maxSlabBytes, with what the slab's other rows
// point to.
const (
	minSlab      = 8
	maxSlab      = 256
	maxSlabBytes = 32 << 10
)

// stackDests is the most columns whose destinations are kept on the
// stack (the array is zeroed for each row); wider results use the
// builder's slice.
const stackDests = 16

// newRow returns the next row of the current slab, allocating a slab
// twice the size of the last (within the bounds above) when it is used up.
func (q *rowStream[T]) newRow() *T {
	if len(q.slab) == 0 {
		n := min(max(minSlab, 2*q.slabN), maxSlab)
		if size := int(reflect.TypeFor[T]().Size()); size > 0 {
			n = min(n, max(1, maxSlabBytes/size))
		}
		q.slab, q.slabN = make([]T, n), n
	}
	row := &q.slab[0]
	q.slab = q.slab[1:]
	return row
}

func (q *rowStream[T]) Query(ctx context.Context, sink *aio.RowSink[*T]) error {
	defer sqlb.Put(q.b)
	return q.m.db.run(ctx, q.b, func(rows engine.Rows) error { return sink.Each(rows) })
}

func (q *rowStream[T]) Prepare(rows aio.Rows) (err error) {
	if q.plan == nil {
		q.plan, err = q.m.planOf(rows, q.ignore)
	}
	return err
}

func (q *rowStream[T]) Scan(rows aio.Rows) (*T, error) {
	row := q.newRow()
	base := schema.PtrOf(row)
	var err error
	if q.fields != nil {
		var buf [stackDests]any
		dest := q.b.Scan.List // a wide result: the builder's slice
		if len(q.fields) <= len(buf) {
			dest = buf[:len(q.fields)]
		}
		for i, f := range q.fields {
			dest[i] = q.nums[i].Point(f.Dest(base))
		}
		err = rows.Scan(dest...)
	} else {
		q.b.Scan.Set(q.plan, base, q.b.D.TimeWallUTC)
		if !q.probed {
			q.probed = true
			q.fields = q.fieldDests(rows, base)
		}
		err = rows.Scan(q.b.Scan.List...)
	}
	if err != nil {
		return nil, fmt.Errorf("orm: scanning into %v: %w", q.m.t.GoType, err)
	}
	return row, nil
}

// fieldDests returns the fields of the result's columns when the
// destinations Set has just computed for the row at base are exactly
// those fields' Dest (no ignored column, no time parsed from text: those
// get other destinations), so that computing them from the fields is the
// same; otherwise nil.
func (q *rowStream[T]) fieldDests(rows engine.Rows, base schema.Ptr) []*schema.Field {
	cols, err := rows.Columns()
	list := q.b.Scan.List
	if err != nil || len(cols) != len(list) {
		return nil
	}
	fields := make([]*schema.Field, len(cols))
	q.nums = make([]schema.NumDest, len(cols))
	for i, col := range cols {
		f := q.m.t.FieldByColumn(col)
		// A pointer compares without panicking, and Dest's pointers are
		// what Set gives in its plain case: list[i] is a pointer type.
		if t := reflect.TypeOf(list[i]); f == nil || t == nil || t.Kind() != reflect.Pointer || f.Dest(base) != list[i] {
			return nil
		}
		fields[i] = f
		q.nums[i], _ = schema.NumDestFor(list[i])
	}
	return fields
}
