package orm

import (
	"context"
	"fmt"
	"sort"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// dependency is one foreign key pointing at a table whose rows a
// recursive delete removes: the rows of child matching cond refer to
// them through fk.
type dependency struct {
	child *Table
	fk    *Field
	cond  Expr
}

// backrefs returns the (table, foreign key field) pairs whose fk: names
// t, among every model the process has loaded (NewModel or Register), in
// table name then field order.
func backrefs(t *Table) [][2]any {
	var tables []*Table
	schema.Each(func(t *Table) bool {
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

// dependencies returns what must be changed before the row at p can be
// deleted, like peewee's Model.dependencies: for each known foreign key
// pointing at the row's table, the referring rows; then, through each
// such key that is not nullable (or every key with deleteNullable), the
// rows referring to those, and so on. Each table is expanded once, which
// also ends cycles. A condition on a deeper level is an IN over a
// subquery of the level above.
func (e *entity) dependencies(p schema.Ptr, deleteNullable bool) ([]dependency, error) {
	type node struct {
		t    *Table
		cond Expr // nil: the row itself
	}
	stack := []node{{e.t, nil}}
	seen := map[*Table]bool{}
	var deps []dependency
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n.t] {
			continue
		}
		seen[n.t] = true
		for _, br := range backrefs(n.t) {
			child, fk := br[0].(*Table), br[1].(*Field)
			ref, err := schema.ResolveFK(child, fk)
			if err != nil {
				return nil, err
			}
			var cond Expr
			if n.cond == nil { // the row itself: its key value
				f := n.t.FieldByColumn(ref)
				if f == nil {
					return nil, fmt.Errorf("orm: model %v, field %s: fk:%s: table %s has no column %q", child.GoType, fk.GoName, fk.FK.Table, n.t.Name, ref)
				}
				cond = &sqlb.Cmp{Col: fk.Column, Op: sqlb.OpEq, Val: f.Value(p)}
			} else {
				cond = &sqlb.InList{Col: fk.Column, Vals: &subSelect{t: n.t, col: ref, where: n.cond}}
			}
			deps = append(deps, dependency{child, fk, cond})
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
	t     *Table
	col   string
	where Expr
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

// execDependency sets the foreign key of dep's rows to NULL (nullable,
// without deleteNullable) or deletes them.
func (e *entity) execDependency(ctx context.Context, dep dependency, deleteNullable bool) error {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	b.PushScope(sqlb.Scope{T: dep.child, Qual: dep.child.Name})
	if dep.fk.Null && !deleteNullable {
		b.Write("UPDATE ")
		b.Ident(dep.child.Name)
		b.Write(" SET ")
		b.Ident(dep.fk.Column)
		b.Write(" = NULL WHERE ")
	} else {
		b.Write("DELETE FROM ")
		b.Ident(dep.child.Name)
		b.Write(" WHERE ")
	}
	b.Cond(dep.cond)
	b.PopScope()
	_, err := execCount(ctx, e.db, b)
	return err
}

// deleteRow deletes the row at p by primary key.
func (e *entity) deleteRow(ctx context.Context, p schema.Ptr) (int64, error) {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	b.PushScope(sqlb.Scope{T: e.t, Qual: e.t.Name})
	b.Write("DELETE FROM ")
	b.Ident(e.t.Name)
	b.Write(" WHERE ")
	b.Cond(e.pkCond(p))
	b.PopScope()
	return execCount(ctx, e.db, b)
}

// deleteInstance deletes the row at p, with its dependents when
// recursive, running its hooks; see Model.DeleteInstance.
func (e *entity) deleteInstance(ctx context.Context, p schema.Ptr, recursive, deleteNullable bool) (int64, error) {
	var deps []dependency
	if recursive {
		var err error
		if deps, err = e.dependencies(p, deleteNullable); err != nil {
			return 0, err
		}
	}
	var n int64
	err := e.maybeAtomic(ctx, recursive || e.hooks&hookAfterDelete != 0, func(ctx context.Context) error {
		if err := e.beforeDelete(ctx, p); err != nil {
			return err
		}
		for i := len(deps) - 1; i >= 0; i-- { // the deepest first
			if err := e.execDependency(ctx, deps[i], deleteNullable); err != nil {
				return err
			}
		}
		var err error
		if n, err = e.deleteRow(ctx, p); err != nil {
			return err
		}
		return e.afterDelete(ctx, p)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteInstance deletes obj's row by primary key and returns the rows
// deleted (0 when it was already gone), like peewee's delete_instance.
//
// With recursive, the rows of other models that refer to it through an
// fk: tag are handled first, the deepest first: those on a nullable
// foreign key get NULL there, unless deleteNullable, which deletes them
// too; the others are deleted (and so, in turn, the rows referring to
// them). Only models the process knows can be found: those loaded with
// NewModel (on any DB) or Register. A recursive delete runs in db.Atomic,
// so it is all or nothing; one that reaches a table twice through a
// self-referencing key may be refused by MySQL, which cannot select from
// the table it deletes from. BeforeDelete and AfterDelete hooks run as
// described at BeforeDeleter and AfterDeleter.
func (m *Model[T]) DeleteInstance(ctx context.Context, obj *T, recursive, deleteNullable bool) (int64, error) {
	if obj == nil {
		return 0, errNilRow(m.t)
	}
	return m.deleteInstance(ctx, schema.PtrOf(obj), recursive, deleteNullable)
}
