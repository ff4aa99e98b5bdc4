package schema

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/orm/engine"
)

// BinaryType reports whether a column's database type holds bytes rather
// than text, for Maps, Tuples and Scalar, which turn text bytes into
// strings.
func BinaryType(name string) bool {
	name = strings.ToUpper(name)
	return strings.Contains(name, "BLOB") || strings.Contains(name, "BINARY") || name == "BYTEA" || name == "BIT"
}

// columnTyped is *sql.Rows' ColumnTypes, which engines' rows lack.
type columnTyped interface {
	ColumnTypes() ([]*sql.ColumnType, error)
}

// TextColumns reports, per column of rows, whether a []byte it holds is
// text to be read as a string. database/sql's drivers hand text as bytes;
// an engine's rows, which have no ColumnTypes, hand text as strings
// already and bytes only for binary columns, so for them it is nil.
func TextColumns(rows engine.Rows) ([]bool, error) {
	ct, ok := rows.(columnTyped)
	if !ok {
		return nil, nil
	}
	types, err := ct.ColumnTypes()
	if err != nil {
		return nil, err
	}
	text := make([]bool, len(types))
	for i, t := range types {
		text[i] = !BinaryType(t.DatabaseTypeName())
	}
	return text, nil
}

// ScanValues scans each row of rows as []any, bytes of text columns as
// strings, with dest's list, and calls fn with each.
func ScanValues(rows engine.Rows, dest *Dests, fn func(cols []string, vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	text, err := TextColumns(rows)
	if err != nil {
		return err
	}
	list := dest.Sized(len(cols))
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			list[i] = &vals[i]
		}
		if err := rows.Scan(list...); err != nil {
			return fmt.Errorf("orm: %w", err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok && text != nil && text[i] {
				vals[i] = string(bs)
			}
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return nil
}
