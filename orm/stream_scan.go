package orm

import (
	"database/sql"
	"fmt"
)

// numDest is rowStream's Scan destination for an int64, int or float64
// field. database/sql assigns a driver's int64 or float64 to such a field
// through reflection (reflect.ValueOf, AssignableTo, Value.Set), and to
// an int by formatting the value and parsing it back; as an sql.Scanner,
// numDest stores the driver's value directly when it has the field's
// type, and hands every other value to database/sql's own conversion
// (sql.Null's Scan), so that results and errors are the same as without
// it.
type numDest struct {
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

// numKindOf returns the numDest kind for the Scan destination d.
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

func (d *numDest) Scan(src any) error {
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
	return fmt.Errorf("orm: numDest of no kind") // never: rowStream sets a kind
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
