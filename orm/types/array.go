package types

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

var (
	uuidType    = reflect.TypeFor[UUID]()
	valuerType  = reflect.TypeFor[driver.Valuer]()
	scannerType = reflect.TypeFor[sql.Scanner]()
)

// PostgreSQL arrays travel as their text form ({1,2,3}, {"a","b"}) in
// both directions: lib/pq returns array columns as that text in []byte,
// pgx's stdlib as a string, and both pass a string argument to the server
// as text, which the server parses as the parameter's array type. One
// codec therefore serves aiopg and aiopgx without either driver's array
// types.

// ArrayElem describes a supported array element type.
type ArrayElem struct {
	Type reflect.Type // the element type, e.g. int64 or *string
	Base reflect.Type // Type without its pointer
	Ptr  bool         // elements are pointers: NULL elements are nil
}

// ArrayElemOf returns the element description of slice type t when t is
// a supported array field ([]int64, []string, []*float64, []UUID, ...),
// else nil. []byte is a bytes column, not an array.
func ArrayElemOf(t reflect.Type) *ArrayElem {
	if t.Kind() != reflect.Slice || t.Implements(valuerType) || reflect.PointerTo(t).Implements(scannerType) {
		return nil
	}
	e := &ArrayElem{Type: t.Elem(), Base: t.Elem()}
	if e.Base.Kind() == reflect.Pointer {
		e.Ptr = true
		e.Base = e.Base.Elem()
	}
	if e.Base == uuidType {
		return e
	}
	switch e.Base.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float32, reflect.Float64, reflect.String:
		return e
	}
	return nil
}

// AppendArray writes slice rv in PostgreSQL's array text form. Strings
// are always quoted, so that "", "NULL", braces and commas survive.
func AppendArray(b []byte, rv reflect.Value, e *ArrayElem) []byte {
	b = append(b, '{')
	for i := 0; i < rv.Len(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		v := rv.Index(i)
		if e.Ptr {
			if v.IsNil() {
				b = append(b, "NULL"...)
				continue
			}
			v = v.Elem()
		}
		if e.Base == uuidType {
			b, _ = v.Interface().(UUID).AppendText(b)
			continue
		}
		switch v.Kind() {
		case reflect.Bool:
			if v.Bool() {
				b = append(b, 't')
			} else {
				b = append(b, 'f')
			}
		case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
			b = strconv.AppendInt(b, v.Int(), 10)
		case reflect.Float32, reflect.Float64:
			f := v.Float()
			switch {
			case math.IsInf(f, 1):
				b = append(b, "Infinity"...)
			case math.IsInf(f, -1):
				b = append(b, "-Infinity"...)
			default:
				b = strconv.AppendFloat(b, f, 'g', -1, v.Type().Bits())
			}
		case reflect.String:
			b = appendQuoted(b, v.String())
		}
	}
	return append(b, '}')
}

// parseArray splits a one-dimensional array's text form into its
// elements; null[i] marks an unquoted NULL.
func parseArray(s string) (elems []string, null []bool, err error) {
	if strings.HasPrefix(s, "[") { // explicit bounds, e.g. [0:1]={1,2}
		i := strings.IndexByte(s, '=')
		if i < 0 {
			return nil, nil, fmt.Errorf("malformed array %q", s)
		}
		s = s[i+1:]
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, nil, fmt.Errorf("malformed array %q", s)
	}
	body := s[1 : len(s)-1]
	elems, null = []string{}, []bool{}
	if strings.TrimSpace(body) == "" {
		return elems, null, nil
	}
	i := 0
	for {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) && body[i] == '{' {
			return nil, nil, errors.New("multi-dimensional arrays are not supported")
		}
		if i < len(body) && body[i] == '"' {
			var sb strings.Builder
			i++
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
					if i == len(body) {
						break
					}
				}
				sb.WriteByte(body[i])
			}
			if i >= len(body) {
				return nil, nil, fmt.Errorf("malformed array %q: unterminated quote", s)
			}
			i++ // closing quote
			elems, null = append(elems, sb.String()), append(null, false)
			for i < len(body) && body[i] == ' ' {
				i++
			}
		} else {
			j := i
			for j < len(body) && body[j] != ',' {
				j++
			}
			v := strings.TrimSpace(body[i:j])
			elems, null = append(elems, v), append(null, strings.EqualFold(v, "NULL"))
			i = j
		}
		if i == len(body) {
			return elems, null, nil
		}
		if body[i] != ',' {
			return nil, nil, fmt.Errorf("malformed array %q at byte %d", s, i+1)
		}
		i++
	}
}

// DecodeArray parses text into slice dst (a settable slice value).
func DecodeArray(text string, dst reflect.Value, e *ArrayElem) error {
	elems, null, err := parseArray(text)
	if err != nil {
		return err
	}
	out := reflect.MakeSlice(dst.Type(), len(elems), len(elems))
	for i, s := range elems {
		v := out.Index(i)
		if null[i] {
			if !e.Ptr {
				return fmt.Errorf("NULL element %d in an array scanned into %v; use []*%v to keep NULLs", i+1, dst.Type(), e.Base)
			}
			continue
		}
		if e.Ptr {
			v.Set(reflect.New(e.Base))
			v = v.Elem()
		}
		if err := setArrayElem(v, s, e); err != nil {
			return fmt.Errorf("element %d of %v: %v", i+1, dst.Type(), err)
		}
	}
	dst.Set(out)
	return nil
}

func setArrayElem(v reflect.Value, s string, e *ArrayElem) error {
	if e.Base == uuidType {
		u, err := ParseUUID(s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(u))
		return nil
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits()) // accepts NaN, Infinity
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.String:
		v.SetString(s)
	}
	return nil
}

// ArrayDest returns the Scan destination of an array field: v is the
// field (a settable slice value) and e its ArrayElemOf.
func ArrayDest(v reflect.Value, e *ArrayElem) sql.Scanner { return arrayDest{v, e} }

// arrayDest is the Scan destination of an array field.
type arrayDest struct {
	v reflect.Value // the field, settable
	e *ArrayElem
}

func (d arrayDest) Scan(src any) error {
	var s string
	switch x := src.(type) {
	case nil:
		d.v.SetZero()
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("orm: cannot scan %T into %v (want a PostgreSQL array)", src, d.v.Type())
	}
	if err := DecodeArray(s, d.v, d.e); err != nil {
		return fmt.Errorf("orm: %v", err)
	}
	return nil
}

// ArrayText returns slice's array text form, for a bound argument.
func ArrayText(slice any) (string, error) {
	rv := reflect.ValueOf(slice)
	if !rv.IsValid() || ArrayElemOf(rv.Type()) == nil {
		return "", fmt.Errorf("%T is not a slice of bools, integers, floats, strings or UUIDs", slice)
	}
	return string(AppendArray(nil, rv, ArrayElemOf(rv.Type()))), nil
}

// PGArray wraps a slice ([]int64, []string, []*float64, []UUID, ...) as an
// argument bound as a PostgreSQL array in text form, which both aiopg and
// aiopgx accept; use it to compare an array column with a value:
// Eq("tags", PGArray([]string{"a", "b"})). It panics on a slice type that
// has no array form. Model fields need no wrapper.
func PGArray(slice any) driver.Valuer {
	rv := reflect.ValueOf(slice)
	e := ArrayElemOf(rv.Type())
	if e == nil {
		panic(fmt.Sprintf("PGArray: %T is not a slice of bools, integers, floats, strings or UUIDs", slice))
	}
	return pgArray{rv, e}
}

type pgArray struct {
	v reflect.Value
	e *ArrayElem
}

// Value is the array's text form; a nil slice is NULL.
func (a pgArray) Value() (driver.Value, error) {
	if a.v.IsNil() {
		return nil, nil
	}
	return string(AppendArray(nil, a.v, a.e)), nil
}
