package schema

import (
	"database/sql"
	"fmt"
	"strings"
)

// BinaryType reports whether a column's database type holds bytes rather
// than text, for Maps, Tuples and Scalar, which turn text bytes into
// strings.
func BinaryType(name string) bool {
	name = strings.ToUpper(name)
	return strings.Contains(name, "BLOB") || strings.Contains(name, "BINARY") || name == "BYTEA" || name == "BIT"
}

// ScanValues scans each row of rows as []any, bytes of text columns as
// strings, with dest's list, and calls fn with each.
func ScanValues(rows *sql.Rows, dest *Dests, fn func(cols []string, vals []any) error) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	text := make([]bool, len(cols))
	for i, t := range types {
		text[i] = !BinaryType(t.DatabaseTypeName())
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
			if bs, ok := v.([]byte); ok && text[i] {
				vals[i] = string(bs)
			}
		}
		if err := fn(cols, vals); err != nil {
			return err
		}
	}
	return nil
}
