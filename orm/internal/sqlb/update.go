package sqlb

import "github.com/aiodb/aiodb/orm/schema"

// Update is an UPDATE of one table, as orm's UpdateQuery collects it.
type Update struct {
	T         *schema.Table
	Set       []Assignment
	Where     Where
	Returning []string
	RowErr    error // a bad argument seen while collecting, reported by Write

	// From is the row of SetFrom(row) with no columns on an empty set:
	// its columns but the key lead the SET list, read when the statement
	// is written. PK is WherePK's condition on a one-column key, written
	// at position PKPos among the conditions. Neither points into the
	// query, so a query built and run in one expression stays on the
	// stack.
	From  schema.Ptr
	PK    Cmp
	PKSet bool
	PKPos int
}

// Write writes the UPDATE into b.
func (q *Update) Write(b *Builder) {
	t := q.T
	if q.RowErr != nil {
		b.Fail(q.RowErr)
	}
	if len(q.Set) == 0 && (q.From == nil || len(t.Fields) == len(t.PrimaryKey)) {
		b.Failf("orm: Update of %s sets no column", t.Name)
	}
	b.PushScope(Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("UPDATE ")
	b.Ident(t.Name)
	b.Write(" SET ")
	n := 0
	if q.From != nil {
		for _, f := range t.Fields {
			if f.PK {
				continue
			}
			if n > 0 {
				b.Write(", ")
			}
			b.Ident(f.Column) // a field's column: no need to look it up
			b.Write(" = ")
			b.Bind(f.Value(q.From))
			n++
		}
	}
	for _, a := range q.Set {
		if n > 0 {
			b.Write(", ")
		}
		b.PlainColumn(a.Col)
		b.Write(" = ")
		b.Bind(a.Val)
		n++
	}
	if q.PKSet {
		pk := q.PK
		q.Where.Write(b, &pk, q.PKPos)
	} else {
		q.Where.Write(b, nil, 0)
	}
	if len(q.Returning) > 0 {
		if !b.D.UpdateReturning {
			b.Failf("orm: Update of %s: the %s dialect has no UPDATE ... RETURNING", t.Name, b.D.Name)
		}
		b.ReturningColumns(q.Returning)
	}
}

// Delete is a DELETE from one table.
type Delete struct {
	T         *schema.Table
	Where     Where
	Returning []string
}

// Write writes the DELETE into b.
func (q *Delete) Write(b *Builder) {
	t := q.T
	b.PushScope(Scope{T: t, Qual: t.Name})
	defer b.PopScope()
	b.Write("DELETE FROM ")
	b.Ident(t.Name)
	q.Where.Write(b, nil, 0)
	if len(q.Returning) > 0 {
		if !b.D.DeleteReturning {
			b.Failf("orm: Delete from %s: the %s dialect has no DELETE ... RETURNING", t.Name, b.D.Name)
		}
		b.ReturningColumns(q.Returning)
	}
}
