package orm

import (
	"context"

	"github.com/aiodb/aiodb/orm/internal/related"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// execDependency frees the row from dep: sets its foreign key to NULL
// (nullable, without deleteNullable) or deletes the dependent rows.
func (e *entity) execDependency(ctx context.Context, dep *related.Dependent, deleteNullable bool) error {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	dep.Write(b, deleteNullable)
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
	b.Cond(sqlb.PKCond(e.t, p))
	b.PopScope()
	return execCount(ctx, e.db, b)
}

// deleteInstance deletes the row at p, with its dependents when
// recursive, running its hooks; see Model.DeleteInstance.
func (e *entity) deleteInstance(ctx context.Context, p schema.Ptr, recursive, deleteNullable bool) (int64, error) {
	var deps []related.Dependent
	if recursive {
		var err error
		if deps, err = related.Dependents(e.t, p, deleteNullable); err != nil {
			return 0, err
		}
	}
	var n int64
	err := e.maybeAtomic(ctx, recursive || e.hooks&hookAfterDelete != 0, func(ctx context.Context) error {
		if err := e.beforeDelete(ctx, p); err != nil {
			return err
		}
		for i := len(deps) - 1; i >= 0; i-- { // the deepest first
			if err := e.execDependency(ctx, &deps[i], deleteNullable); err != nil {
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
