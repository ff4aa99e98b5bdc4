package types

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
)

// JSON is a column holding any Go value as JSON: JSONB on PostgreSQL,
// JSON on MySQL (MariaDB stores it as LONGTEXT checked by json_valid) and
// TEXT on SQLite. V is marshalled with encoding/json when bound and
// unmarshalled when scanned.
//
// NULL: a JSON[T] field is NOT NULL and an SQL NULL scans as the zero V (a
// nil map or slice marshals to the JSON null, which is not SQL NULL). For
// a column that may be SQL NULL use *JSON[T]: nil binds and scans as NULL.
type JSON[T any] struct {
	V T
}

// NewJSON wraps v for a JSON column.
func NewJSON[T any](v T) JSON[T] { return JSON[T]{V: v} }

// Value marshals V. It is a string, not []byte, so that lib/pq sends it as
// text rather than as bytea.
func (j JSON[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, fmt.Errorf("orm.JSON[%v]: %w", reflect.TypeFor[T](), err)
	}
	return string(b), nil
}

// Scan unmarshals a JSON document from text or bytes (drivers return
// either); NULL sets the zero V.
func (j *JSON[T]) Scan(src any) error {
	var zero T
	j.V = zero
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("orm.JSON[%v]: cannot scan %T", reflect.TypeFor[T](), src)
	}
	if err := json.Unmarshal(b, &j.V); err != nil {
		return fmt.Errorf("orm.JSON[%v]: %w", reflect.TypeFor[T](), err)
	}
	return nil
}

// MarshalJSON writes V, so that a model with JSON fields encodes without
// the wrapper.
func (j JSON[T]) MarshalJSON() ([]byte, error) { return json.Marshal(j.V) }

// UnmarshalJSON reads V.
func (j *JSON[T]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &j.V) }

// jsonColumn marks JSON[T] for IsJSON: a generic type cannot be named in
// a type switch.
func (JSON[T]) jsonColumn() {}

type jsonColumner interface{ jsonColumn() }

var (
	jsonColumnType = reflect.TypeFor[jsonColumner]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// IsJSON reports whether t (not a pointer) is stored in a dialect's JSON
// column type: a JSON[T] or a json.RawMessage.
func IsJSON(t reflect.Type) bool {
	return t == rawMessageType || t.Implements(jsonColumnType)
}

// RawJSONDest returns the Scan destination of a json.RawMessage field,
// which reads text or bytes (SQLite and pgx's default paths return a
// string, which database/sql will not assign to a named byte slice).
func RawJSONDest(p *json.RawMessage) sql.Scanner { return rawJSONDest{p} }

type rawJSONDest struct{ p *json.RawMessage }

func (d rawJSONDest) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*d.p = nil
	case string:
		*d.p = json.RawMessage(s)
	case []byte:
		*d.p = append(json.RawMessage(nil), s...)
	default:
		return fmt.Errorf("orm: json.RawMessage: cannot scan %T", src)
	}
	return nil
}

// RawJSONValue binds a json.RawMessage as text (lib/pq would send []byte
// as bytea). A nil message is NULL in a nullable column and the JSON null
// otherwise.
func RawJSONValue(m json.RawMessage, null bool) any {
	if m == nil {
		if null {
			return nil
		}
		return "null"
	}
	return string(m)
}
