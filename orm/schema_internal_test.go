package orm

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
)

// TestAsIsTypesBindUnchanged: a field type in asIsTypes skips the
// builder's value check, so its getter must return what checkValue would
// pass unchanged, for a zero value and a set one.
func TestAsIsTypesBindUnchanged(t *testing.T) {
	b := getBuilder(pgdialect.New())
	defer putBuilder(b)
	for typ := range asIsTypes {
		_, _, get := accessors(typ, false)
		for _, set := range []bool{false, true} {
			v := reflect.New(typ)
			if set {
				e := v.Elem()
				switch typ.Kind() {
				case reflect.Pointer:
					e.Set(reflect.New(typ.Elem()))
				case reflect.Slice:
					e.Set(reflect.MakeSlice(typ, 1, 1))
				case reflect.Bool:
					e.SetBool(true)
				case reflect.String:
					e.SetString("x")
				case reflect.Float64:
					e.SetFloat(1.5)
				default:
					e.SetInt(7)
				}
			}
			got := get(unsafe.Pointer(v.Pointer()))
			checked, err := b.checkValue(got)
			if err != nil || reflect.TypeOf(checked) != reflect.TypeOf(got) || !reflect.DeepEqual(checked, got) {
				t.Errorf("%v (set %v): get gives %#v, checkValue %#v, %v: not bound as is", typ, set, got, checked, err)
			}
		}
	}
}
