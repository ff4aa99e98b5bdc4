package schema

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/aiodb/aiodb/orm/types"
)

// isColumnType reports whether an embedded field is a value of its own
// (time.Time, a Valuer) rather than a struct to flatten.
func isColumnType(t reflect.Type) bool {
	return t == timeType || t.Implements(valuerType) || reflect.PointerTo(t).Implements(scannerType)
}

func isIntKind(k reflect.Kind) bool {
	return (k >= reflect.Int && k <= reflect.Int64) || (k >= reflect.Uint && k <= reflect.Uint64)
}

// checkFieldType accepts what database/sql can both bind and scan.
func checkFieldType(t reflect.Type) error {
	if t.Kind() == reflect.Pointer {
		if e := t.Elem(); e.Kind() != reflect.Pointer && (e.Implements(valuerType) || reflect.PointerTo(e).Implements(scannerType)) {
			return checkFieldType(e) // *T where T is a Valuer: NULL is nil
		}
	}
	if t.Implements(valuerType) || reflect.PointerTo(t).Implements(valuerType) {
		if !reflect.PointerTo(t).Implements(scannerType) {
			return fmt.Errorf("type %v is a driver.Valuer but *%v is not a sql.Scanner", t, t)
		}
		return nil
	}
	if reflect.PointerTo(t).Implements(scannerType) {
		return fmt.Errorf("type %v is a sql.Scanner but not a driver.Valuer", t)
	}
	b := t
	if b.Kind() == reflect.Pointer {
		b = b.Elem()
		if b.Kind() == reflect.Pointer {
			return fmt.Errorf("unsupported type %v (pointer to pointer)", t)
		}
		if b.Implements(valuerType) || reflect.PointerTo(b).Implements(scannerType) {
			return checkFieldType(b)
		}
	}
	if b == timeType {
		return nil
	}
	switch b.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.String:
		return nil
	case reflect.Slice:
		if b.Elem().Kind() == reflect.Uint8 || (b == t && types.ArrayElemOf(b) != nil) { // arrays (types.ArrayElemOf); NULL is tag null
			return nil
		}
	}
	return fmt.Errorf("unsupported type %v (want a bool, number, string, []byte, time.Time, a pointer to one, or a driver.Valuer that *T makes a sql.Scanner; or skip it with db:\"-\")", t)
}

// nullableType reports whether a Go type can hold NULL: pointers and
// sql.Null* style types (a struct with a Valid bool field).
func nullableType(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		return true
	}
	if t.Kind() == reflect.Struct && t.PkgPath() == "database/sql" && strings.HasPrefix(t.Name(), "Null") {
		return true
	}
	return false
}

// asIsTypes are the field types whose accessors' get returns only nil or
// a value checkValue passes unchanged (see Field.asIs).
var asIsTypes = map[reflect.Type]struct{}{
	reflect.TypeFor[int64](): {}, reflect.TypeFor[int](): {}, reflect.TypeFor[int32](): {},
	reflect.TypeFor[string](): {}, reflect.TypeFor[bool](): {}, reflect.TypeFor[float64](): {},
	reflect.TypeFor[*string](): {}, reflect.TypeFor[*int64](): {}, reflect.TypeFor[[]byte](): {},
}

// accessors returns the fast Scan destination and bind value functions for
// a field type; common types avoid reflection.
func accessors(t reflect.Type, null bool) (fieldKind, func(unsafe.Pointer) any, func(unsafe.Pointer) any) {
	switch t {
	case reflect.TypeFor[int64]():
		return kindOther, func(p unsafe.Pointer) any { return (*int64)(p) }, func(p unsafe.Pointer) any { return *(*int64)(p) }
	case reflect.TypeFor[int]():
		return kindOther, func(p unsafe.Pointer) any { return (*int)(p) }, func(p unsafe.Pointer) any { return int64(*(*int)(p)) }
	case reflect.TypeFor[int32]():
		return kindOther, func(p unsafe.Pointer) any { return (*int32)(p) }, func(p unsafe.Pointer) any { return int64(*(*int32)(p)) }
	case reflect.TypeFor[string]():
		return kindOther, func(p unsafe.Pointer) any { return (*string)(p) }, func(p unsafe.Pointer) any { return *(*string)(p) }
	case reflect.TypeFor[bool]():
		return kindOther, func(p unsafe.Pointer) any { return (*bool)(p) }, func(p unsafe.Pointer) any { return *(*bool)(p) }
	case reflect.TypeFor[float64]():
		return kindOther, func(p unsafe.Pointer) any { return (*float64)(p) }, func(p unsafe.Pointer) any { return *(*float64)(p) }
	case timeType:
		return kindTime, func(p unsafe.Pointer) any { return (*time.Time)(p) }, func(p unsafe.Pointer) any { return *(*time.Time)(p) }
	case reflect.TypeFor[*time.Time]():
		return kindTimePtr, func(p unsafe.Pointer) any { return (**time.Time)(p) }, func(p unsafe.Pointer) any {
			if v := *(**time.Time)(p); v != nil {
				return *v
			}
			return nil
		}
	case reflect.TypeFor[sql.NullTime]():
		return kindNullTime, func(p unsafe.Pointer) any { return (*sql.NullTime)(p) }, func(p unsafe.Pointer) any {
			if v := (*sql.NullTime)(p); v.Valid {
				return v.Time // bound as a time, so the dialect's BindTime applies
			}
			return nil
		}
	case reflect.TypeFor[*string]():
		return kindOther, func(p unsafe.Pointer) any { return (**string)(p) }, func(p unsafe.Pointer) any {
			if v := *(**string)(p); v != nil {
				return *v
			}
			return nil
		}
	case reflect.TypeFor[*int64]():
		return kindOther, func(p unsafe.Pointer) any { return (**int64)(p) }, func(p unsafe.Pointer) any {
			if v := *(**int64)(p); v != nil {
				return *v
			}
			return nil
		}
	case reflect.TypeFor[[]byte]():
		get := func(p unsafe.Pointer) any {
			if v := *(*[]byte)(p); v != nil {
				return v
			}
			return []byte{} // a nil slice is an empty value, not NULL, in a NOT NULL column
		}
		if null {
			get = func(p unsafe.Pointer) any {
				if v := *(*[]byte)(p); v != nil {
					return v
				}
				return nil
			}
		}
		return kindOther, func(p unsafe.Pointer) any { return (*[]byte)(p) }, get
	}
	if ptr, get, ok := typeAccessors(t, null); ok {
		return kindOther, ptr, get // json.RawMessage, arrays
	}
	ptr := func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Interface() }
	switch {
	case t.Implements(valuerType):
		return kindOther, ptr, func(p unsafe.Pointer) any { return reflect.NewAt(t, p).Elem().Interface() }
	case reflect.PointerTo(t).Implements(valuerType):
		return kindOther, ptr, ptr // only *T has Value: bind the pointer
	case t.Kind() == reflect.Pointer:
		return kindOther, ptr, func(p unsafe.Pointer) any {
			v := reflect.NewAt(t, p).Elem()
			if v.IsNil() {
				return nil
			}
			return BasicValue(v.Elem())
		}
	}
	return kindOther, ptr, func(p unsafe.Pointer) any { return BasicValue(reflect.NewAt(t, p).Elem()) }
}

// BasicValue converts a value of a named basic type (type Status string) to
// its driver.Value form, so that drivers with their own NamedValueChecker
// (which may not know named types) bind it like database/sql would.
func BasicValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return int64(v.Uint())
	case reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Slice:
		return v.Bytes()
	}
	return v.Interface()
}

// typeAccessors returns the Scan destination and bind value functions of
// the field types of package types that are not Valuers themselves:
// arrays and json.RawMessage.
func typeAccessors(t reflect.Type, null bool) (ptr, get func(unsafe.Pointer) any, ok bool) {
	if t == rawMessageType {
		return func(p unsafe.Pointer) any { return types.RawJSONDest((*json.RawMessage)(p)) },
			func(p unsafe.Pointer) any { return types.RawJSONValue(*(*json.RawMessage)(p), null) }, true
	}
	e := types.ArrayElemOf(t)
	if e == nil {
		return nil, nil, false
	}
	ptr = func(p unsafe.Pointer) any { return types.ArrayDest(reflect.NewAt(t, p).Elem(), e) }
	get = func(p unsafe.Pointer) any {
		v := reflect.NewAt(t, p).Elem()
		if v.IsNil() && null {
			return nil
		}
		return string(types.AppendArray(nil, v, e)) // a nil slice is {} in a NOT NULL column
	}
	return ptr, get, true
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// Ptr is the address of a model struct. Fields are read and written at
// their offsets from it; every such access is in this package.
type Ptr unsafe.Pointer

// PtrOf returns the address of a model value.
func PtrOf[T any](p *T) Ptr { return Ptr(unsafe.Pointer(p)) }

// addr returns the address of f in the struct at base.
func (f *Field) addr(base Ptr) unsafe.Pointer { return unsafe.Add(unsafe.Pointer(base), f.offset) }

// Value returns f's value in the struct at base as a bind argument.
func (f *Field) Value(base Ptr) any { return f.get(f.addr(base)) }

// Dest returns f's address in the struct at base as a Scan destination.
func (f *Field) Dest(base Ptr) any { return f.ptr(f.addr(base)) }

// AsIs reports whether Value returns only nil or a string, int64, bool,
// float64 or []byte, which every driver binds, so that a value check can
// be skipped.
func (f *Field) AsIs() bool { return f.asIs }

// IsTime reports whether f is a time.Time, *time.Time or sql.NullTime,
// which a dialect may return as text.
func (f *Field) IsTime() bool { return f.kind != kindOther }

// SetInt stores a generated integer key in f of the struct at base.
func (f *Field) SetInt(base Ptr, v int64) {
	fv := reflect.NewAt(f.Type, f.addr(base)).Elem()
	if fv.CanUint() {
		fv.SetUint(uint64(v))
	} else {
		fv.SetInt(v)
	}
}

// IsZero reports whether f holds its type's zero value in the struct at
// base.
func (f *Field) IsZero(base Ptr) bool { return f.zero(f.addr(base)) }

// Obj returns the struct at base as a *T in an interface, T the model's
// type.
func (t *Table) Obj(base Ptr) any { return reflect.NewAt(t.GoType, unsafe.Pointer(base)).Interface() }

// zeroFunc returns a zero test for t: integers are read directly (auto
// keys are tested for every inserted row), other types use reflection.
func zeroFunc(t reflect.Type) func(unsafe.Pointer) bool {
	if t.Kind() == reflect.Pointer {
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	}
	switch t.Size() {
	case 8:
		if isIntKind(t.Kind()) {
			return func(p unsafe.Pointer) bool { return *(*uint64)(p) == 0 }
		}
	case 4:
		if isIntKind(t.Kind()) {
			return func(p unsafe.Pointer) bool { return *(*uint32)(p) == 0 }
		}
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}
