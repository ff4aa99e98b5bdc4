package sqlb

import (
	"sync/atomic"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// Select is the state of a SELECT (orm's SelectQuery holds one) and its
// writer. The clauses most queries lack live in SelectExtra, so that the
// common query stays small.
type Select struct {
	*SelectExtra          // never nil: &NoExtra until a rare clause is added
	Cols         []string // nil: every column of the source
	Where        Where
	Limit        int64 // -1: none
	Offset       int64
	Distinct     bool
	ForUpdate    bool
}

// SelectExtra holds the rare clauses of a Select.
type SelectExtra struct {
	OrderBy   []string
	Exprs     []SelExpr
	Alias     string
	From      Expr // a subquery in FROM, or nil
	Joins     []Join
	GroupBy   []string
	Having    []Expr
	Compounds []Compound
}

// NoExtra is read by selects without rare clauses; it is never written.
var NoExtra SelectExtra

// More returns sel's own SelectExtra, for writing.
func (sel *Select) More() *SelectExtra {
	if sel.SelectExtra == &NoExtra {
		sel.SelectExtra = new(SelectExtra)
	}
	return sel.SelectExtra
}

// Compound is a UNION, INTERSECT or EXCEPT member.
type Compound struct {
	Op string
	Q  Core
}

// Core is what a compound member provides: any select of any model.
type Core interface {
	Expr
	AppendCore(b *Builder)
	HasTail() bool
}

// Source is the model a select reads: its table and its column lists,
// made once per model.
type Source struct {
	T       *schema.Table
	List    string   // every column, quoted and joined, for SELECT
	Columns []string // every column name, in field order
	head    atomic.Pointer[string]
}

// Head returns "SELECT <List> FROM <table>" in dialect d, built once.
func (src *Source) Head(d *dialect.Dialect) string {
	if h := src.head.Load(); h != nil {
		return *h
	}
	b := Get(d)
	b.Write("SELECT ")
	b.Write(src.List)
	b.Write(" FROM ")
	b.Ident(src.T.Name)
	h := string(b.Buf)
	Put(b)
	src.head.Store(&h)
	return h
}

// HasTail reports whether the SELECT has ORDER BY, LIMIT, OFFSET, FOR
// UPDATE or a compound, which a compound member may not have.
func (sel *Select) HasTail() bool {
	return len(sel.OrderBy) > 0 || sel.Limit >= 0 || sel.Offset > 0 || sel.ForUpdate || len(sel.Compounds) > 0
}

func (sel *Select) scope(src *Source) Scope {
	s := Scope{T: src.T, Qual: src.T.Name, Joins: sel.Joins, Qualify: len(sel.Joins) > 0}
	if sel.Alias != "" {
		s.Qual = sel.Alias
	}
	return s
}

// WriteCore writes SELECT ... FROM ... WHERE ... GROUP BY ... HAVING.
func (sel *Select) WriteCore(b *Builder, src *Source) {
	s := sel.scope(src)
	for _, e := range sel.Exprs {
		b.CheckAlias("column", e.Alias)
	}
	s.Aliases = sel.Exprs
	b.PushScope(s)
	defer b.PopScope()
	if sel.Cols == nil && sel.SelectExtra == &NoExtra && !sel.Distinct {
		// The commonest head, SELECT <every column> FROM <table>, is
		// written once per model.
		b.Write(src.Head(b.D))
		sel.writeWhere(b)
		return
	}
	b.Write("SELECT ")
	if sel.Distinct {
		b.Write("DISTINCT ")
	}
	sel.writeColumns(b, &s, src)
	sel.writeFrom(b, src)
}

func (sel *Select) writeColumns(b *Builder, s *Scope, src *Source) {
	n := 0
	switch {
	case sel.Cols == nil && len(sel.Exprs) > 0:
	case sel.Cols == nil && !s.Qualify:
		b.Write(src.List)
		n++
	case sel.Cols == nil:
		for _, c := range src.Columns {
			if n > 0 {
				b.Write(", ")
			}
			b.Column(c)
			n++
		}
	default:
		for _, c := range sel.Cols {
			if n > 0 {
				b.Write(", ")
			}
			b.Column(c)
			n++
		}
	}
	for _, e := range sel.Exprs {
		if n > 0 {
			b.Write(", ")
		}
		e.E.AppendExpr(b)
		b.Write(" AS ")
		b.Ident(e.Alias)
		n++
	}
}

// appendFrom writes FROM, joins, WHERE, GROUP BY and HAVING; the Scope is
// already pushed.
func (sel *Select) writeFrom(b *Builder, src *Source) {
	b.Write(" FROM ")
	if sel.From != nil {
		sel.From.AppendExpr(b)
		b.Write(" AS ")
		if b.CheckAlias("subquery", sel.Alias) {
			b.Ident(sel.Alias)
		}
	} else {
		b.Ident(src.T.Name)
		if sel.Alias != "" && b.CheckAlias("table", sel.Alias) {
			b.Write(" AS ")
			b.Ident(sel.Alias)
		}
	}
	for i := range sel.Joins {
		j := &sel.Joins[i]
		if j.T == nil {
			b.Failf("orm: join of a nil table in a query on %v", src.T.GoType)
			continue
		}
		b.WriteChar(' ')
		b.Write(j.Kind)
		b.WriteChar(' ')
		b.Ident(j.T.Name)
		if j.Alias != "" && b.CheckAlias("join", j.Alias) {
			b.Write(" AS ")
			b.Ident(j.Alias)
		}
		if j.On != nil {
			b.Write(" ON ")
			b.Cond(j.On)
		}
	}
	sel.writeWhere(b)
}

// appendWhere writes WHERE, GROUP BY and HAVING.
func (sel *Select) writeWhere(b *Builder) {
	sel.Where.Write(b, nil, 0)
	if len(sel.GroupBy) > 0 {
		b.Write(" GROUP BY ")
		for i, c := range sel.GroupBy {
			if i > 0 {
				b.Write(", ")
			}
			b.Column(c)
		}
	}
	if len(sel.Having) > 0 {
		b.Write(" HAVING ")
		b.AliasMode = AliasExpand
		b.Conds(sel.Having)
		b.AliasMode = AliasNone
	}
}

// Write writes the whole statement.
func (sel *Select) Write(b *Builder, src *Source) {
	sel.WriteCore(b, src)
	for _, c := range sel.Compounds {
		if c.Q.HasTail() {
			b.Failf("orm: %s member has ORDER BY, LIMIT, OFFSET, FOR UPDATE or its own compound; put them on the first query", c.Op)
		}
		b.WriteChar(' ')
		b.Write(c.Op)
		b.WriteChar(' ')
		c.Q.AppendCore(b)
	}
	sel.writeTail(b, src)
}

func (sel *Select) writeTail(b *Builder, src *Source) {
	if len(sel.OrderBy) > 0 {
		s := sel.scope(src)
		s.Aliases = sel.Exprs
		if len(sel.Compounds) > 0 {
			s.Qualify = false // a compound's ORDER BY names output columns
		}
		b.PushScope(s)
		b.AliasMode = AliasName
		b.Write(" ORDER BY ")
		for i, c := range sel.OrderBy {
			if i > 0 {
				b.Write(", ")
			}
			if len(c) > 1 && c[0] == '-' {
				b.Column(c[1:])
				b.Write(" DESC")
			} else {
				b.Column(c)
			}
		}
		b.AliasMode = AliasNone
		b.PopScope()
	}
	b.LimitOffset(sel.Limit, sel.Offset)
	if sel.ForUpdate && b.D.ForUpdate != "" {
		b.WriteChar(' ')
		b.Write(b.D.ForUpdate)
	}
}

// WriteCount writes SELECT COUNT(*) with sel's FROM, joins, WHERE, GROUP
// BY and HAVING: a count that needs no subquery.
func (sel *Select) WriteCount(b *Builder, src *Source) {
	b.PushScope(sel.scope(src))
	b.Write("SELECT COUNT(*)")
	sel.writeFrom(b, src)
	b.PopScope()
}
