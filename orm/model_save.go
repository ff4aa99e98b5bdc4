package orm

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// rowStmt is a single-row INSERT or UPDATE of one entity, built once per
// set of columns and cached: running it only collects the arguments.
type rowStmt struct {
	key       rowKey
	sql       string
	fields    []*Field     // bound in this order (an UPDATE's key follows)
	returning []*Field     // INSERT ... RETURNING these
	plan      *schema.Plan // scan plan of the RETURNING columns
	lastID    bool         // read the auto key from LastInsertId
}

type rowKey struct {
	update bool
	cols   uint64
}

// cachedStmt returns the statement for the column set, building it with
// build on first use. Models of more than 64 fields are not cached.
func (e *entity) cachedStmt(update bool, cols *colSet, build func() (*rowStmt, error)) (*rowStmt, error) {
	if len(e.t.Fields) > 64 {
		return build()
	}
	key := rowKey{update, cols.low}
	last := &e.lastInsert
	if update {
		last = &e.lastUpdate
	}
	if st := last.Load(); st != nil && st.key == key {
		return st, nil // the commonest case: the same columns as last time
	}
	if st, ok := e.rowStmts.Load(key); ok {
		last.Store(st.(*rowStmt))
		return st.(*rowStmt), nil
	}
	st, err := build()
	if err != nil {
		return nil, err
	}
	st.key = key
	e.rowStmts.Store(key, st)
	last.Store(st)
	return st, nil
}

// insertStmt returns the INSERT of the row at p. Columns: every field,
// except that a zero auto key and a zero field with a default: tag are
// left to the database and read back (RETURNING, or LastInsertId for the
// auto key where the dialect has no INSERT RETURNING), and that with only
// the fields not in it, other than the primary key, are left out too.
func (e *entity) insertStmt(p schema.Ptr, only *colSet) (*rowStmt, error) {
	var cols colSet
	for i, f := range e.t.Fields {
		switch {
		case only != nil && !only.has(i) && !f.PK:
		case f.Auto && f.IsZero(p):
		case f.Default != "" && f.IsZero(p):
		default:
			cols.add(i)
		}
	}
	return e.cachedStmt(false, &cols, func() (*rowStmt, error) {
		t, d := e.t, e.db.dialect
		st := new(rowStmt)
		var back []string
		for i, f := range t.Fields {
			switch {
			case cols.has(i):
				st.fields = append(st.fields, f)
			case f.Auto || f.Default != "":
				if d.InsertReturning {
					st.returning = append(st.returning, f)
					back = append(back, f.Column)
				} else if f.Auto {
					st.lastID = true
				}
			}
		}
		b := sqlb.Get(d)
		defer sqlb.Put(b)
		if b.InsertInto(t.Name, st.fields, false) {
			b.ValuesRow(st.fields, nil)
		}
		if len(st.returning) > 0 {
			b.ReturningFields(st.returning)
			var err error
			if st.plan, err = e.plans.rows.Get(t, d.TimeAsText, back, false); err != nil {
				return nil, err
			}
		}
		st.sql = string(b.Buf)
		return st, nil
	})
}

// updateStmt returns UPDATE table SET <cols> WHERE <primary key>: every
// column but the key, or those of only. A key column in only, or nothing
// to set, is an error naming the model.
func (e *entity) updateStmt(op string, only *colSet) (*rowStmt, error) {
	if only == nil {
		if st := e.plans.updateAll.Load(); st != nil {
			return st, nil // the whole-row update, without the colSet and map lookup
		}
	}
	var cols colSet
	for i, f := range e.t.Fields {
		if only != nil && !only.has(i) {
			continue
		}
		if f.PK {
			if only != nil {
				return nil, fmt.Errorf("orm: %s of %v: column %q is part of the primary key, which an update by primary key cannot change", op, e.t.GoType, f.Column)
			}
			continue
		}
		cols.add(i)
	}
	if cols.low == 0 && len(cols.high) == 0 {
		return nil, fmt.Errorf("orm: %s of %v: nothing to update: table %s has no column outside its primary key", op, e.t.GoType, e.t.Name)
	}
	st, err := e.cachedStmt(true, &cols, func() (*rowStmt, error) {
		t := e.t
		st := new(rowStmt)
		b := sqlb.Get(e.db.dialect)
		defer sqlb.Put(b)
		for i, f := range t.Fields {
			if cols.has(i) {
				st.fields = append(st.fields, f)
			}
		}
		b.Write("UPDATE ")
		b.Ident(t.Name)
		b.Write(" SET ")
		b.SetFields(st.fields, nil, 0)
		b.Write(" WHERE ")
		for i, f := range t.PrimaryKey {
			if i > 0 {
				b.Write(" AND ")
			}
			st.fields = append(st.fields, f)
			b.Ident(f.Column)
			b.Write(" = ")
			b.Param()
		}
		st.sql = string(b.Buf)
		return st, nil
	})
	if err == nil && only == nil {
		e.plans.updateAll.Store(st)
	}
	return st, err
}

// insertRow inserts the row at p and reads back what the database
// generated. It returns the rows inserted (1).
func (e *entity) insertRow(ctx context.Context, p schema.Ptr, only *colSet) (int64, error) {
	st, err := e.insertStmt(p, only)
	if err != nil {
		return 0, err
	}
	db := e.db
	b := sqlb.Get(db.dialect)
	defer sqlb.Put(b)
	b.Fixed = st.sql
	for _, f := range st.fields {
		b.FieldArg(f, p)
	}
	if st.plan != nil {
		err := db.run(ctx, b, func(rows *sql.Rows) error {
			if !rows.Next() {
				if err := rows.Err(); err != nil { // MariaDB reports a refused insert here
					return db.wrapErr(err, st.sql)
				}
				return fmt.Errorf("orm: insert into %s: RETURNING gave no row", e.t.Name)
			}
			b.Scan.Set(st.plan, p, b.D.TimeWallUTC)
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
	if st.lastID {
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
func (e *entity) updateRow(ctx context.Context, p schema.Ptr, st *rowStmt) (int64, error) {
	b := sqlb.Get(e.db.dialect)
	defer sqlb.Put(b)
	b.Fixed = st.sql
	for _, f := range st.fields {
		b.FieldArg(f, p)
	}
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
	var upd *rowStmt
	if !created {
		if mode == saveUpdate && e.pkUnset(p) {
			return 0, fmt.Errorf("orm: %s of %v: the primary key is not set; create the row first", op, e.t.GoType)
		}
		if upd, err = e.updateStmt(op, sel); err != nil {
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
