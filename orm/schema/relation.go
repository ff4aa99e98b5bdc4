package schema

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// Relation is a struct field tagged rel:"<foreign key column>". It is not
// a column: it holds rows of another model, loaded by Fetch or Prefetch.
//
//   - A pointer to a model, on the model that has the foreign key, holds
//     the row the key references:
//     Post *Post `rel:"post_id"` beside PostID int64 `db:"post_id,fk:post"`.
//   - A slice of pointers to a model, on the referenced model, holds the
//     rows whose foreign key references this one (the column is the
//     child's): Comments []*Comment `rel:"post_id"`.
//
// The key references the referenced model's primary key, or the column
// its fk:table.column tag names. NewModel checks relations: the column
// exists on the side that has it, its fk:table (when given) is the other
// model's table, and the two columns' Go types can hold the same values.
type Relation struct {
	Name   string       // the Go field name; in an embedded struct "Outer.Inner"
	Many   bool         // a slice of the rows referencing this one, not a pointer
	Type   reflect.Type // the field's type: *P or []*C
	Target *Table       // the related model: P or C
	FK     *Field       // the foreign key column: this model's for a pointer, Target's for a slice
	Ref    *Field       // the column FK references: Target's for a pointer, this model's for a slice

	column string
	elem   reflect.Type // the related struct type
	offset uintptr
}

// relations are a model's relation fields, resolved once on first use.
type relations struct {
	list []*Relation
	once sync.Once
	err  error
}

// Relations returns the model's relation fields in struct order (nil when
// it has none). A model loaded by NewModel has them resolved; for a Table
// reached through another relation they are resolved on this call, and
// nil is returned if that fails (NewModel of its type reports why).
func (t *Table) Relations() []*Relation {
	if t.rels == nil || t.ResolveRelations() != nil {
		return nil
	}
	return t.rels.list
}

// Relation returns the relation field named name (its Go name), or nil.
func (t *Table) Relation(name string) *Relation {
	for _, r := range t.Relations() {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// addRelation records a rel:"..." field while the table is built; what
// needs the other model is checked by resolveRelations.
func (t *Table) addRelation(sf reflect.StructField, goName string, base uintptr, tag string, hasDB bool) error {
	where := fmt.Sprintf("orm: model %v, field %s", t.GoType, goName)
	if hasDB {
		return fmt.Errorf("%s: a rel field is not a column; remove its db tag", where)
	}
	if !sf.IsExported() {
		return fmt.Errorf("%s: unexported field has a rel tag", where)
	}
	col := strings.TrimSpace(tag)
	if !ValidIdent(col) {
		return fmt.Errorf("%s: rel:%q: want rel:\"<foreign key column>\"", where, tag)
	}
	r := &Relation{Name: goName, Type: sf.Type, column: col, offset: base + sf.Offset}
	switch ft := sf.Type; {
	case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct:
		r.elem = ft.Elem()
	case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Pointer && ft.Elem().Elem().Kind() == reflect.Struct:
		r.elem, r.Many = ft.Elem().Elem(), true
	default:
		return fmt.Errorf("%s: a rel field is a *Model (the row its foreign key references) or a []*Model (the rows referencing it), not %v", where, ft)
	}
	if t.rels == nil {
		t.rels = &relations{}
	}
	t.rels.list = append(t.rels.list, r)
	return nil
}

// ResolveRelations links the relation fields to their models, once. It
// uses the other models' built tables only, never their relations, so two
// models pointing at each other resolve without waiting on each other.
func (t *Table) ResolveRelations() error {
	rs := t.rels
	if rs == nil {
		return nil
	}
	rs.once.Do(func() {
		for _, r := range rs.list {
			if rs.err = t.resolveRelation(r); rs.err != nil {
				return
			}
		}
	})
	return rs.err
}

func (t *Table) resolveRelation(r *Relation) error {
	where := fmt.Sprintf("orm: model %v, field %s (rel:%q)", t.GoType, r.Name, r.column)
	target, err := builtTable(r.elem)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	// owner has the foreign key column; referenced is the model it points at.
	owner, referenced := t, target
	if r.Many {
		owner, referenced = target, t
	}
	fk := owner.byColumn[r.column]
	if fk == nil {
		return fmt.Errorf("%s: model %v has no column %s", where, owner.GoType, r.column)
	}
	if fk.FK != nil && fk.FK.Table != referenced.Name {
		return fmt.Errorf("%s: column %s of %v references table %s, not %s (the table of %v)", where, r.column, owner.GoType, fk.FK.Table, referenced.Name, referenced.GoType)
	}
	var ref *Field
	switch {
	case fk.FK != nil && fk.FK.Column != "":
		if ref = referenced.byColumn[fk.FK.Column]; ref == nil {
			return fmt.Errorf("%s: column %s of %v references %s.%s, which model %v does not have", where, r.column, owner.GoType, referenced.Name, fk.FK.Column, referenced.GoType)
		}
	case len(referenced.PrimaryKey) == 1:
		ref = referenced.PrimaryKey[0]
	default:
		return fmt.Errorf("%s: model %v has a composite primary key; name the referenced column with fk:%s.column on %v's %s", where, referenced.GoType, referenced.Name, owner.GoType, r.column)
	}
	if keyClass(fk.Type) != keyClass(ref.Type) {
		return fmt.Errorf("%s: column %s of %v (%v) cannot match column %s of %v (%v)", where, fk.Column, owner.GoType, fk.Type, ref.Column, referenced.GoType, ref.Type)
	}
	r.Target, r.FK, r.Ref = target, fk, ref
	return nil
}

// LookupRelation returns t's relation name, resolved, with an error (for
// operation op, such as "Prefetch") listing the relations there are when
// there is none by that name.
func (t *Table) LookupRelation(op, name string) (*Relation, error) {
	if err := t.ResolveRelations(); err != nil {
		return nil, err
	}
	var names []string
	if t.rels != nil {
		for _, r := range t.rels.list {
			if r.Name == name {
				return r, nil
			}
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("orm: %s: model %v has no relation %q (no field is tagged rel:\"...\")", op, t.GoType, name)
	}
	return nil, fmt.Errorf("orm: %s: model %v has no relation %q (it has %s)", op, t.GoType, name, strings.Join(names, ", "))
}

// At returns the relation field of the struct at base, settable.
func (r *Relation) At(base Ptr) reflect.Value {
	return reflect.NewAt(r.Type, unsafe.Add(unsafe.Pointer(base), r.offset)).Elem()
}

// keyClass groups Go types whose values a foreign key and the column it
// references can share: integers of any size, strings, bytes, or else
// the type itself. Pointers and sql.Null* types count as what they hold.
func keyClass(t reflect.Type) any {
	t = ValueType(t)
	switch {
	case isIntKind(t.Kind()):
		return "integer"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "bytes"
	}
	return t
}

// KeyOf turns a column's bind value into a comparable map key, so that a
// foreign key and the column it references match whatever their Go types
// (int32 and int64, string and []byte, a value and its sql.Null*). ok is
// false for NULL.
func KeyOf(v any) (key any, ok bool) {
	if vr, isValuer := v.(driver.Valuer); isValuer {
		var err error
		if v, err = vr.Value(); err != nil {
			return nil, false
		}
	}
	switch x := v.(type) {
	case nil:
		return nil, false
	case int64, string, bool, float64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
		return x, true
	case []byte:
		return string(x), true
	case time.Time:
		return x.UTC().Round(0), true
	}
	rv := reflect.ValueOf(v)
	switch {
	case rv.CanInt():
		return rv.Int(), true
	case rv.CanUint() && rv.Uint() <= math.MaxInt64:
		return int64(rv.Uint()), true
	case rv.Kind() == reflect.String:
		return rv.String(), true
	case rv.Comparable():
		return v, true
	}
	return fmt.Sprint(v), true
}

// KeyValue returns the key (KeyOf) of f in the struct at base.
func KeyValue(f *Field, base Ptr) (any, bool) { return KeyOf(f.Value(base)) }

// nullTypes are database/sql's Null* types and what they hold.
var nullTypes = map[reflect.Type]reflect.Type{
	reflect.TypeFor[sql.NullString]():  reflect.TypeFor[string](),
	reflect.TypeFor[sql.NullInt64]():   reflect.TypeFor[int64](),
	reflect.TypeFor[sql.NullInt32]():   reflect.TypeFor[int32](),
	reflect.TypeFor[sql.NullInt16]():   reflect.TypeFor[int16](),
	reflect.TypeFor[sql.NullByte]():    reflect.TypeFor[uint8](),
	reflect.TypeFor[sql.NullFloat64](): reflect.TypeFor[float64](),
	reflect.TypeFor[sql.NullBool]():    reflect.TypeFor[bool](),
	reflect.TypeFor[sql.NullTime]():    timeType,
}

// ValueType returns the type of the values a column of Go type t holds:
// t without its pointer, and what a sql.Null* or sql.Null[V] holds.
func ValueType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := nullTypes[t]; ok {
		return v
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null[") {
		if v, ok := t.FieldByName("V"); ok {
			return v.Type
		}
	}
	return t
}

// ResolveFK returns the column f's foreign key references: its
// fk:table.column, or the primary key of the model built for that table.
func ResolveFK(t *Table, f *Field) (string, error) {
	if f.FK.Column != "" {
		return f.FK.Column, nil
	}
	ref, ok := ByName(f.FK.Table)
	if !ok {
		return "", fmt.Errorf("orm: model %v, field %s: fk:%s: no model for table %s is loaded; call NewModel for it first or write fk:%s.column", t.GoType, f.GoName, f.FK.Table, f.FK.Table, f.FK.Table)
	}
	if len(ref.PrimaryKey) != 1 {
		return "", fmt.Errorf("orm: model %v, field %s: fk:%s: table %s has a composite primary key; write fk:%s.column", t.GoType, f.GoName, f.FK.Table, f.FK.Table, f.FK.Table)
	}
	return ref.PrimaryKey[0].Column, nil
}
