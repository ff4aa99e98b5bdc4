package sqlb

import (
	"fmt"
	"reflect"
	"time"

	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
	"github.com/aiodb/aiodb/orm/types"
)

// CreateTable returns the statements that create t's table in dialect d
// (see orm's Model.CreateTableSQL). hstore prepends CREATE EXTENSION
// hstore when t has an HStore column and d has the type.
func CreateTable(d *dialect.Dialect, t *schema.Table, ifNotExists, hstore bool) ([]string, error) {
	b := Get(d)
	defer Put(b)
	b.Write("CREATE TABLE ")
	if ifNotExists {
		b.Write("IF NOT EXISTS ")
	}
	b.Ident(t.Name)
	b.Write(" (")
	inlinePK := false
	for i, f := range t.Fields {
		if i > 0 {
			b.Write(", ")
		}
		typ, err := columnType(f, t, d)
		if err != nil {
			return nil, err
		}
		b.Ident(f.Column)
		b.WriteChar(' ')
		if f.Auto && d.AutoIncrementType != "" && f.SQLType == "" {
			typ = d.AutoIncrementType
		}
		b.Write(typ)
		if !f.Null {
			b.Write(" NOT NULL")
		}
		if f.Default != "" {
			b.Write(" DEFAULT ")
			b.Write(f.Default)
		}
		if f.Auto && d.AutoIncrement != "" {
			if d.AutoIncrementInlinePK {
				if len(t.PrimaryKey) > 1 {
					return nil, fmt.Errorf("orm: model %v, field %s: %s cannot combine an auto key with a composite primary key", t.GoType, f.GoName, d.Name)
				}
				inlinePK = true
			}
			b.WriteChar(' ')
			b.Write(d.AutoIncrement)
		}
	}
	if !inlinePK {
		b.Write(", PRIMARY KEY (")
		for i, f := range t.PrimaryKey {
			if i > 0 {
				b.Write(", ")
			}
			b.Ident(f.Column)
		}
		b.WriteChar(')')
	}
	for _, idx := range t.Indexes {
		switch {
		case idx.Unique:
			b.Write(", CONSTRAINT ")
			b.Ident(idx.Name)
			b.Write(" UNIQUE ")
			identList(b, idx.Columns)
		case d.InlineIndexes:
			b.Write(", INDEX ")
			b.Ident(idx.Name)
			b.WriteChar(' ')
			identList(b, idx.Columns)
		}
	}
	for _, f := range t.Fields {
		if f.FK == nil {
			continue
		}
		refCol, err := schema.ResolveFK(t, f)
		if err != nil {
			return nil, err
		}
		b.Write(", CONSTRAINT ")
		b.Ident(t.Name + "_" + f.Column + "_fkey")
		b.Write(" FOREIGN KEY (")
		b.Ident(f.Column)
		b.Write(") REFERENCES ")
		b.Ident(f.FK.Table)
		b.Write(" (")
		b.Ident(refCol)
		b.WriteChar(')')
		if f.FK.OnDelete != "" {
			b.Write(" ON DELETE ")
			b.Write(f.FK.OnDelete)
		}
	}
	b.WriteChar(')')
	if d.TableOptions != "" {
		b.WriteChar(' ')
		b.Write(d.TableOptions)
	}
	stmts := []string{string(b.Buf)}
	if !d.InlineIndexes {
		for _, idx := range t.Indexes {
			if idx.Unique {
				continue
			}
			b.Buf = b.Buf[:0]
			b.Write("CREATE INDEX ")
			if ifNotExists {
				b.Write("IF NOT EXISTS ")
			}
			b.Ident(idx.Name)
			b.Write(" ON ")
			b.Ident(t.Name)
			b.WriteChar(' ')
			identList(b, idx.Columns)
			stmts = append(stmts, string(b.Buf))
		}
	}
	if hstore && d.Types.HStore != "" && hasHStore(t) {
		stmts = append([]string{"CREATE EXTENSION IF NOT EXISTS hstore"}, stmts...) // RegisterHStore
	}
	return stmts, nil
}

// DropTable returns DROP TABLE [IF EXISTS] for t in dialect d.
func DropTable(d *dialect.Dialect, t *schema.Table, ifExists bool) string {
	b := Get(d)
	defer Put(b)
	b.Write("DROP TABLE ")
	if ifExists {
		b.Write("IF EXISTS ")
	}
	b.Ident(t.Name)
	return string(b.Buf)
}

func identList(b *Builder, cols []string) {
	b.WriteChar('(')
	for i, c := range cols {
		if i > 0 {
			b.Write(", ")
		}
		b.Ident(c)
	}
	b.WriteChar(')')
}

var timeType = reflect.TypeFor[time.Time]()

// columnType returns the DDL type of f in dialect d.
func columnType(f *schema.Field, t *schema.Table, d *dialect.Dialect) (string, error) {
	if f.SQLType != "" {
		return f.SQLType, nil
	}
	typ := schema.ValueType(f.Type)
	ty := &d.Types
	var s string
	switch {
	case types.IsJSON(typ):
		s = ty.JSON
	case typ == uuidType:
		s = ty.UUID
	case typ == decimalType:
		s = ty.Decimal
	case typ == hstoreType:
		s = ty.HStore
	case types.ArrayElemOf(typ) != nil:
		if et := arrayElemDDL(types.ArrayElemOf(typ), ty); et != "" && ty.Array != "" {
			s = fmt.Sprintf(ty.Array, et)
		}
	case typ == timeType:
		s = ty.Time
	case typ.Kind() == reflect.Slice && typ.Elem().Kind() == reflect.Uint8:
		s = ty.Bytes
		if f.Size > 0 && ty.VarBinary != "" {
			s = fmt.Sprintf(ty.VarBinary, f.Size)
		}
	case typ.Kind() == reflect.String:
		switch {
		case f.Size > 0:
			s = fmt.Sprintf(ty.VarChar, f.Size)
		case ty.IndexedString != "" && isKey(f, t):
			s = ty.IndexedString
		default:
			s = ty.String
		}
	default:
		switch typ.Kind() {
		case reflect.Bool:
			s = ty.Bool
		case reflect.Int8:
			s = ty.Int8
		case reflect.Int16:
			s = ty.Int16
		case reflect.Int32:
			s = ty.Int32
		case reflect.Int, reflect.Int64:
			s = ty.Int64
		case reflect.Uint8:
			s = ty.Uint8
		case reflect.Uint16:
			s = ty.Uint16
		case reflect.Uint32:
			s = ty.Uint32
		case reflect.Uint, reflect.Uint64:
			s = ty.Uint64
		case reflect.Float32:
			s = ty.Float32
		case reflect.Float64:
			s = ty.Float64
		}
	}
	if s == "" {
		return "", fmt.Errorf("orm: model %v, field %s: no %s column type for %v; add type:... to its tag", t.GoType, f.GoName, d.Name, f.Type)
	}
	return s, nil
}

// isKey reports whether f is in the primary key, an index, a unique
// constraint or a foreign key (MySQL cannot index an unsized TEXT).
func isKey(f *schema.Field, t *schema.Table) bool {
	if f.PK || f.FK != nil {
		return true
	}
	for _, idx := range t.Indexes {
		for _, c := range idx.Columns {
			if c == f.Column {
				return true
			}
		}
	}
	return false
}

// arrayElemDDL returns the column type of an array's elements in ty (""
// when there is none).
func arrayElemDDL(e *types.ArrayElem, ty *dialect.DDLTypes) string {
	if e.Base == uuidType {
		return ty.UUID
	}
	switch e.Base.Kind() {
	case reflect.Bool:
		return ty.Bool
	case reflect.Int16:
		return ty.Int16
	case reflect.Int32:
		return ty.Int32
	case reflect.Int, reflect.Int64:
		return ty.Int64
	case reflect.Float32:
		return ty.Float32
	case reflect.Float64:
		return ty.Float64
	case reflect.String:
		return ty.String
	}
	return ""
}

var (
	uuidType    = reflect.TypeFor[types.UUID]()
	decimalType = reflect.TypeFor[types.Decimal]()
	hstoreType  = reflect.TypeFor[types.HStore]()
)

// hasHStore reports whether t has an HStore (or *HStore) column.
func hasHStore(t *schema.Table) bool {
	for _, f := range t.Fields {
		if f.Type == hstoreType || f.Type == reflect.PointerTo(hstoreType) {
			return true
		}
	}
	return false
}
