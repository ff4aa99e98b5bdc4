package types

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
)

// HStore is a PostgreSQL hstore column: string keys to string values, a
// nil value being SQL NULL. It is bound and scanned in hstore's text form
// ("k"=>"v", "n"=>NULL) with every key and value quoted, so quotes,
// backslashes, commas, "=>" and spaces in them survive; that text form is
// what both aiopg and aiopgx exchange for a type they do not know.
//
// The hstore extension must exist in the database: open the DB with
// RegisterHStore() and CreateTable creates it (as the seed's
// register_hstore did), or run CREATE EXTENSION hstore yourself. Without
// it CREATE TABLE fails with "type hstore does not exist". Other dialects
// have no hstore column: use JSON[map[string]*string] there.
//
// A nil HStore binds as an empty hstore in a NOT NULL column; NULL scans
// as nil. Use *HStore for a nullable column.
type HStore map[string]*string

// Value is the hstore text form, keys in sorted order.
func (h HStore) Value() (driver.Value, error) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	for i, k := range keys {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendQuoted(b, k)
		b = append(b, "=>"...)
		if v := h[k]; v != nil {
			b = appendQuoted(b, *v)
		} else {
			b = append(b, "NULL"...)
		}
	}
	return string(b), nil
}

// Scan parses the hstore text form; NULL sets nil.
func (h *HStore) Scan(src any) error {
	var s string
	switch x := src.(type) {
	case nil:
		*h = nil
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("orm: cannot scan %T into an HStore", src)
	}
	m, err := parseHStore(s)
	if err != nil {
		return err
	}
	*h = m
	return nil
}

// parseHStore reads pairs "key"=>"value" or "key"=>NULL separated by
// commas; unquoted keys and values (which the server accepts on input)
// are read up to the next space, "=>" or comma.
func parseHStore(s string) (HStore, error) {
	m := HStore{}
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	token := func() (string, bool, error) { // text, quoted, error
		if i < len(s) && s[i] == '"' {
			var sb strings.Builder
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				sb.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", false, fmt.Errorf("orm: malformed hstore %q: unterminated quote", s)
			}
			i++
			return sb.String(), true, nil
		}
		j := i
		for i < len(s) && s[i] != ',' && s[i] != ' ' && s[i] != '=' {
			i++
		}
		if i == j {
			return "", false, fmt.Errorf("orm: malformed hstore %q at byte %d", s, i+1)
		}
		return s[j:i], false, nil
	}
	for skip(); i < len(s); skip() {
		k, _, err := token()
		if err != nil {
			return nil, err
		}
		skip()
		if !strings.HasPrefix(s[i:], "=>") {
			return nil, fmt.Errorf("orm: malformed hstore %q: want => after key %q", s, k)
		}
		i += 2
		skip()
		v, quoted, err := token()
		if err != nil {
			return nil, err
		}
		if !quoted && strings.EqualFold(v, "NULL") {
			m[k] = nil
		} else {
			m[k] = &v
		}
		skip()
		if i < len(s) {
			if s[i] != ',' {
				return nil, fmt.Errorf("orm: malformed hstore %q at byte %d", s, i+1)
			}
			i++
		}
	}
	return m, nil
}

// appendQuoted writes s in double quotes with " and \ escaped by a
// backslash, as hstore's and arrays' text forms quote.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
