package schema

import (
	"database/sql"
	"fmt"
)

// NumDest is a Scan destination for an int64, int or float64 field (orm's
// AioExecute scans through it). database/sql assigns a driver's int64 or float64 to such a field
// through reflection (reflect.ValueOf, AssignableTo, Value.Set), and to
// an int by formatting the value and parsing it back; as an sql.Scanner,
// NumDest stores the driver's value directly when it has the field's
// type, and hands every other value to database/sql's own conversion
// (sql.Null's Scan), so that results and errors are the same as without
// it.
type NumDest struct {
	kind numKind
	i64  *int64
	i    *int
	f64  *float64
}

type numKind uint8

const (
	numNone numKind = iota
	numInt64
	numInt
	numFloat64
)

// NumDestFor returns the NumDest for Scan destinations of d's type (a
// *int64, *int or *float64); false for any other.
func NumDestFor(d any) (NumDest, bool) {
	k := numKindOf(d)
	return NumDest{kind: k}, k != numNone
}

// Point aims n at d, a destination of the type n was made for, and
// returns n; a NumDest of no type returns d.
func (n *NumDest) Point(d any) any {
	switch n.kind {
	case numInt64:
		n.i64 = d.(*int64)
	case numInt:
		n.i = d.(*int)
	case numFloat64:
		n.f64 = d.(*float64)
	default:
		return d
	}
	return n
}

// numKindOf returns the NumDest kind for the Scan destination d.
func numKindOf(d any) numKind {
	switch d.(type) {
	case *int64:
		return numInt64
	case *int:
		return numInt
	case *float64:
		return numFloat64
	}
	return numNone
}

// Scan stores src in the field.
func (d *NumDest) Scan(src any) error {
	switch d.kind {
	case numInt64:
		if v, ok := src.(int64); ok {
			*d.i64 = v
			return nil
		}
		return convertNum(d.i64, src, "int64")
	case numInt:
		if v, ok := src.(int64); ok && int64(int(v)) == v {
			*d.i = int(v)
			return nil
		}
		return convertNum(d.i, src, "int")
	case numFloat64:
		if v, ok := src.(float64); ok {
			*d.f64 = v
			return nil
		}
		return convertNum(d.f64, src, "float64")
	}
	return fmt.Errorf("orm: a NumDest of no type") // never: NumDestFor gives a type
}

// convertNum converts src into *dst as database/sql's Scan into a *V
// does, with its error for NULL (sql.Null's Scan takes NULL for a valid
// zero).
func convertNum[V int64 | int | float64](dst *V, src any, kind string) error {
	if src == nil {
		return fmt.Errorf("converting NULL to %s is unsupported", kind)
	}
	var n sql.Null[V]
	if err := n.Scan(src); err != nil {
		return err
	}
	*dst = n.V
	return nil
}
