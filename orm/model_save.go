package orm

import (
	"context"
	"fmt"

	"github.com/aiodb/aiodb/orm/engine"
	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// insertRow inserts the row at p and reads back what the database
// generated. It returns the rows inserted (1).
func (e *entity) insertRow(ctx context.Context, p schema.Ptr, only *sqlb.ColSet) (int64, error) {
	st, err := e.rows.Insert(p, only)
	if err != nil {
		return 0, err
	}
	db := e.db
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	st.Bind(b, p)
	if st.Plan != nil {
		err := db.run(ctx, b, func(rows engine.Rows) error {
			if !rows.Next() {
				if err := rows.Err(); err != nil { // MariaDB reports a refused insert here
					return db.wrapErr(err, st.SQL)
				}
				return fmt.Errorf("orm: insert into %s: RETURNING gave no row", e.t.Name)
			}
			b.Scan.Set(st.Plan, p, b.D.TimeWallUTC)
			if err := rows.Scan(b.Scan.List...); err != nil {
				return fmt.Errorf("orm: scanning into %v: %w", e.t.GoType, err)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		return 1, nil
	}
	res, err := db.exec(ctx, b)
	if err != nil {
		return 0, err
	}
	if st.LastID {
		id, err := res.LastInsertId()
		if err != nil {
			return 0, fmt.Errorf("orm: insert into %s: reading the generated %s: %w", e.t.Name, e.t.Auto().Column, err)
		}
		e.t.Auto().SetInt(p, id)
	}
	return 1, nil
}

// updateRow runs st, an UPDATE by primary key, for the row at p and
// returns the rows affected (as the driver counts them: MySQL leaves out
// a row whose values did not change).
func (e *entity) updateRow(ctx context.Context, p schema.Ptr, st *sqlb.RowStmt) (int64, error) {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	st.Bind(b, p)
	return execCount(ctx, e.db, b)
}

type saveMode uint8

const (
	saveAuto   saveMode = iota // insert when the primary key is unset, else update
	saveInsert                 // always insert (Create, peewee's force_insert)
	saveUpdate                 // always update by primary key (Manager.Update)
)

// save writes the row at p with its hooks (see BeforeSaver and
// AfterSaver) and returns the rows written.
func (e *entity) save(ctx context.Context, op string, p schema.Ptr, mode saveMode, only []string) (int64, error) {
	sel, err := e.onlySet(op, only)
	if err != nil {
		return 0, err
	}
	created := mode == saveInsert || (mode == saveAuto && e.pkUnset(p))
	var upd *sqlb.RowStmt
	if !created {
		if mode == saveUpdate && e.pkUnset(p) {
			return 0, fmt.Errorf("orm: %s of %v: the primary key is not set; create the row first", op, e.t.GoType)
		}
		if upd, err = e.rows.Update(op, sel); err != nil {
			return 0, err
		}
	}
	autoWasZero := created && e.t.Auto() != nil && e.t.Auto().IsZero(p)
	var newUUIDs []*Field
	if created {
		newUUIDs = e.t.FillUUIDKeys(p) // client-generated orm.UUID keys
	}
	var n int64
	err = e.maybeAtomic(ctx, e.hooks&hookAfterSave != 0, func(ctx context.Context) error {
		if err := e.beforeSave(ctx, p, created); err != nil {
			return err
		}
		var err error
		if created {
			n, err = e.insertRow(ctx, p, sel)
		} else {
			n, err = e.updateRow(ctx, p, upd)
		}
		if err != nil {
			return err
		}
		return e.afterSave(ctx, p, created)
	})
	if err != nil {
		schema.ClearUUIDKeys(p, newUUIDs)
		if autoWasZero {
			// The row is not in the database (the insert failed or was
			// rolled back): a key read back would name a row that is not.
			e.t.Auto().SetInt(p, 0)
		}
		return 0, err
	}
	return n, nil
}

// Create inserts obj, always (peewee's create, and save with
// force_insert): a zero auto key and zero fields with a default: tag are
// left to the database and read back into obj, which is returned. A row
// whose key or unique column already exists fails with an error matching
// ErrIntegrity. BeforeSave and AfterSave hooks run with created = true.
func (m *Model[T]) Create(ctx context.Context, obj *T) (*T, error) {
	if obj == nil {
		return nil, errNilRow(m.t)
	}
	if _, err := m.save(ctx, "Create", schema.PtrOf(obj), saveInsert, nil); err != nil {
		return nil, err
	}
	return obj, nil
}

// Save writes obj, like peewee's save: an INSERT when its primary key is
// unset (a zero auto key; without one, every key field zero), reading
// generated values back into obj; otherwise an UPDATE of every other
// column by primary key. only limits the columns written to those named
// (for an insert the primary key is always written): an unknown column, a
// key column in an update, or an update with nothing to set is an error
// naming the model. It returns the rows written: 1 for an insert; for an
// update 0 when no row has the key (and on MySQL when nothing changed).
// Hooks run as described at BeforeSaver and AfterSaver.
func (m *Model[T]) Save(ctx context.Context, obj *T, only ...string) (int64, error) {
	if obj == nil {
		return 0, errNilRow(m.t)
	}
	return m.save(ctx, "Save", schema.PtrOf(obj), saveAuto, only)
}
