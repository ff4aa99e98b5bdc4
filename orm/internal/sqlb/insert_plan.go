package sqlb

import (
	"sync"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// Assignment is one "col = value" of an UPDATE or an upsert; Val is bound,
// or written as SQL when it is an Expr.
type Assignment struct {
	Col string
	Val any
}

// Conflict is an INSERT's ON CONFLICT clause (ON DUPLICATE KEY UPDATE or
// INSERT IGNORE on MySQL).
type Conflict struct {
	Target    []string
	DoNothing bool
	Set       []Assignment
}

// InsertModel is what a model precomputes for its INSERTs: the usual
// column list and the plain statements by row count.
type InsertModel struct {
	T           *schema.Table
	Fields      []*schema.Field // every field but auto and default ones
	HasDefaults bool            // some field has a default: tag
	AutoOnly    []*schema.Field // the auto key alone, the usual RETURNING list
	ByCount     SQLByCount
}

// SQLByCount caches a model's plain INSERT statements by row count.
type SQLByCount struct {
	mu sync.RWMutex
	m  map[int]string
}

const maxCachedInserts = 256

func (c *SQLByCount) get(n int) (string, bool) {
	c.mu.RLock()
	s, ok := c.m[n]
	c.mu.RUnlock()
	return s, ok
}

func (c *SQLByCount) put(n int, s string) {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[int]string{}
	}
	if len(c.m) < maxCachedInserts {
		c.m[n] = s
	}
	c.mu.Unlock()
}

// Insert is one INSERT of rows of the model's struct type T. The model
// is passed to Write apart from the rows, so that the rows' slice, often
// a variadic argument, does not escape with the model's caches.
type Insert[T any] struct {
	Rows      []*T
	Returning []string
	Conflict  *Conflict
}

// InsertPlan is what Write decided: the columns written and the ones read
// back.
type InsertPlan struct {
	Fields    []*schema.Field
	Returning []*schema.Field
	AutoBack  bool // fill the auto key from LastInsertId
}

// Write writes the statement into b and returns its plan. Columns: every
// field, except that an auto key zero in every row is left to the
// database, and so is a field with a default: tag zero in every row.
func (q *Insert[T]) Write(b *Builder, m *InsertModel) InsertPlan {
	var p InsertPlan
	t := m.T
	if len(q.Rows) == 0 {
		b.Failf("orm: Insert into %s with no rows", t.Name)
		return p
	}
	for i, r := range q.Rows {
		if r == nil {
			b.Failf("orm: Insert into %s: row %d is nil", t.Name, i)
			return p
		}
	}
	d := b.D
	multiSkip := q.Conflict != nil && q.Conflict.DoNothing && len(q.Rows) > 1
	// The usual case, a zero auto key and no defaults, uses the model's
	// precomputed column list.
	p.Fields = m.Fields
	general := m.HasDefaults
	if a := t.Auto(); a != nil && !general {
		general = q.zeros(a) != len(q.Rows)
		if !general {
			q.omitted(&p, m, a, d, multiSkip)
		}
	}
	if general {
		p.Fields = make([]*schema.Field, 0, len(t.Fields))
		for _, f := range t.Fields {
			if !f.Auto && f.Default == "" {
				p.Fields = append(p.Fields, f)
				continue
			}
			switch zeros := q.zeros(f); {
			case zeros == 0:
				p.Fields = append(p.Fields, f)
			case zeros < len(q.Rows) && f.Auto:
				b.Failf("orm: Insert into %s: auto column %s is set in some rows and zero in others", t.Name, f.Column)
				return p
			case zeros < len(q.Rows):
				p.Fields = append(p.Fields, f) // mixed: zero values are written as they are
			default:
				q.omitted(&p, m, f, d, multiSkip)
			}
		}
	}
	if len(q.Returning) > 0 {
		if !d.InsertReturning {
			b.Failf("orm: Insert into %s: the %s dialect has no INSERT ... RETURNING", t.Name, d.Name)
			return p
		}
		if multiSkip {
			b.Failf("orm: Insert into %s: RETURNING rows cannot be matched to a multi-row insert that skips conflicts", t.Name)
			return p
		}
		for _, c := range q.Returning {
			f := t.FieldByColumn(c)
			if f == nil {
				b.Fail(UnknownColumn(c, t))
				return p
			}
			dup := false
			for _, g := range p.Returning {
				dup = dup || g == f
			}
			if !dup {
				p.Returning = append(p.Returning, f)
			}
		}
	}
	if len(p.Fields) == 0 {
		b.Failf("orm: Insert into %s: no columns to insert", t.Name)
		return p
	}
	if n := len(p.Fields) * len(q.Rows); d.MaxParams > 0 && n > d.MaxParams {
		b.Failf("orm: Insert into %s: %d rows x %d columns = %d parameters, over the %s limit of %d; insert in batches", t.Name, len(q.Rows), len(p.Fields), n, d.Name, d.MaxParams)
		return p
	}

	// A plain insert of the model's usual columns has one statement per
	// row count: reuse it and only collect the arguments.
	cacheable := !general && q.Conflict == nil && len(q.Returning) == 0
	if cacheable {
		if s, ok := m.ByCount.get(len(q.Rows)); ok {
			b.Fixed = s
			for _, r := range q.Rows {
				base := schema.PtrOf(r)
				for _, f := range p.Fields {
					b.FieldArg(f, base)
				}
			}
			return p
		}
	}
	b.PushScope(Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	if cacheable {
		defer func() {
			if b.Err == nil {
				m.ByCount.put(len(q.Rows), b.SQL())
			}
		}()
	}
	b.InsertInto(t.Name, p.Fields, q.Conflict != nil && q.Conflict.DoNothing && d.Upsert == dialect.UpsertOnDuplicateKey)
	for i, r := range q.Rows {
		if i > 0 {
			b.Write(", ")
		}
		b.ValuesRow(p.Fields, schema.PtrOf(r))
	}
	q.writeConflict(b, t.Name)
	if len(p.Returning) > 0 {
		b.ReturningFields(p.Returning)
	}
	return p
}

// zeros counts the rows whose f is zero.
func (q *Insert[T]) zeros(f *schema.Field) int {
	n := 0
	for _, r := range q.Rows {
		if f.IsZero(schema.PtrOf(r)) {
			n++
		}
	}
	return n
}

// omitted decides how the value of a column left to the database comes
// back: RETURNING, LastInsertId (auto key only), or not at all.
func (q *Insert[T]) omitted(p *InsertPlan, m *InsertModel, f *schema.Field, d *dialect.Dialect, multiSkip bool) {
	switch {
	case multiSkip:
	case d.InsertReturning && len(p.Returning) == 0 && f.Auto:
		p.Returning = m.AutoOnly[:1:1] // appending to it copies
	case d.InsertReturning:
		p.Returning = append(p.Returning, f)
	case f.Auto && (q.Conflict == nil || len(q.Rows) == 1):
		p.AutoBack = true
	}
}

func (q *Insert[T]) writeConflict(b *Builder, table string) {
	c := q.Conflict
	if c == nil {
		return
	}
	if b.D.Upsert == dialect.UpsertOnDuplicateKey {
		if c.DoNothing {
			return // INSERT IGNORE
		}
		b.Write(" ON DUPLICATE KEY UPDATE ")
		writeUpsertSet(b, c.Set)
		return
	}
	b.Write(" ON CONFLICT")
	if len(c.Target) > 0 {
		b.Write(" (")
		for i, col := range c.Target {
			if i > 0 {
				b.Write(", ")
			}
			b.PlainColumn(col)
		}
		b.WriteChar(')')
	} else if !c.DoNothing {
		b.Failf("orm: Insert into %s: an upsert needs the conflict target columns on %s", table, b.D.Name)
	}
	if c.DoNothing {
		b.Write(" DO NOTHING")
		return
	}
	b.Write(" DO UPDATE SET ")
	writeUpsertSet(b, c.Set)
}

// writeUpsertSet writes an upsert's assignments. With ON CONFLICT a bare
// column in a value is ambiguous on PostgreSQL (the existing row or
// EXCLUDED), so columns in values are written qualified by the table: the
// existing row, as MySQL's bare names mean.
func writeUpsertSet(b *Builder, set []Assignment) {
	s := &b.Scopes[len(b.Scopes)-1]
	for i, a := range set {
		if i > 0 {
			b.Write(", ")
		}
		b.PlainColumn(a.Col)
		b.Write(" = ")
		s.Qualify = b.D.Upsert == dialect.UpsertOnConflict
		b.Bind(a.Val)
		s.Qualify = false
	}
}

// ZeroAutoKeys zeroes the auto key of every row after a failed insert
// that was to read it back (the key was zero in every row, so it was left
// out of the columns written).
func (q *Insert[T]) ZeroAutoKeys(t *schema.Table, p InsertPlan) {
	a := t.Auto()
	if a == nil {
		return
	}
	for _, f := range p.Fields {
		if f == a {
			return // the keys were the caller's
		}
	}
	for _, r := range q.Rows {
		a.SetInt(schema.PtrOf(r), 0)
	}
}
