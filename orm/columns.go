package orm

import (
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/orm/internal/sqlb"
	"github.com/aiodb/aiodb/orm/schema"
)

// Column is a typed column of a model: its name, checked once when
// ColumnsOf fills it, and comparisons that take a V, the Go type of the
// model's field, so that the compiler rejects a misspelled column and a
// value of the wrong type. Column names as strings still work everywhere;
// a Column gives the same Expr its string form gives, at the same cost.
//
//	type PageCols struct {
//		ID  orm.Column[int64]
//		Key orm.Column[string]
//	}
//	var P = orm.MustColumns[PageBlock, PageCols]()
//
//	pages.Select().Where(P.Key.Eq("title"), P.ID.Gt(10)).OrderBy(P.ID.Desc())
//
// The zero Column has no name; its conditions fail when the query is
// built, naming the empty column.
type Column[V any] struct {
	name, desc string
}

// Name is the column's name, for the APIs that take one: Select, Set,
// GroupBy, OrderBy (ascending).
func (c Column[V]) Name() string { return c.name }

// Asc is the column for OrderBy, ascending (its name).
func (c Column[V]) Asc() string { return c.name }

// Desc is the column for OrderBy, descending ("-" and its name).
func (c Column[V]) Desc() string { return c.desc }

// Expr is a reference to the column, to compare it with another column
// or use it inside SQL (as Col(name)).
func (c Column[V]) Expr() Expr { return sqlb.Col(c.name) }

// Of is the column qualified by a table or alias, for joins: P.ID.Of("p")
// is "p.id".
func (c Column[V]) Of(alias string) Column[V] {
	q := alias + "." + c.name
	return Column[V]{name: q, desc: "-" + q}
}

// Eq is col = v; a nil pointer v is col IS NULL.
func (c Column[V]) Eq(v V) Expr { return sqlb.Eq(c.name, v) }

// Ne is col <> v; a nil pointer v is col IS NOT NULL.
func (c Column[V]) Ne(v V) Expr { return sqlb.Ne(c.name, v) }

// Lt is col < v.
func (c Column[V]) Lt(v V) Expr { return sqlb.Lt(c.name, v) }

// Le is col <= v.
func (c Column[V]) Le(v V) Expr { return sqlb.Le(c.name, v) }

// Gt is col > v.
func (c Column[V]) Gt(v V) Expr { return sqlb.Gt(c.name, v) }

// Ge is col >= v.
func (c Column[V]) Ge(v V) Expr { return sqlb.Ge(c.name, v) }

// Between is col BETWEEN lo AND hi (inclusive).
func (c Column[V]) Between(lo, hi V) Expr { return sqlb.Between(c.name, lo, hi) }

// In is col IN (v1, v2, ...); no values is an error when the query is
// built, as with In.
func (c Column[V]) In(values ...V) Expr { return sqlb.In(c.name, values) }

// NotIn is col NOT IN (v1, v2, ...).
func (c Column[V]) NotIn(values ...V) Expr { return sqlb.NotIn(c.name, values) }

// Any is col = ANY($1) on PostgreSQL, In elsewhere (see Any).
func (c Column[V]) Any(values []V) Expr { return sqlb.Any(c.name, values) }

// InQuery is col IN (subquery).
func (c Column[V]) InQuery(q Query) Expr { return sqlb.In(c.name, q) }

// EqCol is col = other: a comparison of two columns of one type, often in
// a join condition.
func (c Column[V]) EqCol(other Column[V]) Expr { return sqlb.Eq(c.name, sqlb.Col(other.name)) }

// IsNull is col IS NULL.
func (c Column[V]) IsNull() Expr { return sqlb.IsNull(c.name) }

// IsNotNull is col IS NOT NULL.
func (c Column[V]) IsNotNull() Expr { return sqlb.IsNotNull(c.name) }

// Like is col LIKE pattern.
func (c Column[V]) Like(pattern string) Expr { return sqlb.Like(c.name, pattern) }

// ILike is col ILIKE pattern (LOWER(col) LIKE LOWER(pattern) off
// PostgreSQL).
func (c Column[V]) ILike(pattern string) Expr { return sqlb.ILike(c.name, pattern) }

// columnSetter is *Column[V], whatever V.
type columnSetter interface {
	setColumn(f *schema.Field) error
}

func (c *Column[V]) setColumn(f *schema.Field) error {
	if want := reflect.TypeFor[V](); want != f.Type {
		return fmt.Errorf("is Column[%v], but the field is %v", want, f.Type)
	}
	c.name, c.desc = f.Column, "-"+f.Column
	return nil
}

// ColumnsOf fills C, a struct of Column fields, from model T: each field
// of C names the field of T with the same Go name (a field of an embedded
// struct by its own name, or by its path with a db:"Outer.Inner" tag on
// C's field) and must be a Column of that field's Go type. C may list only some of T's fields. A field of C that
// names no field of T, has another type, or is not a Column is an error
// naming both structs and the field. Call it once, in a package-level
// variable (see MustColumns): it reads T's metadata, which NewModel
// would read too.
func ColumnsOf[T, C any]() (C, error) {
	var cols C
	t, err := schema.Of(reflect.TypeFor[T]())
	if err != nil {
		return cols, err
	}
	ct := reflect.TypeFor[C]()
	if ct.Kind() != reflect.Struct {
		return cols, fmt.Errorf("orm: ColumnsOf[%v, %v]: %v is not a struct", t.GoType, ct, ct)
	}
	cv := reflect.ValueOf(&cols).Elem()
	for i := 0; i < ct.NumField(); i++ {
		sf := ct.Field(i)
		if !sf.IsExported() {
			continue
		}
		set, ok := cv.Field(i).Addr().Interface().(columnSetter)
		if !ok {
			return cols, fmt.Errorf("orm: ColumnsOf[%v, %v]: field %s is %v, not an orm.Column", t.GoType, ct, sf.Name, sf.Type)
		}
		goName := sf.Name
		if tag := sf.Tag.Get("db"); tag != "" {
			goName = tag
		}
		f := fieldByGoName(t, goName)
		if f == nil {
			return cols, fmt.Errorf("orm: ColumnsOf[%v, %v]: field %s names no field of %v", t.GoType, ct, sf.Name, t.GoType)
		}
		if err := set.setColumn(f); err != nil {
			return cols, fmt.Errorf("orm: ColumnsOf[%v, %v]: field %s %v (%v.%s)", t.GoType, ct, sf.Name, err, t.GoType, f.GoName)
		}
	}
	return cols, nil
}

// MustColumns is ColumnsOf that panics on error, for package-level
// variables.
func MustColumns[T, C any]() C {
	c, err := ColumnsOf[T, C]()
	if err != nil {
		panic(err)
	}
	return c
}

// fieldByGoName finds T's field by its Go name: the whole "Outer.Inner"
// path, or for an embedded field its last element alone.
func fieldByGoName(t *Table, name string) *Field {
	var byLast *Field
	for _, f := range t.Fields {
		if f.GoName == name {
			return f
		}
		if n := len(f.GoName) - len(name); n > 0 && f.GoName[n-1] == '.' && f.GoName[n:] == name {
			byLast = f
		}
	}
	return byLast
}
