package sqlb

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// The single-row statements of a model (Create, Save, the whole-row
// UpdateQuery): written once per set of columns, with placeholders, and
// cached, so that running one only collects its arguments.

// ColSet is a set of field indexes; models rarely have more than 64
// fields, so the first 64 need no allocation.
type ColSet struct {
	low  uint64
	high []uint64 // fields 64 and up
}

// Add puts field index i in the set.
func (s *ColSet) Add(i int) {
	if i < 64 {
		s.low |= 1 << uint(i)
		return
	}
	w := i/64 - 1
	for len(s.high) <= w {
		s.high = append(s.high, 0)
	}
	s.high[w] |= 1 << uint(i%64)
}

// Has reports whether field index i is in the set.
func (s *ColSet) Has(i int) bool {
	if i < 64 {
		return s.low&(1<<uint(i)) != 0
	}
	w := i/64 - 1
	return w < len(s.high) && s.high[w]&(1<<uint(i%64)) != 0
}

func (s *ColSet) empty() bool { return s.low == 0 && len(s.high) == 0 }

// RowStmt is a single-row INSERT or UPDATE of one model.
type RowStmt struct {
	key       rowKey
	SQL       string
	Fields    []*schema.Field // bound in this order (an UPDATE's key follows)
	Returning []*schema.Field // INSERT ... RETURNING these
	Plan      *schema.Plan    // scan plan of the RETURNING columns
	LastID    bool            // read the auto key from LastInsertId
}

type rowKey struct {
	update bool
	cols   uint64
}

// RowStmts caches one model's RowStmts; the zero value is empty and
// ready.
type RowStmts struct {
	T     *schema.Table
	D     *dialect.Dialect
	Plans *schema.Plans // where RETURNING plans are kept

	m sync.Map // rowKey -> *RowStmt
	// lastInsert and lastUpdate are the statements of the last lookup of
	// each kind, checked before m: the map's interface key costs a hash
	// per call. updateAll is the UPDATE of every column but the key.
	lastInsert, lastUpdate, updateAll atomic.Pointer[RowStmt]
}

// cached returns the statement for the column set, writing it with
// write on first use. Models of more than 64 fields are not cached.
func (c *RowStmts) cached(update bool, cols *ColSet, write func() (*RowStmt, error)) (*RowStmt, error) {
	if len(c.T.Fields) > 64 {
		return write()
	}
	key := rowKey{update, cols.low}
	last := &c.lastInsert
	if update {
		last = &c.lastUpdate
	}
	if st := last.Load(); st != nil && st.key == key {
		return st, nil // the commonest case: the same columns as last time
	}
	if st, ok := c.m.Load(key); ok {
		last.Store(st.(*RowStmt))
		return st.(*RowStmt), nil
	}
	st, err := write()
	if err != nil {
		return nil, err
	}
	st.key = key
	c.m.Store(key, st)
	last.Store(st)
	return st, nil
}

// Insert returns the INSERT of the row at p. Columns: every field,
// except that a zero auto key and a zero field with a default: tag are
// left to the database and read back (RETURNING, or LastInsertId for the
// auto key where the dialect has no INSERT RETURNING), and that with only
// the fields not in it, other than the primary key, are left out too.
func (c *RowStmts) Insert(p schema.Ptr, only *ColSet) (*RowStmt, error) {
	var cols ColSet
	for i, f := range c.T.Fields {
		switch {
		case only != nil && !only.Has(i) && !f.PK:
		case f.Auto && f.IsZero(p):
		case f.Default != "" && f.IsZero(p):
		default:
			cols.Add(i)
		}
	}
	return c.cached(false, &cols, func() (*RowStmt, error) {
		t, d := c.T, c.D
		st := new(RowStmt)
		var back []string
		for i, f := range t.Fields {
			switch {
			case cols.Has(i):
				st.Fields = append(st.Fields, f)
			case f.Auto || f.Default != "":
				if d.InsertReturning {
					st.Returning = append(st.Returning, f)
					back = append(back, f.Column)
				} else if f.Auto {
					st.LastID = true
				}
			}
		}
		b := Get(d)
		defer Put(b)
		if b.InsertInto(t.Name, st.Fields, false) {
			b.ValuesRow(st.Fields, nil)
		}
		if len(st.Returning) > 0 {
			b.ReturningFields(st.Returning)
			var err error
			if st.Plan, err = c.Plans.Get(t, d.TimeAsText, back, false); err != nil {
				return nil, err
			}
		}
		st.SQL = string(b.Buf)
		return st, nil
	})
}

// Update returns UPDATE table SET <cols> WHERE <primary key>: every
// column but the key, or those of only. A key column in only, or nothing
// to set, is an error naming op and the model.
func (c *RowStmts) Update(op string, only *ColSet) (*RowStmt, error) {
	if only == nil {
		if st := c.updateAll.Load(); st != nil {
			return st, nil // the whole-row update, without the set and map lookup
		}
	}
	t := c.T
	var cols ColSet
	for i, f := range t.Fields {
		if only != nil && !only.Has(i) {
			continue
		}
		if f.PK {
			if only != nil {
				return nil, fmt.Errorf("orm: %s of %v: column %q is part of the primary key, which an update by primary key cannot change", op, t.GoType, f.Column)
			}
			continue
		}
		cols.Add(i)
	}
	if cols.empty() {
		return nil, fmt.Errorf("orm: %s of %v: nothing to update: table %s has no column outside its primary key", op, t.GoType, t.Name)
	}
	st, err := c.cached(true, &cols, func() (*RowStmt, error) {
		st := new(RowStmt)
		b := Get(c.D)
		defer Put(b)
		for i, f := range t.Fields {
			if cols.Has(i) {
				st.Fields = append(st.Fields, f)
			}
		}
		b.Write("UPDATE ")
		b.Ident(t.Name)
		b.Write(" SET ")
		b.SetFields(st.Fields, nil, 0)
		b.Write(" WHERE ")
		for i, f := range t.PrimaryKey {
			if i > 0 {
				b.Write(" AND ")
			}
			st.Fields = append(st.Fields, f)
			b.Ident(f.Column)
			b.Write(" = ")
			b.Param()
		}
		st.SQL = string(b.Buf)
		return st, nil
	})
	if err == nil && only == nil {
		c.updateAll.Store(st)
	}
	return st, err
}

// Bind puts st's text and the arguments of the row at p into b.
func (st *RowStmt) Bind(b *Builder, p schema.Ptr) {
	b.Fixed = st.SQL
	for _, f := range st.Fields {
		b.FieldArg(f, p)
	}
}
