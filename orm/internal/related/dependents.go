package related

import (
	"fmt"
	"sort"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// Dependent is one foreign key pointing at a table whose rows a recursive
// delete removes: the rows of Child matching Cond refer to them through
// FK.
type Dependent struct {
	Child *schema.Table
	FK    *schema.Field
	Cond  sqlb.Expr
}

// backrefs returns the (table, foreign key field) pairs whose fk: names
// t, among every model the process has loaded (NewModel or Register), in
// table name then field order.
func backrefs(t *schema.Table) [][2]any {
	var tables []*schema.Table
	schema.Each(func(t *schema.Table) bool {
		tables = append(tables, t)
		return true
	})
	sort.Slice(tables, func(i, j int) bool { return tables[i].Name < tables[j].Name })
	var out [][2]any
	for _, c := range tables {
		for _, f := range c.Fields {
			if f.FK != nil && f.FK.Table == t.Name {
				out = append(out, [2]any{c, f})
			}
		}
	}
	return out
}

// Dependents returns what must be changed before the row of t at p can
// be deleted, like peewee's Model.dependencies: for each known foreign
// key pointing at t, the referring rows; then, through each such key that
// is not nullable (or every key with deleteNullable), the rows referring
// to those, and so on. Each table is expanded once, which also ends
// cycles. A condition on a deeper level is an IN over a subquery of the
// level above.
func Dependents(t *schema.Table, p schema.Ptr, deleteNullable bool) ([]Dependent, error) {
	type node struct {
		t    *schema.Table
		cond sqlb.Expr // nil: the row itself
	}
	stack := []node{{t, nil}}
	seen := map[*schema.Table]bool{}
	var deps []Dependent
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n.t] {
			continue
		}
		seen[n.t] = true
		for _, br := range backrefs(n.t) {
			child, fk := br[0].(*schema.Table), br[1].(*schema.Field)
			ref, err := schema.ResolveFK(child, fk)
			if err != nil {
				return nil, err
			}
			var cond sqlb.Expr
			if n.cond == nil { // the row itself: its key value
				f := n.t.FieldByColumn(ref)
				if f == nil {
					return nil, fmt.Errorf("orm: model %v, field %s: fk:%s: table %s has no column %q", child.GoType, fk.GoName, fk.FK.Table, n.t.Name, ref)
				}
				cond = &sqlb.Cmp{Col: fk.Column, Op: sqlb.OpEq, Val: f.Value(p)}
			} else {
				cond = &sqlb.InList{Col: fk.Column, Vals: &subSelect{t: n.t, col: ref, where: n.cond}}
			}
			deps = append(deps, Dependent{child, fk, cond})
			if !fk.Null || deleteNullable {
				stack = append(stack, node{child, cond})
			}
		}
	}
	return deps, nil
}

// subSelect is (SELECT col FROM t WHERE where), the rows of a level of a
// recursive delete seen from the level below.
type subSelect struct {
	t     *schema.Table
	col   string
	where sqlb.Expr
}

func (s *subSelect) AppendExpr(b *sqlb.Builder) {
	b.PushScope(sqlb.Scope{T: s.t, Qual: s.t.Name})
	defer b.PopScope()
	b.Write("(SELECT ")
	b.Column(s.col)
	b.Write(" FROM ")
	b.Ident(s.t.Name)
	b.Write(" WHERE ")
	b.Cond(s.where)
	b.WriteChar(')')
}

// Write writes the statement that frees the row from d: UPDATE ... SET fk
// = NULL for a nullable key without deleteNullable, DELETE otherwise.
func (d *Dependent) Write(b *sqlb.Builder, deleteNullable bool) {
	b.PushScope(sqlb.Scope{T: d.Child, Qual: d.Child.Name})
	defer b.PopScope()
	if d.FK.Null && !deleteNullable {
		b.Write("UPDATE ")
		b.Ident(d.Child.Name)
		b.Write(" SET ")
		b.Ident(d.FK.Column)
		b.Write(" = NULL WHERE ")
	} else {
		b.Write("DELETE FROM ")
		b.Ident(d.Child.Name)
		b.Write(" WHERE ")
	}
	b.Cond(d.Cond)
}
