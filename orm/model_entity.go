package orm

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// entity is everything about one model on one DB that does not depend on
// the Go type parameter: its metadata, its cached statements and scan
// plans. Model[T] embeds it; the model API (Get, Create, Save,
// DeleteInstance, GetOrCreate, ...) is written once here, on an object
// given as an schema.Ptr to its struct, so that Model[T] and the
// Manager, which receives objects as any, run the same code.
type entity struct {
	db     *DB
	t      *Table
	plans  schema.Plans // scan plans by result columns
	shapes sqlb.Shapes  // statements of one-condition shapes

	// src is the table, its column names in field order (src.Columns)
	// and those quoted and joined for SELECT (src.List).
	src      sqlb.Source
	ins      sqlb.InsertModel // the usual INSERT columns and statements
	fullPlan *schema.Plan     // the plan of a result with every column in order

	hooks hookSet      // which model hooks *T implements
	typed atomic.Value // the *Model[T] of this entity, made by NewModel

	rows sqlb.RowStmts // single-row INSERT and UPDATE statements
}

// entityOf returns the entity of struct type typ on db, building it on
// first use. Concurrent first uses may build it twice; one wins.
func (db *DB) entityOf(typ reflect.Type) (*entity, error) {
	if e, ok := db.models.Load(typ); ok {
		return e.(*entity), nil
	}
	t, err := schema.Of(typ)
	if err != nil {
		return nil, err
	}
	if err := checkDialectTypes(t, db.dialect); err != nil {
		return nil, err // arrays outside PostgreSQL (pgtypes_array.go)
	}
	e := &entity{db: db, t: t, hooks: hooksOf(typ)}
	e.src.T = t
	e.ins.T = t
	e.rows.T, e.rows.D, e.rows.Plans = t, db.dialect, &e.plans
	b := sqlb.Get(db.dialect)
	for i, f := range t.Fields {
		e.src.Columns = append(e.src.Columns, f.Column)
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(f.Column)
		if f.Default != "" {
			e.ins.HasDefaults = true
		}
		if !f.Auto && f.Default == "" {
			e.ins.Fields = append(e.ins.Fields, f)
		}
	}
	e.src.List = string(b.Buf)
	sqlb.Put(b)
	if t.Auto() != nil {
		e.ins.AutoOnly = []*Field{t.Auto()}
	}
	if e.fullPlan, err = e.plans.Get(t, db.dialect.TimeAsText, e.src.Columns, false); err != nil {
		return nil, err
	}
	actual, _ := db.models.LoadOrStore(typ, e)
	return actual.(*entity), nil
}

// entityOfObj returns the entity of obj, which must be a non-nil pointer
// to a model struct, and the struct's address.
func (db *DB) entityOfObj(op string, obj any) (*entity, schema.Ptr, error) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Type().Elem().Kind() != reflect.Struct {
		return nil, nil, fmt.Errorf("orm: %s: want a pointer to a model struct, not %T", op, obj)
	}
	if v.IsNil() {
		return nil, nil, fmt.Errorf("orm: %s: nil %T", op, obj)
	}
	e, err := db.entityOf(v.Type().Elem())
	if err != nil {
		return nil, nil, err
	}
	return e, schema.Ptr(v.UnsafePointer()), nil
}

// Register loads the metadata of model T without a DB, so that
// DeleteInstance(recursive) finds T's rows when they refer to the row
// being deleted, and an fk: tag naming T's table resolves. NewModel does
// the same; Register is for models a program never opens a Model of. It
// returns NewModel's errors for a bad model.
func Register[T any]() error {
	_, err := schema.Of(reflect.TypeFor[T]())
	return err
}

// obj returns the *T at p as an any, for the model's hook methods.
func (e *entity) obj(p schema.Ptr) any {
	return e.t.Obj(p)
}

// pkUnset reports whether the row at p has no primary key yet: its auto
// key is zero, or, without an auto key, every key field is zero.
func (e *entity) pkUnset(p schema.Ptr) bool {
	if a := e.t.Auto(); a != nil {
		return a.IsZero(p)
	}
	for _, f := range e.t.PrimaryKey {
		if !f.IsZero(p) {
			return false
		}
	}
	return true
}

// maybeAtomic runs fn in db.Atomic (a transaction, or a savepoint inside
// the one ctx carries) when atomic is true, else directly.
func (e *entity) maybeAtomic(ctx context.Context, atomic bool, fn func(ctx context.Context) error) error {
	if !atomic {
		return fn(ctx)
	}
	return e.db.Atomic(ctx, fn)
}

// onlySet resolves the column names given to Save's only to field
// indexes. An unknown column is an error naming it and the model.
func (e *entity) onlySet(op string, only []string) (*sqlb.ColSet, error) {
	if len(only) == 0 {
		return nil, nil
	}
	s := new(sqlb.ColSet)
	for _, c := range only {
		f := e.t.FieldByColumn(c)
		if f == nil {
			return nil, fmt.Errorf("orm: %s of %v: unknown column %q (table %s)", op, e.t.GoType, c, e.t.Name)
		}
		for i, g := range e.t.Fields {
			if g == f {
				s.Add(i)
				break
			}
		}
	}
	return s, nil
}
